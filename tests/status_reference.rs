//! The cluster status text (core::mon, what `cohort status` and
//! `cohort simulate` print) against Pacemaker's own: the "Current cluster
//! status" block of every summary in ../shared/pacemaker-cts/ (what
//! `crm_simulate -S` printed for that input). No tool runs; the expected
//! text is on disk. tests/status/agreeing.txt is the ratchet.

mod common;

use std::collections::BTreeSet;

use cohort::core::cib::xml::parse_cib;
use cohort::core::cib::Cib;
use cohort::core::mon::{Options, Snapshot};
use common::{assert_ratchet, cts};

/// Every case with an input and a summary, by name.
fn cases() -> Vec<String> {
    common::cts_names("summary", "summary")
}

/// The lines after `title` up to the next section title, without the
/// trailing blank line.
fn block(summary: &str, title: &str) -> Option<String> {
    let start = summary.find(title)? + title.len() + 1;
    let rest = &summary[start..];
    if rest.starts_with('\n') {
        return Some(String::new());
    }
    let end = rest.find("\n\n").map_or(rest.len(), |i| i + 1);
    // The node list and the resources are two paragraphs of one block.
    let end = match rest[end..].strip_prefix("\n  * Full List") {
        Some(_) => rest[end + 1..]
            .find("\n\n")
            .map_or(rest.len(), |i| end + 1 + i + 1),
        None => end,
    };
    Some(rest[..end].to_string())
}

#[test]
fn current_status_matches_crm_simulate_on_cts_inputs() {
    compare(
        "Current cluster status:",
        "tests/status/agreeing.txt",
        |cib| Snapshot::current(cib).render(Options { inactive: true }, 1),
    );
}

/// After the transition: the policy engine's placement in the same words.
#[test]
fn revised_status_matches_crm_simulate_on_cts_inputs() {
    compare(
        "Revised Cluster Status:",
        "tests/status/revised-agreeing.txt",
        |cib| {
            let t = cohort::core::policy::schedule(cib);
            Snapshot::after(cib, &t).render(Options { inactive: true }, 1)
        },
    );
}

/// The transition summary lines (core::mon::changes) between the two
/// status blocks.
#[test]
fn transition_summary_matches_crm_simulate_on_cts_inputs() {
    compare(
        "Transition Summary:",
        "tests/status/summary-agreeing.txt",
        |cib| {
            let t = cohort::core::policy::schedule(cib);
            cohort::core::mon::changes::lines(cib, &t)
                .into_iter()
                .map(|l| l + "\n")
                .collect()
        },
    );
}

fn compare(title: &str, ratchet_file: &str, render: impl Fn(&Cib) -> String) {
    let names = cases();
    assert!(names.len() >= 790, "corpus incomplete: {}", names.len());
    let mut agreeing = BTreeSet::new();
    let mut shown = 0;
    for name in &names {
        let summary =
            std::fs::read_to_string(cts().join("summary").join(format!("{name}.summary"))).unwrap();
        let Some(theirs) = block(&summary, title) else {
            continue;
        };
        let xml = std::fs::read_to_string(cts().join("xml").join(format!("{name}.xml"))).unwrap();
        let Ok(cib) = parse_cib(&xml) else { continue };
        let ours = render(&cib);
        if ours == theirs {
            agreeing.insert(name.clone());
        } else if shown < 15 && std::env::var("COHORT_SHOW_DIFFS").is_ok() {
            shown += 1;
            eprintln!("{name}: differs\n--- crm_simulate\n{theirs}--- cohort\n{ours}");
        }
    }
    eprintln!(
        "{title} {} of {} CTS inputs identical to crm_simulate's",
        agreeing.len(),
        names.len()
    );
    assert_ratchet(ratchet_file, &agreeing);
}

/// `cohort status -r --exclude=times` against the real `crm_mon -1 -r
/// --exclude=times` on the same file. The subset of the corpus, or all of
/// it with COHORT_REFERENCE_ALL=1; tests/status/crm-mon-agreeing.txt is the
/// ratchet.
#[test]
fn status_agrees_with_crm_mon() {
    if !common::reference_tools_present(&["crm_mon"]) {
        return;
    }
    let names: Vec<String> = if std::env::var("COHORT_REFERENCE_ALL").as_deref() == Ok("1") {
        cases()
    } else {
        std::fs::read_to_string(cts().join("subset.txt"))
            .unwrap()
            .split_whitespace()
            .map(str::to_string)
            .collect()
    };
    assert!(names.len() > 100, "only {} cases listed", names.len());
    let work = common::Scratch::new("status-reference");
    let results = common::parallel(&names, 4, |name| {
        let cib = cts().join("xml").join(format!("{name}.xml"));
        let dir = work.sub(name);
        let theirs = common::tool(
            &dir,
            Some(&cib),
            "crm_mon",
            &["-1", "-r", "--exclude=times"],
            None,
        )
        .stdout;
        let ours = common::cohort(
            None,
            &[
                "status",
                "-x",
                cib.to_str().unwrap(),
                "-r",
                "--exclude=times",
            ],
            "",
        )
        .stdout;
        (theirs == ours).then_some(()).ok_or((theirs, ours))
    });
    let mut agreeing = BTreeSet::new();
    let mut shown = 0;
    for (name, r) in names.iter().zip(results) {
        match r {
            Ok(()) => {
                agreeing.insert(name.clone());
            }
            Err((theirs, ours)) if shown < 5 => {
                shown += 1;
                eprintln!("{name}: differs\n--- crm_mon\n{theirs}--- cohort\n{ours}");
            }
            Err(_) => {}
        }
    }
    eprintln!(
        "cohort status: {} of {} CTS inputs identical to crm_mon -1 -r",
        agreeing.len(),
        names.len()
    );
    assert_ratchet("tests/status/crm-mon-agreeing.txt", &agreeing);
}
