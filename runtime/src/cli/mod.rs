//! The `cohort` command line: crm shell words over a CIB file (offline, like
//! `CIB_file=... crm`), crm_verify's checks, and the embedded demo.
//!
//! Each subcommand is a function from arguments and an [`Io`] (stdin text,
//! stdout and stderr buffers, the environment it needs) to an exit code, so
//! the tests drive it without spawning a process.

mod config_check;
mod configure;
mod demo;
mod keygen;
mod simulate;
mod status;
mod verify;

use std::path::PathBuf;

use crate::agents::AgentDirs;

/// What a subcommand may read and write besides files.
pub struct Io<'a> {
    pub stdin: &'a mut dyn FnMut() -> std::io::Result<String>,
    pub out: &'a mut dyn std::io::Write,
    pub err: &'a mut dyn std::io::Write,
    /// `CIB_file` from the environment.
    pub cib_file: Option<PathBuf>,
    pub agent_dirs: AgentDirs,
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
usage: cohort [-F|--force] <command> [args]

commands:
  configure <crm words>        apply one crm configure statement to $CIB_file
  configure                    read crm configure statements from stdin
  configure show [xml] [ID...] print the configuration like `crm configure show`
  verify [-x FILE] [-V[V]]     check a CIB like crm_verify (default: $CIB_file)
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
        let _ = writeln!(io.err, "cohort {cmd}: no CIB: give -x FILE or set CIB_file");
        return Err(exit::USAGE);
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
    for a in args {
        match a.as_str() {
            // crm takes -F before the level; we take it anywhere before `--`.
            "-F" | "--force" if rest.len() <= 1 => force = true,
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
        Some((cmd, _)) => {
            let _ = writeln!(io.err, "cohort: unknown command '{cmd}'\n\n{USAGE}");
            exit::USAGE
        }
    }
}
