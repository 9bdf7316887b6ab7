//! Resource agents, and the ground truth of what really runs where.
//!
//! The cluster believes what its ops report; the simulator knows. A start
//! makes an instance run on its node, a stop ends it, a monitor reports
//! whether it runs. An instance dies with its machine (crash, fence) but
//! keeps running through a partition or a pause: that is what makes a
//! split dangerous. Durations and failures come from the run's generator.
//!
//! A recurring op (`interval_ms` > 0) runs again every interval after its
//! previous run and reports each run with the same op id, until the node
//! cancels it. An op that runs past its `timeout_ms` is reported as timed
//! out (op-status 2) at the timeout, as an executor that kills it would.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use cohort_core::executor::{OpId, OpOutcome, OpRequest};
use cohort_core::time::Instant;
use cohort_core::totem::NodeId;

use crate::history::Cause;
use crate::rng::SimRng;

/// OCF "not running".
pub const RC_NOT_RUNNING: i32 = 7;
/// OCF generic error (also what a timed-out op reports).
pub const RC_ERROR: i32 = 1;
/// Executor op-status of a completed op and of a timed-out one.
pub const OP_DONE: i32 = 0;
pub const OP_TIMED_OUT: i32 = 2;
/// Most ops in flight (or recurring) on all nodes together.
pub const MAX_OPS: usize = 16 * 1024;

/// How agents behave in one run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentProfile {
    /// Durations of each kind of op, drawn in `[lo, hi]` ms.
    pub start_ms: (u64, u64),
    pub stop_ms: (u64, u64),
    pub monitor_ms: (u64, u64),
    /// Chance that a start fails (the instance may be half up).
    pub start_fail_ppm: u32,
    /// Chance that a monitor run finds its instance dead.
    pub monitor_fail_ppm: u32,
    /// Chance that a start or monitor hangs past its timeout. Stops never
    /// hang: a failed stop without fencing blocks the resource by design,
    /// which no liveness bound could then demand.
    pub hang_ppm: u32,
}

impl AgentProfile {
    /// Agents that always work, quickly.
    pub fn healthy() -> AgentProfile {
        AgentProfile {
            start_ms: (200, 800),
            stop_ms: (100, 500),
            monitor_ms: (5, 50),
            start_fail_ppm: 0,
            monitor_fail_ppm: 0,
            hang_ppm: 0,
        }
    }

    /// Swarm: half the seeds get flaky agents, each kind of flakiness on
    /// its own coin.
    pub fn draw(rng: &mut SimRng) -> AgentProfile {
        let mut p = AgentProfile::healthy();
        p.start_ms = (rng.between(10, 500), rng.between(500, 5_000));
        p.stop_ms = (rng.between(10, 300), rng.between(300, 3_000));
        if rng.coin() {
            if rng.coin() {
                p.start_fail_ppm = u32::try_from(rng.below(100_001)).expect("small");
            }
            if rng.coin() {
                p.monitor_fail_ppm = u32::try_from(rng.below(50_001)).expect("small");
            }
            if rng.coin() {
                p.hang_ppm = u32::try_from(rng.below(30_001)).expect("small");
            }
        }
        p
    }
}

#[derive(Debug, Clone)]
struct InFlight {
    req: OpRequest,
    /// Which run of a recurring op the scheduled completion belongs to.
    run: u64,
}

/// What one run of an op did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    pub rsc: String,
    pub action: String,
    pub interval_ms: u64,
    pub outcome: OpOutcome,
    /// The ground truth changed: the instance now runs (`true`) or not.
    pub change: Option<(bool, Cause)>,
    /// A recurring op's next run completes at this time.
    pub next: Option<(Instant, u64)>,
}

/// Every node's agents and the instances they really run.
#[derive(Debug, Clone)]
pub struct Agents {
    profile: AgentProfile,
    /// Whether failures may be drawn (off after the heal).
    flaky: bool,
    running: BTreeSet<(NodeId, String)>,
    ops: BTreeMap<(NodeId, OpId), InFlight>,
    /// (node, rsc): instances of `rsc` started there die at their next
    /// monitor.
    broken: BTreeSet<(NodeId, String)>,
    /// Wall-clock epoch seconds at simulated time zero (last-rc-change).
    pub epoch_s_at_zero: i64,
}

impl Agents {
    pub fn new(profile: AgentProfile) -> Agents {
        Agents {
            profile,
            flaky: true,
            running: BTreeSet::new(),
            ops: BTreeMap::new(),
            broken: BTreeSet::new(),
            epoch_s_at_zero: 1_700_000_000,
        }
    }

    pub fn profile(&self) -> &AgentProfile {
        &self.profile
    }

    /// From now on no op fails or hangs by chance (the heal).
    pub fn calm(&mut self) {
        self.flaky = false;
    }

    pub fn break_agent(&mut self, node: NodeId, rsc: &str) {
        self.broken.insert((node, rsc.to_string()));
    }

    pub fn repair_agent(&mut self, node: NodeId, rsc: &str) {
        self.broken.remove(&(node, rsc.to_string()));
    }

    /// Ground truth: the instances running now, as (node, rsc).
    pub fn running(&self) -> &BTreeSet<(NodeId, String)> {
        &self.running
    }

    pub fn runs(&self, node: NodeId, rsc: &str) -> bool {
        self.running.contains(&(node, rsc.to_string()))
    }

    /// The node asks for an op: when its (first) run completes, and the run
    /// number the completion must carry.
    pub fn exec(
        &mut self,
        rng: &mut SimRng,
        node: NodeId,
        req: OpRequest,
        now: Instant,
    ) -> (Instant, u64) {
        let at = now + self.duration(rng, &req);
        let key = (node, req.op);
        self.ops.insert(key, InFlight { req, run: 0 });
        assert!(self.ops.len() <= MAX_OPS, "agent op bound exceeded");
        (at, 0)
    }

    /// The op stops (a recurring monitor's next run never comes).
    pub fn cancel(&mut self, node: NodeId, op: OpId) {
        self.ops.remove(&(node, op));
    }

    /// Run `run` of op `op` on `node` ends now. None when the op was
    /// cancelled, its node crashed, or the run is stale.
    pub fn complete(
        &mut self,
        rng: &mut SimRng,
        node: NodeId,
        op: OpId,
        run: u64,
        now: Instant,
    ) -> Option<Completion> {
        let inflight = self.ops.get(&(node, op)).filter(|f| f.run == run)?.clone();
        let req = inflight.req;
        let hang_ok = req.action != "stop" && req.timeout_ms > 0;
        let hung = hang_ok && self.flaky && rng.chance_ppm(self.profile.hang_ppm);
        let key = (node, req.rsc.clone());
        let was = self.running.contains(&key);
        let (rc, op_status, now_runs, cause) = match req.action.as_str() {
            "start" if hung => (RC_ERROR, OP_TIMED_OUT, true, Cause::Start),
            "start" => {
                let failed = self.flaky && rng.chance_ppm(self.profile.start_fail_ppm);
                // A failed start may have brought the instance half up:
                // count it as running, the worst case for safety.
                (
                    if failed { RC_ERROR } else { 0 },
                    OP_DONE,
                    true,
                    Cause::Start,
                )
            }
            "stop" => (0, OP_DONE, false, Cause::Stop),
            "monitor" if hung => (RC_ERROR, OP_TIMED_OUT, was, Cause::Died),
            "monitor" if was => {
                let dies = self.broken.contains(&key)
                    || (self.flaky && rng.chance_ppm(self.profile.monitor_fail_ppm));
                if dies {
                    (RC_NOT_RUNNING, OP_DONE, false, Cause::Died)
                } else {
                    (0, OP_DONE, true, Cause::Died)
                }
            }
            "monitor" => (RC_NOT_RUNNING, OP_DONE, false, Cause::Died),
            // promote, demote, notify, reload...: succeed, change nothing.
            _ => (0, OP_DONE, was, Cause::Start),
        };
        if now_runs {
            self.running.insert(key);
        } else {
            self.running.remove(&key);
        }
        let change = (now_runs != was).then_some((now_runs, cause));
        let next = if req.interval_ms > 0 {
            let at = now + Duration::from_millis(req.interval_ms) + self.duration(rng, &req);
            let f = self.ops.get_mut(&(node, op)).expect("present");
            f.run += 1;
            Some((at, f.run))
        } else {
            self.ops.remove(&(node, op));
            None
        };
        let exec_time_ms = if op_status == OP_TIMED_OUT {
            req.timeout_ms
        } else {
            0
        };
        Some(Completion {
            rsc: req.rsc,
            action: req.action,
            interval_ms: req.interval_ms,
            outcome: OpOutcome {
                rc,
                op_status,
                exec_time_ms,
                finished_epoch_s: self.epoch_s(now),
                exit_reason: if op_status == OP_TIMED_OUT {
                    "Timed Out".into()
                } else {
                    String::new()
                },
            },
            change,
            next,
        })
    }

    /// Wall-clock epoch seconds at simulated time `at`.
    pub fn epoch_s(&self, at: Instant) -> i64 {
        self.epoch_s_at_zero + i64::try_from(at.as_nanos() / 1_000_000_000).unwrap_or(0)
    }

    /// The machine is gone: its ops and instances with it. The instances
    /// that died, in name order.
    pub fn node_down(&mut self, node: NodeId) -> Vec<String> {
        self.ops.retain(|(n, _), _| *n != node);
        let dead: Vec<String> = self
            .running
            .iter()
            .filter(|(n, _)| *n == node)
            .map(|(_, r)| r.clone())
            .collect();
        self.running.retain(|(n, _)| *n != node);
        dead
    }

    /// How long one run takes; a hang is reported at the op's timeout, so
    /// the duration is capped there.
    fn duration(&self, rng: &mut SimRng, req: &OpRequest) -> Duration {
        let (lo, hi) = match req.action.as_str() {
            "start" => self.profile.start_ms,
            "stop" => self.profile.stop_ms,
            _ => self.profile.monitor_ms,
        };
        let mut ms = rng.between(lo, hi.max(lo));
        if req.timeout_ms > 0 {
            ms = ms.min(req.timeout_ms);
        }
        Duration::from_millis(ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cohort_core::executor::AgentSpec;

    fn req(op: u64, rsc: &str, action: &str, interval_ms: u64) -> OpRequest {
        OpRequest {
            op: OpId(op),
            rsc: rsc.into(),
            agent: AgentSpec {
                class: "ocf".into(),
                provider: Some("heartbeat".into()),
                kind: "Dummy".into(),
            },
            action: action.into(),
            interval_ms,
            timeout_ms: 20_000,
            params: Vec::new(),
        }
    }

    #[test]
    fn starts_stops_and_recurring_monitors_follow_the_ground_truth() {
        let mut rng = SimRng::new(1);
        let mut a = Agents::new(AgentProfile::healthy());
        let t0 = Instant::ZERO;
        let (at, run) = a.exec(&mut rng, 1, req(1, "vip", "start", 0), t0);
        let c = a.complete(&mut rng, 1, OpId(1), run, at).unwrap();
        assert_eq!((c.outcome.rc, c.change), (0, Some((true, Cause::Start))));
        assert!(a.runs(1, "vip"));
        let (at, run) = a.exec(&mut rng, 1, req(2, "vip", "monitor", 10_000), at);
        let c = a.complete(&mut rng, 1, OpId(2), run, at).unwrap();
        let (next_at, next_run) = c.next.expect("recurring");
        assert!(next_at >= at + Duration::from_secs(10));
        // The agent breaks: the next run finds the instance dead.
        a.break_agent(1, "vip");
        let c = a.complete(&mut rng, 1, OpId(2), next_run, next_at).unwrap();
        assert_eq!(c.outcome.rc, RC_NOT_RUNNING);
        assert_eq!(c.change, Some((false, Cause::Died)));
        // A stale run or a cancelled op reports nothing.
        assert!(a
            .complete(&mut rng, 1, OpId(2), next_run, next_at)
            .is_none());
        a.cancel(1, OpId(2));
        let (n, r) = c.next.unwrap();
        assert!(a.complete(&mut rng, 1, OpId(2), r, n).is_none());
    }

    #[test]
    fn a_crash_kills_instances_a_hang_times_out() {
        let mut rng = SimRng::new(2);
        let mut a = Agents::new(AgentProfile {
            hang_ppm: 1_000_000,
            ..AgentProfile::healthy()
        });
        let mut r = req(1, "db", "start", 0);
        r.timeout_ms = 300;
        let (at, run) = a.exec(&mut rng, 2, r, Instant::ZERO);
        assert!(at <= Instant::from_millis(300), "capped at the timeout");
        let c = a.complete(&mut rng, 2, OpId(1), run, at).unwrap();
        assert_eq!(
            (c.outcome.rc, c.outcome.op_status),
            (RC_ERROR, OP_TIMED_OUT)
        );
        assert!(a.runs(2, "db"), "a hung start counts as half up");
        // Stops never hang.
        let (at, run) = a.exec(&mut rng, 2, req(2, "db", "stop", 0), at);
        let c = a.complete(&mut rng, 2, OpId(2), run, at).unwrap();
        assert_eq!(c.outcome.op_status, OP_DONE);
        let (at, run) = a.exec(&mut rng, 2, req(3, "db", "start", 0), at);
        a.calm();
        a.complete(&mut rng, 2, OpId(3), run, at).unwrap();
        assert_eq!(a.node_down(2), ["db"]);
        assert!(a.running().is_empty());
    }
}
