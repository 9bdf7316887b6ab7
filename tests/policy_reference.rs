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

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use cohort::runtime::agents::AgentDirs;
use cohort::runtime::cli::{run, Io};

const THREADS: usize = 4;
/// Diff lines printed per disagreeing case, and in total.
const DIFF_LINES_PER_CASE: usize = 12;
const DIFF_LINES_TOTAL: usize = 600;

fn shared() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared")
}

fn reference_tools_present() -> bool {
    if std::env::var_os("COHORT_SKIP_REFERENCE").is_some() {
        return false;
    }
    for tool in ["python3", "crm_simulate"] {
        let found = Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        assert!(found, "{tool} is not installed: run scripts/test (it installs pacemaker-cli-utils), or set COHORT_SKIP_REFERENCE=1");
    }
    true
}

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

fn reference(case: &str, args: &[String], scratch: &Path) -> String {
    let xml = shared().join(format!("pacemaker-cts/xml/{case}.xml"));
    let dir = scratch.join(case);
    fs::create_dir_all(&dir).unwrap();
    let mut cmd = Command::new("python3");
    cmd.arg(shared().join("tools/pacemaker-placement.py"))
        .arg(&xml);
    if !args.is_empty() {
        cmd.arg("--").args(args);
    }
    let out = cmd
        .env("CIB_shadow_dir", &dir)
        .env("LC_ALL", "C")
        .stdin(Stdio::null())
        .output()
        .expect("cannot run pacemaker-placement.py");
    let _ = fs::remove_dir_all(&dir);
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn cohort_placement(case: &str) -> String {
    let xml = shared().join(format!("pacemaker-cts/xml/{case}.xml"));
    let args: Vec<String> = ["simulate", "-x", xml.to_str().unwrap(), "--placement"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let mut read = || Ok(String::new());
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let mut io = Io {
        stdin: &mut read,
        out: &mut out,
        err: &mut err,
        cib_file: None,
        agent_dirs: AgentDirs::from_env(),
    };
    let status = run(&args, &mut io);
    let mut text = String::from_utf8_lossy(&out).into_owned();
    if status != 0 {
        text.push_str(&format!(
            "(exit {status}) {}",
            String::from_utf8_lossy(&err)
        ));
    }
    text
}

/// Lines only in `want` (`-`, the reference) and only in `got` (`+`, cohort).
fn diff(want: &str, got: &str) -> Vec<String> {
    let w: BTreeSet<&str> = want.lines().collect();
    let g: BTreeSet<&str> = got.lines().collect();
    let mut out: Vec<String> = w.difference(&g).map(|l| format!("- {l}")).collect();
    out.extend(g.difference(&w).map(|l| format!("+ {l}")));
    out
}

#[test]
fn placement_agrees_with_crm_simulate() {
    if !reference_tools_present() {
        return;
    }
    let cts = shared().join("pacemaker-cts");
    let cases: Vec<String> = fs::read_to_string(cts.join("subset.txt"))
        .expect("../shared/pacemaker-cts/subset.txt")
        .split_whitespace()
        .map(str::to_string)
        .collect();
    let tests_json = fs::read_to_string(cts.join("tests.json")).unwrap_or_default();
    let scratch = std::env::temp_dir().join(format!("cohort-policy-ref-{}", std::process::id()));
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<(String, Vec<String>)>> = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..THREADS {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(case) = cases.get(i) else { break };
                let want = reference(case, &extra_args(&tests_json, case), &scratch);
                let got = cohort_placement(case);
                let d = if want == got {
                    Vec::new()
                } else {
                    diff(&want, &got)
                };
                let d = if d.is_empty() && want != got {
                    vec!["(same lines, different order or duplicates)".into()]
                } else {
                    d
                };
                results.lock().unwrap().push((case.clone(), d));
            });
        }
    });
    let _ = fs::remove_dir_all(&scratch);
    let mut results = results.into_inner().unwrap();
    results.sort();
    let agreeing: BTreeSet<&str> = results
        .iter()
        .filter(|(_, d)| d.is_empty())
        .map(|(c, _)| c.as_str())
        .collect();
    let mut printed = 0;
    for (case, d) in results.iter().filter(|(_, d)| !d.is_empty()) {
        if printed >= DIFF_LINES_TOTAL {
            println!("... (more disagreements not shown)");
            break;
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
    let ratchet_file = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/policy/agreeing.txt");
    let ratchet = fs::read_to_string(&ratchet_file).unwrap_or_default();
    let expected: Vec<&str> = ratchet
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    let regressed: Vec<&str> = expected
        .iter()
        .copied()
        .filter(|c| !agreeing.contains(c))
        .collect();
    let newly: Vec<&str> = agreeing
        .iter()
        .copied()
        .filter(|c| !expected.contains(c))
        .collect();
    if !newly.is_empty() {
        println!(
            "newly agreeing (add to tests/policy/agreeing.txt): {}",
            newly.join(" ")
        );
    }
    assert!(
        regressed.is_empty(),
        "cases that agreed before and no longer do: {}",
        regressed.join(" ")
    );
}
