//! cohortd, the cluster daemon. The event loop over UDP, agents and the admin
//! socket comes with the Cluster node milestone; until then this binary says
//! so instead of pretending to run a cluster.

use std::process::ExitCode;

fn main() -> ExitCode {
    eprintln!(
        "cohortd {}: the cluster daemon is not built yet (milestone: Cluster node); \
         use `cohort configure`, `cohort verify` and `cohort-sim` meanwhile",
        env!("CARGO_PKG_VERSION")
    );
    ExitCode::from(2)
}
