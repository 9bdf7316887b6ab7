//! Merge detection and discovery: how rings that can hear each other
//! become one, and why a one-way link does not make them churn.
//!
//! Every operational representative, and every member that heard a node
//! outside its ring recently, multicasts a merge-detect every `merge` ms
//! (and within `join` ms of hearing a new outsider): "I am in ring R with
//! these members, and I hear these outsiders". A node starts a merge
//! (gathers with the other ring's members) only when, for its own ring R
//! and another ring R', every member of R hears every member of R' and the
//! reverse, as the latest announcements say (each at most `3·merge` ms
//! old). With a one-way link somewhere between them that never holds, so
//! the two rings stay as they are instead of forming, failing and forming
//! again. Once the link heals, the next announcements complete the mesh.

use std::collections::BTreeMap;

use super::message::{MergeDetect, Packet, MAX_MEMBERS};
use super::timer::Timer;
use super::{NodeId, Totem};
use crate::time::Instant;
use crate::wire::{DropReason, Header, RingId};

/// Most nodes remembered as heard or announced: outsiders beyond this are
/// forgotten oldest first.
const MAX_REMEMBERED: usize = 4 * MAX_MEMBERS;

/// The latest merge-detect of a node.
#[derive(Debug, Clone)]
struct Announcement {
    ring_id: RingId,
    members: Vec<NodeId>,
    heard: Vec<NodeId>,
    at: Instant,
}

/// What this node knows about other rings.
#[derive(Debug, Clone, Default)]
pub(super) struct MergeState {
    /// Outsiders (not in our ring) by when we last heard any packet of
    /// theirs.
    heard: BTreeMap<NodeId, Instant>,
    announcements: BTreeMap<NodeId, Announcement>,
}

fn forget_oldest<V>(map: &mut BTreeMap<NodeId, V>, at: impl Fn(&V) -> Instant) {
    while map.len() > MAX_REMEMBERED {
        let oldest = map
            .iter()
            .min_by_key(|(_, v)| at(v))
            .map(|(k, _)| *k)
            .expect("non-empty");
        map.remove(&oldest);
    }
}

impl Totem {
    fn fresh(&self, at: Instant) -> bool {
        let window_ms = u128::from(self.config.merge_ms) * 3;
        self.now.saturating_since(at).as_millis() <= window_ms
    }

    /// Every authentic packet tells us its sender is reachable from it.
    pub(super) fn note_heard(&mut self, header: &Header) {
        let sender = header.sender;
        if self.last.ring.position(sender).is_some() {
            return;
        }
        let known = self
            .merge
            .heard
            .get(&sender)
            .is_some_and(|t| self.fresh(*t));
        self.merge.heard.insert(sender, self.now);
        forget_oldest(&mut self.merge.heard, |t| *t);
        if !known && self.is_operational() {
            // Tell the newcomer (and our ring) soon, not in `merge` ms.
            let soon = self.after_ms(self.config.join_ms);
            if self.timers.get(Timer::Merge).is_none_or(|t| t > soon) {
                self.timers.set(Timer::Merge, soon);
            }
        }
    }

    fn heard_recently(&self) -> Vec<NodeId> {
        self.merge
            .heard
            .iter()
            .filter(|(n, t)| self.fresh(**t) && self.last.ring.position(**n).is_none())
            .map(|(n, _)| *n)
            .take(MAX_MEMBERS)
            .collect()
    }

    pub(super) fn on_merge_timer(&mut self) {
        if !self.is_operational() {
            return;
        }
        let heard = self.heard_recently();
        if self.last.ring.members.first() == Some(&self.id) || !heard.is_empty() {
            // Judge our own hearing by what we announced, as everyone else
            // does: then all nodes see a mesh complete at the same moment.
            self.merge.announcements.insert(
                self.id,
                Announcement {
                    ring_id: self.last.ring.id,
                    members: self.last.ring.members.clone(),
                    heard: heard.clone(),
                    at: self.now,
                },
            );
            let md = MergeDetect {
                members: self.last.ring.members.clone(),
                heard,
            };
            self.multicast(self.last.ring.id, &Packet::MergeDetect(md));
        }
        let at = self.jittered_ms(self.config.merge_ms);
        self.timers.set(Timer::Merge, at);
        self.try_merge();
    }

    pub(super) fn on_merge_detect(&mut self, header: &Header, md: MergeDetect) {
        let sorted = |v: &[NodeId]| v.len() <= MAX_MEMBERS && v.windows(2).all(|w| w[0] < w[1]);
        if !sorted(&md.members)
            || !sorted(&md.heard)
            || md.members.binary_search(&header.sender).is_err()
            || md.members.first() != Some(&header.ring_id.rep)
        {
            return self.drops.count(DropReason::Malformed);
        }
        self.merge.announcements.insert(
            header.sender,
            Announcement {
                ring_id: header.ring_id,
                members: md.members,
                heard: md.heard,
                at: self.now,
            },
        );
        forget_oldest(&mut self.merge.announcements, |a| a.at);
        if self.is_operational() {
            self.try_merge();
        }
    }

    /// Gathers with the first other ring whose mesh with ours is complete.
    fn try_merge(&mut self) {
        let mine = &self.last.ring;
        let mut rings: Vec<(RingId, Vec<NodeId>)> = self
            .merge
            .announcements
            .values()
            .filter(|a| self.fresh(a.at) && a.ring_id != mine.id)
            .filter(|a| a.members.iter().all(|n| mine.position(*n).is_none()))
            .map(|a| (a.ring_id, a.members.clone()))
            .collect();
        rings.dedup();
        let found = rings
            .into_iter()
            .find(|(id, members)| self.mesh_complete(*id, members));
        if let Some((_, members)) = found {
            self.enter_gather(&members);
        }
    }

    /// Whether every member of our ring hears every member of `theirs`
    /// and the reverse.
    fn mesh_complete(&self, their_ring: RingId, theirs: &[NodeId]) -> bool {
        let mine = &self.last.ring;
        let announced = |node: NodeId, ring: RingId, must_hear: &[NodeId]| {
            self.merge.announcements.get(&node).is_some_and(|a| {
                self.fresh(a.at)
                    && a.ring_id == ring
                    && must_hear.iter().all(|n| a.heard.binary_search(n).is_ok())
            })
        };
        theirs
            .iter()
            .all(|t| announced(*t, their_ring, &mine.members))
            && mine.members.iter().all(|m| announced(*m, mine.id, theirs))
    }

    /// Whether an outsider's join may pull this operational node into
    /// gather: only when the mesh between our ring and the sender's last
    /// ring is complete, so that we would have started the merge
    /// ourselves.
    pub(super) fn outsider_may_pull_us_in(&self, header: &Header) -> bool {
        self.merge
            .announcements
            .get(&header.sender)
            .filter(|a| a.ring_id == header.ring_id && self.fresh(a.at))
            .is_some_and(|a| {
                a.members
                    .iter()
                    .all(|n| self.last.ring.position(*n).is_none())
                    && self.mesh_complete(a.ring_id, &a.members)
            })
    }
}
