//! The run's one source of randomness.
//!
//! Every random choice the world makes (fault schedule, latencies, losses,
//! seeds handed to the nodes) is drawn here, in the order the world makes
//! them, so a run is a function of its seed and nothing else.
//!
//! A run can also be a function of a byte string instead of a seed (the
//! fuzz target's input, [`SimRng::from_bytes`]): each draw then reads just
//! the bytes its range needs, in order, so a mutation of one byte changes
//! one choice and coverage guidance can steer the fault schedule. Once the
//! bytes run out, draws continue from a ChaCha stream seeded by a hash of
//! them, so every input, even an empty one, gives a complete run.

use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};

/// Where the draws come from. Seeded runs are the swarm's hot path, so
/// their generator stays inline; the byte source is boxed (it holds a
/// generator of its own).
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
enum Source {
    Seeded(ChaCha8Rng),
    Bytes(Box<ByteSource>),
}

#[derive(Debug, Clone)]
struct ByteSource {
    bytes: Vec<u8>,
    next: usize,
    /// Draws once the bytes are spent.
    rest: ChaCha8Rng,
    /// The per-packet draws (see [`SimRng::bulk`]).
    bulk: SimRng,
}

impl ByteSource {
    /// The next `n` bytes as a little-endian number, if `n` are left.
    fn take(&mut self, n: usize) -> Option<u64> {
        let chunk = self.bytes.get(self.next..self.next + n)?;
        self.next += n;
        Some(
            chunk
                .iter()
                .rev()
                .fold(0u64, |acc, b| (acc << 8) | u64::from(*b)),
        )
    }
}

/// A seeded generator with the few draws the world needs.
#[derive(Debug, Clone)]
pub struct SimRng(Source);

/// The hash a byte input's fallback stream is seeded with, and the
/// `seed` a run drawn from those bytes reports: FNV-1a 64, fixed by its
/// definition, unlike std's hasher.
pub fn input_hash(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Bytes needed to hold every value below `n` (1 to 8).
fn width_of(n: u64) -> usize {
    let bits = 64 - (n - 1).leading_zeros() as usize;
    bits.div_ceil(8).max(1)
}

impl SimRng {
    pub fn new(seed: u64) -> SimRng {
        SimRng(Source::Seeded(ChaCha8Rng::seed_from_u64(seed)))
    }

    /// Draws read from `bytes` in order, then from a stream seeded by
    /// their hash. The same bytes give the same draws.
    pub fn from_bytes(bytes: &[u8]) -> SimRng {
        let hash = input_hash(bytes);
        SimRng(Source::Bytes(Box::new(ByteSource {
            bytes: bytes.to_vec(),
            next: 0,
            rest: ChaCha8Rng::seed_from_u64(hash),
            // A second stream, so the bulk draws do not shift the fallback
            // of the schedule's draws.
            bulk: SimRng::new(hash ^ 0x6275_6c6b_6472_6177),
        })))
    }

    /// The generator for draws made per packet (latency, loss,
    /// duplication). Seeded, it is this one, so seeds replay as they always
    /// did. From bytes, it is a separate seeded stream: a run routes
    /// thousands of packets, which would spend any input within its first
    /// moments, leaving the faults to the fallback stream where mutations
    /// cannot steer them. The link profiles, and so the network's
    /// character, still come from the bytes.
    pub fn bulk(&mut self) -> &mut SimRng {
        if matches!(self.0, Source::Seeded(_)) {
            return self;
        }
        match &mut self.0 {
            Source::Bytes(b) => &mut b.bulk,
            Source::Seeded(_) => unreachable!("returned above"),
        }
    }

    /// How many input bytes the draws have read (None when seeded).
    pub fn bytes_read(&self) -> Option<usize> {
        match &self.0 {
            Source::Seeded(_) => None,
            Source::Bytes(b) => Some(b.next),
        }
    }

    pub fn next_u64(&mut self) -> u64 {
        match &mut self.0 {
            Source::Seeded(r) => r.next_u64(),
            Source::Bytes(b) => b.take(8).unwrap_or_else(|| b.rest.next_u64()),
        }
    }

    /// Uniform in `0..n` (0 when `n` is 0). The modulo bias is below 2^-40
    /// for the small ranges used here (seeded; from bytes, only as many
    /// bytes are read as `n` needs, and the bias does not matter).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            return 0;
        }
        match &mut self.0 {
            Source::Seeded(r) => r.next_u64() % n,
            Source::Bytes(b) => b.take(width_of(n)).unwrap_or_else(|| b.rest.next_u64()) % n,
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
        match &mut self.0 {
            Source::Seeded(r) => r.next_u32() & 1 == 1,
            Source::Bytes(_) => self.below(2) == 1,
        }
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

    #[test]
    fn seeded_draws_are_those_of_chacha8_as_before() {
        // The regression seeds replay only if the seeded stream is the
        // one they were found with: ChaCha8 from seed_from_u64, one u64
        // per draw, a u32 per coin.
        let mut reference = ChaCha8Rng::seed_from_u64(42);
        let mut rng = SimRng::new(42);
        assert_eq!(rng.next_u64(), reference.next_u64());
        assert_eq!(rng.below(1000), reference.next_u64() % 1000);
        assert_eq!(rng.coin(), reference.next_u32() & 1 == 1);
        let bulk_draw = rng.bulk().next_u64();
        assert_eq!(bulk_draw, reference.next_u64(), "seeded: bulk is self");
        assert_eq!(rng.bytes_read(), None);
    }

    #[test]
    fn bytes_are_read_as_wide_as_each_range_needs() {
        let mut rng = SimRng::from_bytes(&[7, 0x34, 0x12, 1, 2, 3, 4, 5, 6, 7, 8, 201]);
        assert_eq!(rng.below(10), 7, "one byte for a small range");
        assert_eq!(rng.below(60_000), 0x1234, "two bytes, little-endian");
        assert_eq!(rng.bytes_read(), Some(3));
        assert_eq!(rng.next_u64(), 0x0807_0605_0403_0201);
        assert!(rng.coin(), "201 is odd");
        assert_eq!(rng.bytes_read(), Some(12));
        assert_eq!((width_of(1), width_of(256), width_of(257)), (1, 1, 2));
        assert_eq!(width_of(u64::MAX), 8);
    }

    #[test]
    fn spent_bytes_fall_back_to_a_stream_of_their_hash() {
        let draw = |bytes: &[u8]| {
            let mut rng = SimRng::from_bytes(bytes);
            let v: Vec<u64> = (0..20).map(|_| rng.below(1 << 40)).collect();
            (v, rng.bytes_read().expect("from bytes"))
        };
        let (a, read) = draw(&[1, 2, 3]);
        assert_eq!(read, 0, "three bytes cannot make a five-byte draw");
        assert_eq!(a, draw(&[1, 2, 3]).0, "the same bytes, the same run");
        assert_ne!(a, draw(&[1, 2, 4]).0, "other bytes, another stream");
        let (empty, _) = draw(&[]);
        assert!(empty.iter().any(|x| *x != empty[0]), "not constant");
        // The bulk stream is apart from the schedule's: drawing from it
        // leaves the schedule's draws as they were.
        let mut x = SimRng::from_bytes(&[9; 4]);
        let mut y = SimRng::from_bytes(&[9; 4]);
        for _ in 0..100 {
            x.bulk().next_u64();
        }
        assert_eq!(x.below(100), y.below(100));
        assert_eq!(x.next_u64(), y.next_u64(), "fallback unmoved too");
    }
}
