//! `cohort verify`: crm_verify's job. Silent and 0 when valid; on errors,
//! `Errors found during check: config not valid` and exit 78; `-V` prints
//! each error, `-VV` the warnings too.

use cohort_core::cib::verify::{self, Finding, Severity};

use super::args::VerifyArgs;
use super::{exit, Io};
use crate::cib_file::{self, CibFileError};

pub fn run(args: VerifyArgs, io: &mut Io<'_>) -> u8 {
    let verbosity = usize::from(args.verbose);
    let file = args.file;
    let Some(path) = file.or_else(|| io.cib_file.clone()) else {
        // No file: the running cluster's CIB (crm_verify -L).
        return match super::live::fetch_cib(io) {
            Ok(cib) => report(&verify::verify(&cib), verbosity, io),
            Err(e) => {
                let _ = writeln!(io.err, "cohort verify: CIB query failed: {e}");
                exit::ERROR
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
