//! Totem scenario tests on the in-memory harness, one concept per file.

mod corpus;
mod crypto;
mod faults;
mod membership;
mod ordering;
mod recovery;
mod schedules;

use std::time::Duration;

use super::harness::Cluster;
use super::{NodeId, TotemConfig};
use crate::time::Instant;

pub(super) fn config(token_ms: u32) -> TotemConfig {
    TotemConfig::with_token_ms("test", token_ms)
}

pub(super) fn ids(n: u32) -> Vec<NodeId> {
    (1..=n).collect()
}

/// A cluster of `n` nodes that has formed one ring.
pub(super) fn settled_cluster(n: u32, token_ms: u32, seed: u64) -> Cluster {
    let mut c = Cluster::new(config(token_ms), &ids(n), seed);
    let formed = c.run_until_true(Instant::from_millis(20_000), super::harness::settled);
    assert!(formed.is_some(), "{}", c.check_settled().unwrap_err());
    c
}

pub(super) fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}
