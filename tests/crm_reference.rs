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

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;

use cohort::runtime::agents::AgentDirs;
use cohort::runtime::cli::{run, Io};

fn reference_tools_present() -> bool {
    if std::env::var_os("COHORT_SKIP_REFERENCE").is_some() {
        return false;
    }
    for tool in ["crm", "cibadmin", "crm_verify", "crm_simulate"] {
        let found = Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        assert!(found, "{tool} is not installed: run scripts/test (it installs crmsh and pacemaker-cli-utils), or set COHORT_SKIP_REFERENCE=1");
    }
    true
}

struct Outcome {
    status: i32,
    stdout: String,
    stderr: String,
}

/// Runs a reference tool against `cib` with a private shadow directory.
fn tool(dir: &Path, cib: &Path, program: &str, args: &[&str], stdin: Option<&str>) -> Outcome {
    let mut child = Command::new(program)
        .args(args)
        .env("CIB_file", cib)
        .env("CIB_shadow_dir", dir)
        .env("LC_ALL", "C")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    if let Some(text) = stdin {
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    }
    let out = child.wait_with_output().unwrap();
    Outcome {
        status: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs cohort's CLI in-process on `cib`.
fn cohort(cib: &Path, args: &[&str], stdin: &str) -> Outcome {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let mut read = || Ok(stdin.to_string());
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let mut io = Io {
        stdin: &mut read,
        out: &mut out,
        err: &mut err,
        cib_file: Some(cib.to_path_buf()),
        agent_dirs: AgentDirs::from_env(),
    };
    let status = i32::from(run(&args, &mut io));
    Outcome {
        status,
        stdout: String::from_utf8_lossy(&out).into_owned(),
        stderr: String::from_utf8_lossy(&err).into_owned(),
    }
}

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
    let empty = tool(
        &dir,
        &dir.join("unused.xml"),
        "cibadmin",
        &["--empty"],
        None,
    );
    assert_eq!(empty.status, 0, "cibadmin --empty failed: {}", empty.stderr);
    let (theirs, ours) = (dir.join("crm.xml"), dir.join("cohort.xml"));
    fs::write(&theirs, &empty.stdout).unwrap();
    fs::write(&ours, &empty.stdout).unwrap();

    let crm = tool(&dir, &theirs, "crm", &["configure"], Some(&text));
    let mine = cohort(&ours, &["configure"], &text);
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
    let show_theirs = tool(&dir, &theirs, "crm", &["configure", "show"], None).stdout;
    let show_ours_by_crm = tool(&dir, &ours, "crm", &["configure", "show"], None).stdout;
    let show_ours = cohort(&ours, &["configure", "show"], "").stdout;
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
    let theirs_str = theirs.to_string_lossy();
    let ours_str = ours.to_string_lossy();
    let verify_theirs = tool(&dir, &theirs, "crm_verify", &["-x", &theirs_str], None);
    let verify_ours = tool(&dir, &ours, "crm_verify", &["-x", &ours_str], None);
    if verify_theirs.status != verify_ours.status {
        problem(format!(
            "crm_verify: {} on crm's file, {} on cohort's:\n{}",
            verify_theirs.status, verify_ours.status, verify_ours.stderr
        ));
    }
    let sim = tool(&dir, &ours, "crm_simulate", &["-x", &ours_str, "-S"], None);
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
    if !reference_tools_present() {
        eprintln!("skipped: COHORT_SKIP_REFERENCE is set");
        return;
    }
    let work = std::env::temp_dir().join(format!("cohort-crm-reference-{}", std::process::id()));
    fs::create_dir_all(&work).unwrap();
    let queue = Mutex::new(scenarios());
    let total = queue.lock().unwrap().len();
    assert!(
        total >= 21,
        "expected the seed plus at least 20 scenarios, found {total}"
    );
    let problems = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| loop {
                let Some(next) = queue.lock().unwrap().pop() else {
                    break;
                };
                let found = check(&next, &work);
                problems.lock().unwrap().extend(found);
            });
        }
    });
    let problems = problems.into_inner().unwrap();
    eprintln!(
        "{} of {total} scenarios agree",
        total
            - problems
                .iter()
                .map(|p| p.split(':').next().unwrap())
                .collect::<std::collections::BTreeSet<_>>()
                .len()
    );
    let _ = fs::remove_dir_all(&work);
    assert!(
        problems.is_empty(),
        "{} disagreement(s):\n\n{}",
        problems.len(),
        problems.join("\n\n")
    );
}
