//! The `cohort` command line: crm shell words over a CIB file (offline, like
//! `CIB_file=... crm`) or a running cohortd (through its admin socket),
//! crm_verify's checks, and the embedded demo.
//!
//! Each subcommand is a function from arguments and an [`Io`] (stdin text,
//! stdout and stderr buffers, the environment it needs) to an exit code, so
//! the tests drive it without spawning a process.

pub mod args;
mod config_check;
mod configure;
mod demo;
mod keygen;
pub mod live;
mod simulate;
mod status;
mod verify;

use std::path::PathBuf;

use clap::Parser;
use cohort_core::control::Request;

use self::args::{Cli, ClusterCommand, Command, ConfigCommand};

use crate::agents::AgentDirs;

/// What a subcommand may read and write besides files.
pub struct Io<'a> {
    pub stdin: &'a mut dyn FnMut() -> std::io::Result<String>,
    pub out: &'a mut dyn std::io::Write,
    pub err: &'a mut dyn std::io::Write,
    /// `CIB_file` from the environment.
    pub cib_file: Option<PathBuf>,
    pub agent_dirs: AgentDirs,
    /// Where a running cohortd's socket is: `--run-dir`, else
    /// `COHORT_RUN_DIR`, else /run/cohort.
    pub run_dir: PathBuf,
}

/// The run directory from the environment (`--run-dir` overrides it).
pub fn run_dir_from_env() -> PathBuf {
    std::env::var_os("COHORT_RUN_DIR").map_or_else(|| PathBuf::from("/run/cohort"), PathBuf::from)
}

/// Exit codes that follow the tools users know.
pub mod exit {
    pub const OK: u8 = 0;
    /// A refused command (crm's status for errors).
    pub const ERROR: u8 = 1;
    /// Bad usage.
    pub const USAGE: u8 = 2;
    /// crm_verify's "CIB cannot be read".
    pub const NO_INPUT: u8 = 66;
    /// crm_verify's "config not valid".
    pub const INVALID: u8 = 78;
}

/// Reads the CIB a read-only command works on (`-x FILE`, else
/// `$CIB_file`); on failure prints why, prefixed with `cohort CMD:`, and
/// returns crm_verify's exit status for it (78 unreadable XML, 66 missing).
fn read_cib(
    cmd: &str,
    file: Option<PathBuf>,
    io: &mut Io<'_>,
) -> Result<cohort_core::cib::Cib, u8> {
    let Some(path) = file.or_else(|| io.cib_file.clone()) else {
        // No file: the running cluster's CIB.
        return live::fetch_cib(io).map_err(|e| {
            let _ = writeln!(io.err, "cohort {cmd}: {e}");
            exit::ERROR
        });
    };
    crate::cib_file::load(&path).map_err(|e| {
        let _ = writeln!(io.err, "cohort {cmd}: {e}");
        match e {
            crate::cib_file::CibFileError::Parse { .. } => exit::INVALID,
            _ => exit::NO_INPUT,
        }
    })
}

/// Runs `cohort` with `args` (without the program name): the one place
/// where parse errors, `--help` and each command's outcome become an exit
/// code.
pub fn run(args: &[String], io: &mut Io<'_>) -> u8 {
    let argv = std::iter::once("cohort".to_string()).chain(args.iter().cloned());
    let cli = match Cli::try_parse_from(argv) {
        Ok(c) => c,
        Err(e) => {
            use clap::error::ErrorKind;
            let text = e.render().to_string();
            return match e.kind() {
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
                    let _ = io.out.write_all(text.as_bytes());
                    exit::OK
                }
                _ => {
                    let _ = io.err.write_all(text.as_bytes());
                    exit::USAGE
                }
            };
        }
    };
    if let Some(dir) = cli.run_dir {
        io.run_dir = dir;
    }
    match cli.command {
        Command::Configure { words } => configure::run(&words, cli.force, io),
        Command::Verify(a) => verify::run(a, io),
        Command::Simulate(a) => simulate::run(a, io),
        Command::Status(a) => status::run(a, io),
        Command::Config {
            command: ConfigCommand::Check { file },
        } => config_check::run(&file, io),
        Command::Keygen(a) => keygen::run(a, io),
        Command::Demo => demo::run(io),
        Command::Node { command } => live::node(command, io),
        Command::Resource { command } => live::resource(command, io),
        Command::Quorum => live::simple(io, "quorum", Request::Quorum),
        Command::Ring => live::simple(io, "ring", Request::Ring),
        Command::Cluster {
            command: ClusterCommand::Stop,
        } => live::simple(io, "cluster stop", Request::Stop),
    }
}
