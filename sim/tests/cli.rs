//! The `cohort-sim` binary: list, run's output contract, replay.

use std::process::Command;

fn sim(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_cohort-sim"))
        .args(args)
        .output()
        .expect("runs");
    (
        out.status.success(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn list_names_every_builtin_scenario() {
    let (ok, out, _) = sim(&["list"]);
    assert!(ok);
    for name in cohort_sim::scenario::NAMES {
        assert!(out.lines().any(|l| l.starts_with(name)), "{name}: {out}");
    }
}

#[test]
fn run_ends_with_the_summary_line_and_reports_progress() {
    let (ok, out, err) = sim(&["run", "--scenario", "two-node", "--seeds", "0..4"]);
    assert!(ok, "{out}{err}");
    let last = out.lines().last().unwrap();
    let fields: Vec<&str> = last.split(' ').collect();
    let keys: Vec<&str> = fields
        .iter()
        .map(|f| f.split('=').next().unwrap())
        .collect();
    assert_eq!(
        keys,
        ["seeds", "failed", "sim_seconds", "wall_seconds", "ratio"],
        "{last}"
    );
    assert!(last.starts_with("seeds=4 failed=0 "), "{last}");
    assert!(err.contains("seeds 4/4 failed 0"), "{err}");
}

#[test]
fn replay_prints_the_timeline_and_writes_the_page() {
    let dir = std::env::temp_dir().join(format!("cohort-sim-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let page = dir.join("t.html");
    let args = [
        "replay",
        "--scenario",
        "three-node",
        "--seed",
        "7",
        "--timeline",
    ];
    let (ok, out, _) = sim(&[&args[..], &[page.to_str().unwrap()]].concat());
    assert!(ok, "{out}");
    assert!(out.contains("result=ok trace="), "{out}");
    let again = sim(&[&args[..], &[page.to_str().unwrap()]].concat()).1;
    assert_eq!(out, again, "a replay is exact");
    assert!(std::fs::read_to_string(&page).unwrap().contains("<svg"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_arguments_exit_with_usage_errors() {
    let (ok, _, err) = sim(&["run", "--scenario", "nope", "--seeds", "0..1"]);
    assert!(!ok);
    assert!(err.contains("unknown scenario"), "{err}");
    let (ok, _, err) = sim(&["run", "--scenario", "two-node"]);
    assert!(!ok);
    assert!(err.contains("missing --seeds"), "{err}");
}

#[test]
fn replay_runs_a_fuzz_input_file_exactly() {
    let dir = std::env::temp_dir().join(format!("cohort-sim-fuzz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let input = dir.join("input");
    // Byte 0 picks three-node (cohort_sim::fuzz::SCENARIOS); the rest are
    // the run's draws.
    let three = cohort_sim::fuzz::SCENARIOS
        .iter()
        .position(|n| *n == "three-node")
        .unwrap();
    let bytes: Vec<u8> = std::iter::once(three as u8)
        .chain((0..600u32).map(|i| (i * 37 % 251) as u8))
        .collect();
    std::fs::write(&input, &bytes).unwrap();
    let args = ["replay", "--fuzz-input", input.to_str().unwrap()];
    let (ok, out, err) = sim(&args);
    assert!(ok, "{out}{err}");
    assert!(out.starts_with("scenario=three-node "), "{out}");
    assert!(out.contains("result=ok trace="), "{out}");
    assert_eq!(out, sim(&args).1, "a replay is exact");
    let (ok, _, err) = sim(&["replay", "--fuzz-input", "/nonexistent/input"]);
    assert!(!ok);
    assert!(err.contains("reading /nonexistent/input"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}
