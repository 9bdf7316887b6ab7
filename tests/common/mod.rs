//! What the end-to-end tests share: the reference tools (Pacemaker's and
//! crmsh's, installed by scripts/test), cohort's CLI run in-process, scratch
//! directories, a small thread pool, and the agreement ratchet.
#![allow(dead_code)] // each test file uses its own part of this module

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;

use cohort::runtime::agents::AgentDirs;
use cohort::runtime::cli::{run, Io};

/// ../shared, beside the checkout (CI has it too).
pub fn shared() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared")
}

/// Pacemaker's scheduler regression suite.
pub fn cts() -> PathBuf {
    shared().join("pacemaker-cts")
}

/// The names of the corpus's inputs that have a `DIR/NAME.EXT` beside
/// them (`("xml", "xml")` for every input), sorted.
pub fn cts_names(dir: &str, ext: &str) -> Vec<String> {
    let suffix = format!(".{ext}");
    let mut names: Vec<String> = std::fs::read_dir(cts().join(dir))
        .unwrap_or_else(|e| panic!("../shared/pacemaker-cts/{dir}: {e}"))
        .filter_map(|e| {
            let name = e.ok()?.file_name().into_string().ok()?;
            name.strip_suffix(&suffix).map(str::to_string)
        })
        .filter(|n| cts().join("xml").join(format!("{n}.xml")).exists())
        .collect();
    names.sort();
    names
}

/// True when every tool is installed. Without them the test fails with a
/// pointer to scripts/test, unless COHORT_SKIP_REFERENCE=1 (then false).
pub fn reference_tools_present(tools: &[&str]) -> bool {
    let missing: Vec<&str> = tools
        .iter()
        .copied()
        .filter(|t| {
            !Command::new("sh")
                .args(["-c", &format!("command -v {t}")])
                .stdout(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        })
        .collect();
    if missing.is_empty() {
        return true;
    }
    if std::env::var("COHORT_SKIP_REFERENCE").as_deref() == Ok("1") {
        eprintln!("note: {missing:?} not installed; COHORT_SKIP_REFERENCE=1, skipping");
        return false;
    }
    panic!(
        "{missing:?} not installed: run scripts/test (it installs crmsh, pacemaker-cli-utils \
         and resource-agents), or set COHORT_SKIP_REFERENCE=1 to skip this test"
    );
}

/// A scratch directory unique to this process, removed when dropped.
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new(label: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("cohort-{label}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    /// A fresh subdirectory (one per case, so tools' shadow files don't mix).
    pub fn sub(&self, name: &str) -> PathBuf {
        let d = self.0.join(name);
        std::fs::create_dir_all(&d).unwrap();
        d
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A finished command.
pub struct Outcome {
    pub status: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs a reference tool with `CIB_file=cib` (when given) and a private
/// shadow directory `dir`, in the C locale.
pub fn tool(
    dir: &Path,
    cib: Option<&Path>,
    program: &str,
    args: &[&str],
    stdin: Option<&str>,
) -> Outcome {
    // crm keeps a cache under ~/.cache/crm; crm processes started at once
    // on a fresh machine race to create it (FileExistsError), so each
    // call's directory is its home.
    let home = dir.join(".home");
    let _ = std::fs::create_dir_all(&home);
    let mut cmd = Command::new(program);
    cmd.args(args)
        .env("CIB_shadow_dir", dir)
        .env("LC_ALL", "C")
        .env("HOME", &home);
    if let Some(cib) = cib {
        cmd.env("CIB_file", cib);
    }
    let mut child = cmd
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

/// Runs cohort's CLI in-process, with `CIB_file=cib` when given.
pub fn cohort(cib: Option<&Path>, args: &[&str], stdin: &str) -> Outcome {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let mut read = || Ok(stdin.to_string());
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let mut io = Io {
        stdin: &mut read,
        out: &mut out,
        err: &mut err,
        cib_file: cib.map(Path::to_path_buf),
        agent_dirs: AgentDirs::from_env(),
        run_dir: cohort_runtime::cli::run_dir_from_env(),
    };
    let status = i32::from(run(&args, &mut io));
    Outcome {
        status,
        stdout: String::from_utf8_lossy(&out).into_owned(),
        stderr: String::from_utf8_lossy(&err).into_owned(),
    }
}

/// Applies `f` to every item on `threads` threads; results in item order.
pub fn parallel<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let next = Mutex::new(0usize);
    let results: Mutex<Vec<Option<R>>> = Mutex::new((0..items.len()).map(|_| None).collect());
    std::thread::scope(|s| {
        for _ in 0..threads.max(1) {
            s.spawn(|| loop {
                let i = {
                    let mut n = next.lock().unwrap();
                    let i = *n;
                    *n += 1;
                    i
                };
                let Some(item) = items.get(i) else { break };
                let r = f(item);
                results.lock().unwrap()[i] = Some(r);
            });
        }
    });
    results
        .into_inner()
        .unwrap()
        .into_iter()
        .map(|r| r.expect("every item ran"))
        .collect()
}

/// Lines only in `want` (`-`, the reference) and only in `got` (`+`, cohort).
pub fn line_diff(want: &str, got: &str) -> Vec<String> {
    if want == got {
        return Vec::new();
    }
    let w: BTreeSet<&str> = want.lines().collect();
    let g: BTreeSet<&str> = got.lines().collect();
    let mut out: Vec<String> = w.difference(&g).map(|l| format!("- {l}")).collect();
    out.extend(g.difference(&w).map(|l| format!("+ {l}")));
    if out.is_empty() {
        out.push("(same lines, different order or duplicates)".into());
    }
    out
}

/// Asserts the ratchet `rel` (a path below the crate): every case it lists
/// is still in `agreeing`; prints the newly agreeing ones to add.
pub fn assert_ratchet(rel: &str, agreeing: &BTreeSet<String>) {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    let lost = ratchet(&file, agreeing);
    assert!(
        lost.is_empty(),
        "listed in {} as agreeing, and no longer agree: {}",
        file.display(),
        lost.join(" ")
    );
}

/// The agreement ratchet: the names listed in `file` (one per line, `#`
/// comments) must all be in `agreeing`. Returns the ones that are not, and
/// prints the ones that agree but are not listed yet (to be added).
fn ratchet(file: &Path, agreeing: &BTreeSet<String>) -> Vec<String> {
    let text = std::fs::read_to_string(file).unwrap_or_default();
    let listed: BTreeSet<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect();
    let new: Vec<&String> = agreeing.difference(&listed).collect();
    if !new.is_empty() {
        eprintln!(
            "{} newly agreeing case(s), add them to {}: {new:?}",
            new.len(),
            file.display()
        );
    }
    listed.difference(agreeing).cloned().collect()
}
