//! The fuzz target's input: which scenario, then the bytes every random
//! choice of the run is read from.
//!
//! `fuzz/fuzz_targets/sim_world.rs` feeds libFuzzer's inputs here and
//! panics on a failed run; the stable test suite replays its corpus
//! through the same function, and `cohort-sim replay --fuzz-input FILE`
//! draws the timeline of any input. Byte 0 picks a built-in scenario
//! ([`SCENARIOS`]); the rest drives the world ([`run_bytes`]) in swarm
//! mode: the fault profile first, then the fault schedule and the timing
//! of starts, agents, disks and fences, each draw reading only the bytes
//! its range needs, so a mutation changes one choice.

use cohort_core::planted::PlantedBugs;

use crate::faults::FaultMode;
use crate::replay::{replay_command, run_bytes};
use crate::scenario::{Scenario, NAMES};
use crate::world::RunReport;

/// The scenarios byte 0 chooses from (modulo their count): every built-in
/// one, in `list` order. The corpus's inputs start with an index, so
/// appending a scenario keeps what they mean. A run simulates a few
/// minutes at most (each phase is bounded): a few dozen milliseconds of
/// wall time in a release build for most inputs.
pub const SCENARIOS: [&str; NAMES.len()] = NAMES;

/// The divisor of a membership scenario's fault phase in a fuzz run. The
/// costliest inputs are the plainest: all zeros draw a 50 µs network with
/// no loss and every application sending every few milliseconds, so the
/// token and the messages circle as fast as they can (five-node: near a
/// million events, 0.6 s in release, over 12 s instrumented). Half the
/// phase still holds a dozen faults at the swarm's fastest rate (the
/// mean gap is half a token timeout), none at its slowest. Cluster
/// scenarios keep theirs: their scripts are timed within it, and they
/// cost a few dozen milliseconds.
const MEMBERSHIP_PHASE_DIVISOR: u32 = 2;

/// The scenario `input` runs.
pub fn scenario_of(input: &[u8]) -> Scenario {
    let pick = input
        .first()
        .map_or(0, |b| usize::from(*b) % SCENARIOS.len());
    let mut scenario = Scenario::builtin(SCENARIOS[pick]).expect("built-in");
    if !scenario.is_cluster() {
        scenario.fault_phase /= MEMBERSHIP_PHASE_DIVISOR;
    }
    scenario
}

/// Runs one fuzz input (with `planted` bugs on, for the tests that prove
/// the bytes path finds them).
pub fn run_input(input: &[u8], planted: PlantedBugs) -> RunReport {
    let scenario = scenario_of(input);
    let rest = input.get(1..).unwrap_or_default();
    run_bytes(&scenario, rest, FaultMode::Swarm, planted)
}

/// The fuzz target's property: the run of `input` breaks no invariant.
/// The error names the scenario, the violations, the first of them and
/// how to replay it.
pub fn check_input(input: &[u8]) -> Result<RunReport, String> {
    let report = run_input(input, PlantedBugs::NONE);
    if !report.failed() {
        return Ok(report);
    }
    let first = report
        .violations
        .kept()
        .iter()
        .find(|v| v.kind.is_failure())
        .map(|v| v.to_string())
        .unwrap_or_default();
    Err(format!(
        "{} failed: {}\n  first: {first}\n  replay: {}",
        report.scenario,
        report.violations.summary(),
        replay_command(&report)
    ))
}
