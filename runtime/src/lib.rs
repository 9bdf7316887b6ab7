//! The real-world shell around cohort-core: files, processes and
//! sockets. The `cohort` CLI and the `cohortd` daemon are thin layers over
//! the modules here.

pub mod agents;
pub mod cib_file;
pub mod cli;
pub mod daemon;
