//! `cohort status`: crm_mon's one-shot view (`crm_mon -1`) of a CIB file:
//! the cluster summary, the node list and the resources. `-r` shows
//! inactive resources too; `--exclude=times` leaves out the clock lines so
//! the output is a function of the file alone.
//!
//! Not yet: crm_mon's "Migration Summary" (fail-counts, with
//! `--failcounts`), failures hidden once their failure-timeout expired, and
//! a live cluster (this reads a file, like `CIB_file=... crm_mon -1`).

use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use cohort_core::mon::oneshot::{self, OneShot};
use cohort_core::mon::Options;

use super::{exit, Io};

const USAGE: &str =
    "usage: cohort status [-x FILE] [-1] [-r|--inactive] [--exclude=times] [--exclude=failures]";

pub fn run(words: &[&str], io: &mut Io<'_>) -> u8 {
    let mut file: Option<PathBuf> = None;
    let mut opts = Options::default();
    let mut times = true;
    let mut failures = true;
    let mut words = words.iter();
    while let Some(w) = words.next() {
        match *w {
            "-x" | "--xml-file" => match words.next() {
                Some(f) => file = Some(PathBuf::from(f)),
                None => return usage(io, "-x needs a file"),
            },
            "-1" | "--one-shot" => {}
            "-r" | "--inactive" => opts.inactive = true,
            "--exclude=times" => times = false,
            "--exclude=failures" => failures = false,
            "-U" | "--exclude" if words.clone().next() == Some(&"times") => {
                words.next();
                times = false;
            }
            other => return usage(io, &format!("unexpected argument '{other}'")),
        }
    }
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

fn usage(io: &mut Io<'_>, message: &str) -> u8 {
    let _ = writeln!(io.err, "cohort status: {message}\n{USAGE}");
    exit::USAGE
}
