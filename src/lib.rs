//! The root package of the workspace. It holds no code of its own: its
//! `tests/` folder drives the real binaries (`cohort`, `cohortd`,
//! `cohort-sim`) and the reference tools end to end. The crates are
//! re-exported so those tests can reach the models directly.

pub use cohort_core as core;
pub use cohort_runtime as runtime;
pub use cohort_sim as sim;
