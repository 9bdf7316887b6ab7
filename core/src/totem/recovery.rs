//! Recovery and extended virtual synchrony.
//!
//! Members that come from the same old ring (a "group") first make their
//! copies of the old ring's messages equal: each re-sends, as ordinary
//! messages of the new ring, every old message it holds above the lowest
//! aru of its group, up to the group's high mark (the highest seq any of
//! them held). The new ring's own ordering and retransmission make sure
//! every member receives them. The set being equalised is what each member
//! held when it wrote its commit info: from then on a member drops late
//! copies of old-ring messages that arrive directly (a slow packet from a
//! member that has since paused or died), because no one else would carry
//! them across and delivering them would be that member's alone. When every member has sent its old
//! messages and holds everything the new ring carried (the
//! representative sees this on the token), the representative marks the
//! token "install" and every member, on seeing it:
//!
//! 1. delivers, in the old regular configuration, the old messages that
//!    follow its last delivered one without a gap (a safe one only if the
//!    group knew every old member held it);
//! 2. reports the transitional configuration (its group);
//! 3. delivers the rest of the old messages in seq order, stepping over
//!    messages nobody in the group holds;
//! 4. reports the regular configuration of the new ring.
//!
//! Every member of a group computes the same lists from the same commit
//! token information and the same (equalised) set of messages, so members
//! that move together deliver the same messages in the old configuration.

use std::collections::VecDeque;

use super::delivery::Store;
use super::message::{MemberInfo, Token};
use super::timer::Timer;
use super::{NodeId, Output, Phase, Ring, RingState, Totem, TotemEvent};
use crate::planted::PlantedBug;

/// The recovery phase's state.
#[derive(Debug, Clone)]
pub(super) struct Recovery {
    /// Old seqs still to re-send into the new ring.
    pub queue: VecDeque<u64>,
    /// Old messages up to here (safe ones included) may be delivered in
    /// the old regular configuration.
    pub safe_point: u64,
    /// The group's high mark: the highest old seq any member of the group
    /// held when it wrote its commit info. Nothing above it is delivered.
    pub high: u64,
    /// This node's group: the new members that share its old ring.
    pub group: Vec<NodeId>,
    /// Representative only: the ring's token is running.
    pub token_started: bool,
}

impl Totem {
    /// Enters recovery of `ring` with every member's commit information.
    pub(super) fn start_recovery(&mut self, ring: Ring, info: Vec<MemberInfo>) {
        assert_eq!(info.len(), ring.members.len(), "commit info is complete");
        let old_ring = self.last.ring.id;
        let group: Vec<&MemberInfo> = info.iter().filter(|i| i.old_ring == old_ring).collect();
        assert!(
            group.iter().any(|i| i.node == self.id),
            "we are in our own group"
        );
        let low = group.iter().map(|i| i.aru).min().unwrap_or(0);
        let high = group.iter().map(|i| i.high_seq).max().unwrap_or(0);
        let safe_point = group.iter().map(|i| i.safe_aru).max().unwrap_or(0);
        let queue = if self
            .planted
            .has(PlantedBug::TotemSkipsRecoveryRetransmission)
        {
            VecDeque::new()
        } else {
            self.last
                .store
                .held_above(low)
                .into_iter()
                .filter(|s| *s <= high)
                .collect()
        };
        self.max_ring_seq = self.max_ring_seq.max(ring.id.seq);
        self.token.reset(&mut self.timers);
        self.forming = Some(RingState {
            ring,
            store: Store::default(),
        });
        self.phase = Phase::Recovery(Recovery {
            queue,
            safe_point,
            high,
            group: group.iter().map(|i| i.node).collect(),
            token_started: false,
        });
        self.timers
            .set(Timer::TokenLoss, self.after_ms(self.config.token_ms));
    }

    /// Representative: the commit token came back; the ring's first token.
    pub(super) fn start_ring_token(&mut self) {
        let Phase::Recovery(rec) = &mut self.phase else {
            unreachable!("the ring token starts in recovery");
        };
        rec.token_started = true;
        let n = self.forming.as_ref().expect("forming").ring.members.len();
        let token = Token {
            token_seq: 0,
            seq: 0,
            arus: vec![0; n],
            sent: vec![0; n],
            rtr: Vec::new(),
            recovered_mask: 0,
            install_seq: None,
        };
        self.timers
            .set(Timer::TokenLoss, self.after_ms(self.config.token_ms));
        self.process_token(token);
    }

    /// Recovery is over: deliver the old ring's remainder, report the
    /// configurations, and make the new ring the current one.
    pub(super) fn install(&mut self, install_seq: u64) {
        let Phase::Recovery(rec) = std::mem::replace(&mut self.phase, Phase::Operational) else {
            unreachable!("install ends recovery");
        };
        let mut forming = self.forming.take().expect("recovery has a forming ring");
        assert!(
            forming.store.aru >= install_seq,
            "install only once every member holds every recovery message"
        );
        // Commit froze the old store (late old-ring copies are dropped
        // since) and carriers stop at the high mark: every member of the
        // group holds the same old messages now.
        assert!(
            self.last.store.high_seq <= rec.high,
            "an old message above the group's high mark would be ours alone"
        );
        let old_members = self.last.ring.members.clone();
        let new = forming.ring.clone();
        self.deliver_old_regular(rec.safe_point);
        self.emit_view(&new, &rec.group, &old_members, true);
        self.deliver_old_rest();
        self.emit_view(&new, &new.members, &old_members, false);
        forming.store.delivered = install_seq;
        self.last = forming;
        self.deliver_ready();
        let at = self.jittered_ms(self.config.merge_ms);
        self.timers.set(Timer::Merge, at);
    }

    fn deliver_old_regular(&mut self, safe_point: u64) {
        let store = &mut self.last.store;
        store.note_safe_aru(safe_point);
        while let Some((seq, msg)) = store.next_deliverable() {
            let ring_id = self.last.ring.id;
            self.outputs.push_back(Output::Deliver {
                sender: msg.origin,
                payload: msg.payload,
                ring_id,
                seq,
                safe: msg.safe,
            });
        }
    }

    fn deliver_old_rest(&mut self) {
        let ring_id = self.last.ring.id;
        let rest: Vec<Output> = self
            .last
            .store
            .undelivered()
            .filter(|(_, m)| m.recovered.is_none())
            .map(|(seq, m)| Output::Deliver {
                sender: m.origin,
                payload: m.payload.clone(),
                ring_id,
                seq,
                safe: m.safe,
            })
            .collect();
        self.outputs.extend(rest);
    }

    fn emit_view(&mut self, new: &Ring, members: &[NodeId], old: &[NodeId], transitional: bool) {
        let left = old
            .iter()
            .filter(|n| !members.contains(n))
            .copied()
            .collect();
        let joined = if transitional {
            Vec::new()
        } else {
            members
                .iter()
                .filter(|n| !old.contains(n))
                .copied()
                .collect()
        };
        self.emit(Output::Event(TotemEvent::ViewChanged {
            ring_id: new.id,
            members: members.to_vec(),
            left,
            joined,
            transitional,
        }));
    }
}
