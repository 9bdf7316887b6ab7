//! The run's one source of randomness.
//!
//! Every random choice the world makes (fault schedule, latencies, losses,
//! seeds handed to the nodes) is drawn here, in the order the world makes
//! them, so a run is a function of its seed and nothing else.

use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};

/// A seeded generator with the few draws the world needs.
#[derive(Debug, Clone)]
pub struct SimRng(ChaCha8Rng);

impl SimRng {
    pub fn new(seed: u64) -> SimRng {
        SimRng(ChaCha8Rng::seed_from_u64(seed))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// Uniform in `0..n` (0 when `n` is 0). The modulo bias is below 2^-40
    /// for the small ranges used here.
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.0.next_u64() % n
        }
    }

    /// Uniform in `lo..=hi`.
    pub fn between(&mut self, lo: u64, hi: u64) -> u64 {
        assert!(lo <= hi, "empty range {lo}..={hi}");
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `ppm` per million.
    pub fn chance_ppm(&mut self, ppm: u32) -> bool {
        ppm > 0 && self.below(1_000_000) < u64::from(ppm)
    }

    /// True with probability one half.
    pub fn coin(&mut self) -> bool {
        self.0.next_u32() & 1 == 1
    }

    /// An index into a non-empty slice.
    pub fn index(&mut self, len: usize) -> usize {
        assert!(len > 0, "index into an empty slice");
        usize::try_from(self.below(len as u64)).expect("fits: below len")
    }

    /// Picks an index by weight; None when every weight is zero.
    pub fn weighted(&mut self, weights: &[u32]) -> Option<usize> {
        let total: u64 = weights.iter().map(|w| u64::from(*w)).sum();
        let mut roll = self.below(total);
        if total == 0 {
            return None;
        }
        for (i, w) in weights.iter().enumerate() {
            if roll < u64::from(*w) {
                return Some(i);
            }
            roll -= u64::from(*w);
        }
        unreachable!("roll below the total weight")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_draws_and_ranges_hold() {
        let mut a = SimRng::new(7);
        let mut b = SimRng::new(7);
        for _ in 0..100 {
            assert_eq!(a.next_u64(), b.next_u64());
            let x = a.between(3, 5);
            assert!((3..=5).contains(&x));
            assert_eq!(x, b.between(3, 5));
        }
        assert_eq!(a.weighted(&[0, 0]), None);
        for _ in 0..50 {
            assert_eq!(a.weighted(&[0, 3, 0]), Some(1));
        }
        assert!(!a.chance_ppm(0));
        assert!(a.chance_ppm(1_000_000));
    }
}
