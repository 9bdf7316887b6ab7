//! Membership: gather (agree on who is in), commit (number the new ring
//! and collect what each member brings).
//!
//! # Gather
//! Each node multicasts a join with its proc set (nodes it wants) and fail
//! set (nodes it gave up on), every `join` ms and whenever they change.
//! Sets grow by union with every join received. Consensus: every node of
//! `proc − fail` has sent exactly our sets. A node that has not sent a join
//! naming us within `join_wait` of entering our proc set is failed (it is
//! dead, or cannot hear us); after `consensus` ms whoever still disagrees
//! is failed, and so is a representative that agreed but never sent the
//! commit token. A node that finds itself in a sender's fail set fails the
//! sender: they cannot be in one ring.
//!
//! # Commit
//! The lowest member of the agreed set numbers the new ring above every
//! ring seq any member has seen, and sends the commit token round the ring
//! twice: the first pass collects each member's [`MemberInfo`], the second
//! gives everyone the full list and starts recovery.

use std::collections::{BTreeMap, BTreeSet};

use super::message::{CommitToken, Join, MemberInfo, Packet, MAX_MEMBERS};
use super::recovery::Recovery;
use super::timer::Timer;
use super::{NodeId, Phase, Ring, Totem};
use crate::time::Instant;
use crate::wire::{DropReason, Header, RingId};

/// The gather phase's state.
#[derive(Debug, Clone, Default)]
pub(super) struct Gather {
    pub proc_set: BTreeSet<NodeId>,
    pub fail_set: BTreeSet<NodeId>,
    /// The latest join of each node, as (proc, fail).
    joins: BTreeMap<NodeId, (Vec<NodeId>, Vec<NodeId>)>,
    /// When each node entered our proc set: its `join_wait` starts then.
    since: BTreeMap<NodeId, Instant>,
}

impl Gather {
    /// The set being agreed on.
    pub fn candidates(&self) -> Vec<NodeId> {
        self.proc_set.difference(&self.fail_set).copied().collect()
    }

    fn add_proc(&mut self, node: NodeId, now: Instant) -> bool {
        self.since.entry(node).or_insert(now);
        self.proc_set.insert(node)
    }

    fn agrees(&self, node: NodeId) -> bool {
        self.joins.get(&node).is_some_and(|(p, f)| {
            p.iter().eq(self.proc_set.iter()) && f.iter().eq(self.fail_set.iter())
        })
    }

    /// Whether `node` sent a join that names `me` (it hears us).
    fn hears(&self, node: NodeId, me: NodeId) -> bool {
        self.joins
            .get(&node)
            .is_some_and(|(p, _)| p.binary_search(&me).is_ok())
    }
}

fn sorted_unique_bounded(nodes: &[NodeId]) -> bool {
    nodes.len() <= MAX_MEMBERS && nodes.windows(2).all(|w| w[0] < w[1])
}

impl Totem {
    /// Leaves whatever the node was doing and gathers, wanting its last
    /// ring's members, the ring it was forming, and `also`.
    pub(super) fn enter_gather(&mut self, also: &[NodeId]) {
        self.enter_gather_failing(also, &[]);
    }

    /// This member failed to receive its ring's messages: it gathers with
    /// every ring mate failed, so they fail it on its first join and form
    /// a ring without it, and it forms a ring of its own.
    pub(super) fn fail_to_receive(&mut self) {
        let me = self.id;
        let mates: Vec<NodeId> = match &self.forming {
            Some(f) => f.ring.members.clone(),
            None => self.last.ring.members.clone(),
        };
        let mates: Vec<NodeId> = mates.into_iter().filter(|n| *n != me).collect();
        self.failed_to_receive = self.failed_to_receive.saturating_add(1);
        self.enter_gather_failing(&[], &mates);
    }

    fn enter_gather_failing(&mut self, also: &[NodeId], fail: &[NodeId]) {
        let mut gather = Gather::default();
        let forming_members = match &self.phase {
            Phase::Commit(ring) => ring.members.clone(),
            Phase::Recovery(_) => self
                .forming
                .as_ref()
                .map(|f| f.ring.members.clone())
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        let me = [self.id];
        let wanted = me
            .iter()
            .chain(&self.last.ring.members)
            .chain(&forming_members)
            .chain(also);
        for node in wanted {
            gather.add_proc(*node, self.now);
        }
        gather
            .fail_set
            .extend(fail.iter().copied().filter(|n| *n != self.id));
        self.forming = None;
        self.token.reset(&mut self.timers);
        self.timers.stop(Timer::TokenLoss);
        self.timers.stop(Timer::Merge);
        self.phase = Phase::Gather(gather);
        self.send_join();
        let at = self.jittered_ms(self.config.join_ms);
        self.timers.set(Timer::Join, at);
        self.timers
            .set(Timer::Consensus, self.after_ms(self.config.consensus_ms));
        self.check_consensus();
    }

    fn send_join(&mut self) {
        let Phase::Gather(g) = &self.phase else {
            return;
        };
        let join = Join {
            proc_set: g.proc_set.iter().copied().collect(),
            fail_set: g.fail_set.iter().copied().collect(),
            max_ring_seq: self.max_ring_seq,
        };
        self.multicast(self.last.ring.id, &Packet::Join(join));
    }

    pub(super) fn on_join(&mut self, header: &Header, join: Join) {
        if !sorted_unique_bounded(&join.proc_set)
            || !sorted_unique_bounded(&join.fail_set)
            || join.max_ring_seq > super::MAX_RING_SEQ
        {
            return self.drops.count(DropReason::Malformed);
        }
        let sender = header.sender;
        let pulls_us_in = match &self.phase {
            Phase::Gather(_) => true,
            // A ring mate gathering (and not a join from before our ring).
            // An outsider's only when the merge-detect mesh says everyone
            // hears everyone (see `merge`): otherwise a node that only some
            // of us hear would break our ring again and again.
            Phase::Operational => {
                if self.last.ring.position(sender).is_none() {
                    if !self.outsider_may_pull_us_in(header) {
                        return;
                    }
                    true
                } else {
                    join.max_ring_seq >= self.last.ring.id.seq
                }
            }
            // A member of the ring we form gave up on it.
            Phase::Commit(ring) => {
                ring.position(sender).is_some() && join.max_ring_seq >= ring.id.seq
            }
            Phase::Recovery(_) => self.forming.as_ref().is_some_and(|f| {
                f.ring.position(sender).is_some() && join.max_ring_seq >= f.ring.id.seq
            }),
        };
        if !pulls_us_in {
            return self.drops.count(DropReason::Stale);
        }
        self.max_ring_seq = self.max_ring_seq.max(join.max_ring_seq);
        if !matches!(self.phase, Phase::Gather(_)) {
            self.enter_gather(&[sender]);
        }
        self.absorb_join(sender, join);
    }

    /// Gather: merges a join into our sets.
    fn absorb_join(&mut self, sender: NodeId, join: Join) {
        let (me, now) = (self.id, self.now);
        let Phase::Gather(g) = &mut self.phase else {
            return;
        };
        if g.fail_set.contains(&sender) {
            return;
        }
        let mut changed = false;
        if join.fail_set.binary_search(&me).is_ok() {
            changed |= g.fail_set.insert(sender);
        } else {
            changed |= g.add_proc(sender, now);
            for node in &join.proc_set {
                changed |= g.add_proc(*node, now);
            }
            for node in join.fail_set.iter().filter(|n| **n != me) {
                changed |= g.fail_set.insert(*node);
            }
            g.joins.insert(sender, (join.proc_set, join.fail_set));
        }
        self.bound_gather();
        if changed {
            self.send_join();
        }
        self.check_consensus();
    }

    /// A ring has at most [`MAX_MEMBERS`]: beyond that, the highest ids
    /// are failed (every node computes the same cut).
    fn bound_gather(&mut self) {
        let Phase::Gather(g) = &mut self.phase else {
            return;
        };
        let candidates = g.candidates();
        for node in candidates.iter().skip(MAX_MEMBERS) {
            g.fail_set.insert(*node);
        }
        let me = self.id;
        assert!(!g.fail_set.contains(&me), "a node never fails itself");
    }

    pub(super) fn on_join_timer(&mut self) {
        let (me, now, wait_ms) = (self.id, self.now, self.config.join_wait_ms());
        let Phase::Gather(g) = &mut self.phase else {
            return;
        };
        let silent: Vec<NodeId> = g
            .candidates()
            .into_iter()
            .filter(|n| *n != me && !g.hears(*n, me))
            .filter(|n| {
                g.since
                    .get(n)
                    .is_some_and(|t| now.saturating_since(*t).as_millis() >= u128::from(wait_ms))
            })
            .collect();
        g.fail_set.extend(silent);
        self.send_join();
        let at = self.jittered_ms(self.config.join_ms);
        self.timers.set(Timer::Join, at);
        self.check_consensus();
    }

    pub(super) fn on_consensus_timer(&mut self) {
        let me = self.id;
        let Phase::Gather(g) = &mut self.phase else {
            return;
        };
        let candidates = g.candidates();
        let disagreeing: Vec<NodeId> = candidates
            .iter()
            .copied()
            .filter(|n| *n != me && !g.agrees(*n))
            .collect();
        if disagreeing.is_empty() {
            // Everyone agreed long ago, yet no commit token came: the
            // representative moved on (its last join was stale) or died.
            let rep = candidates.first().copied().filter(|r| *r != me);
            g.fail_set.extend(rep);
        }
        g.fail_set.extend(disagreeing);
        self.send_join();
        self.timers
            .set(Timer::Consensus, self.after_ms(self.config.consensus_ms));
        self.check_consensus();
    }

    /// On consensus the representative starts the commit; the others wait
    /// for its commit token.
    fn check_consensus(&mut self) {
        let me = self.id;
        let Phase::Gather(g) = &self.phase else {
            return;
        };
        let members = g.candidates();
        if members.first() != Some(&me) {
            return;
        }
        if !members.iter().all(|n| *n == me || g.agrees(*n)) {
            return;
        }
        let ring = Ring {
            id: RingId {
                seq: self.max_ring_seq + 1,
                rep: me,
            },
            members,
        };
        self.max_ring_seq = ring.id.seq;
        self.timers.stop(Timer::Join);
        self.timers.stop(Timer::Consensus);
        let commit = CommitToken {
            members: ring.members.clone(),
            info: vec![self.member_info()],
            complete: false,
        };
        self.phase = Phase::Commit(ring.clone());
        self.timers
            .set(Timer::TokenLoss, self.after_ms(self.config.token_ms));
        if ring.members.len() == 1 {
            self.start_recovery(ring, commit.info);
            self.start_ring_token();
        } else {
            self.send_token(ring.members[1], ring.id, &Packet::Commit(commit));
        }
    }

    fn member_info(&self) -> MemberInfo {
        let store = &self.last.store;
        MemberInfo {
            node: self.id,
            old_ring: self.last.ring.id,
            aru: store.aru,
            high_seq: store.high_seq,
            safe_aru: store.safe_aru,
        }
    }

    pub(super) fn on_commit(&mut self, header: &Header, mut commit: CommitToken) {
        let n = commit.members.len();
        if !sorted_unique_bounded(&commit.members)
            || n < 2
            || commit.info.len() > n
            || commit.members[0] != header.ring_id.rep
        {
            return self.drops.count(DropReason::Malformed);
        }
        let Ok(idx) = commit.members.binary_search(&self.id) else {
            return self.drops.count(DropReason::NotForUs);
        };
        let in_order = commit
            .info
            .iter()
            .zip(&commit.members)
            .all(|(i, m)| i.node == *m);
        // What the token says we brought must be what we wrote.
        let ours_intact = commit.info.get(idx).is_none_or(|i| {
            i.old_ring == self.last.ring.id
                || !commit.complete && matches!(self.phase, Phase::Gather(_))
        });
        if !in_order || !ours_intact {
            return self.drops.count(DropReason::Malformed);
        }
        let ring = Ring {
            id: header.ring_id,
            members: commit.members.clone(),
        };
        let next = commit.members[(idx + 1) % n];
        // The ring we committed, members and all: with a ring id reused
        // after a lost ring-seq file, a stale pass of another ring of that
        // id must not start recovery here.
        let forming_this = |phase: &Phase| match phase {
            Phase::Commit(r) => *r == ring,
            _ => false,
        };
        match (commit.complete, idx == 0) {
            // First pass back at the representative: everyone answered.
            (false, true) if forming_this(&self.phase) && commit.info.len() == n => {
                commit.complete = true;
                self.start_recovery(ring.clone(), commit.info.clone());
                self.send_token(next, ring.id, &Packet::Commit(commit));
            }
            // First pass at a member: add what it brings.
            (false, false) if self.accepts_commit(&ring) && commit.info.len() == idx => {
                self.max_ring_seq = ring.id.seq;
                commit.info.push(self.member_info());
                self.phase = Phase::Commit(ring.clone());
                self.timers.stop(Timer::Join);
                self.timers.stop(Timer::Consensus);
                self.timers
                    .set(Timer::TokenLoss, self.after_ms(self.config.token_ms));
                self.send_token(next, ring.id, &Packet::Commit(commit));
            }
            // Second pass back at the representative: start the ring.
            (true, true) if self.awaits_second_pass(&ring) => self.start_ring_token(),
            // Second pass at a member: recover.
            (true, false) if forming_this(&self.phase) && commit.info.len() == n => {
                self.start_recovery(ring.clone(), commit.info.clone());
                self.send_token(next, ring.id, &Packet::Commit(commit));
            }
            _ => self.drops.count(DropReason::Stale),
        }
    }

    /// A gathering node joins a commit for exactly the set it wants, in a
    /// ring numbered above any it has seen.
    fn accepts_commit(&self, ring: &Ring) -> bool {
        match &self.phase {
            Phase::Gather(g) => g.candidates() == ring.members && ring.id.seq > self.max_ring_seq,
            _ => false,
        }
    }

    fn awaits_second_pass(&self, ring: &Ring) -> bool {
        match &self.phase {
            Phase::Recovery(Recovery { token_started, .. }) => {
                !token_started && self.forming.as_ref().is_some_and(|f| f.ring == *ring)
            }
            _ => false,
        }
    }
}
