//! cohortd, the cluster daemon: see `cohortd --help` and
//! `cohort_runtime::daemon`.

use std::process::ExitCode;

use clap::Parser;
use cohort_runtime::daemon::{self, args::Args};

fn main() -> ExitCode {
    daemon::main(Args::parse())
}
