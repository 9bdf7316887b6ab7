//! The `cohort` command line: crm shell words over a CIB file (offline, like
//! `CIB_file=... crm`) or a running cohortd (through its admin socket),
//! crm_verify's checks, and the embedded demo.
//!
//! Each subcommand is a function from arguments and an [`Io`] (stdin text,
//! stdout and stderr buffers, the environment it needs) to an exit code, so
//! the tests drive it without spawning a process.

mod config_check;
mod configure;
mod demo;
mod keygen;
pub mod live;
mod simulate;
mod status;
mod verify;

use std::path::PathBuf;

use cohort_core::control::Request;

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

const USAGE: &str = "\
usage: cohort [-F|--force] [--run-dir DIR] <command> [args]

Without CIB_file (and -x), commands work on the running cohortd found
through --run-dir, $COHORT_RUN_DIR or /run/cohort.

commands:
  configure <crm words>        apply one crm configure statement (to $CIB_file,
                               or cluster-wide through cohortd)
  configure                    read crm configure statements from stdin
  configure show [xml] [ID...] print the configuration like `crm configure show`
  verify [-x FILE] [-V[V]]     check a CIB like crm_verify (default: $CIB_file,
                               else the live CIB)
  config check FILE            check a corosync.conf like `corosync -t` and
                               print its effective settings
  simulate -x FILE [--placement [--no-probes]] [--why RSC]
                               schedule a transition like crm_simulate -S
  status [-x FILE] [-r] [--exclude=times]
                               show the cluster like crm_mon -1 (default: $CIB_file)
  keygen [-k FILE] [-s BYTES]  write a cluster authentication key like
                               corosync-keygen (default /etc/corosync/authkey)
  demo                         apply the reference configuration to a fresh CIB,
                               show it and verify it (no files, no root)
  node standby|online [NODE]   put a node in standby or back online (live)
  resource start|stop|unmove|locate RSC, resource move RSC NODE,
  resource cleanup RSC [NODE]  crm resource's commands (live)
  quorum                       quorum and votes like corosync-quorumtool -s (live)
  ring                         the ring like corosync-cfgtool -s, with dropped
                               datagrams by reason (live)
  cluster stop                 this node leaves the cluster cleanly (live)

options:
  -F, --force                  commit even if the agent or verify checks fail
  -h, --help                   this text
  --version                    cohort's version
";

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
            exit::NO_INPUT
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

/// Runs `cohort` with `args` (without the program name).
pub fn run(args: &[String], io: &mut Io<'_>) -> u8 {
    let mut force = false;
    let mut rest: Vec<&str> = Vec::new();
    let mut args = args.iter();
    while let Some(a) = args.next() {
        match a.as_str() {
            // crm takes -F before the level; we take it anywhere before `--`.
            "-F" | "--force" if rest.len() <= 1 => force = true,
            "--run-dir" if rest.is_empty() => match args.next() {
                Some(dir) => io.run_dir = PathBuf::from(dir),
                None => {
                    let _ = writeln!(io.err, "cohort: --run-dir needs a directory");
                    return exit::USAGE;
                }
            },
            _ => rest.push(a),
        }
    }
    match rest.split_first() {
        None | Some((&"-h" | &"--help" | &"help", _)) => {
            let _ = io.out.write_all(USAGE.as_bytes());
            if rest.is_empty() {
                exit::USAGE
            } else {
                exit::OK
            }
        }
        Some((&"--version", _)) => {
            let _ = writeln!(io.out, "cohort {}", env!("CARGO_PKG_VERSION"));
            exit::OK
        }
        Some((&"configure", words)) => configure::run(words, force, io),
        Some((&"verify", words)) => verify::run(words, io),
        Some((&"simulate", words)) => simulate::run(words, io),
        Some((&"status", words)) => status::run(words, io),
        Some((&"demo", [])) => demo::run(io),
        Some((&"keygen", words)) => keygen::run(words, io),
        Some((&"config", [sub, rest @ ..])) if *sub == "check" => config_check::run(rest, io),
        Some((&"node", words)) => live::node(words, io),
        Some((&"resource", words)) => live::resource(words, io),
        Some((&"quorum", [])) => live::simple(io, "quorum", Request::Quorum),
        Some((&"ring", [])) => live::simple(io, "ring", Request::Ring),
        Some((&"cluster", ["stop"])) => live::simple(io, "cluster stop", Request::Stop),
        Some((cmd, _)) => {
            let _ = writeln!(io.err, "cohort: unknown command '{cmd}'\n\n{USAGE}");
            exit::USAGE
        }
    }
}
