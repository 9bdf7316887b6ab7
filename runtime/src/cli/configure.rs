//! `cohort configure`: crm's configure level over a CIB file.
//!
//! Statements are applied to a working copy in order. At every `commit` and
//! at the end of input the working copy is checked as crm checks it (changed
//! primitives against their agents' meta-data; the whole CIB against verify
//! once it has primitives) and, if it passes or `-F` is given, written
//! atomically with the epoch raised by one. A statement that fails stops the
//! run: what was committed before it stays, nothing after it is applied.
//! (crm skips the failing statement and carries on; we would rather not
//! commit the statements that came after a mistake.)

use std::collections::BTreeMap;
use std::path::Path;

use cohort_core::agent::check_primitive;
use cohort_core::cib::crm::{self, StatementKind};
use cohort_core::cib::verify::{self, Severity};
use cohort_core::cib::{xml, Cib, Primitive, Resource};
use cohort_core::control::{Request, Response};
use cohort_core::controller::AdminCommand;

use super::{exit, Io};
use crate::agents::{describe, AgentInfo};
use crate::cib_file;

pub fn run(words: &[String], force: bool, io: &mut Io<'_>) -> u8 {
    let text = if words.is_empty() {
        match (io.stdin)() {
            Ok(t) => t,
            Err(e) => return fail(io, &format!("cannot read statements from stdin: {e}")),
        }
    } else {
        words
            .iter()
            .map(|w| requote(w))
            .collect::<Vec<_>>()
            .join(" ")
    };
    // Offline on a file, or live: the same checks on the daemon's copy,
    // then the whole text goes to the cluster as one change.
    let path = io.cib_file.clone();
    let cib = match &path {
        Some(p) => match cib_file::load(p) {
            Ok(c) => c,
            Err(e) => return fail(io, &e.to_string()),
        },
        None => match super::live::fetch_cib(io) {
            Ok(c) => c,
            Err(e) => return fail(io, &e),
        },
    };
    let statements = match crm::parse(&text) {
        Ok(s) => s,
        Err(e) => return fail(io, &e.to_string()),
    };
    let original = cib.configuration.clone();
    let mut session = Session {
        path: path.as_deref(),
        committed: cib.clone(),
        working: cib,
        force,
    };
    // Each `commit` closes a segment; the input's end closes the last one.
    for segment in statements.split_inclusive(|s| s.kind == StatementKind::Commit) {
        let applied = match crm::apply(&mut session.working, segment) {
            Ok(a) => a,
            Err(e) => return fail(io, &e.to_string()),
        };
        for w in &applied.warnings {
            let _ = writeln!(io.err, "WARNING: {w}");
        }
        for text in &applied.shown {
            let _ = io.out.write_all(text.as_bytes());
            if !text.is_empty() && !text.ends_with('\n') {
                let _ = io.out.write_all(b"\n");
            }
        }
        if let Err(message) = session.commit(io) {
            return fail(io, &message);
        }
    }
    if path.is_none() && session.committed.configuration != original {
        let answer = super::live::ask(io, &Request::Admin(AdminCommand::Configure { crm: text }));
        return match answer {
            Ok(Response::Text(_)) => exit::OK,
            other => super::live::print(io, "configure", other),
        };
    }
    exit::OK
}

/// The file (None: the live cluster, written at the end), the copy last
/// committed, and the copy being edited.
struct Session<'p> {
    path: Option<&'p Path>,
    committed: Cib,
    working: Cib,
    force: bool,
}

impl Session<'_> {
    /// Checks and writes the working copy if its configuration differs from
    /// the file's.
    fn commit(&mut self, io: &mut Io<'_>) -> Result<(), String> {
        if self.working.configuration == self.committed.configuration {
            return Ok(());
        }
        let problems = check(&self.committed, &self.working, io);
        if problems > 0 {
            if !self.force {
                return Err(format!(
                    "{problems} problem(s) found; nothing committed (use -F to commit anyway)"
                ));
            }
            let _ = writeln!(io.err, "INFO: commit forced");
        }
        // crm::apply has raised the epoch for this commit already.
        if let Some(path) = self.path {
            cib_file::write_atomic(path, &xml::write_cib(&self.working))
                .map_err(|e| e.to_string())?;
        }
        self.committed = self.working.clone();
        Ok(())
    }
}

/// Runs crm's pre-commit checks, prints findings, returns how many block.
fn check(before: &Cib, after: &Cib, io: &mut Io<'_>) -> usize {
    let dirs = io.agent_dirs.clone();
    let mut errors = 0;
    for p in changed_primitives(before, after) {
        match describe(&dirs, &p.agent) {
            Ok(AgentInfo::Described(meta)) => {
                for f in check_primitive(p, &meta) {
                    let level = if f.is_error() { "ERROR" } else { "WARNING" };
                    errors += usize::from(f.is_error());
                    let _ = writeln!(io.err, "{level}: {f}");
                }
            }
            Ok(AgentInfo::Exists) => {}
            Err(e) => {
                errors += 1;
                let _ = writeln!(io.err, "ERROR: {e}");
            }
        }
    }
    // crm skips crm_verify while there are no primitives: an empty CIB with
    // stonith-enabled unset is "invalid" but harmless.
    let has_primitives = after
        .configuration
        .all_resources()
        .iter()
        .any(|r| matches!(r, Resource::Primitive(_)));
    if has_primitives {
        for f in verify::verify(after) {
            if f.severity == Severity::Error {
                errors += 1;
                let _ = writeln!(io.err, "ERROR: {}", f.problem);
            }
        }
    }
    errors
}

/// Primitives that are new in `after` or defined differently than in `before`.
fn changed_primitives<'a>(before: &Cib, after: &'a Cib) -> Vec<&'a Primitive> {
    let old: BTreeMap<&str, &Primitive> = primitives(before).map(|p| (p.id.as_str(), p)).collect();
    primitives(after)
        .filter(|p| old.get(p.id.as_str()) != Some(p))
        .collect()
}

fn primitives(cib: &Cib) -> impl Iterator<Item = &Primitive> {
    cib.configuration
        .all_resources()
        .into_iter()
        .filter_map(|r| match r {
            Resource::Primitive(p) => Some(p),
            _ => None,
        })
}

/// Words arrive from the shell without their quotes; put them back where the
/// crm lexer needs them (a value with spaces or quotes).
fn requote(word: &str) -> String {
    let needs =
        |s: &str| s.is_empty() || s.contains(|c: char| c.is_whitespace() || c == '"' || c == '\'');
    let quote = |s: &str| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""));
    match word.split_once('=') {
        Some((name, value)) if !name.is_empty() && !needs(name) => {
            if needs(value) && !value.is_empty() {
                format!("{name}={}", quote(value))
            } else {
                word.to_string()
            }
        }
        _ if needs(word) => quote(word),
        _ => word.to_string(),
    }
}

fn fail(io: &mut Io<'_>, message: &str) -> u8 {
    let _ = writeln!(io.err, "ERROR: {message}");
    exit::ERROR
}

#[cfg(test)]
mod tests {
    use super::requote;

    #[test]
    fn requote_restores_what_the_shell_removed() {
        assert_eq!(requote("ip=10.0.0.1"), "ip=10.0.0.1");
        assert_eq!(
            requote("config=/etc/my config.cnf"),
            "config=\"/etc/my config.cnf\""
        );
        assert_eq!(requote("fake=it's \"q\""), "fake=\"it's \\\"q\\\"\"");
        assert_eq!(requote("a b"), "\"a b\"");
        assert_eq!(requote("inf:"), "inf:");
    }
}
