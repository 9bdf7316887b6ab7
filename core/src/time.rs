//! Core's own notion of time: a point on a monotonic axis, in nanoseconds.
//!
//! Core never reads a clock. The runtime maps its monotonic clock onto this
//! axis and the simulator drives it from its virtual clock; both pass `now`
//! into every state machine.

use std::fmt;
use std::ops::{Add, Sub};
use std::time::Duration;

/// A point in time, nanoseconds since an origin chosen by the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Instant(u64);

impl Instant {
    pub const ZERO: Instant = Instant(0);

    pub fn from_nanos(nanos: u64) -> Instant {
        Instant(nanos)
    }

    pub fn from_millis(millis: u64) -> Instant {
        Instant(millis.saturating_mul(1_000_000))
    }

    pub fn as_nanos(self) -> u64 {
        self.0
    }

    /// Time since `earlier`, or zero if `earlier` is later (time never runs
    /// backwards for a state machine, but a caller may compare stale values).
    pub fn saturating_since(self, earlier: Instant) -> Duration {
        Duration::from_nanos(self.0.saturating_sub(earlier.0))
    }
}

impl Add<Duration> for Instant {
    type Output = Instant;
    fn add(self, d: Duration) -> Instant {
        let nanos = u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
        Instant(self.0.saturating_add(nanos))
    }
}

impl Sub<Duration> for Instant {
    type Output = Instant;
    fn sub(self, d: Duration) -> Instant {
        let nanos = u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
        Instant(self.0.saturating_sub(nanos))
    }
}

impl fmt::Display for Instant {
    /// Seconds with millisecond precision: `12.345s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}.{:03}s",
            self.0 / 1_000_000_000,
            (self.0 / 1_000_000) % 1000
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic_saturates_and_displays_seconds() {
        let t = Instant::from_millis(1500);
        assert_eq!((t + Duration::from_millis(250)).to_string(), "1.750s");
        assert_eq!(t - Duration::from_secs(10), Instant::ZERO);
        assert_eq!(
            t.saturating_since(Instant::from_millis(2000)),
            Duration::ZERO
        );
        assert_eq!(
            Instant::from_nanos(u64::MAX) + Duration::from_secs(1),
            Instant::from_nanos(u64::MAX)
        );
    }
}
