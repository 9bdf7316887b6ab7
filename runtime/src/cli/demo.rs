//! `cohort demo`: the main job on an embedded default. Applies the reference
//! two-node configuration (tests/reference/01-seed.crm, the article's
//! commands) to a fresh CIB in memory, prints it as `crm configure show`
//! would, and verifies it. No files, no root, no installed agents: the agent
//! checks are skipped (the reference nodes had their own mysqld script).

use cohort_core::cib::verify;
use cohort_core::cib::{crm, Cib};

use super::{exit, Io};

/// The reference configuration, in the order the article types it.
const REFERENCE: &str = include_str!("../../../tests/reference/01-seed.crm");

pub fn run(io: &mut Io<'_>) -> u8 {
    let mut cib = Cib::empty();
    let statements = match crm::parse(REFERENCE) {
        Ok(s) => s,
        Err(e) => {
            let _ = writeln!(io.err, "ERROR: embedded reference configuration: {e}");
            return exit::ERROR;
        }
    };
    let commits = match crm::apply(&mut cib, &statements) {
        Ok(applied) => applied.commits,
        Err(e) => {
            let _ = writeln!(io.err, "ERROR: embedded reference configuration: {e}");
            return exit::ERROR;
        }
    };
    let _ = writeln!(
        io.out,
        "# The reference configuration ({} statements, {commits} commits) applied to a fresh CIB,\n\
         # shown as `crm configure show` prints it (CIB version {}):\n",
        statements.len(),
        cib.version
    );
    let _ = io.out.write_all(crm::show(&cib).as_bytes());
    let findings = verify::verify(&cib);
    let _ = writeln!(
        io.out,
        "\n# verify: {}",
        if verify::has_errors(&findings) {
            "INVALID"
        } else {
            "valid"
        }
    );
    for f in &findings {
        let _ = writeln!(io.out, "#   {:?}: {}", f.severity, f.problem);
    }
    if verify::has_errors(&findings) {
        exit::INVALID
    } else {
        exit::OK
    }
}
