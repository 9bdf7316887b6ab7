//! Totem runs on the in-memory harness (core's `totem::harness`, feature
//! `testgen`), shared by `benches/totem.rs` and `examples/totem_figures.rs`.
//! Every figure is a function of its seed.

use std::time::Duration;

use cohort_core::time::Instant;
use cohort_core::totem::harness::{settled, Cluster};
use cohort_core::totem::{NodeId, TotemConfig};

pub fn config(token_ms: u32) -> TotemConfig {
    TotemConfig::with_token_ms("bench", token_ms)
}

/// `n` nodes started together, run until they form one ring.
pub fn settled_cluster(n: u32, token_ms: u32, seed: u64) -> Cluster {
    let ids: Vec<NodeId> = (1..=n).collect();
    let mut c = Cluster::new(config(token_ms), &ids, seed);
    c.run_until_true(Instant::from_millis(30_000), settled)
        .expect("nodes started together form one ring");
    c
}

/// Every member sends `per_sender` messages at once; runs until every
/// member delivered all of them. Returns the simulated time it took.
pub fn deliver_batch(c: &mut Cluster, n: u32, per_sender: u32) -> Duration {
    let start = c.now();
    let target = c.delivered_count() + u64::from(n) * u64::from(n) * u64::from(per_sender);
    for _ in 0..per_sender {
        for node in 1..=n {
            c.send(node, false).expect("every member is live");
        }
    }
    let done = c
        .run_until_true(start + Duration::from_secs(600), |c| {
            c.delivered_count() >= target
        })
        .expect("a healthy ring delivers everything");
    done.saturating_since(start)
}

/// A settled ring of `n`, quiet for 2 s (so the representative holds an
/// idle token: the usual state of a ring), ready for [`crash_to_view`].
pub fn quiet_ring(n: u32, token_ms: u32, seed: u64) -> Cluster {
    let mut c = settled_cluster(n, token_ms, seed);
    c.run_for(Duration::from_secs(2));
    c
}

/// Crashes the highest member of a quiet ring; simulated time until the
/// survivors are one ring again.
pub fn crash_to_view(c: &mut Cluster, n: u32) -> Duration {
    let crash_at = c.now();
    c.crash(n);
    c.run_until_true(crash_at + Duration::from_secs(60), settled)
        .expect("survivors form a view")
        .saturating_since(crash_at)
}

/// Crashes the highest member, lets the rest settle for 2 s, restarts it;
/// simulated time from the restart until all are one ring again.
pub fn restart_to_view(n: u32, token_ms: u32, seed: u64) -> Duration {
    let mut c = settled_cluster(n, token_ms, seed);
    c.crash(n);
    c.run_until_true(c.now() + Duration::from_secs(60), settled)
        .expect("survivors settle");
    c.run_for(Duration::from_secs(2));
    let start_at = c.now();
    c.start(n);
    c.run_until_true(start_at + Duration::from_secs(60), settled)
        .expect("restarted node joins")
        .saturating_since(start_at)
}
