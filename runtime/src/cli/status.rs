//! `cohort status`: crm_mon's one-shot view (`crm_mon -1`) of a CIB file:
//! the cluster summary, the node list and the resources. `-r` shows
//! inactive resources too; `--exclude=times` leaves out the clock lines so
//! the output is a function of the file alone.
//!
//! Not yet: crm_mon's "Migration Summary" (fail-counts, with
//! `--failcounts`), failures hidden once their failure-timeout expired, and
//! a live cluster (this reads a file, like `CIB_file=... crm_mon -1`).

use std::time::{SystemTime, UNIX_EPOCH};

use cohort_core::mon::oneshot::{self, OneShot};
use cohort_core::mon::Options;

use super::args::StatusArgs;
use super::{exit, Io};

pub fn run(args: StatusArgs, io: &mut Io<'_>) -> u8 {
    let opts = Options {
        inactive: args.inactive,
    };
    let (mut times, mut failures) = (true, true);
    for what in &args.exclude {
        match what.as_str() {
            "times" => times = false,
            "failures" => failures = false,
            other => {
                let _ = writeln!(
                    io.err,
                    "cohort status: --exclude takes times or failures, not '{other}'"
                );
                return exit::USAGE;
            }
        }
    }
    let file = args.file;
    let cib = match super::read_cib("status", file, io) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let now_s = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    let shot = OneShot {
        options: opts,
        now_s: times.then_some(now_s),
        failures,
    };
    let out = oneshot::render(&cib, shot);
    let _ = io.out.write_all(out.as_bytes());
    exit::OK
}
