//! Real cohortd processes on one machine: a cluster's files in a scratch
//! directory, each node with its own state and run directories (so each
//! has its own HA_RSCTMP: ocf:heartbeat:Dummy's state file there is the
//! ground truth of where a resource really runs), started, killed and
//! restarted as a person would, and asked through the real `cohort` CLI.
#![allow(dead_code)] // each test file uses its own part of this module

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The workspace's binaries, beside this test's own executable.
pub fn binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("test executable");
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>");
    let bin = dir.join(name);
    assert!(
        bin.exists(),
        "{} is not built (cargo build -p cohort-runtime)",
        bin.display()
    );
    bin
}

/// One node: how to start it, and its process while it runs.
pub struct NodeProc {
    pub name: String,
    pub dir: PathBuf,
    /// A command prefix that places the process (e.g. `ip netns exec NS`).
    pub wrap: Vec<String>,
    pub child: Option<Child>,
    pub started_at: Option<Instant>,
}

impl NodeProc {
    pub fn state_dir(&self) -> PathBuf {
        self.dir.join("state")
    }
    pub fn run_dir(&self) -> PathBuf {
        self.dir.join("run")
    }
    pub fn log(&self) -> PathBuf {
        self.dir.join("cohortd.log")
    }
    /// The resources whose Dummy state file exists here: what really runs.
    pub fn running(&self) -> Vec<String> {
        let mut r: Vec<String> = fs::read_dir(self.run_dir().join("rsctmp"))
            .map(|d| {
                d.flatten()
                    .filter_map(|e| {
                        let n = e.file_name().to_string_lossy().into_owned();
                        Some(
                            n.strip_prefix("Dummy-")?
                                .strip_suffix(".state")?
                                .to_string(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        r.sort();
        r
    }
    pub fn cib_bytes(&self) -> Vec<u8> {
        fs::read(self.state_dir().join("cib.xml")).unwrap_or_default()
    }
}

/// A cluster of cohortd processes sharing one configuration file.
pub struct Cluster {
    pub dir: PathBuf,
    pub conf: PathBuf,
    pub nodes: Vec<NodeProc>,
}

impl Cluster {
    /// `conf_text` written to DIR/corosync.conf, a fresh key beside it
    /// (its path is substituted for `@KEY@`), nodes named node1..nodeN.
    pub fn new(label: &str, conf_text: &str, wraps: Vec<Vec<String>>) -> Cluster {
        let dir = std::env::temp_dir().join(format!("cohort-{label}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        let key = dir.join("authkey");
        let keygen = Command::new(binary("cohort"))
            .args(["keygen", "-k"])
            .arg(&key)
            .output()
            .unwrap();
        assert!(keygen.status.success(), "{keygen:?}");
        let conf = dir.join("corosync.conf");
        fs::write(
            &conf,
            conf_text.replace("@KEY@", &key.display().to_string()),
        )
        .unwrap();
        let nodes = wraps
            .into_iter()
            .enumerate()
            .map(|(i, wrap)| NodeProc {
                name: format!("node{}", i + 1),
                dir: dir.join(format!("node{}", i + 1)),
                wrap,
                child: None,
                started_at: None,
            })
            .collect();
        Cluster { dir, conf, nodes }
    }

    /// Starts node `i` (0-based) with `conf` (default: the cluster's).
    pub fn start_with(&mut self, i: usize, conf: Option<&Path>) {
        let conf = conf.unwrap_or(&self.conf).to_path_buf();
        let n = &mut self.nodes[i];
        assert!(n.child.is_none(), "{} runs already", n.name);
        fs::create_dir_all(&n.dir).unwrap();
        let log = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(n.log())
            .unwrap();
        let (prog, pre): (String, Vec<String>) = match n.wrap.split_first() {
            Some((p, rest)) => (p.clone(), rest.to_vec()),
            None => (binary("cohortd").display().to_string(), Vec::new()),
        };
        let mut cmd = Command::new(prog);
        cmd.args(pre);
        if !n.wrap.is_empty() {
            cmd.arg(binary("cohortd"));
        }
        cmd.arg("-c")
            .arg(&conf)
            .arg("--state-dir")
            .arg(n.state_dir())
            .arg("--run-dir")
            .arg(n.run_dir())
            .arg("--node-name")
            .arg(&n.name)
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log);
        n.started_at = Some(Instant::now());
        n.child = Some(cmd.spawn().expect("cohortd starts"));
    }

    pub fn start(&mut self, i: usize) {
        self.start_with(i, None)
    }

    /// kill -9: the node's process dies at once, as at a power cut (its
    /// agents' daemons would die with the machine: the test clears its
    /// HA_RSCTMP when it "reboots").
    pub fn kill9(&mut self, i: usize) {
        if let Some(mut c) = self.nodes[i].child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// The machine came back: what lived in /run is gone.
    pub fn reboot_clears_run(&self, i: usize) {
        let _ = fs::remove_dir_all(self.nodes[i].run_dir().join("rsctmp"));
    }

    /// Runs `cohort --run-dir NODE_RUN ARGS` with `stdin`.
    pub fn cohort(&self, i: usize, args: &[&str], stdin: &str) -> Output {
        let mut cmd = Command::new(binary("cohort"));
        cmd.arg("--run-dir")
            .arg(self.nodes[i].run_dir())
            .args(args)
            .env_remove("CIB_file")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    }

    pub fn text(&self, i: usize, args: &[&str]) -> String {
        String::from_utf8_lossy(&self.cohort(i, args, "").stdout).into_owned()
    }

    /// Members in node `i`'s view, from `cohort quorum`.
    pub fn members_seen(&self, i: usize) -> usize {
        self.text(i, &["quorum"])
            .lines()
            .find_map(|l| l.strip_prefix("Nodes:"))
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or(0)
    }

    /// Waits until every running node's view holds all `n` nodes with
    /// its sync done (a DC known, everyone online, quorate): a change
    /// typed before that may meet a view change and be answered "retry".
    pub fn wait_settled(&self, n: usize, limit: Duration) -> bool {
        let online = format!(
            "Online: [ {} ]",
            (1..=n)
                .map(|i| format!("node{i}"))
                .collect::<Vec<_>>()
                .join(" ")
        );
        wait_for(limit, || {
            (0..self.nodes.len())
                .filter(|i| self.nodes[*i].child.is_some())
                .all(|i| {
                    let s = self.text(i, &["status"]);
                    s.contains(&online) && s.contains("partition with quorum")
                })
                .then_some(())
        })
        .is_some()
    }

    /// `cohort configure` with `stdin`, sent again while the answer is
    /// "retry" (the membership changed before it was agreed: not applied).
    pub fn configure(&self, i: usize, stdin: &str) -> Output {
        let mut out = self.cohort(i, &["configure"], stdin);
        for _ in 0..5 {
            let err = String::from_utf8_lossy(&out.stderr).into_owned();
            if out.status.success() || !err.contains("; retry") {
                break;
            }
            std::thread::sleep(Duration::from_millis(500));
            out = self.cohort(i, &["configure"], stdin);
        }
        out
    }

    /// Where each node really runs resources.
    pub fn ground_truth(&self) -> Vec<(String, Vec<String>)> {
        self.nodes
            .iter()
            .filter(|n| n.child.is_some())
            .map(|n| (n.name.clone(), n.running()))
            .collect()
    }

    /// Index of the live node running all of `rscs`, if exactly one does
    /// and no other live node runs any of them.
    pub fn all_on_one(&self, rscs: &[&str]) -> Option<usize> {
        let live: Vec<usize> = (0..self.nodes.len())
            .filter(|i| self.nodes[*i].child.is_some())
            .collect();
        let holders: Vec<usize> = live
            .iter()
            .copied()
            .filter(|i| !self.nodes[*i].running().is_empty())
            .collect();
        match holders[..] {
            [one]
                if rscs
                    .iter()
                    .all(|r| self.nodes[one].running().iter().any(|x| x == r)) =>
            {
                Some(one)
            }
            _ => None,
        }
    }

    pub fn logs(&self) -> String {
        self.nodes
            .iter()
            .map(|n| {
                format!(
                    "==== {} ====\n{}",
                    n.name,
                    fs::read_to_string(n.log()).unwrap_or_default()
                )
            })
            .collect()
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for i in 0..self.nodes.len() {
            self.kill9(i);
        }
        if !std::thread::panicking() {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

/// Polls `f` every 10 ms until it returns Some, or `limit` passes.
pub fn wait_for<T>(limit: Duration, mut f: impl FnMut() -> Option<T>) -> Option<T> {
    let start = Instant::now();
    loop {
        if let Some(v) = f() {
            return Some(v);
        }
        if start.elapsed() > limit {
            return None;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The reference resources as Dummy agents, with the reference's
/// colocation, order and stickiness.
pub const REFERENCE_AS_DUMMY: &str = "\
property stonith-enabled=false
rsc_defaults resource-stickiness=100
primitive vip ocf:heartbeat:Dummy op monitor interval=2s
primitive mynfs ocf:heartbeat:Dummy op monitor interval=2s
primitive mysqld ocf:heartbeat:Dummy op monitor interval=2s
colocation mysqld_with_mynfs_vip inf: vip mynfs mysqld
order mysqld_after_mynfs_after_vip mandatory: vip mynfs mysqld
commit
";

pub const RSCS: [&str; 3] = ["vip", "mynfs", "mysqld"];

/// Whether the Dummy agent is installed (resource-agents).
pub fn dummy_installed() -> bool {
    Path::new("/usr/lib/ocf/resource.d/heartbeat/Dummy").exists()
}
