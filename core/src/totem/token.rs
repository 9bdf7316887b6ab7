//! The ordering token: who may send, how much, and when the ring is lost.
//!
//! On each visit a member answers retransmission requests, asks for what
//! it lacks, sends new messages within the flow-control budget, writes its
//! aru into its slot, delivers, and forwards the token to its successor.
//! The representative holds an idle token for `hold` before passing it on,
//! so a quiet ring costs a few packets per `hold`, not a busy loop.

use super::delivery::Stored;
use super::message::{Mcast, Packet, Token};
use super::timer::{Timer, TimerTable};
use super::{NodeId, Phase, RingState, Totem};
use crate::wire::{DropReason, Header, RingId};

/// A token this node unicast, kept for retransmission.
#[derive(Debug, Clone)]
pub(super) struct SentToken {
    pub to: NodeId,
    pub ring_id: RingId,
    pub bytes: Vec<u8>,
    pub retransmits_left: u32,
    /// An ordering token's (seq, token_seq): only a message numbered
    /// above that seq, or a later token, shows that the successor got it.
    /// None for a commit token, which any packet of the successor in the
    /// new ring acknowledges.
    pub ordering: Option<(u64, u64)>,
}

/// Token bookkeeping of this node.
#[derive(Debug, Clone, Default)]
pub(super) struct TokenState {
    /// The highest token_seq accepted in the current ring.
    pub last_token_seq: u64,
    /// A token kept here until the Hold timer (idle representative, or a
    /// one-member ring).
    pub held: Option<Token>,
    pub last_sent: Option<SentToken>,
    /// Representative only: rotations in a row without news.
    pub idle_rotations: u32,
    /// Representative only: token.seq on its previous visit.
    pub seq_at_last_visit: u64,
    /// This member's aru on its previous visit.
    pub aru_at_last_visit: u64,
    /// Visits in a row on which this member lacked numbered messages and
    /// its aru did not move (see `fail_recv_const`).
    pub starved_visits: u32,
}

impl TokenState {
    /// A packet from the node we passed the token to, in that ring, that
    /// it could only send after receiving the token (a message numbered
    /// above the token's seq, or a token) shows the token arrived: stop
    /// retransmitting. Any other packet of it proves nothing: a message
    /// it sent on its previous visit can land after we passed the token
    /// on, and taking that as an answer left a lost token unrepeated (the
    /// ring then waited a whole token timeout and re-formed).
    pub fn note_from(
        &mut self,
        sender: NodeId,
        ring_id: RingId,
        packet: &Packet,
        timers: &mut TimerTable,
    ) {
        let answered = self.last_sent.as_ref().is_some_and(|s| {
            s.to == sender
                && s.ring_id == ring_id
                && s.ordering.is_none_or(|(seq, token_seq)| match packet {
                    Packet::Mcast(m) => m.seq > seq,
                    Packet::Token(t) => t.token_seq > token_seq,
                    Packet::Join(_) | Packet::Commit(_) | Packet::MergeDetect(_) => false,
                })
        });
        if answered {
            self.last_sent = None;
            timers.stop(Timer::TokenRetransmit);
        }
    }

    /// Something to send: do not sit on an idle token any longer.
    pub fn release_hold_early(&self, now: crate::time::Instant, timers: &mut TimerTable) {
        if self.held.is_some() {
            timers.set(Timer::Hold, now);
        }
    }

    /// A new ring starts: forget the old ring's tokens.
    pub fn reset(&mut self, timers: &mut TimerTable) {
        *self = TokenState::default();
        timers.stop(Timer::Hold);
        timers.stop(Timer::TokenRetransmit);
    }
}

impl Totem {
    /// The ring whose token this node passes now, if any.
    fn active(&self) -> Option<&RingState> {
        match self.phase {
            Phase::Operational => Some(&self.last),
            Phase::Recovery(_) => self.forming.as_ref(),
            Phase::Gather(_) | Phase::Commit(_) => None,
        }
    }

    fn active_mut(&mut self) -> &mut RingState {
        match self.phase {
            Phase::Recovery(_) => self.forming.as_mut().expect("recovery has a forming ring"),
            _ => &mut self.last,
        }
    }

    pub(super) fn on_token(&mut self, header: &Header, token: Token) {
        let Some(active) = self.active() else {
            return self.drops.count(DropReason::Stale);
        };
        let ring = &active.ring;
        if header.ring_id != ring.id {
            let reason = if header.ring_id < ring.id {
                DropReason::Stale
            } else {
                DropReason::NotForUs
            };
            return self.drops.count(reason);
        }
        let n = ring.members.len();
        if token.arus.len() != n || token.sent.len() != n || ring.position(header.sender).is_none()
        {
            return self.drops.count(DropReason::Malformed);
        }
        if token.token_seq <= self.token.last_token_seq {
            return self.drops.count(DropReason::Stale);
        }
        if !self.plausible_token(&token) {
            return self.drops.count(DropReason::Malformed);
        }
        self.accept_token(token);
    }

    /// A token no correct member could have written is a peer's bug:
    /// numbers beyond flow control's reach, arus above the seq, or an
    /// install mark for messages this member does not hold.
    fn plausible_token(&self, token: &Token) -> bool {
        let store = &self.active().expect("checked by the caller").store;
        let reach = store.aru.saturating_add(2 * self.config.store_span());
        token.token_seq < u64::MAX / 2
            && token.seq <= reach
            && token.arus.iter().all(|a| *a <= token.seq)
            && token.rtr.iter().all(|s| *s <= token.seq)
            && token
                .install_seq
                .is_none_or(|s| s <= token.seq && (self.is_operational() || s <= store.aru))
    }

    fn accept_token(&mut self, token: Token) {
        self.token.last_token_seq = token.token_seq;
        self.timers
            .set(Timer::TokenLoss, self.after_ms(self.config.token_ms));
        self.process_token(token);
    }

    /// One visit of the token; see the module comment.
    pub(super) fn process_token(&mut self, mut token: Token) {
        if let (Phase::Recovery(_), Some(seq)) = (&self.phase, token.install_seq) {
            self.install(seq);
        }
        let idx = self
            .active()
            .and_then(|a| a.ring.position(self.id))
            .expect("a token visits members only");
        let is_rep = idx == 0;
        if is_rep {
            self.rep_install_check(&mut token);
        }
        let min_aru = token.arus.iter().copied().min().unwrap_or(0);
        self.answer_retransmits(&mut token, min_aru);
        self.request_missing(&mut token);
        let sent = self.send_new_messages(&mut token, idx, min_aru);
        let aru = self.active_mut().store.aru;
        let starved = self.note_starvation(aru, token.seq);
        token.sent[idx] = sent;
        token.arus[idx] = aru;
        if let Phase::Recovery(rec) = &self.phase {
            if rec.queue.is_empty() {
                token.recovered_mask |= 1u64 << idx;
            }
        }
        let min_aru = token.arus.iter().copied().min().unwrap_or(0);
        self.active_mut().store.note_safe_aru(min_aru);
        if self.is_operational() {
            self.deliver_ready();
        }
        let idle = is_rep && self.note_rotation(&token, sent);
        self.forward_token(token, idle);
        if starved {
            self.fail_to_receive();
        }
    }

    /// Counts visits on which this member lacked messages up to the
    /// token's seq without receiving any since its last visit; whether it
    /// has now done so `fail_recv_const` times in a row. Normal loss is
    /// repaired within a rotation or two, so only a member that data
    /// cannot reach (while the token can) gets near the bound.
    fn note_starvation(&mut self, aru: u64, token_seq: u64) -> bool {
        let t = &mut self.token;
        t.starved_visits = if aru < token_seq && aru == t.aru_at_last_visit {
            t.starved_visits.saturating_add(1)
        } else {
            0
        };
        t.aru_at_last_visit = aru;
        t.starved_visits >= self.config.fail_recv_const.max(1)
    }

    /// The representative ends recovery once every member sent its old
    /// messages and holds every message of the new ring so far; and clears
    /// the install mark once it has been round.
    fn rep_install_check(&mut self, token: &mut Token) {
        match &self.phase {
            Phase::Operational => token.install_seq = None,
            Phase::Recovery(_) => {
                let n = token.arus.len();
                let all = if n >= 64 { u64::MAX } else { (1u64 << n) - 1 };
                let min_aru = token.arus.iter().copied().min().unwrap_or(0);
                if token.recovered_mask == all && min_aru == token.seq {
                    token.install_seq = Some(token.seq);
                    self.install(token.seq);
                }
            }
            Phase::Gather(_) | Phase::Commit(_) => unreachable!("no token outside a ring"),
        }
    }

    /// Representative: whether the ring has been idle long enough to hold
    /// the token.
    fn note_rotation(&mut self, token: &Token, sent: u32) -> bool {
        let quiet = sent == 0
            && token.rtr.is_empty()
            && token.seq == self.token.seq_at_last_visit
            && token.install_seq.is_none()
            && self.pending.is_empty()
            && self.is_operational();
        self.token.seq_at_last_visit = token.seq;
        self.token.idle_rotations = if quiet {
            self.token.idle_rotations.saturating_add(1)
        } else {
            0
        };
        self.token.idle_rotations >= self.config.seqno_unchanged_const
    }

    /// New messages within the budget: `max_messages` per visit,
    /// `window_size` per rotation for the whole ring, and never more than
    /// the store span ahead of what everyone holds.
    fn send_new_messages(&mut self, token: &mut Token, idx: usize, min_aru: u64) -> u32 {
        let others: u32 = token
            .sent
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != idx)
            .fold(0u32, |a, (_, s)| a.saturating_add(*s));
        let window = self.config.window_size.clamp(1, super::MAX_WINDOW_SIZE);
        let room_store = min_aru
            .saturating_add(self.config.store_span())
            .saturating_sub(token.seq);
        let budget =
            u64::from(self.config.max_messages.min(window.saturating_sub(others))).min(room_store);
        let mut sent = 0u32;
        while u64::from(sent) < budget {
            let Some(msg) = self.next_outgoing() else {
                break;
            };
            token.seq += 1;
            let ring_id = self.active_mut().ring.id;
            self.multicast(
                ring_id,
                &Packet::Mcast(Mcast {
                    seq: token.seq,
                    origin: msg.origin,
                    safe: msg.safe,
                    recovered: msg.recovered,
                    payload: &msg.payload,
                }),
            );
            let fresh = self.active_mut().store.insert(token.seq, msg);
            assert!(fresh, "a new seq is new");
            sent += 1;
        }
        sent
    }

    /// The next message to put on the ring: old messages in recovery,
    /// the application's otherwise.
    fn next_outgoing(&mut self) -> Option<Stored> {
        match &mut self.phase {
            Phase::Recovery(rec) => {
                let old_seq = rec.queue.pop_front()?;
                let old = self
                    .last
                    .store
                    .get(old_seq)
                    .expect("queued old messages are held");
                Some(Stored {
                    origin: old.origin,
                    safe: old.safe,
                    recovered: Some((self.last.ring.id, old_seq)),
                    payload: old.payload.clone(),
                })
            }
            Phase::Operational => {
                let (payload, safe) = self.pending.pop_front()?;
                Some(Stored {
                    origin: self.id,
                    safe,
                    recovered: None,
                    payload,
                })
            }
            Phase::Gather(_) | Phase::Commit(_) => None,
        }
    }

    /// Passes the token on, or holds it (idle representative, one-member
    /// ring: there the token "travels" through the Hold timer).
    fn forward_token(&mut self, mut token: Token, idle: bool) {
        token.token_seq += 1;
        let ring = &self.active().expect("forwarding needs a ring").ring;
        let (successor, ring_id) = (ring.successor(self.id), ring.id);
        if successor == self.id || idle {
            self.token.held = Some(token);
            let delay_ms = if idle { self.config.hold_ms } else { 0 };
            self.timers.set(Timer::Hold, self.after_ms(delay_ms));
            return;
        }
        self.send_token(successor, ring_id, &Packet::Token(token));
    }

    pub(super) fn release_held_token(&mut self) {
        let Some(token) = self.token.held.take() else {
            return;
        };
        let Some(active) = self.active() else {
            return;
        };
        let (successor, ring_id) = (active.ring.successor(self.id), active.ring.id);
        if successor == self.id {
            self.accept_token(token);
        } else {
            self.send_token(successor, ring_id, &Packet::Token(token));
        }
    }

    /// Unicasts a token (ordering or commit) and keeps it for
    /// retransmission.
    pub(super) fn send_token(&mut self, to: NodeId, ring_id: RingId, packet: &Packet) {
        let bytes = self.codec.encode(self.id, ring_id, packet);
        self.token.last_sent = Some(SentToken {
            to,
            ring_id,
            bytes: bytes.clone(),
            retransmits_left: self.config.token_retransmits_before_loss_const,
            ordering: match packet {
                Packet::Token(t) => Some((t.seq, t.token_seq)),
                _ => None,
            },
        });
        self.timers.set(
            Timer::TokenRetransmit,
            self.after_ms(self.config.token_retransmit_ms),
        );
        self.emit(super::Output::Unicast { to, bytes });
    }

    pub(super) fn on_token_loss(&mut self) {
        if !matches!(self.phase, Phase::Gather(_)) {
            self.enter_gather(&[]);
        }
    }
}
