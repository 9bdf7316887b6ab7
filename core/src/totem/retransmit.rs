//! Retransmission: lost messages are asked for on the token and resent by
//! whoever holds them; a forwarded token is resent until its successor
//! shows a sign of life.

use super::message::{Mcast, Packet, Token, MAX_RTR};
use super::timer::Timer;
use super::Totem;

impl Totem {
    /// Resends every requested message this node holds and drops those
    /// requests; requests at or below `min_aru` are stale (everyone holds
    /// those) and dropped too.
    pub(super) fn answer_retransmits(&mut self, token: &mut Token, min_aru: u64) {
        let requests = std::mem::take(&mut token.rtr);
        let mut unanswered = Vec::new();
        for seq in requests {
            if seq <= min_aru {
                continue;
            }
            let active = self.forming.as_ref().unwrap_or(&self.last);
            match active.store.get(seq) {
                Some(msg) => {
                    let bytes = self.codec.encode(
                        self.id,
                        active.ring.id,
                        &Packet::Mcast(Mcast {
                            seq,
                            origin: msg.origin,
                            safe: msg.safe,
                            recovered: msg.recovered,
                            payload: &msg.payload,
                        }),
                    );
                    self.emit(super::Output::Multicast(bytes));
                }
                None => unanswered.push(seq),
            }
        }
        token.rtr = unanswered;
    }

    /// Adds what this node lacks up to the token's seq.
    pub(super) fn request_missing(&mut self, token: &mut Token) {
        let store = match &self.forming {
            Some(f) => &f.store,
            None => &self.last.store,
        };
        let room = MAX_RTR.saturating_sub(token.rtr.len());
        for seq in store.missing(token.seq, room) {
            if !token.rtr.contains(&seq) {
                token.rtr.push(seq);
            }
        }
        assert!(token.rtr.len() <= MAX_RTR);
    }

    /// The token we forwarded may be lost: resend it, a bounded number of
    /// times (after that, token loss decides).
    pub(super) fn on_token_retransmit(&mut self) {
        let Some(sent) = &mut self.token.last_sent else {
            return;
        };
        if sent.retransmits_left == 0 {
            return;
        }
        sent.retransmits_left -= 1;
        let (to, bytes) = (sent.to, sent.bytes.clone());
        self.emit(super::Output::Unicast { to, bytes });
        self.timers.set(
            Timer::TokenRetransmit,
            self.after_ms(self.config.token_retransmit_ms),
        );
    }
}
