//! Resource and fence agents as child processes.
//!
//! Each op runs as its own process with the OCF (or LSB, systemd, fence)
//! interface, in its own process group so a terminal's signals do not
//! reach it. Its output goes to a file, never a pipe: a daemon the agent
//! starts (mysqld, send_arp) inherits its descriptors, and a pipe read to
//! end-of-file would wait for that daemon. The op ends when the agent
//! itself exits; the file is read then, bounded. An op that outlives its
//! timeout gets SIGKILL, with its process group (what it forked and did
//! not detach), and is reported timed out: nothing of it runs on while
//! the cluster recovers. A recurring op runs again `interval` after each
//! run ends (failed, timed out or not), until cancelled. Nothing here decides anything: results go back to the
//! node as they are.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{Read, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use cohort_core::controller::{FenceId, FenceRequest};
use cohort_core::executor::{OpId, OpOutcome, OpRequest};
use cohort_core::policy::FenceAction;

use crate::agents::AgentDirs;

/// Most of an agent's output kept (for ocf-exit-reason).
const OUTPUT_MAX_BYTES: u64 = 64 << 10;
/// Pacemaker's op-status values.
const EXEC_ERROR: i32 = 4;
const EXEC_NOT_INSTALLED: i32 = 7;
/// OCF return codes used here.
const OCF_ERR_GENERIC: i32 = 1;
const OCF_ERR_INSTALLED: i32 = 5;
const OCF_NOT_RUNNING: i32 = 7;
/// The feature set Pacemaker 2.1 passes to agents.
const CRM_FEATURE_SET: &str = "3.16.1";

/// A finished job, for the node.
#[derive(Debug)]
pub enum Done {
    Op {
        op: OpId,
        outcome: OpOutcome,
    },
    Fence {
        id: FenceId,
        ok: bool,
        detail: String,
    },
}

enum Work {
    Op(OpRequest),
    Fence(FenceRequest),
}

struct Job {
    work: Work,
    child: Child,
    output: PathBuf,
    started: Instant,
    deadline: Instant,
}

/// Where agents find their per-node state, and who this node is.
#[derive(Debug, Clone)]
pub struct Environment {
    pub dirs: AgentDirs,
    pub node_name: String,
    pub node_id: u32,
    /// HA_RSCTMP: resource agents' state (Dummy's state file).
    pub rsctmp: PathBuf,
    /// HA_VARRUN.
    pub varrun: PathBuf,
    /// Agents' output files.
    pub spool: PathBuf,
}

/// Every agent process of this node.
pub struct Executor {
    env: Environment,
    jobs: BTreeMap<u64, Job>,
    next_job: u64,
    /// Recurring ops between two runs: when to run each again.
    recurring: BTreeMap<OpId, (OpRequest, Instant)>,
    /// Recurring ops cancelled while a run was in flight: its result is
    /// dropped.
    cancelled: Vec<OpId>,
    /// Agents killed after their timeout, waiting to be reaped (never
    /// waited for: one stuck in the kernel must not stop the loop).
    zombies: Vec<Child>,
    /// Wall-clock epoch seconds, read by the caller for `last-rc-change`.
    pub epoch_s: fn() -> i64,
}

impl Executor {
    pub fn new(env: Environment, epoch_s: fn() -> i64) -> std::io::Result<Executor> {
        for d in [&env.rsctmp, &env.varrun, &env.spool] {
            std::fs::create_dir_all(d)?;
        }
        Ok(Executor {
            env,
            jobs: BTreeMap::new(),
            next_job: 1,
            recurring: BTreeMap::new(),
            cancelled: Vec::new(),
            zombies: Vec::new(),
            epoch_s,
        })
    }

    pub fn running(&self) -> usize {
        self.jobs.len()
    }

    /// Starts `req` now; a failure to start is a result at once.
    pub fn exec(&mut self, now: Instant, req: OpRequest, done: &mut Vec<Done>) {
        self.recurring.remove(&req.op);
        self.cancelled.retain(|c| *c != req.op);
        match self.command_for_op(&req) {
            Ok(cmd) => self.spawn(now, Work::Op(req), cmd, None, done),
            Err((rc, op_status, reason)) => done.push(Done::Op {
                op: req.op,
                outcome: OpOutcome {
                    rc,
                    op_status,
                    exec_time_ms: 0,
                    finished_epoch_s: (self.epoch_s)(),
                    exit_reason: reason,
                },
            }),
        }
    }

    /// Stops a recurring op: no further runs; a run in flight is left to
    /// finish and its result dropped.
    pub fn cancel(&mut self, op: OpId) {
        self.recurring.remove(&op);
        let in_flight = self
            .jobs
            .values()
            .any(|j| matches!(&j.work, Work::Op(r) if r.op == op));
        if in_flight && !self.cancelled.contains(&op) {
            self.cancelled.push(op);
        }
    }

    pub fn fence(&mut self, now: Instant, req: FenceRequest, done: &mut Vec<Done>) {
        let path = self.env.dirs.stonith_dir.join(&req.agent.kind);
        if req.agent.kind.starts_with("external/") || !path.is_file() {
            return done.push(Done::Fence {
                id: req.id,
                ok: false,
                detail: format!("fence agent {} is not installed", path.display()),
            });
        }
        let action = match req.action {
            FenceAction::Off => "off",
            FenceAction::Reboot => "reboot",
        };
        let mut stdin = format!(
            "action={action}\nport={}\nplug={}\n",
            req.target, req.target
        );
        for (k, v) in &req.params {
            // Pacemaker's own parameters are not the agent's.
            if !k.starts_with("pcmk_") {
                stdin.push_str(&format!("{k}={v}\n"));
            }
        }
        let cmd = Command::new(path);
        self.spawn(now, Work::Fence(req), cmd, Some(stdin), done);
    }

    fn spawn(
        &mut self,
        now: Instant,
        work: Work,
        mut cmd: Command,
        stdin: Option<String>,
        done: &mut Vec<Done>,
    ) {
        let job = self.next_job;
        self.next_job += 1;
        let output = self.env.spool.join(format!("job-{job}.out"));
        let timeout_ms = match &work {
            Work::Op(r) => r.timeout_ms,
            Work::Fence(f) => f.timeout_ms,
        };
        let spawned = File::create(&output).and_then(|out| {
            let err = out.try_clone()?;
            cmd.stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(out)
            .stderr(err)
            .process_group(0);
            let mut child = cmd.spawn()?;
            if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
                // A fence agent reads a few lines; it is closed after.
                let _ = pipe.write_all(text.as_bytes());
            }
            Ok(child)
        });
        match spawned {
            Ok(child) => {
                self.jobs.insert(
                    job,
                    Job {
                        work,
                        child,
                        output,
                        started: now,
                        deadline: now + Duration::from_millis(timeout_ms.max(1)),
                    },
                );
            }
            Err(e) => {
                let _ = std::fs::remove_file(&output);
                self.again_later(now, &work);
                done.push(self.failed_to_start(work, &e.to_string()));
            }
        }
    }

    fn failed_to_start(&self, work: Work, reason: &str) -> Done {
        match work {
            Work::Op(r) => Done::Op {
                op: r.op,
                outcome: OpOutcome {
                    rc: OCF_ERR_GENERIC,
                    op_status: EXEC_ERROR,
                    exec_time_ms: 0,
                    finished_epoch_s: (self.epoch_s)(),
                    exit_reason: format!("could not run the agent: {reason}"),
                },
            },
            Work::Fence(f) => Done::Fence {
                id: f.id,
                ok: false,
                detail: format!("could not run {}: {reason}", f.agent.kind),
            },
        }
    }

    /// The next instant something is due here: a timeout or a recurring
    /// run (exits wake the loop through SIGCHLD).
    pub fn next_deadline(&self) -> Option<Instant> {
        let jobs = self.jobs.values().map(|j| j.deadline);
        let runs = self.recurring.values().map(|(_, at)| *at);
        jobs.chain(runs).min()
    }

    /// Reaps agents that exited, acts on timeouts and starts recurring
    /// runs that are due; results into `done`.
    pub fn poll(&mut self, now: Instant, done: &mut Vec<Done>) {
        let ids: Vec<u64> = self.jobs.keys().copied().collect();
        for id in ids {
            let job = self.jobs.get_mut(&id).expect("listed");
            match job.child.try_wait() {
                Ok(Some(status)) => {
                    let job = self.jobs.remove(&id).expect("listed");
                    self.finished(now, job, status, done);
                }
                Ok(None) if now >= job.deadline => {
                    let mut job = self.jobs.remove(&id).expect("listed");
                    kill_group(&mut job.child);
                    let _ = std::fs::remove_file(&job.output);
                    let elapsed = now.saturating_duration_since(job.started);
                    self.zombies.push(job.child);
                    self.timed_out(now, job.work, elapsed, done);
                }
                Ok(None) => {}
                Err(e) => {
                    let mut job = self.jobs.remove(&id).expect("listed");
                    kill_group(&mut job.child);
                    let _ = std::fs::remove_file(&job.output);
                    self.zombies.push(job.child);
                    self.again_later(now, &job.work);
                    done.push(self.failed_to_start(job.work, &format!("lost track of it: {e}")));
                }
            }
        }
        self.zombies
            .retain_mut(|child| !matches!(child.try_wait(), Ok(Some(_)) | Err(_)));
        let due: Vec<OpId> = self
            .recurring
            .iter()
            .filter(|(_, (_, at))| *at <= now)
            .map(|(op, _)| *op)
            .collect();
        for op in due {
            let (req, _) = self.recurring.remove(&op).expect("listed");
            self.exec(now, req, done);
        }
    }

    /// A recurring op runs again one interval after this run, whatever
    /// became of it, unless it was cancelled.
    fn again_later(&mut self, now: Instant, work: &Work) {
        if let Work::Op(req) = work {
            if req.interval_ms > 0 && !self.cancelled.contains(&req.op) {
                let next = now + Duration::from_millis(req.interval_ms);
                self.recurring.insert(req.op, (req.clone(), next));
            }
        }
    }

    /// Reports a job killed at its timeout.
    fn timed_out(&mut self, now: Instant, work: Work, elapsed: Duration, done: &mut Vec<Done>) {
        match work {
            Work::Op(r) => {
                if let Some(at) = self.cancelled.iter().position(|c| *c == r.op) {
                    self.cancelled.remove(at);
                    return;
                }
                let op = r.op;
                self.again_later(now, &Work::Op(r));
                done.push(Done::Op {
                    op,
                    outcome: OpOutcome::timed_out(elapsed.as_millis() as u64, (self.epoch_s)()),
                });
            }
            Work::Fence(f) => done.push(Done::Fence {
                id: f.id,
                ok: false,
                detail: format!("{} timed out after {} ms", f.agent.kind, f.timeout_ms),
            }),
        }
    }

    fn finished(
        &mut self,
        now: Instant,
        job: Job,
        status: std::process::ExitStatus,
        done: &mut Vec<Done>,
    ) {
        let output = read_bounded(&job.output);
        let _ = std::fs::remove_file(&job.output);
        let code = status
            .code()
            .unwrap_or_else(|| 128 + status.signal().unwrap_or(0));
        let elapsed = now.saturating_duration_since(job.started);
        match job.work {
            Work::Op(req) => {
                if let Some(at) = self.cancelled.iter().position(|c| *c == req.op) {
                    self.cancelled.remove(at);
                    return;
                }
                let rc = map_rc(&req, code);
                let exit_reason = exit_reason(&output);
                let op = req.op;
                self.again_later(now, &Work::Op(req));
                done.push(Done::Op {
                    op,
                    outcome: OpOutcome {
                        rc,
                        op_status: 0,
                        exec_time_ms: elapsed.as_millis() as u64,
                        finished_epoch_s: (self.epoch_s)(),
                        exit_reason,
                    },
                });
            }
            Work::Fence(f) => done.push(Done::Fence {
                id: f.id,
                ok: code == 0,
                detail: if code == 0 {
                    format!("{} {} ok", f.agent.kind, f.target)
                } else {
                    format!(
                        "{} exited {code}: {}",
                        f.agent.kind,
                        output.lines().last().unwrap_or_default()
                    )
                },
            }),
        }
    }

    /// The command for an op: the agent's path, its action and environment.
    fn command_for_op(&self, req: &OpRequest) -> Result<Command, (i32, i32, String)> {
        let dirs = &self.env.dirs;
        let not_installed = |what: String| (OCF_ERR_INSTALLED, EXEC_NOT_INSTALLED, what);
        let class = req.agent.class.as_str();
        let kind = req.agent.kind.as_str();
        let mut cmd = match class {
            "ocf" => {
                let provider = req.agent.provider.as_deref().unwrap_or("heartbeat");
                let path = dirs.ocf_root.join("resource.d").join(provider).join(kind);
                if !path.is_file() {
                    return Err(not_installed(format!("{} not found", path.display())));
                }
                let mut c = Command::new(path);
                c.arg(&req.action);
                self.ocf_env(&mut c, req, provider);
                c
            }
            "lsb" | "service" => {
                let path = dirs.lsb_dir.join(kind);
                if !path.is_file() {
                    return Err(not_installed(format!("{} not found", path.display())));
                }
                let mut c = Command::new(path);
                c.arg(lsb_action(&req.action));
                c
            }
            "systemd" => {
                let unit = if kind.contains('.') {
                    kind.to_string()
                } else {
                    format!("{kind}.service")
                };
                let mut c = Command::new("systemctl");
                match req.action.as_str() {
                    "monitor" | "status" => c.args(["is-active", "--quiet", &unit]),
                    action => c.args([action, &unit]),
                };
                c
            }
            other => {
                return Err(not_installed(format!(
                    "agent class {other} is not supported"
                )));
            }
        };
        cmd.env("HA_RSCTMP", &self.env.rsctmp)
            .env("HA_VARRUN", &self.env.varrun);
        Ok(cmd)
    }

    fn ocf_env(&self, c: &mut Command, req: &OpRequest, provider: &str) {
        c.env("OCF_ROOT", &self.env.dirs.ocf_root)
            .env("OCF_RA_VERSION_MAJOR", "1")
            .env("OCF_RA_VERSION_MINOR", "1")
            .env("OCF_RESOURCE_INSTANCE", &req.rsc)
            .env("OCF_RESOURCE_TYPE", &req.agent.kind)
            .env("OCF_RESOURCE_PROVIDER", provider)
            .env("OCF_EXIT_REASON_PREFIX", "ocf-exit-reason:")
            .env("OCF_RESKEY_crm_feature_set", CRM_FEATURE_SET)
            .env("OCF_RESKEY_CRM_meta_timeout", req.timeout_ms.to_string())
            .env("OCF_RESKEY_CRM_meta_interval", req.interval_ms.to_string())
            .env("OCF_RESKEY_CRM_meta_name", &req.action)
            .env("OCF_RESKEY_CRM_meta_on_node", &self.env.node_name)
            .env(
                "OCF_RESKEY_CRM_meta_on_node_uuid",
                self.env.node_id.to_string(),
            );
        for (k, v) in &req.params {
            if k == "OCF_CHECK_LEVEL" {
                c.env(k, v);
            } else {
                c.env(format!("OCF_RESKEY_{k}"), v);
            }
        }
    }

    /// Ends every agent at shutdown (after the cluster stop moved the
    /// resources away, only monitors are left).
    pub fn kill_all(&mut self) {
        for (_, mut job) in std::mem::take(&mut self.jobs) {
            kill_group(&mut job.child);
            let _ = job.child.try_wait();
            let _ = std::fs::remove_file(&job.output);
        }
    }
}

/// SIGKILL to an agent and its process group (it leads one: spawned with
/// `process_group(0)`); daemons it started detach into their own.
fn kill_group(child: &mut Child) {
    // SAFETY: kill(2) on the process group our own child leads.
    unsafe {
        libc::kill(-(child.id() as libc::pid_t), libc::SIGKILL);
    }
    let _ = child.kill();
}

/// The LSB script's word for an OCF action.
fn lsb_action(action: &str) -> &str {
    match action {
        "monitor" => "status",
        other => other,
    }
}

/// An agent's exit code in OCF terms (LSB status codes mapped as
/// Pacemaker maps them).
fn map_rc(req: &OpRequest, code: i32) -> i32 {
    match req.agent.class.as_str() {
        "lsb" | "service" if req.action == "monitor" || req.action == "status" => match code {
            0 => 0,
            1..=3 => OCF_NOT_RUNNING,
            150 => 5,
            151 => 4,
            _ => OCF_ERR_GENERIC,
        },
        "lsb" | "service" => {
            if (0..=7).contains(&code) {
                code
            } else {
                OCF_ERR_GENERIC
            }
        }
        "systemd" if req.action == "monitor" => {
            if code == 0 {
                0
            } else {
                OCF_NOT_RUNNING
            }
        }
        "systemd" => {
            if code == 0 {
                0
            } else {
                OCF_ERR_GENERIC
            }
        }
        _ => code,
    }
}

/// The last `ocf-exit-reason:` line the agent printed.
fn exit_reason(output: &str) -> String {
    output
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("ocf-exit-reason:"))
        .unwrap_or_default()
        .trim()
        .to_string()
}

fn read_bounded(path: &PathBuf) -> String {
    let mut text = Vec::new();
    if let Ok(f) = File::open(path) {
        let _ = f.take(OUTPUT_MAX_BYTES).read_to_end(&mut text);
    }
    String::from_utf8_lossy(&text).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use cohort_core::executor::AgentSpec;

    fn req(class: &str, action: &str) -> OpRequest {
        OpRequest {
            op: OpId(1),
            rsc: "r".into(),
            agent: AgentSpec {
                class: class.into(),
                provider: None,
                kind: "x".into(),
            },
            action: action.into(),
            interval_ms: 0,
            timeout_ms: 20_000,
            params: Vec::new(),
        }
    }

    #[test]
    fn lsb_status_codes_map_as_pacemaker_maps_them() {
        let status = req("lsb", "monitor");
        assert_eq!(map_rc(&status, 0), 0);
        assert_eq!(map_rc(&status, 3), OCF_NOT_RUNNING);
        assert_eq!(map_rc(&status, 1), OCF_NOT_RUNNING);
        assert_eq!(map_rc(&status, 150), 5);
        assert_eq!(map_rc(&status, 4), OCF_ERR_GENERIC);
        let start = req("lsb", "start");
        assert_eq!(map_rc(&start, 6), 6);
        assert_eq!(map_rc(&start, 42), OCF_ERR_GENERIC);
        assert_eq!(map_rc(&req("ocf", "monitor"), 8), 8);
    }

    #[test]
    fn the_last_exit_reason_line_is_kept() {
        let out = "noise\nocf-exit-reason:first\nocf-exit-reason: second one\n";
        assert_eq!(exit_reason(out), "second one");
        assert_eq!(exit_reason("nothing"), "");
    }
}
