//! Disks: a write is pending until the disk syncs it, after a delay drawn
//! from the seed; a crash loses every pending write.
//!
//! `Output::WriteDisk` promises an atomic write (the runtime writes a
//! temporary file, syncs it and renames it), so a crash never leaves half
//! a file: what a restarted node finds is the last synced copy of each
//! key. A disk syncs its writes in the order they were issued.

use std::collections::BTreeMap;
use std::time::Duration;

use cohort_core::cib::xml::parse_cib;
use cohort_core::cib::Cib;
use cohort_core::controller::replica::CIB_KEY;
use cohort_core::controller::WriteToken;
use cohort_core::time::Instant;
use cohort_core::totem::NodeId;

use crate::rng::SimRng;

/// Most writes pending on one disk.
pub const MAX_PENDING_WRITES: usize = 64;

/// How fast disks are in one run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiskProfile {
    /// A sync takes `[lo, hi]` ms.
    pub sync_ms: (u64, u64),
    /// Chance that one sync is slow (`slow_ms` more).
    pub slow_ppm: u32,
    pub slow_ms: u64,
}

impl DiskProfile {
    pub fn fast() -> DiskProfile {
        DiskProfile {
            sync_ms: (1, 10),
            slow_ppm: 0,
            slow_ms: 0,
        }
    }

    pub fn draw(rng: &mut SimRng) -> DiskProfile {
        let mut p = DiskProfile::fast();
        if rng.coin() {
            p.sync_ms = (rng.between(1, 20), rng.between(20, 200));
            p.slow_ppm = u32::try_from(rng.below(200_001)).expect("small");
            p.slow_ms = rng.between(100, 3_000);
        }
        p
    }
}

#[derive(Debug, Clone, Default)]
struct Disk {
    durable: BTreeMap<String, Vec<u8>>,
    pending: BTreeMap<WriteToken, (String, Vec<u8>)>,
    /// The last pending write's sync time: later writes sync after it.
    last_sync: Option<Instant>,
}

/// Every node's disk.
#[derive(Debug, Clone)]
pub struct Disks {
    profile: DiskProfile,
    disks: BTreeMap<NodeId, Disk>,
}

impl Disks {
    pub fn new(profile: DiskProfile) -> Disks {
        Disks {
            profile,
            disks: BTreeMap::new(),
        }
    }

    /// Puts `bytes` under `key` as if written and synced before the run.
    pub fn preload(&mut self, node: NodeId, key: &str, bytes: Vec<u8>) {
        let disk = self.disks.entry(node).or_default();
        disk.durable.insert(key.to_string(), bytes);
    }

    /// A write is issued; when it will be synced.
    pub fn write(
        &mut self,
        rng: &mut SimRng,
        node: NodeId,
        key: String,
        bytes: Vec<u8>,
        token: WriteToken,
        now: Instant,
    ) -> Instant {
        let (lo, hi) = self.profile.sync_ms;
        let mut ms = rng.between(lo, hi.max(lo));
        if rng.chance_ppm(self.profile.slow_ppm) {
            ms += self.profile.slow_ms;
        }
        let disk = self.disks.entry(node).or_default();
        let at = (now + Duration::from_millis(ms)).max(disk.last_sync.unwrap_or(now));
        disk.last_sync = Some(at);
        disk.pending.insert(token, (key, bytes));
        assert!(
            disk.pending.len() <= MAX_PENDING_WRITES,
            "pending write bound exceeded"
        );
        at
    }

    /// The sync of `token` is due: true when it became durable (false when
    /// a crash lost it meanwhile).
    pub fn sync(&mut self, node: NodeId, token: WriteToken) -> bool {
        let Some(disk) = self.disks.get_mut(&node) else {
            return false;
        };
        let Some((key, bytes)) = disk.pending.remove(&token) else {
            return false;
        };
        disk.durable.insert(key, bytes);
        true
    }

    /// The machine crashed: pending writes are lost; how many.
    pub fn crash(&mut self, node: NodeId) -> usize {
        let Some(disk) = self.disks.get_mut(&node) else {
            return 0;
        };
        disk.last_sync = None;
        std::mem::take(&mut disk.pending).len()
    }

    pub fn durable(&self, node: NodeId, key: &str) -> Option<&[u8]> {
        self.disks.get(&node)?.durable.get(key).map(Vec::as_slice)
    }

    /// The CIB a starting node reads: the durable `cib.xml`, if it parses.
    pub fn durable_cib(&self, node: NodeId) -> Option<Cib> {
        let bytes = self.durable(node, CIB_KEY)?;
        parse_cib(std::str::from_utf8(bytes).ok()?).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cohort_core::cib::xml::write_cib;

    #[test]
    fn only_synced_writes_survive_a_crash_in_issue_order() {
        let mut rng = SimRng::new(3);
        let mut d = Disks::new(DiskProfile {
            sync_ms: (1, 100),
            slow_ppm: 0,
            slow_ms: 0,
        });
        let mut cib = Cib::empty();
        cib.bump_epoch();
        let v1 = write_cib(&cib).into_bytes();
        cib.bump_epoch();
        let v2 = write_cib(&cib).into_bytes();
        let t0 = Instant::ZERO;
        let a = d.write(&mut rng, 1, CIB_KEY.into(), v1, WriteToken(1), t0);
        let b = d.write(&mut rng, 1, CIB_KEY.into(), v2, WriteToken(2), t0);
        assert!(b >= a, "syncs keep issue order");
        assert!(d.durable_cib(1).is_none());
        assert!(d.sync(1, WriteToken(1)));
        assert_eq!(d.crash(1), 1, "the second write was pending");
        assert!(!d.sync(1, WriteToken(2)), "lost with the crash");
        let back = d.durable_cib(1).expect("parses");
        assert_eq!(back.version.epoch, 1 + Cib::empty().version.epoch);
    }
}
