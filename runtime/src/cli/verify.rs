//! `cohort verify`: crm_verify's job. Silent and 0 when valid; on errors,
//! `Errors found during check: config not valid` and exit 78; `-V` prints
//! each error, `-VV` the warnings too.

use std::path::PathBuf;

use cohort_core::cib::verify::{self, Finding, Severity};

use super::{exit, Io};
use crate::cib_file::{self, CibFileError};

pub fn run(words: &[&str], io: &mut Io<'_>) -> u8 {
    let mut file: Option<PathBuf> = None;
    let mut verbosity = 0usize;
    let mut words = words.iter();
    while let Some(w) = words.next() {
        match *w {
            "-x" | "--xml-file" => match words.next() {
                Some(f) => file = Some(PathBuf::from(f)),
                None => return usage(io, "-x needs a file"),
            },
            "-L" | "--live-check" => {}
            v if v.len() > 1 && v.starts_with('-') && v[1..].chars().all(|c| c == 'V') => {
                verbosity += v.len() - 1
            }
            other => return usage(io, &format!("unexpected argument '{other}'")),
        }
    }
    let Some(path) = file.or_else(|| io.cib_file.clone()) else {
        // No file: the running cluster's CIB (crm_verify -L).
        return match super::live::fetch_cib(io) {
            Ok(cib) => report(&verify::verify(&cib), verbosity, io),
            Err(e) => {
                let _ = writeln!(io.err, "cohort verify: CIB query failed: {e}");
                exit::NO_INPUT
            }
        };
    };
    let findings = match cib_file::load(&path) {
        Ok(cib) => verify::verify(&cib),
        Err(e @ CibFileError::Parse { .. }) => {
            let _ = writeln!(io.err, "{e}");
            let _ = writeln!(
                io.err,
                "cohort verify: Errors found during check: config not valid"
            );
            return exit::INVALID;
        }
        Err(e) => {
            let _ = writeln!(io.err, "cohort verify: CIB query failed: {e}");
            return exit::NO_INPUT;
        }
    };
    report(&findings, verbosity, io)
}

/// Prints findings as crm_verify does and returns its exit code.
pub(super) fn report(findings: &[Finding], verbosity: usize, io: &mut Io<'_>) -> u8 {
    for f in findings {
        let shown = match f.severity {
            Severity::Error => verbosity >= 1,
            Severity::Warning => verbosity >= 2,
        };
        if shown {
            let level = if f.severity == Severity::Error {
                "error"
            } else {
                "warning"
            };
            let _ = writeln!(io.err, "{level}: {}", f.problem);
        }
    }
    if verify::has_errors(findings) {
        let _ = writeln!(
            io.err,
            "cohort verify: Errors found during check: config not valid"
        );
        if verbosity == 0 {
            let _ = writeln!(io.err, "-V may provide more details");
        }
        exit::INVALID
    } else {
        exit::OK
    }
}

fn usage(io: &mut Io<'_>, message: &str) -> u8 {
    let _ = writeln!(
        io.err,
        "cohort verify: {message}\nusage: cohort verify [-x FILE] [-V[V]]"
    );
    exit::USAGE
}
