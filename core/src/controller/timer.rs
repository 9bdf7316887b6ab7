//! The controller's timers: a small closed set, each armed at most once,
//! the earliest of which leaves the controller as its `poll_timeout`.
//!
//! Wall-clock time (`last-rc-change`, `last-failure`, failure-timeout) is
//! epoch seconds; the controller derives it from the monotonic `now` and
//! the epoch the runtime gave at start ([`Clock`]), so core never reads a
//! clock and a simulated run stays a function of its seed.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::time::Instant;

use super::fence::FenceId;
use super::message::ActionTag;

/// One deadline of the controller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Timer {
    /// Run the policy again: cluster-recheck-interval, or the earliest
    /// failure's failure-timeout expiry (DC only).
    Recheck,
    /// An action sent by the DC that has not reported within its timeout
    /// plus a margin: counted as failed (DC only).
    ActionTimeout(ActionTag),
    /// A fence action that failed is tried again (DC only).
    FenceRetry(ActionTag),
    /// A fence request held back by the split delay (the fencing node;
    /// see [`super::fencing`]).
    FenceDelay(FenceId),
}

/// Armed timers.
#[derive(Debug, Clone, Default)]
pub struct Timers {
    armed: BTreeMap<Timer, Instant>,
}

/// Most timers armed at once (one per action of a transition at most, plus
/// a few): a bound, asserted.
pub const MAX_TIMERS: usize = 64 * 1024;

impl Timers {
    /// Arms `timer` at `at` (replacing an earlier arming).
    pub fn set(&mut self, timer: Timer, at: Instant) {
        self.armed.insert(timer, at);
        assert!(self.armed.len() <= MAX_TIMERS, "timer bound exceeded");
    }

    pub fn cancel(&mut self, timer: Timer) {
        self.armed.remove(&timer);
    }

    pub fn get(&self, timer: Timer) -> Option<Instant> {
        self.armed.get(&timer).copied()
    }

    /// Drops every timer `keep` refuses.
    pub fn retain(&mut self, mut keep: impl FnMut(&Timer) -> bool) {
        self.armed.retain(|t, _| keep(t));
    }

    pub fn next(&self) -> Option<Instant> {
        self.armed.values().min().copied()
    }

    /// Removes and returns the timers due at `now`, in timer order.
    pub fn take_due(&mut self, now: Instant) -> Vec<Timer> {
        let due: Vec<Timer> = self
            .armed
            .iter()
            .filter(|(_, at)| **at <= now)
            .map(|(t, _)| *t)
            .collect();
        for t in &due {
            self.armed.remove(t);
        }
        due
    }
}

/// Monotonic time and the wall clock it stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clock {
    pub start: Instant,
    pub epoch_at_start_s: i64,
    pub now: Instant,
}

impl Clock {
    /// Epoch seconds at `now`.
    pub fn epoch_s(&self) -> i64 {
        self.epoch_of(self.now)
    }

    pub fn epoch_of(&self, at: Instant) -> i64 {
        let since = at.saturating_since(self.start).as_secs();
        self.epoch_at_start_s + i64::try_from(since).unwrap_or(i64::MAX / 2)
    }

    /// The monotonic instant of epoch second `epoch_s` (never before now).
    pub fn instant_of(&self, epoch_s: i64) -> Instant {
        let ahead = epoch_s.saturating_sub(self.epoch_s());
        let ahead = u64::try_from(ahead).unwrap_or(0);
        self.now + Duration::from_secs(ahead)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_earliest_timer_is_next_and_due_ones_are_taken_once() {
        let mut t = Timers::default();
        t.set(Timer::Recheck, Instant::from_millis(500));
        let tag = ActionTag {
            transition: super::super::TransitionId {
                dc: 1,
                seq: 1,
                ring: Default::default(),
            },
            action: 0,
        };
        t.set(Timer::ActionTimeout(tag), Instant::from_millis(200));
        assert_eq!(t.next(), Some(Instant::from_millis(200)));
        assert!(t.take_due(Instant::from_millis(100)).is_empty());
        assert_eq!(
            t.take_due(Instant::from_millis(600)),
            [Timer::Recheck, Timer::ActionTimeout(tag)]
        );
        assert_eq!(t.next(), None);
    }

    #[test]
    fn epoch_seconds_follow_the_monotonic_clock() {
        let mut c = Clock {
            start: Instant::from_millis(1000),
            epoch_at_start_s: 1_700_000_000,
            now: Instant::from_millis(1000),
        };
        c.now = Instant::from_millis(62_500);
        assert_eq!(c.epoch_s(), 1_700_000_061);
        assert_eq!(c.instant_of(1_700_000_071), Instant::from_millis(72_500));
        assert_eq!(c.instant_of(1_600_000_000), c.now, "the past is now");
    }
}
