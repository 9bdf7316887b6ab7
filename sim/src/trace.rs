//! The run's fingerprint: a hash of every event the world processed and
//! every effect the nodes produced, in order.
//!
//! Two runs of the same seed must end with the same hash; the determinism
//! test and `cohort-sim replay` compare it. FNV-1a is used because it is
//! fixed by its definition (std's hasher may change between releases).

use std::fmt;

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// A running FNV-1a 64 hash and a count of what went into it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Trace {
    hash: u64,
    events: u64,
}

impl Default for Trace {
    fn default() -> Self {
        Trace {
            hash: FNV_OFFSET,
            events: 0,
        }
    }
}

impl Trace {
    /// Folds one event: a tag naming its kind, then its fields.
    pub fn note(&mut self, tag: u8, fields: &[u64]) {
        self.events += 1;
        self.bytes(&[tag]);
        for f in fields {
            self.bytes(&f.to_le_bytes());
        }
    }

    /// Folds raw bytes (a datagram, a payload).
    pub fn bytes(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.hash ^= u64::from(*b);
            self.hash = self.hash.wrapping_mul(FNV_PRIME);
        }
    }

    pub fn hash(&self) -> u64 {
        self.hash
    }

    /// Events noted so far.
    pub fn events(&self) -> u64 {
        self.events
    }
}

impl fmt::Display for Trace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.hash)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_and_content_change_the_hash() {
        let mut a = Trace::default();
        a.note(1, &[2, 3]);
        a.bytes(b"x");
        let mut b = Trace::default();
        b.note(1, &[2, 3]);
        b.bytes(b"x");
        assert_eq!(a, b);
        let mut c = Trace::default();
        c.note(1, &[3, 2]);
        c.bytes(b"x");
        assert_ne!(a.hash(), c.hash());
        // FNV-1a's published value for "a".
        let mut d = Trace::default();
        d.bytes(b"a");
        assert_eq!(d.hash(), 0xaf63_dc4c_8601_ec8c);
    }
}
