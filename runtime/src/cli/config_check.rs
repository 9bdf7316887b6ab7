//! `cohort config check FILE`: `corosync -t`'s job for cohortd's
//! corosync.conf. On success, the effective settings as sorted
//! `key = value` lines on stdout, notices (ignored 1.x directives and
//! cohort's own choices) as `FILE:LINE: notice: message` on stderr, exit 0.
//! On failure, each error as `FILE:LINE: message` on stderr (corosync
//! prints `parser error: FILE:LINE: msg`) and exit 8, `corosync -t`'s status.

use cohort_core::config;

use super::{exit, Io};

/// `corosync -t`'s exit status for a configuration it refuses.
pub const INVALID_CONFIG: u8 = 8;

pub fn run(file: &str, io: &mut Io<'_>) -> u8 {
    let text = match std::fs::read(file) {
        // Bytes that are not UTF-8 cannot be names or numbers cohort uses;
        // replacing them keeps line numbers right for the messages.
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(e) => {
            let _ = writeln!(io.err, "cohort config check: Can't read file {file}: {e}");
            return INVALID_CONFIG;
        }
    };
    report(file, &text, io)
}

/// Checks `text` (read from `file`) and prints the result; the exit code.
pub fn report(file: &str, text: &str, io: &mut Io<'_>) -> u8 {
    match config::load(text) {
        Ok(c) => {
            for n in &c.notices {
                // Line 0: about the file as a whole (a section it lacks).
                match n.line {
                    0 => writeln!(io.err, "{file}: notice: {n}"),
                    line => writeln!(io.err, "{file}:{line}: notice: {n}"),
                }
                .ok();
            }
            for (key, value) in c.effective_settings() {
                let _ = writeln!(io.out, "{key} = {value}");
            }
            exit::OK
        }
        Err(errors) => {
            for e in &errors {
                let _ = writeln!(io.err, "{file}:{}: {e}", e.line());
            }
            INVALID_CONFIG
        }
    }
}
