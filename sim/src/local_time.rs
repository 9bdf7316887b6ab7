//! Each node's own clock: world time mapped through drift and jumps.
//!
//! A node never sees world time. Its monotonic clock runs at
//! `1 + rate_ppm / 10^6` times world speed and can jump forward (a VM
//! suspended, a stalled host); it never runs backwards, because the
//! runtime feeds core a monotonic clock and core asserts it.

use std::time::Duration;

use cohort_core::time::Instant;

const PPM: i128 = 1_000_000;
/// Faster or slower than this is not a clock but a broken oscillator.
pub const MAX_DRIFT_PPM: i64 = 100_000;

/// One node's clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalClock {
    anchor_world: Instant,
    anchor_local: Instant,
    rate_ppm: i64,
}

impl LocalClock {
    /// A clock that reads `offset` at world time zero and drifts by
    /// `rate_ppm`.
    pub fn new(offset: Duration, rate_ppm: i64) -> LocalClock {
        assert!(rate_ppm.abs() <= MAX_DRIFT_PPM, "drift {rate_ppm} ppm");
        LocalClock {
            anchor_world: Instant::ZERO,
            anchor_local: Instant::ZERO + offset,
            rate_ppm,
        }
    }

    pub fn rate_ppm(&self) -> i64 {
        self.rate_ppm
    }

    /// The node's reading at world time `world` (not before the anchor).
    pub fn local(&self, world: Instant) -> Instant {
        let elapsed = i128::from(world.saturating_since(self.anchor_world).as_nanos() as u64);
        let scaled = elapsed * (PPM + i128::from(self.rate_ppm)) / PPM;
        let nanos = u64::try_from(scaled).unwrap_or(u64::MAX);
        Instant::from_nanos(self.anchor_local.as_nanos().saturating_add(nanos))
    }

    /// The first world time at or after `now` when the node's clock reads at
    /// least `deadline`.
    pub fn world_of(&self, deadline: Instant, now: Instant) -> Instant {
        if deadline <= self.local(now) {
            return now;
        }
        let ahead = i128::from(deadline.as_nanos() - self.anchor_local.as_nanos());
        let rate = PPM + i128::from(self.rate_ppm);
        let elapsed = (ahead * PPM + rate - 1) / rate;
        let mut world =
            self.anchor_world + Duration::from_nanos(u64::try_from(elapsed).unwrap_or(u64::MAX));
        // Integer rounding may leave it a nanosecond short; a couple of
        // steps settle it (bounded: the rate is within 10 %).
        for _ in 0..4 {
            if self.local(world) >= deadline {
                break;
            }
            world = world + Duration::from_nanos(1);
        }
        debug_assert!(self.local(world) >= deadline);
        world.max(now)
    }

    /// The clock jumps forward by `jump` at world time `now`.
    pub fn jump(&mut self, now: Instant, jump: Duration) {
        self.anchor_local = self.local(now) + jump;
        self.anchor_world = now;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drift_scales_and_deadlines_map_back() {
        let fast = LocalClock::new(Duration::from_secs(5), 1000);
        let t = Instant::from_millis(10_000);
        assert_eq!(fast.local(t), Instant::from_millis(15_010));
        let deadline = Instant::from_millis(15_010);
        let w = fast.world_of(deadline, Instant::ZERO);
        assert!(fast.local(w) >= deadline);
        assert!(w <= t);
        let slow = LocalClock::new(Duration::ZERO, -2000);
        let w = slow.world_of(Instant::from_millis(998), Instant::ZERO);
        assert_eq!(w, Instant::from_millis(1000));
        // A deadline already passed maps to now.
        assert_eq!(slow.world_of(Instant::ZERO, t), t);
    }

    #[test]
    fn jumps_go_forward_and_keep_the_clock_monotonic() {
        let mut c = LocalClock::new(Duration::ZERO, -500);
        let before = c.local(Instant::from_millis(1000));
        c.jump(Instant::from_millis(1000), Duration::from_secs(3));
        let after = c.local(Instant::from_millis(1000));
        assert_eq!(after.saturating_since(before), Duration::from_secs(3));
        assert!(c.local(Instant::from_millis(1001)) > after);
        assert_eq!(
            c.world_of(after, Instant::from_millis(1000)),
            Instant::from_millis(1000)
        );
    }
}
