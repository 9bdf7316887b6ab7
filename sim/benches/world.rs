//! The simulator's speed: simulated seconds per wall second and seeds per
//! minute, swarm faults, one thread, for the reference scenario (the
//! seed's two nodes, membership) and the three-node and failover ones.
//! Issue 5's goal: at least 2,000 times real time for three nodes.
//!
//! Run: `cargo bench -p cohort-sim --bench world` (200 seeds each; a
//! count after `--`: `cargo bench -p cohort-sim --bench world -- 1000`).
//! Without `--bench` (as `cargo test --all-targets` runs it) two seeds
//! each, a smoke test that it still runs.
//!
//! A plain main rather than criterion: the figure is a throughput over
//! many different seeds, each run once, not the time of one repeated
//! closure.

use std::time::{Duration, Instant};

use cohort_core::planted::PlantedBugs;
use cohort_sim::faults::FaultMode;
use cohort_sim::replay::run_seed;
use cohort_sim::scenario::Scenario;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let benching = args.iter().any(|a| a == "--bench");
    let seeds: u64 = args
        .iter()
        .find_map(|a| a.parse().ok())
        .unwrap_or(if benching { 200 } else { 2 });
    for name in ["reference", "three-node", "failover"] {
        let scenario = Scenario::builtin(name).expect("built-in");
        let wall = Instant::now();
        let mut sim = Duration::ZERO;
        let mut failed = 0;
        for seed in 0..seeds {
            let report = run_seed(&scenario, seed, FaultMode::Swarm, PlantedBugs::NONE);
            sim += report.sim_time;
            failed += u64::from(report.failed());
        }
        let wall_s = wall.elapsed().as_secs_f64().max(1e-9);
        let sim_s = sim.as_secs_f64();
        println!(
            "{name:<10} seeds={seeds} failed={failed} sim_seconds={sim_s:.1} wall_seconds={wall_s:.3} ratio={:.0} seeds_per_minute={:.0}",
            sim_s / wall_s,
            seeds as f64 * 60.0 / wall_s
        );
        assert!(sim_s > 0.0, "{name}: the runs simulated time");
    }
}
