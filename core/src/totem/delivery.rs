//! The messages of one ring and which of them may be delivered.
//!
//! Agreed order: a message is delivered once every lower seq has been.
//! Safe delivery additionally waits until every member holds it (the
//! minimum of the token's per-member arus has reached it).

use std::collections::BTreeMap;

use super::message::{Mcast, MAX_PAYLOAD_BYTES};
use super::{NodeId, Output, Phase, Totem};
use crate::wire::{DropReason, Header, RingId};

/// Most messages one ring's store may hold; flow control keeps it far
/// below (see [`super::TotemConfig::store_span`]).
pub const MAX_STORED_MESSAGES: usize = 4096;

/// One message as a member holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub origin: NodeId,
    pub safe: bool,
    /// Set on messages that carry an old ring's message during recovery;
    /// they are not delivered in this ring.
    pub recovered: Option<(RingId, u64)>,
    pub payload: Vec<u8>,
}

/// The messages of one ring held by this member.
#[derive(Debug, Clone, Default)]
pub struct Store {
    msgs: BTreeMap<u64, Stored>,
    /// All received up to: every seq `1..=aru` has been held.
    pub aru: u64,
    /// The highest seq held.
    pub high_seq: u64,
    /// The highest seq delivered (or skipped, for recovery carriers).
    pub delivered: u64,
    /// The highest seq every member is known to hold.
    pub safe_aru: u64,
}

impl Store {
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.msgs.len()
    }

    pub fn get(&self, seq: u64) -> Option<&Stored> {
        self.msgs.get(&seq)
    }

    /// Keeps a message; false if it was held (or freed) already.
    pub fn insert(&mut self, seq: u64, msg: Stored) -> bool {
        assert!(seq > 0, "seq 0 is never assigned");
        if seq <= self.aru || self.msgs.contains_key(&seq) {
            return false;
        }
        self.msgs.insert(seq, msg);
        assert!(
            self.msgs.len() <= MAX_STORED_MESSAGES,
            "store bound exceeded: flow control failed"
        );
        self.high_seq = self.high_seq.max(seq);
        while self.msgs.contains_key(&(self.aru + 1)) {
            self.aru += 1;
        }
        true
    }

    /// Seqs up to `up_to` this member lacks, at most `limit` of them.
    pub fn missing(&self, up_to: u64, limit: usize) -> Vec<u64> {
        (self.aru + 1..=up_to)
            .filter(|s| !self.msgs.contains_key(s))
            .take(limit)
            .collect()
    }

    /// Seqs held above `low`, in order.
    pub fn held_above(&self, low: u64) -> Vec<u64> {
        self.msgs.range(low + 1..).map(|(s, _)| *s).collect()
    }

    pub fn note_safe_aru(&mut self, safe_aru: u64) {
        self.safe_aru = self.safe_aru.max(safe_aru);
    }

    /// The next message to deliver in agreed (or safe) order, marking it
    /// delivered. Recovery carriers are stepped over silently.
    pub fn next_deliverable(&mut self) -> Option<(u64, Stored)> {
        loop {
            let seq = self.delivered + 1;
            let msg = self.msgs.get(&seq)?;
            if msg.safe && seq > self.safe_aru {
                return None;
            }
            self.delivered = seq;
            if msg.recovered.is_none() {
                return Some((seq, msg.clone()));
            }
        }
    }

    /// Frees what every member holds and this member delivered: nobody
    /// can ask for it again.
    pub fn free_delivered(&mut self) {
        let below = self.delivered.min(self.safe_aru);
        while let Some(entry) = self.msgs.first_entry() {
            if *entry.key() > below {
                break;
            }
            entry.remove();
        }
    }

    /// Messages above `delivered` in seq order, skipping holes: what a
    /// member delivers of its old ring once recovery is over.
    pub fn undelivered(&self) -> impl Iterator<Item = (u64, &Stored)> {
        self.msgs.range(self.delivered + 1..).map(|(s, m)| (*s, m))
    }
}

impl Store {
    /// Whether `seq` can be a real message of this ring as far as this
    /// member knows: flow control keeps every seq within `2·span` of any
    /// member's aru, so anything beyond is a peer's bug, not data.
    fn plausible(&self, seq: u64, span: u64) -> bool {
        seq > 0 && seq <= self.aru.saturating_add(2 * span)
    }
}

impl Totem {
    pub(super) fn on_mcast(&mut self, header: &Header, m: Mcast) {
        let span = self.config.store_span();
        if m.payload.len() > MAX_PAYLOAD_BYTES {
            return self.drops.count(DropReason::Malformed);
        }
        let stored = Stored {
            origin: m.origin,
            safe: m.safe,
            recovered: m.recovered,
            payload: m.payload.to_vec(),
        };
        if let Some(forming) = self
            .forming
            .as_mut()
            .filter(|f| f.ring.id == header.ring_id)
        {
            if !forming.store.plausible(m.seq, span) {
                return self.drops.count(DropReason::Malformed);
            }
            forming.store.insert(m.seq, stored);
            // An old message of our group, carried across: keep it in the
            // old ring's store, where install delivers it. Only up to the
            // group's high mark: no member holds more, so more is a bug.
            if let Some((old_ring, old_seq)) = m.recovered {
                let high = match &self.phase {
                    Phase::Recovery(rec) => rec.high,
                    _ => 0,
                };
                let old = &mut self.last.store;
                if old_ring == self.last.ring.id && old.plausible(old_seq, span) && old_seq <= high
                {
                    old.insert(
                        old_seq,
                        Stored {
                            origin: m.origin,
                            safe: m.safe,
                            recovered: None,
                            payload: m.payload.to_vec(),
                        },
                    );
                }
            }
            return;
        }
        if header.ring_id == self.last.ring.id {
            if matches!(self.phase, Phase::Commit(_) | Phase::Recovery(_)) {
                // Our commit info already told the group what we hold of
                // the old ring, and recovery equalises exactly that: a late
                // copy kept now would be ours alone, and delivering it at
                // install would break virtual synchrony.
                return self.drops.count(DropReason::Stale);
            }
            // While gathering, late messages of the old ring are still
            // worth keeping: the commit info will count them.
            if !self.last.store.plausible(m.seq, span) {
                return self.drops.count(DropReason::Malformed);
            }
            self.last.store.insert(m.seq, stored);
            if self.is_operational() {
                self.deliver_ready();
            }
            return;
        }
        let reason = if header.ring_id < self.last.ring.id {
            DropReason::Stale
        } else {
            DropReason::NotForUs
        };
        self.drops.count(reason);
    }

    /// Delivers whatever the current ring's order allows, then frees what
    /// nobody can ask for again.
    pub(super) fn deliver_ready(&mut self) {
        let ring_id = self.last.ring.id;
        while let Some((seq, msg)) = self.last.store.next_deliverable() {
            self.outputs.push_back(Output::Deliver {
                sender: msg.origin,
                payload: msg.payload,
                ring_id,
                seq,
                safe: msg.safe,
            });
        }
        self.last.store.free_delivered();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(safe: bool) -> Stored {
        Stored {
            origin: 1,
            safe,
            recovered: None,
            payload: vec![],
        }
    }

    #[test]
    fn agreed_order_waits_for_gaps_and_safe_waits_for_everyone() {
        let mut s = Store::default();
        assert!(s.insert(2, msg(false)));
        assert_eq!(s.aru, 0);
        assert!(s.next_deliverable().is_none(), "1 is missing");
        assert!(s.insert(1, msg(false)));
        assert!(!s.insert(1, msg(false)), "duplicate");
        assert_eq!((s.aru, s.high_seq), (2, 2));
        assert_eq!(s.next_deliverable().map(|d| d.0), Some(1));
        assert_eq!(s.next_deliverable().map(|d| d.0), Some(2));
        assert!(s.insert(3, msg(true)));
        assert!(s.next_deliverable().is_none(), "safe: not everyone has 3");
        s.note_safe_aru(3);
        assert_eq!(s.next_deliverable().map(|d| d.0), Some(3));
        s.free_delivered();
        assert_eq!(s.len(), 0);
        assert!(!s.insert(2, msg(false)), "freed seqs stay received");
    }

    #[test]
    fn missing_lists_the_gaps_up_to_a_limit() {
        let mut s = Store::default();
        for seq in [1, 4, 6] {
            s.insert(seq, msg(false));
        }
        assert_eq!(s.missing(7, 10), vec![2, 3, 5, 7]);
        assert_eq!(s.missing(7, 2), vec![2, 3]);
        assert_eq!(s.held_above(1), vec![4, 6]);
    }
}
