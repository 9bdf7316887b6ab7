//! Running seeds: one (a replay) or a range (a swarm), catching panics so
//! that one broken seed is reported instead of ending the sweep.

use std::panic::{self, AssertUnwindSafe};
use std::time::Duration;

use cohort_core::planted::PlantedBugs;

use crate::checker::{Violation, ViolationKind, Violations};
use crate::faults::{FaultMode, FaultProfile};
use crate::history::History;
use crate::rng::{input_hash, SimRng};
use crate::scenario::Scenario;
use crate::trace::Trace;
use crate::world::{RunReport, RunSpec, World};

/// Runs one seed. A panic inside a state machine (its own assertion)
/// becomes a [`ViolationKind::Panic`] report.
pub fn run_seed(
    scenario: &Scenario,
    seed: u64,
    faults: FaultMode,
    planted: PlantedBugs,
) -> RunReport {
    run_with(scenario, seed, faults, planted, || SimRng::new(seed))
}

/// Runs the world with every random choice read from `bytes` (a fuzz
/// input; see [`SimRng::from_bytes`]): the fault profile, the fault
/// schedule, start times and the timing of agents, disks and fences. The
/// same bytes give the same run. The report's `seed` is
/// [`input_hash`]`(bytes)`, a name for the run, not a seed that replays it.
pub fn run_bytes(
    scenario: &Scenario,
    bytes: &[u8],
    faults: FaultMode,
    planted: PlantedBugs,
) -> RunReport {
    run_with(scenario, input_hash(bytes), faults, planted, || {
        SimRng::from_bytes(bytes)
    })
}

fn run_with(
    scenario: &Scenario,
    seed: u64,
    faults: FaultMode,
    planted: PlantedBugs,
    rng: impl Fn() -> SimRng,
) -> RunReport {
    let spec = RunSpec {
        scenario: scenario.clone(),
        seed,
        faults,
        planted,
    };
    match panic::catch_unwind(AssertUnwindSafe(|| World::with_rng(spec, rng()).run())) {
        Ok(report) => report,
        Err(cause) => {
            let message = cause
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| cause.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "panic".into());
            let mut violations = Violations::default();
            violations.push(Violation::new(
                ViolationKind::Panic,
                cohort_core::time::Instant::ZERO,
                message,
            ));
            let mut rng = rng();
            RunReport {
                scenario: scenario.name,
                seed,
                faults,
                planted,
                profile: FaultProfile::draw(faults, &mut rng, scenario.token_ms()),
                violations,
                sim_time: Duration::ZERO,
                trace: Trace::default(),
                history: History::default(),
                heal_at: cohort_core::time::Instant::ZERO,
                heal_to_view: None,
                view_to_placement: None,
                nodes: scenario.nodes.clone(),
                running: Default::default(),
                bytes_read: rng.bytes_read(),
            }
        }
    }
}

/// The command that replays one run. A run drawn from bytes replays from
/// the fuzz input file that holds them.
pub fn replay_command(report: &RunReport) -> String {
    let mut cmd = match report.bytes_read {
        Some(_) => "cohort-sim replay --fuzz-input FILE".to_string(),
        None => format!(
            "cohort-sim replay --scenario {} --seed {} --faults {}",
            report.scenario, report.seed, report.faults
        ),
    };
    for bug in report.planted.iter() {
        cmd.push_str(&format!(" --planted {bug}"));
    }
    cmd
}
