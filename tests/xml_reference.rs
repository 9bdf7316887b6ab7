//! Our XML export against Pacemaker's own tools: for every case of the CTS
//! subset, `crm_simulate -S` must print the same thing for the original input
//! and for `write_cib(parse_cib(input))`, and `crm_verify -x` must agree on
//! the exit status. COHORT_REFERENCE_ALL=1 runs the whole corpus instead of
//! the subset. Any attribute or element lost or mangled on the way shows
//! up as a different cluster status or transition.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use cohort::core::cib::xml::{parse_cib, write_cib};
use common::{cts, parallel, reference_tools_present, Scratch};

const THREADS: usize = 3;
/// Cases also checked with crm_verify: clean ones (exit 0) and ones it
/// rejects (exit 78), with bundles, tickets and invalid words among them.
const VERIFY_CASES: &[&str] = &[
    "simple1",
    "group1",
    "order-clone",
    "bug-1572-1",
    "bundle-order-fencing",
    "colocation-influence",
    "order-wrong-kind",
];

fn run(tool: &str, args: &[&str], file: &Path, shadow: &Path) -> Output {
    Command::new(tool)
        .args(args)
        .arg("-x")
        .arg(file)
        .env("CIB_shadow_dir", shadow)
        .output()
        .unwrap_or_else(|e| panic!("running {tool}: {e}"))
}

/// stdout and stderr with the input's path replaced, so two files compare.
fn normalized(out: &Output, file: &Path) -> String {
    let path = file.display().to_string();
    let text = format!(
        "status {:?}\n--- stdout\n{}--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    text.replace(&path, "FILE")
}

/// Imports and re-exports one case; returns (original, export) paths.
fn export(case: &str, scratch: &Path) -> (PathBuf, PathBuf) {
    let original = cts().join("xml").join(format!("{case}.xml"));
    let text = std::fs::read_to_string(&original).unwrap();
    let cib = parse_cib(&text).unwrap_or_else(|e| panic!("{case}: import failed: {e}"));
    let exported = scratch.join(format!("{case}.xml"));
    std::fs::write(&exported, write_cib(&cib)).unwrap();
    (original, exported)
}

#[test]
fn crm_simulate_agrees_on_our_export() {
    if !reference_tools_present(&["crm_simulate", "crm_verify"]) {
        return;
    }
    let scratch = Scratch::new("xml-reference-simulate");
    let cases = if std::env::var("COHORT_REFERENCE_ALL").as_deref() == Ok("1") {
        common::cts_names("xml", "xml")
    } else {
        std::fs::read_to_string(cts().join("subset.txt"))
            .unwrap()
            .split_whitespace()
            .map(str::to_string)
            .collect()
    };
    assert!(cases.len() > 100, "only {} cases listed", cases.len());
    let shadow = scratch.sub("shadow");
    let results = parallel(&cases, THREADS, |case| {
        let (original, exported) = export(case, scratch.path());
        let want = normalized(&run("crm_simulate", &["-S"], &original, &shadow), &original);
        let got = normalized(&run("crm_simulate", &["-S"], &exported, &shadow), &exported);
        (want != got).then(|| format!("== {case}\n-- original\n{want}\n-- export\n{got}"))
    });
    let mismatches: Vec<String> = results.into_iter().flatten().collect();
    eprintln!(
        "crm_simulate: {} of {} cases identical",
        cases.len() - mismatches.len(),
        cases.len()
    );
    assert!(
        mismatches.is_empty(),
        "{} cases differ:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}

#[test]
fn crm_verify_agrees_on_our_export() {
    if !reference_tools_present(&["crm_simulate", "crm_verify"]) {
        return;
    }
    let scratch = Scratch::new("xml-reference-verify");
    let shadow = scratch.sub("shadow");
    for case in VERIFY_CASES {
        let (original, exported) = export(case, scratch.path());
        let want = run("crm_verify", &[], &original, &shadow).status.code();
        let got = run("crm_verify", &[], &exported, &shadow).status.code();
        assert_eq!(got, want, "{case}: crm_verify exit status differs");
    }
}
