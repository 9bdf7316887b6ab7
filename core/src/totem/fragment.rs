//! Messages larger than one totem message: cut into fragments that travel
//! in agreed order and are put back together before delivery, whole or
//! not at all.
//!
//! Every payload travels as a [`Piece`]: whole when it fits one message,
//! else as parts numbered within a message of its sender. A receiver
//! keeps one message being put together per sender and delivers it when
//! its last part arrives. Extended virtual synchrony gives every member
//! of a configuration the same parts in the same order, so every member
//! completes, or drops, the same messages:
//! - a regular view drops every message still incomplete, at every
//!   member alike; parts of it that come later (the sender's queue is
//!   carried into the next ring) have no first part and are dropped too;
//! - the sender sees its own message dropped the same way and sends it
//!   again, whole, in the new view, unless it was view-scoped (a hello or
//!   sync of the old view means nothing in the new one; such messages
//!   still queued are forgotten too): so a message is lost only with its
//!   sender, as an unfragmented one is.
//!
//! Flow control: at most [`MAX_PIECES_IN_TOTEM`] pieces wait in totem's
//! queue, and while one of this node's messages is in fragments nothing
//! after it enters totem, so a message sent again still comes before
//! every later message of its sender (each sender's order is kept).
//! Other nodes' traffic and membership go on between the parts.
//!
//! # Call order
//! - [`Fragmenter::send`] for each payload to broadcast;
//! - [`Fragmenter::next_piece`] while totem's queue has room, each piece
//!   to totem as one message;
//! - [`Fragmenter::deliver`] for each message totem delivers;
//! - [`Fragmenter::regular_view`] when totem installs a regular view.

use std::collections::{BTreeMap, VecDeque};

use serde::{Deserialize, Serialize};

use super::message::MAX_PAYLOAD_BYTES;
use super::NodeId;
use crate::wire::{decode_payload, encode_payload, DropReason, MAX_MESSAGE_BYTES};

/// Bytes of a payload per part (room left for the piece's own fields).
pub const PART_BYTES: usize = MAX_PAYLOAD_BYTES - 64;
/// Most pieces of this node waiting in totem's queue at once.
pub const MAX_PIECES_IN_TOTEM: usize = 64;
/// The largest message by default (a CIB of tens of megabytes).
pub const DEFAULT_MAX_MESSAGE_BYTES: usize = 64 << 20;
/// Most bytes being put together from all senders at once. A wire
/// constant, not a setting: every member must drop the same messages.
pub const MAX_PARTIAL_BYTES: usize = 256 << 20;

/// One totem message's payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Piece {
    Whole(Vec<u8>),
    Part {
        /// The message, numbered by its sender.
        msg: u64,
        index: u32,
        count: u32,
        bytes: Vec<u8>,
    },
}

/// A message being put together.
#[derive(Debug, Clone)]
struct Partial {
    msg: u64,
    count: u32,
    next: u32,
    bytes: Vec<u8>,
}

/// This node's fragmented message in totem, until it comes back whole.
#[derive(Debug, Clone)]
struct InFlight {
    msg: u64,
    payload: Vec<u8>,
    view_scoped: bool,
    count: u32,
    /// Parts handed to totem so far.
    handed: u32,
    /// Its first part was delivered: a view change now drops it.
    started: bool,
}

/// Both directions of one node.
#[derive(Debug, Clone)]
pub struct Fragmenter {
    own: NodeId,
    /// The largest message this node sends (receiving is bounded by the
    /// wire's [`MAX_MESSAGE_BYTES`], the same at every member).
    max_message_bytes: usize,
    next_msg: u64,
    /// Payloads not yet begun, in order (with whether each is
    /// view-scoped), and their bytes.
    outbox: VecDeque<(Vec<u8>, bool)>,
    outbox_bytes: usize,
    in_flight: Option<InFlight>,
    partial: BTreeMap<NodeId, Partial>,
    partial_bytes: usize,
}

impl Fragmenter {
    pub fn new(own: NodeId, max_message_bytes: usize) -> Fragmenter {
        Fragmenter {
            own,
            max_message_bytes: max_message_bytes.min(MAX_MESSAGE_BYTES),
            next_msg: 0,
            outbox: VecDeque::new(),
            outbox_bytes: 0,
            in_flight: None,
            partial: BTreeMap::new(),
            partial_bytes: 0,
        }
    }

    /// Queues `payload` for the ring; `view_scoped`: not worth sending
    /// once a new regular view is installed. Refused (its length
    /// returned) when larger than the bound or when the queue already
    /// holds twice that.
    pub fn send(&mut self, payload: Vec<u8>, view_scoped: bool) -> Result<(), usize> {
        let len = payload.len();
        if len > self.max_message_bytes
            || self.outbox_bytes.saturating_add(len) > self.max_message_bytes.saturating_mul(2)
        {
            return Err(len);
        }
        self.outbox_bytes += len;
        self.outbox.push_back((payload, view_scoped));
        Ok(())
    }

    /// The next piece for totem, while `in_totem` (totem's queue) leaves
    /// room. Once a fragmented message of ours is in totem, nothing after
    /// it goes until it has come back whole (see the module comment).
    pub fn next_piece(&mut self, in_totem: usize) -> Option<Vec<u8>> {
        if in_totem >= MAX_PIECES_IN_TOTEM {
            return None;
        }
        if self.in_flight.is_none() {
            let (payload, view_scoped) = self.outbox.pop_front()?;
            self.outbox_bytes -= payload.len();
            if payload.len() <= PART_BYTES {
                return Some(encode_payload(&Piece::Whole(payload)));
            }
            let msg = self.next_msg;
            self.next_msg += 1;
            self.in_flight = Some(InFlight {
                msg,
                count: payload.len().div_ceil(PART_BYTES) as u32,
                payload,
                view_scoped,
                handed: 0,
                started: false,
            });
        }
        let f = self.in_flight.as_mut().expect("set above");
        if f.handed == f.count {
            return None; // all in totem: wait for it to come back
        }
        let at = f.handed as usize * PART_BYTES;
        let end = (at + PART_BYTES).min(f.payload.len());
        let part = Piece::Part {
            msg: f.msg,
            index: f.handed,
            count: f.count,
            bytes: f.payload[at..end].to_vec(),
        };
        f.handed += 1;
        Some(encode_payload(&part))
    }

    /// A message totem delivered from `sender`: the whole payload when it
    /// completes one. Bad pieces are errors to count; out-of-turn parts
    /// (of a message cut by a view change) are dropped silently. Every
    /// member decides alike: from the pieces and wire constants only.
    pub fn deliver(&mut self, sender: NodeId, bytes: &[u8]) -> Result<Option<Vec<u8>>, DropReason> {
        let piece: Piece = decode_payload(bytes)?;
        let (msg, index, count, part) = match piece {
            Piece::Whole(p) => return Ok(Some(p)),
            Piece::Part {
                msg,
                index,
                count,
                bytes,
            } => (msg, index, count, bytes),
        };
        let most = MAX_MESSAGE_BYTES.div_ceil(PART_BYTES) as u32;
        if count < 2 || count > most || index >= count || part.len() > PART_BYTES {
            return Err(DropReason::Malformed);
        }
        if index == 0 {
            self.forget(sender);
            self.partial.insert(
                sender,
                Partial {
                    msg,
                    count,
                    next: 0,
                    bytes: Vec::new(),
                },
            );
            if sender == self.own {
                if let Some(f) = self.in_flight.as_mut().filter(|f| f.msg == msg) {
                    f.started = true;
                }
            }
        }
        let Some(p) = self.partial.get_mut(&sender) else {
            return Ok(None); // the rest of a message cut by a view change
        };
        if p.msg != msg || p.next != index || p.count != count {
            self.forget(sender);
            return Ok(None);
        }
        if self.partial_bytes + part.len() > MAX_PARTIAL_BYTES {
            self.forget(sender);
            return Err(DropReason::Oversize);
        }
        p.bytes.extend_from_slice(&part);
        p.next += 1;
        self.partial_bytes += part.len();
        if p.next < p.count {
            return Ok(None);
        }
        let whole = self.forget(sender).expect("just completed");
        if sender == self.own && self.in_flight.as_ref().is_some_and(|f| f.msg == msg) {
            self.in_flight = None;
        }
        Ok(Some(whole))
    }

    /// Drops what `sender` was putting together; its bytes.
    fn forget(&mut self, sender: NodeId) -> Option<Vec<u8>> {
        let p = self.partial.remove(&sender)?;
        self.partial_bytes -= p.bytes.len();
        Some(p.bytes)
    }

    /// A regular view: every incomplete message is dropped (everywhere
    /// alike); this node's own message dropped so goes first again unless
    /// it was view-scoped, and view-scoped messages still queued are
    /// forgotten. A message of ours none of whose parts was delivered yet
    /// goes on: totem carries its parts over.
    pub fn regular_view(&mut self) {
        self.partial.clear();
        self.partial_bytes = 0;
        if self.in_flight.as_ref().is_some_and(|f| f.started) {
            let cut = self.in_flight.take().expect("checked");
            if !cut.view_scoped {
                self.outbox.push_front((cut.payload, false));
            }
        }
        self.outbox.retain(|(_, view_scoped)| !view_scoped);
        self.outbox_bytes = self.outbox.iter().map(|(p, _)| p.len()).sum();
    }

    /// Payloads waiting to begin.
    pub fn queued(&self) -> usize {
        self.outbox.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Members of one configuration: every piece delivered to each in the
    /// same order, as totem delivers.
    fn pieces_of(f: &mut Fragmenter) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        while let Some(p) = f.next_piece(0) {
            out.push(p);
        }
        out
    }

    fn big(len: usize, seed: u8) -> Vec<u8> {
        (0..len)
            .map(|i| (i as u8).wrapping_mul(31) ^ seed)
            .collect()
    }

    #[test]
    fn a_large_message_comes_back_whole_at_every_member() {
        let mut sender = Fragmenter::new(1, DEFAULT_MAX_MESSAGE_BYTES);
        // Receiving does not depend on the receiver's own sending bound.
        let mut others: Vec<Fragmenter> = (2..=3).map(|id| Fragmenter::new(id, 1 << 20)).collect();
        let payload = big(3 * PART_BYTES + 17, 5);
        sender.send(payload.clone(), false).unwrap();
        sender.send(b"small after".to_vec(), false).unwrap();
        let mut got: Vec<Vec<Vec<u8>>> = vec![Vec::new(); 3];
        // The small message waits until the fragmented one came back.
        let first = pieces_of(&mut sender);
        assert_eq!(first.len(), 4);
        for p in &first {
            if let Some(w) = sender.deliver(1, p).unwrap() {
                got[0].push(w);
            }
            for (i, o) in others.iter_mut().enumerate() {
                if let Some(w) = o.deliver(1, p).unwrap() {
                    got[i + 1].push(w);
                }
            }
        }
        let rest = pieces_of(&mut sender);
        assert_eq!(rest.len(), 1);
        for (i, o) in others.iter_mut().enumerate() {
            got[i + 1].push(o.deliver(1, &rest[0]).unwrap().unwrap());
        }
        got[0].push(sender.deliver(1, &rest[0]).unwrap().unwrap());
        for g in &got {
            assert_eq!(g, &vec![payload.clone(), b"small after".to_vec()]);
        }
    }

    /// A view change in the middle of a fragmented message: every member
    /// of the configuration drops it alike (none delivers a part of it),
    /// the parts that come after the view are dropped too, and the sender
    /// sends it again whole in the new view, before its later messages.
    #[test]
    fn a_view_change_mid_message_delivers_it_whole_or_not_at_all() {
        for cut_after in 1..4 {
            let mut sender = Fragmenter::new(1, DEFAULT_MAX_MESSAGE_BYTES);
            let mut other = Fragmenter::new(2, DEFAULT_MAX_MESSAGE_BYTES);
            let mut late = Fragmenter::new(3, DEFAULT_MAX_MESSAGE_BYTES);
            let payload = big(3 * PART_BYTES + 1, cut_after as u8);
            sender.send(payload.clone(), false).unwrap();
            sender.send(b"later".to_vec(), false).unwrap();
            let parts = pieces_of(&mut sender);
            assert_eq!(parts.len(), 4, "later waits behind the fragmented one");
            // The old ring delivers the first parts to both members.
            for p in &parts[..cut_after] {
                assert_eq!(sender.deliver(1, p).unwrap(), None);
                assert_eq!(other.deliver(1, p).unwrap(), None);
            }
            sender.regular_view();
            other.regular_view();
            late.regular_view();
            // Totem carries the rest into the new ring: nobody takes them.
            for p in &parts[cut_after..] {
                assert_eq!(sender.deliver(1, p).unwrap(), None);
                assert_eq!(other.deliver(1, p).unwrap(), None);
                assert_eq!(late.deliver(1, p).unwrap(), None);
            }
            // Sent again, whole, then the later message: each member of
            // the new view delivers both, in order.
            let again = pieces_of(&mut sender);
            let mut seen = vec![Vec::new(); 3];
            for p in &again {
                for (i, f) in [&mut sender, &mut other, &mut late].into_iter().enumerate() {
                    if let Some(w) = f.deliver(1, p).unwrap() {
                        seen[i].push(w);
                    }
                }
            }
            let rest = pieces_of(&mut sender);
            for p in &rest {
                for (i, f) in [&mut sender, &mut other, &mut late].into_iter().enumerate() {
                    if let Some(w) = f.deliver(1, p).unwrap() {
                        seen[i].push(w);
                    }
                }
            }
            for s in &seen {
                assert_eq!(
                    s,
                    &vec![payload.clone(), b"later".to_vec()],
                    "cut after {cut_after}"
                );
            }
        }
    }

    #[test]
    fn a_message_not_yet_started_is_carried_not_sent_twice() {
        let mut sender = Fragmenter::new(1, DEFAULT_MAX_MESSAGE_BYTES);
        let payload = big(2 * PART_BYTES + 3, 9);
        sender.send(payload.clone(), false).unwrap();
        let parts = pieces_of(&mut sender);
        // The view changes before any part was delivered: totem carries
        // all of them into the new ring, and the message is not queued
        // again.
        sender.regular_view();
        assert_eq!(sender.queued(), 0);
        let mut whole = None;
        for p in &parts {
            whole = sender.deliver(1, p).unwrap().or(whole);
        }
        assert_eq!(whole, Some(payload));
    }

    /// A sync of the old view cut by a view change is not sent again (it
    /// would be ignored, and hold back the new view's hello), and
    /// view-scoped messages still queued are forgotten; the rest goes on.
    #[test]
    fn view_scoped_messages_do_not_outlive_their_view() {
        let mut sender = Fragmenter::new(1, DEFAULT_MAX_MESSAGE_BYTES);
        let sync = big(2 * PART_BYTES + 5, 3);
        sender.send(sync, true).unwrap();
        sender.send(b"old hello".to_vec(), true).unwrap();
        sender.send(b"a command".to_vec(), false).unwrap();
        let first = sender.next_piece(0).expect("part 0");
        assert_eq!(sender.deliver(1, &first).unwrap(), None);
        sender.regular_view();
        assert_eq!(sender.queued(), 1, "only the command is left");
        let next = sender.next_piece(0).expect("the command");
        assert_eq!(
            sender.deliver(1, &next).unwrap(),
            Some(b"a command".to_vec())
        );
    }

    #[test]
    fn bad_pieces_are_errors_and_bounds_hold() {
        let mut f = Fragmenter::new(1, 4 * PART_BYTES);
        assert_eq!(f.deliver(2, b"\xff\xff"), Err(DropReason::Malformed));
        let too_many = encode_payload(&Piece::Part {
            msg: 0,
            index: 0,
            count: u32::MAX,
            bytes: vec![0; 10],
        });
        assert_eq!(f.deliver(2, &too_many), Err(DropReason::Malformed));
        assert!(f.send(vec![0; 4 * PART_BYTES + 1], false).is_err());
        // Flow control: nothing while totem's queue is full.
        f.send(vec![1; 10], false).unwrap();
        assert_eq!(f.next_piece(MAX_PIECES_IN_TOTEM), None);
        assert!(f.next_piece(0).is_some());
    }
}
