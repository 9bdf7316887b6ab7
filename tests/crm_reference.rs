//! The reference test of the crm language: every scenario in
//! tests/reference/*.crm goes through the real crm shell and through cohort,
//! each starting from `cibadmin --empty`, and the results must agree:
//! - `crm configure show` prints the same text for both files, and
//!   `cohort configure show` prints that text too;
//! - `crm_verify -x` judges both files alike;
//! - `crm_simulate -x FILE -S` runs on cohort's file;
//! - a scenario marked `# expect: error` is refused by both, and cohort
//!   leaves its file byte for byte unchanged.
//!
//! Needs crmsh and pacemaker-cli-utils (scripts/test installs them). Set
//! COHORT_SKIP_REFERENCE=1 to skip on a machine without them.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::{cohort, parallel, reference_tools_present, tool, Scratch};

fn scenarios() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/reference");
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "crm"))
        .collect();
    files.sort();
    files
}

/// Checks one scenario; returns a description of every disagreement.
fn check(scenario: &Path, work: &Path) -> Vec<String> {
    let name = scenario.file_stem().unwrap().to_string_lossy().into_owned();
    let text = fs::read_to_string(scenario).unwrap();
    let expect_error = text.lines().any(|l| l.trim() == "# expect: error");
    let dir = work.join(&name);
    fs::create_dir_all(&dir).unwrap();
    let empty = tool(&dir, None, "cibadmin", &["--empty"], None);
    assert_eq!(empty.status, 0, "cibadmin --empty failed: {}", empty.stderr);
    let (theirs, ours) = (dir.join("crm.xml"), dir.join("cohort.xml"));
    fs::write(&theirs, &empty.stdout).unwrap();
    fs::write(&ours, &empty.stdout).unwrap();

    let crm = tool(&dir, Some(&theirs), "crm", &["configure"], Some(&text));
    let mine = cohort(Some(&ours), &["configure"], &text);
    let mut problems = Vec::new();
    let mut problem = |what: String| problems.push(format!("{name}: {what}"));
    if expect_error {
        if crm.status == 0 {
            problem(format!(
                "crm accepted a scenario marked `expect: error`:\n{}",
                crm.stderr
            ));
        }
        if mine.status == 0 {
            problem("cohort accepted a scenario that crm refuses".into());
        }
        if fs::read_to_string(&ours).unwrap() != empty.stdout {
            problem("cohort changed the file although it refused the change".into());
        }
        return problems;
    }
    if crm.status != 0 {
        problem(format!(
            "crm refused the scenario (status {}):\n{}",
            crm.status, crm.stderr
        ));
        return problems;
    }
    if mine.status != 0 {
        problem(format!(
            "cohort refused the scenario (status {}):\n{}",
            mine.status, mine.stderr
        ));
        return problems;
    }
    let show_theirs = tool(&dir, Some(&theirs), "crm", &["configure", "show"], None).stdout;
    let show_ours_by_crm = tool(&dir, Some(&ours), "crm", &["configure", "show"], None).stdout;
    let show_ours = cohort(Some(&ours), &["configure", "show"], "").stdout;
    if show_ours_by_crm != show_theirs {
        problem(format!(
            "crm shows cohort's file differently\n--- crm's file:\n{show_theirs}\n--- cohort's file:\n{show_ours_by_crm}"
        ));
    }
    if show_ours != show_theirs {
        problem(format!(
            "`cohort configure show` differs from `crm configure show`\n--- crm:\n{show_theirs}\n--- cohort:\n{show_ours}"
        ));
    }
    let xml_theirs = tool(
        &dir,
        Some(&theirs),
        "crm",
        &["configure", "show", "xml"],
        None,
    )
    .stdout;
    let xml_ours = cohort(Some(&ours), &["configure", "show", "xml"], "").stdout;
    if xml_ours != xml_theirs {
        problem(format!(
            "`cohort configure show xml` differs from crm's\n--- crm:\n{xml_theirs}\n--- cohort:\n{xml_ours}"
        ));
    }
    let theirs_str = theirs.to_string_lossy();
    let ours_str = ours.to_string_lossy();
    let verify_theirs = tool(
        &dir,
        Some(&theirs),
        "crm_verify",
        &["-x", &theirs_str],
        None,
    );
    let verify_ours = tool(&dir, Some(&ours), "crm_verify", &["-x", &ours_str], None);
    if verify_theirs.status != verify_ours.status {
        problem(format!(
            "crm_verify: {} on crm's file, {} on cohort's:\n{}",
            verify_theirs.status, verify_ours.status, verify_ours.stderr
        ));
    }
    let sim = tool(
        &dir,
        Some(&ours),
        "crm_simulate",
        &["-x", &ours_str, "-S"],
        None,
    );
    if sim.status != 0 || !sim.stdout.contains("Transition Summary") {
        problem(format!(
            "crm_simulate -S failed on cohort's file ({}):\n{}",
            sim.status, sim.stderr
        ));
    }
    problems
}

#[test]
fn crm_and_cohort_agree_on_every_reference_scenario() {
    if !reference_tools_present(&["crm", "cibadmin", "crm_verify", "crm_simulate"]) {
        return;
    }
    let work = Scratch::new("crm-reference");
    let files = scenarios();
    assert!(
        files.len() >= 21,
        "expected the seed plus at least 20 scenarios, found {}",
        files.len()
    );
    let problems: Vec<Vec<String>> = parallel(&files, 4, |f| check(f, work.path()));
    let failing = problems.iter().filter(|p| !p.is_empty()).count();
    eprintln!(
        "{} of {} scenarios agree",
        files.len() - failing,
        files.len()
    );
    let problems: Vec<String> = problems.into_iter().flatten().collect();
    assert!(
        problems.is_empty(),
        "{} disagreement(s):\n\n{}",
        problems.len(),
        problems.join("\n\n")
    );
}
