//! `cohort configure show` against `crm configure show` on CIBs that crm did
//! not write: a sample of Pacemaker's scheduler regression inputs (every
//! 8th file of the corpus, in name order). Each file is shown by both tools;
//! the names whose output is identical must include every name listed in
//! tests/show/agreeing.txt (a ratchet: add names as more agree; a listed name
//! that stops agreeing fails the test). Disagreements are printed as diffs.

mod common;

use std::collections::BTreeSet;

use common::{assert_ratchet, cohort, cts, parallel, reference_tools_present, tool, Scratch};

/// How many diff lines to print per disagreeing case.
const DIFF_LINES: usize = 8;

fn sample() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(cts().join("xml"))
        .unwrap()
        .flatten()
        .filter_map(|e| {
            e.file_name()
                .to_str()?
                .strip_suffix(".xml")
                .map(str::to_string)
        })
        .collect();
    names.sort();
    names.into_iter().skip(7).step_by(8).collect()
}

/// The lines only one side has, prefixed `crm:` / `cohort:`.
fn diff(theirs: &str, ours: &str) -> Vec<String> {
    let a: BTreeSet<&str> = theirs.lines().collect();
    let b: BTreeSet<&str> = ours.lines().collect();
    let mut out: Vec<String> = a.difference(&b).map(|l| format!("  crm:    {l}")).collect();
    out.extend(b.difference(&a).map(|l| format!("  cohort: {l}")));
    out
}

#[test]
fn configure_show_agrees_with_crm_on_cts_inputs() {
    if !reference_tools_present(&["crm"]) {
        return;
    }
    let work = Scratch::new("show-reference");
    let names = sample();
    assert!(names.len() >= 90, "sample too small: {}", names.len());
    let results = parallel(&names, 4, |name| {
        let dir = work.sub(name);
        let cib = dir.join("cib.xml");
        std::fs::copy(cts().join("xml").join(format!("{name}.xml")), &cib).unwrap();
        let theirs = tool(&dir, Some(&cib), "crm", &["configure", "show"], None).stdout;
        let ours = cohort(Some(&cib), &["configure", "show"], "").stdout;
        (theirs == ours)
            .then(Vec::new)
            .unwrap_or_else(|| diff(&theirs, &ours))
    });
    let mut agreeing = BTreeSet::new();
    for (name, d) in names.iter().zip(&results) {
        if d.is_empty() {
            agreeing.insert(name.clone());
        } else {
            let shown: Vec<&String> = d.iter().take(DIFF_LINES).collect();
            eprintln!(
                "{name}: differs\n{}",
                shown
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join("\n")
            );
        }
    }
    eprintln!(
        "configure show: {} of {} CTS inputs identical to crm's",
        agreeing.len(),
        names.len()
    );
    assert_ratchet("tests/show/agreeing.txt", &agreeing);
}
