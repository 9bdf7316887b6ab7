//! The differential test of the policy engine: every case of Pacemaker's
//! scheduler regression subset (../shared/pacemaker-cts/subset.txt) goes
//! through the real scheduler (crm_simulate 2.1.5, via
//! ../shared/tools/pacemaker-placement.py) and through `cohort simulate
//! --placement`, and the two sorted outputs are compared.
//!
//! 100% agreement is the goal, not yet the state, so the test is a ratchet:
//! every case named in tests/policy/agreeing.txt must still agree. It prints
//! the agreement count and a (capped) diff of each disagreement; when more
//! cases agree, add them to the file.
//!
//! Needs python3 and pacemaker-cli-utils (scripts/test installs them). Set
//! COHORT_SKIP_REFERENCE=1 to skip on a machine without them.

mod common;

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use common::{
    assert_ratchet, cohort, cts, parallel, reference_tools_present, shared, tool, Scratch,
};

const THREADS: usize = 4;
/// Diff lines printed per disagreeing case, and in total.
const DIFF_LINES_PER_CASE: usize = 12;
const DIFF_LINES_TOTAL: usize = 600;

/// The extra crm_simulate arguments of `name` in tests.json (`"args": [...]`).
fn extra_args(tests_json: &str, name: &str) -> Vec<String> {
    let key = format!("\"name\": \"{name}\"");
    let Some(start) = tests_json.find(&key) else {
        return Vec::new();
    };
    let rest = &tests_json[start..];
    let Some(args_at) = rest.find("\"args\": [") else {
        return Vec::new();
    };
    let list = &rest[args_at + "\"args\": [".len()..];
    let list = &list[..list.find(']').unwrap_or(0)];
    list.split(',')
        .map(|s| s.trim().trim_matches('"').to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// The real scheduler's answer, through pacemaker-placement.py.
fn reference(case: &str, args: &[String], scratch: &Scratch) -> String {
    let xml = cts().join(format!("xml/{case}.xml"));
    let script = shared().join("tools/pacemaker-placement.py");
    let mut argv: Vec<&str> = vec![script.to_str().unwrap(), xml.to_str().unwrap()];
    if !args.is_empty() {
        argv.push("--");
        argv.extend(args.iter().map(String::as_str));
    }
    tool(&scratch.sub(case), None, "python3", &argv, None).stdout
}

fn cohort_placement(case: &str) -> String {
    let xml = cts().join(format!("xml/{case}.xml"));
    let out = cohort(
        None,
        &["simulate", "-x", xml.to_str().unwrap(), "--placement"],
        "",
    );
    let mut text = out.stdout;
    if out.status != 0 {
        text.push_str(&format!("(exit {}) {}", out.status, out.stderr));
    }
    text
}

#[test]
fn placement_agrees_with_crm_simulate() {
    if !reference_tools_present(&["python3", "crm_simulate"]) {
        return;
    }
    let cases: Vec<String> = fs::read_to_string(cts().join("subset.txt"))
        .expect("../shared/pacemaker-cts/subset.txt")
        .split_whitespace()
        .map(str::to_string)
        .collect();
    let tests_json = fs::read_to_string(cts().join("tests.json")).unwrap_or_default();
    let scratch = Scratch::new("policy-reference");
    let diffs = parallel(&cases, THREADS, |case| {
        let want = reference(case, &extra_args(&tests_json, case), &scratch);
        common::line_diff(&want, &cohort_placement(case))
    });
    let mut agreeing = BTreeSet::new();
    let mut printed = 0;
    for (case, d) in cases.iter().zip(&diffs) {
        if d.is_empty() {
            agreeing.insert(case.clone());
            continue;
        }
        if printed >= DIFF_LINES_TOTAL {
            continue;
        }
        println!("== {case} (- crm_simulate, + cohort)");
        for l in d.iter().take(DIFF_LINES_PER_CASE) {
            println!("  {l}");
        }
        if d.len() > DIFF_LINES_PER_CASE {
            println!("  ... {} more lines", d.len() - DIFF_LINES_PER_CASE);
        }
        printed += d.len().min(DIFF_LINES_PER_CASE) + 1;
    }
    println!(
        "policy agreement: {} of {} cases in subset.txt",
        agreeing.len(),
        cases.len()
    );
    assert_ratchet("tests/policy/agreeing.txt", &agreeing);
}

/// Every case of tests.json, case names with their features (features.tsv).
fn corpus() -> Vec<(String, Vec<String>)> {
    let tests_json = fs::read_to_string(cts().join("tests.json")).expect("tests.json");
    let features = fs::read_to_string(cts().join("features.tsv")).unwrap_or_default();
    let feature_of = |name: &str| -> Vec<String> {
        features
            .lines()
            .find_map(|l| {
                let mut cols = l.split('\t');
                (cols.next() == Some(name)).then(|| cols.next().unwrap_or("").to_string())
            })
            .map(|f| {
                f.split(',')
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    };
    tests_json
        .split("\"name\": \"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(|name| (name.to_string(), feature_of(name)))
        .collect()
}

/// The whole regression suite (797 cases, several minutes): the pass count
/// overall and per feature. Run with
/// `cargo test --test policy_reference -- --ignored --nocapture`.
#[test]
#[ignore]
fn whole_corpus_agreement_per_feature() {
    if !reference_tools_present(&["python3", "crm_simulate"]) {
        return;
    }
    let cases = corpus();
    let names: Vec<String> = cases.iter().map(|(n, _)| n.clone()).collect();
    let tests_json = fs::read_to_string(cts().join("tests.json")).unwrap_or_default();
    let scratch = Scratch::new("policy-corpus");
    let agrees = parallel(&names, THREADS, |case| {
        let want = reference(case, &extra_args(&tests_json, case), &scratch);
        !want.is_empty() && common::line_diff(&want, &cohort_placement(case)).is_empty()
    });
    // feature -> (agreeing, total)
    let mut per_feature: std::collections::BTreeMap<&str, (usize, usize)> = Default::default();
    for ((_, features), ok) in cases.iter().zip(&agrees) {
        let mut keys: Vec<&str> = features.iter().map(String::as_str).collect();
        if keys.is_empty() {
            keys.push("(none)");
        }
        for f in keys {
            let e = per_feature.entry(f).or_default();
            e.0 += usize::from(*ok);
            e.1 += 1;
        }
    }
    for (f, (ok, total)) in &per_feature {
        println!("{f:<28} {ok:>4} / {total:<4}");
    }
    let passed = agrees.iter().filter(|a| **a).count();
    println!(
        "policy agreement: {passed} of {} cases in tests.json",
        cases.len()
    );
    let agreeing: BTreeSet<String> = names
        .iter()
        .zip(&agrees)
        .filter(|(_, ok)| **ok)
        .map(|(n, _)| n.clone())
        .collect();
    assert_ratchet("tests/policy/corpus_agreeing.txt", &agreeing);
}

/// `cohort simulate --show-scores` against the suite's expected allocation
/// scores (scores/NAME.scores, crm_simulate -sSQ sorted) on the cases whose
/// placement agrees: a ratchet of its own, tests/policy/scores_agreeing.txt.
/// The files are read, not regenerated, so this needs no crm_simulate.
#[test]
fn scores_agree_with_the_suite() {
    let list = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/policy/agreeing.txt");
    let cases: Vec<String> = fs::read_to_string(list)
        .expect("tests/policy/agreeing.txt")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect();
    let mut agreeing = BTreeSet::new();
    let mut printed = 0;
    for case in &cases {
        let Ok(expected) = fs::read_to_string(cts().join(format!("scores/{case}.scores"))) else {
            continue;
        };
        let mut want: Vec<&str> = expected.lines().filter(|l| !l.is_empty()).collect();
        want.sort_unstable();
        let want: String = want.iter().map(|l| format!("{l}\n")).collect();
        let xml = cts().join(format!("xml/{case}.xml"));
        let got = cohort(None, &["simulate", "-x", xml.to_str().unwrap(), "-s"], "").stdout;
        let d = common::line_diff(&want, &got);
        if d.is_empty() {
            agreeing.insert(case.clone());
        } else if printed < DIFF_LINES_TOTAL {
            println!("== {case} scores (- crm_simulate, + cohort)");
            for l in d.iter().take(DIFF_LINES_PER_CASE) {
                println!("  {l}");
            }
            printed += d.len().min(DIFF_LINES_PER_CASE) + 1;
        }
    }
    println!(
        "scores agreement: {} of {} cases whose placement agrees",
        agreeing.len(),
        cases.len()
    );
    assert_ratchet("tests/policy/scores_agreeing.txt", &agreeing);
}

/// crm_simulate's injections (`--node-up`, `--node-down`, `--node-fail`,
/// `--op-inject`) applied before scheduling, on a few inputs: cohort with
/// the same injections must print what the real scheduler does. cohort's
/// `--op-fail SPEC` records a failed result (rc 1 by default), which is
/// crm_simulate's `--op-inject SPEC=1` (its own `-F` fails an action
/// during the simulated run instead).
#[test]
fn injections_agree_with_crm_simulate() {
    if !reference_tools_present(&["python3", "crm_simulate"]) {
        return;
    }
    let runs: &[InjectionRun] = &[
        ("1360", &["--node-down", "ssgtest1b"], None),
        ("1360", &["--node-fail", "ssgtest1b"], None),
        ("1360", &["--node-up", "ssgtest1b"], None),
        ("bug-1718", &["--node-fail", "heartbeat.ds9"], None),
        ("bug-1718", &["--node-down", "heartbeat.ds9"], None),
        (
            "bug-1718",
            &["-i", "Apache_IP_stop_0@heartbeat.ds9=1"],
            None,
        ),
        (
            "bug-1718",
            &["-i", "Apache_IP_monitor_60000@heartbeat.ds9=7"],
            None,
        ),
        (
            "bug-1718",
            &["--op-fail", "Apache_IP_start_0@heartbeat.ds9"],
            Some(&["-i", "Apache_IP_start_0@heartbeat.ds9=1"]),
        ),
        ("attrs1", &["-i", "rsc1_monitor_10000@node2=7"], None),
        ("attrs1", &["-i", "rsc1_start_0@node1=1"], None),
        ("group1", &["--node-fail", "node1"], None),
        ("clone-anon-probe-1", &["--node-down", "mysql-02"], None),
        (
            "bug-5014-A-start-B-start",
            &["--node-down", "fc16-builder"],
            None,
        ),
    ];
    let scratch = Scratch::new("policy-inject");
    let results = parallel(runs, THREADS, |(case, ours, theirs)| {
        let theirs: Vec<String> = theirs
            .unwrap_or(ours)
            .iter()
            .map(|s| s.to_string())
            .collect();
        let label = format!("{case}-{}", theirs.join("-").replace(['/', '@', '='], "_"));
        let want = reference(case, &theirs, &scratch_sub(&scratch, &label));
        let xml = cts().join(format!("xml/{case}.xml"));
        let mut argv = vec!["simulate", "-x", xml.to_str().unwrap(), "--placement"];
        argv.extend(ours.iter().copied());
        let got = cohort(None, &argv, "");
        (want.is_empty(), common::line_diff(&want, &got.stdout))
    });
    let mut failed = Vec::new();
    for ((case, ours, _), (no_reference, d)) in runs.iter().zip(&results) {
        if *no_reference || !d.is_empty() {
            println!("== {case} {} (- crm_simulate, + cohort)", ours.join(" "));
            for l in d.iter().take(DIFF_LINES_PER_CASE) {
                println!("  {l}");
            }
            failed.push(format!("{case} {}", ours.join(" ")));
        }
    }
    assert!(failed.is_empty(), "injections that disagree: {failed:?}");
}

/// A case, cohort's arguments, and crm_simulate's when they differ.
type InjectionRun = (
    &'static str,
    &'static [&'static str],
    Option<&'static [&'static str]>,
);

fn scratch_sub(scratch: &Scratch, label: &str) -> Scratch {
    Scratch(scratch.sub(label))
}

/// `--edges` (every ordered pair of actions, transitively) against the
/// script's, on the cases whose placement agrees: a ratchet of its own,
/// tests/policy/edges_agreeing.txt.
#[test]
fn edges_agree_with_crm_simulate() {
    if !reference_tools_present(&["python3", "crm_simulate"]) {
        return;
    }
    let list = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/policy/agreeing.txt");
    let cases: Vec<String> = fs::read_to_string(list)
        .expect("tests/policy/agreeing.txt")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect();
    let tests_json = fs::read_to_string(cts().join("tests.json")).unwrap_or_default();
    let scratch = Scratch::new("policy-edges");
    let diffs = parallel(&cases, THREADS, |case| {
        let xml = cts().join(format!("xml/{case}.xml"));
        let script = shared().join("tools/pacemaker-placement.py");
        let mut argv: Vec<String> = vec![
            script.to_str().unwrap().into(),
            xml.to_str().unwrap().into(),
            "--edges".into(),
        ];
        let extra = extra_args(&tests_json, case);
        if !extra.is_empty() {
            argv.push("--".into());
            argv.extend(extra);
        }
        let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
        let want = tool(&scratch.sub(case), None, "python3", &argv, None).stdout;
        let got = cohort(
            None,
            &[
                "simulate",
                "-x",
                xml.to_str().unwrap(),
                "--placement",
                "--edges",
            ],
            "",
        )
        .stdout;
        common::line_diff(&want, &got)
    });
    let mut agreeing = BTreeSet::new();
    for (case, d) in cases.iter().zip(&diffs) {
        if d.is_empty() {
            agreeing.insert(case.clone());
        } else {
            println!("== {case} edges (- crm_simulate, + cohort)");
            for l in d.iter().take(DIFF_LINES_PER_CASE) {
                println!("  {l}");
            }
        }
    }
    println!(
        "edges agreement: {} of {} cases whose placement agrees",
        agreeing.len(),
        cases.len()
    );
    assert_ratchet("tests/policy/edges_agreeing.txt", &agreeing);
}
