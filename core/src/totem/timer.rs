//! Totem's timers: a small closed set in a fixed table, only the earliest
//! deadline leaves the state machine.

use crate::time::Instant;

/// Every timer totem runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Timer {
    /// No token (or commit token progress) within `token`: the ring is lost.
    TokenLoss,
    /// Resend the token we forwarded: it may have been lost on the way.
    TokenRetransmit,
    /// Release a token held by this node (an idle ring's representative,
    /// or the token of a one-member ring, which "travels" to itself).
    Hold,
    /// Gather: resend our join, fail the silent.
    Join,
    /// Gather: give up on members that do not agree.
    Consensus,
    /// Operational: announce ourselves so that partitions find each other.
    Merge,
}

impl Timer {
    pub const ALL: [Timer; 6] = [
        Timer::TokenLoss,
        Timer::TokenRetransmit,
        Timer::Hold,
        Timer::Join,
        Timer::Consensus,
        Timer::Merge,
    ];
}

/// One optional deadline per [`Timer`].
#[derive(Debug, Clone, Default)]
pub struct TimerTable {
    deadlines: [Option<Instant>; Timer::ALL.len()],
}

impl TimerTable {
    pub fn set(&mut self, timer: Timer, at: Instant) {
        self.deadlines[timer as usize] = Some(at);
    }

    pub fn stop(&mut self, timer: Timer) {
        self.deadlines[timer as usize] = None;
    }

    pub fn get(&self, timer: Timer) -> Option<Instant> {
        self.deadlines[timer as usize]
    }

    /// The earliest deadline of all.
    pub fn next(&self) -> Option<Instant> {
        self.deadlines.iter().flatten().min().copied()
    }

    /// The first timer (in table order) due at `now`, cleared.
    pub fn take_expired(&mut self, now: Instant) -> Option<Timer> {
        let timer = Timer::ALL
            .into_iter()
            .find(|t| self.get(*t).is_some_and(|at| at <= now))?;
        self.stop(timer);
        Some(timer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn earliest_deadline_and_expiry_in_table_order() {
        let mut t = TimerTable::default();
        assert_eq!(t.next(), None);
        t.set(Timer::Merge, Instant::from_millis(5));
        t.set(Timer::TokenLoss, Instant::from_millis(9));
        t.set(Timer::Join, Instant::from_millis(5));
        assert_eq!(t.next(), Some(Instant::from_millis(5)));
        let now = Instant::from_millis(6);
        assert_eq!(t.take_expired(now), Some(Timer::Join));
        assert_eq!(t.take_expired(now), Some(Timer::Merge));
        assert_eq!(t.take_expired(now), None);
        assert_eq!(t.next(), Some(Instant::from_millis(9)));
    }
}
