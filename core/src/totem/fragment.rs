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
//!   again, whole, in the new view: so a message is lost only with its
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

/// One of this node's own fragmented messages, until it comes back whole.
#[derive(Debug, Clone)]
struct Mine {
    payload: Vec<u8>,
    /// Its first part was delivered: a view change now drops it.
    started: bool,
}

/// Both directions of one node.
#[derive(Debug, Clone)]
pub struct Fragmenter {
    own: NodeId,
    max_message_bytes: usize,
    next_msg: u64,
    /// Pieces not yet handed to totem, in order; bytes held.
    outbox: VecDeque<(Option<u64>, Vec<u8>)>,
    outbox_bytes: usize,
    /// Own messages in fragments: handed to totem, not delivered whole.
    mine: BTreeMap<u64, Mine>,
    partial: BTreeMap<NodeId, Partial>,
}

impl Fragmenter {
    pub fn new(own: NodeId, max_message_bytes: usize) -> Fragmenter {
        Fragmenter {
            own,
            max_message_bytes: max_message_bytes.min(MAX_MESSAGE_BYTES),
            next_msg: 0,
            outbox: VecDeque::new(),
            outbox_bytes: 0,
            mine: BTreeMap::new(),
            partial: BTreeMap::new(),
        }
    }

    /// Queues `payload` for the ring; refused when larger than the bound
    /// or when the queue already holds that many bytes.
    pub fn send(&mut self, payload: Vec<u8>) -> Result<(), usize> {
        let len = payload.len();
        if len > self.max_message_bytes
            || self.outbox_bytes.saturating_add(len) > self.max_message_bytes.saturating_mul(2)
        {
            return Err(len);
        }
        self.queue(payload, false);
        Ok(())
    }

    /// Cuts `payload` into pieces at the back (or the front) of the queue.
    fn queue(&mut self, payload: Vec<u8>, front: bool) {
        let mut pieces: Vec<(Option<u64>, Vec<u8>)> = Vec::new();
        if payload.len() <= PART_BYTES {
            pieces.push((None, encode_payload(&Piece::Whole(payload))));
        } else {
            let msg = self.next_msg;
            self.next_msg += 1;
            let count = payload.len().div_ceil(PART_BYTES) as u32;
            for (index, chunk) in payload.chunks(PART_BYTES).enumerate() {
                let part = Piece::Part {
                    msg,
                    index: index as u32,
                    count,
                    bytes: chunk.to_vec(),
                };
                pieces.push((Some(msg), encode_payload(&part)));
            }
            self.mine.insert(
                msg,
                Mine {
                    payload,
                    started: false,
                },
            );
        }
        self.outbox_bytes += pieces.iter().map(|(_, p)| p.len()).sum::<usize>();
        if front {
            for p in pieces.into_iter().rev() {
                self.outbox.push_front(p);
            }
        } else {
            self.outbox.extend(pieces);
        }
    }

    /// The next piece for totem, when `in_totem` (totem's queue) leaves
    /// room and no fragmented message of ours is between two rings.
    pub fn next_piece(&mut self, in_totem: usize) -> Option<Vec<u8>> {
        if in_totem >= MAX_PIECES_IN_TOTEM {
            return None;
        }
        let (msg, _) = self.outbox.front()?;
        // Once a fragmented message is in totem, what follows waits until
        // it has come back whole (see the module comment).
        let blocked = self
            .mine
            .keys()
            .any(|m| Some(*m) != *msg && self.handed(*m));
        if blocked {
            return None;
        }
        let (_, piece) = self.outbox.pop_front()?;
        self.outbox_bytes -= piece.len();
        Some(piece)
    }

    /// Whether some part of own message `m` has left the outbox.
    fn handed(&self, m: u64) -> bool {
        self.outbox
            .iter()
            .filter(|(msg, _)| *msg == Some(m))
            .count()
            < self
                .mine
                .get(&m)
                .map_or(0, |mine| mine.payload.len().div_ceil(PART_BYTES))
    }

    /// A message totem delivered from `sender`: the whole payload when it
    /// completes one. Bad pieces are errors to count; out-of-turn parts
    /// (of a message cut by a view change) are dropped silently.
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
        let most = self.max_message_bytes.div_ceil(PART_BYTES) as u32;
        if count < 2 || count > most || index >= count || part.len() > PART_BYTES {
            return Err(DropReason::Malformed);
        }
        if index == 0 {
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
                if let Some(m) = self.mine.get_mut(&msg) {
                    m.started = true;
                }
            }
        }
        let Some(p) = self.partial.get_mut(&sender) else {
            return Ok(None); // the rest of a message cut by a view change
        };
        if p.msg != msg || p.next != index || p.count != count {
            self.partial.remove(&sender);
            return Ok(None);
        }
        p.bytes.extend_from_slice(&part);
        p.next += 1;
        if p.bytes.len() > self.max_message_bytes {
            self.partial.remove(&sender);
            return Err(DropReason::Oversize);
        }
        if p.next < p.count {
            return Ok(None);
        }
        let whole = self.partial.remove(&sender).expect("just updated").bytes;
        if sender == self.own {
            self.mine.remove(&msg);
        }
        Ok(Some(whole))
    }

    /// A regular view: every incomplete message is dropped (everywhere
    /// alike); own messages dropped so are queued again, first.
    pub fn regular_view(&mut self) {
        self.partial.clear();
        let cut: Vec<u64> = self
            .mine
            .iter()
            .filter(|(_, m)| m.started)
            .map(|(k, _)| *k)
            .collect();
        for msg in cut.into_iter().rev() {
            let m = self.mine.remove(&msg).expect("listed");
            // Its parts still waiting here are stale now.
            let before = self.outbox.len();
            self.outbox.retain(|(k, _)| *k != Some(msg));
            debug_assert!(self.outbox.len() <= before);
            self.outbox_bytes = self.outbox.iter().map(|(_, p)| p.len()).sum();
            self.queue(m.payload, true);
        }
    }

    /// Pieces waiting for totem.
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
        let mut others: Vec<Fragmenter> = (2..=3).map(|id| Fragmenter::new(id, 1 << 20)).collect();
        let payload = big(3 * PART_BYTES + 17, 5);
        sender.send(payload.clone()).unwrap();
        sender.send(b"small after".to_vec()).unwrap();
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
            sender.send(payload.clone()).unwrap();
            sender.send(b"later".to_vec()).unwrap();
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
        sender.send(payload.clone()).unwrap();
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

    #[test]
    fn bad_pieces_are_errors_and_bounds_hold() {
        let mut f = Fragmenter::new(1, 4 * PART_BYTES);
        assert_eq!(f.deliver(2, b"\xff\xff"), Err(DropReason::Malformed));
        let too_many = encode_payload(&Piece::Part {
            msg: 0,
            index: 0,
            count: 1000,
            bytes: vec![0; 10],
        });
        assert_eq!(f.deliver(2, &too_many), Err(DropReason::Malformed));
        assert!(f.send(vec![0; 4 * PART_BYTES + 1]).is_err());
        // Flow control: nothing while totem's queue is full.
        f.send(vec![1; 10]).unwrap();
        assert_eq!(f.next_piece(MAX_PIECES_IN_TOTEM), None);
        assert!(f.next_piece(0).is_some());
    }
}
