//! Running seeds: one (a replay) or a range (a swarm), catching panics so
//! that one broken seed is reported instead of ending the sweep.

use std::panic::{self, AssertUnwindSafe};
use std::time::Duration;

use cohort_core::planted::PlantedBugs;

use crate::checker::{Violation, ViolationKind, Violations};
use crate::faults::{FaultMode, FaultProfile};
use crate::history::History;
use crate::rng::SimRng;
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
    let spec = RunSpec {
        scenario: scenario.clone(),
        seed,
        faults,
        planted,
    };
    match panic::catch_unwind(AssertUnwindSafe(|| World::new(spec).run())) {
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
            RunReport {
                scenario: scenario.name,
                seed,
                faults,
                planted,
                profile: FaultProfile::draw(faults, &mut SimRng::new(seed), scenario.token_ms()),
                violations,
                sim_time: Duration::ZERO,
                trace: Trace::default(),
                history: History::default(),
                heal_at: cohort_core::time::Instant::ZERO,
                heal_to_view: None,
                view_to_placement: None,
                nodes: scenario.nodes.clone(),
                running: Default::default(),
            }
        }
    }
}

/// The command that replays one run.
pub fn replay_command(report: &RunReport) -> String {
    let mut cmd = format!(
        "cohort-sim replay --scenario {} --seed {} --faults {}",
        report.scenario, report.seed, report.faults
    );
    for bug in report.planted.iter() {
        cmd.push_str(&format!(" --planted {bug}"));
    }
    cmd
}
