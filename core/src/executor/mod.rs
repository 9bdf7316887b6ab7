//! The local executor: runs the operations the DC addresses to this node
//! (as [`OpRequest`]s the runtime or simulator carries out) and keeps this
//! node's operation history, which is its part of the status section.
//!
//! # Call order
//! - [`Executor::run`] when an action for this node is delivered: returns
//!   the request to emit as `Output::Exec`.
//! - [`Executor::complete`] when the op's result comes back: returns the
//!   record to broadcast, so that every replica's status agrees. A
//!   recurring op (interval > 0) keeps running until cancelled: the runtime
//!   reports each run as another result for the same [`OpId`], and only
//!   the first result and changes of (rc, op-status) are returned, as
//!   Pacemaker's executor reports them.
//! - [`Executor::cancel`] / [`Executor::cancel_recurring`] stop recurring
//!   ops: the ids to emit as `Output::Cancel`.
//! - [`Executor::history`] for the hello after a view change; ops still in
//!   flight appear as pending records (call-id -1), as Pacemaker's
//!   record-pending does, so a new DC counts a start in flight as active.
//!
//! Nothing here reads a clock: `last-rc-change` comes in with the result.

pub mod record;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use record::{AgentSpec, OpRecord};
use record::{EXEC_DONE, EXEC_PENDING};

/// Most operations in flight on one node (the DC sends at most one per
/// resource and transition, and a probe of every resource at once when a
/// node joins: room for clusters of thousands of resources; this bounds a
/// misbehaving peer).
pub const MAX_RUNNING_OPS: usize = 16 * 1024;
/// Most records kept per node (a few per resource).
pub const MAX_RECORDS: usize = 16 * 1024;

/// The executor's handle for one op in flight.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
pub struct OpId(pub u64);

/// What the DC asks a node to run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpSpec {
    pub rsc: String,
    pub agent: AgentSpec,
    /// start, stop, monitor, promote, demote.
    pub action: String,
    pub interval_ms: u64,
    pub timeout_ms: u64,
    pub params: Vec<(String, String)>,
    /// The rc that counts as success (7 for a probe).
    pub expected_rc: i32,
    /// `action:transition:expected_rc:cohort`.
    pub transition_key: String,
    /// The parameters' digest (`op-digest`), as the scheduler recomputes
    /// it to notice a changed definition.
    pub digest: Option<String>,
}

/// `Output::Exec`: run this agent action now, within `timeout_ms`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpRequest {
    pub op: OpId,
    pub rsc: String,
    pub agent: AgentSpec,
    pub action: String,
    pub interval_ms: u64,
    pub timeout_ms: u64,
    pub params: Vec<(String, String)>,
}

/// `Input::OpDone`: how an op ended, as the runtime observed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpOutcome {
    /// The agent's exit code (OCF/LSB mapped to OCF).
    pub rc: i32,
    /// op-status: 0 done, 2 timed out, 4 error, 7 not installed.
    pub op_status: i32,
    pub exec_time_ms: u64,
    /// Wall-clock epoch seconds when it finished (`last-rc-change`): the
    /// runtime's clock, never read by core.
    pub finished_epoch_s: i64,
    pub exit_reason: String,
}

impl OpOutcome {
    /// An op killed at its timeout: OCF's generic error (rc 1) with
    /// op-status 2, as Pacemaker's executor reports it.
    pub fn timed_out(exec_time_ms: u64, finished_epoch_s: i64) -> OpOutcome {
        OpOutcome {
            rc: 1,
            op_status: record::EXEC_TIMEOUT,
            exec_time_ms,
            finished_epoch_s,
            exit_reason: "Timed Out".into(),
        }
    }

    /// A plain completion with `rc`, for tests and simple callers.
    pub fn rc(rc: i32, finished_epoch_s: i64) -> OpOutcome {
        OpOutcome {
            rc,
            op_status: EXEC_DONE,
            exec_time_ms: 0,
            finished_epoch_s,
            exit_reason: String::new(),
        }
    }
}

/// An op in flight and who asked for it.
#[derive(Debug, Clone)]
struct Running<T> {
    spec: OpSpec,
    tag: T,
    /// A recurring op's last reported (rc, op-status).
    last: Option<(i32, i32)>,
}

/// One node's executor. `T` tags an op with the DC's action it serves.
#[derive(Debug, Clone)]
pub struct Executor<T> {
    next_op: u64,
    next_call_id: i64,
    running: BTreeMap<OpId, Running<T>>,
    /// (rsc, record id) → record.
    history: BTreeMap<(String, String), OpRecord>,
    /// Recurring ops stopped because their resource is being stopped, not
    /// told to the runtime yet ([`Executor::take_cancels`]).
    cancels: Vec<OpId>,
}

impl<T: Clone> Default for Executor<T> {
    fn default() -> Self {
        Executor {
            next_op: 1,
            next_call_id: 1,
            running: BTreeMap::new(),
            history: BTreeMap::new(),
            cancels: Vec::new(),
        }
    }
}

impl<T: Clone> Executor<T> {
    /// Starts `spec`: the request to emit. A stop first cancels the
    /// resource's recurring ops (see [`Executor::take_cancels`]), so no
    /// monitor reports the stopped resource as failed.
    pub fn run(&mut self, spec: OpSpec, tag: T) -> OpRequest {
        if spec.action == "stop" {
            let ops = self.cancel_recurring(&spec.rsc);
            self.cancels.extend(ops);
        } else if spec.interval_ms > 0 {
            // The same recurring op asked again replaces the running one.
            let same: Vec<OpId> = self
                .running
                .iter()
                .filter(|(_, r)| {
                    r.spec.rsc == spec.rsc
                        && r.spec.action == spec.action
                        && r.spec.interval_ms == spec.interval_ms
                })
                .map(|(op, _)| *op)
                .collect();
            for op in same {
                self.running.remove(&op);
                self.cancels.push(op);
            }
        }
        assert!(
            self.running.len() < MAX_RUNNING_OPS,
            "too many ops in flight"
        );
        let op = OpId(self.next_op);
        self.next_op += 1;
        let request = OpRequest {
            op,
            rsc: spec.rsc.clone(),
            agent: spec.agent.clone(),
            action: spec.action.clone(),
            interval_ms: spec.interval_ms,
            timeout_ms: spec.timeout_ms,
            params: spec.params.clone(),
        };
        self.running.insert(
            op,
            Running {
                spec,
                tag,
                last: None,
            },
        );
        request
    }

    /// Records the result of `op`: the records it wrote (the op's own and,
    /// on failure, `_last_failure_0`) and the tag it ran for. None for an
    /// unknown op (already completed, or from before a restart).
    pub fn complete(&mut self, op: OpId, outcome: &OpOutcome) -> Option<(Vec<OpRecord>, T)> {
        let running = self.running.get_mut(&op)?;
        let (spec, tag) = if running.spec.interval_ms > 0 {
            let now = (outcome.rc, outcome.op_status);
            if running.last == Some(now) {
                return None; // the same answer again: nothing to tell
            }
            running.last = Some(now);
            (running.spec.clone(), running.tag.clone())
        } else {
            let r = self.running.remove(&op).expect("found above");
            (r.spec, r.tag)
        };
        let call_id = self.next_call_id;
        self.next_call_id += 1;
        let record = make_record(&spec, call_id, outcome);
        let mut written = vec![record.clone()];
        if failed(&spec, outcome) {
            let failure = OpRecord {
                id: format!("{}_last_failure_0", spec.rsc),
                ..record.clone()
            };
            written.push(failure);
        }
        if spec.action == "stop" && outcome.rc == 0 {
            // A stopped resource's recurring ops are gone (Pacemaker cancels
            // them with the stop).
            self.history
                .retain(|(rsc, _), r| rsc != &spec.rsc || r.interval_ms == 0);
        }
        for r in &written {
            self.history
                .insert((r.rsc.clone(), r.id.clone()), r.clone());
        }
        assert!(self.history.len() <= MAX_RECORDS, "history bound exceeded");
        Some((written, tag))
    }

    /// The op in flight that serves `tag`, if any.
    pub fn find_tagged(&self, tag: &T) -> Option<OpId>
    where
        T: PartialEq,
    {
        self.running
            .iter()
            .find(|(_, r)| r.tag == *tag)
            .map(|(op, _)| *op)
    }

    /// Forgets `rsc` (cleanup, or a resource deleted from the configuration).
    /// Its recurring ops are cancelled with it: the ids to cancel.
    #[must_use]
    pub fn forget(&mut self, rsc: &str) -> Vec<OpId> {
        self.history.retain(|(r, _), _| r != rsc);
        self.cancel_recurring(rsc)
    }

    /// Stops the recurring op `task`/`interval_ms` of `rsc` and drops its
    /// record: the op to cancel, if it was running.
    #[must_use]
    pub fn cancel(&mut self, rsc: &str, task: &str, interval_ms: u64) -> Option<OpId> {
        self.history
            .remove(&(rsc.to_string(), format!("{rsc}_{task}_{interval_ms}")));
        let op = self.running.iter().find_map(|(op, r)| {
            (r.spec.rsc == rsc && r.spec.action == task && r.spec.interval_ms == interval_ms)
                .then_some(*op)
        })?;
        self.running.remove(&op);
        Some(op)
    }

    /// Stops every recurring op of `rsc` (it was stopped or forgotten).
    #[must_use]
    pub fn cancel_recurring(&mut self, rsc: &str) -> Vec<OpId> {
        let ops: Vec<OpId> = self
            .running
            .iter()
            .filter(|(_, r)| r.spec.rsc == rsc && r.spec.interval_ms > 0)
            .map(|(op, _)| *op)
            .collect();
        for op in &ops {
            self.running.remove(op);
        }
        ops
    }

    /// Ops cancelled by [`Executor::run`] (of a stop, or of a recurring op
    /// that replaces its running twin): emit `Output::Cancel`.
    #[must_use]
    pub fn take_cancels(&mut self) -> Vec<OpId> {
        std::mem::take(&mut self.cancels)
    }

    /// Every record, plus a pending record per op in flight.
    pub fn history(&self) -> Vec<OpRecord> {
        let mut out: Vec<OpRecord> = self.history.values().cloned().collect();
        // A recurring op that reported already has its record.
        for r in self.running.values().filter(|r| r.last.is_none()) {
            let pending = OpOutcome {
                rc: 0,
                op_status: EXEC_PENDING,
                exec_time_ms: 0,
                finished_epoch_s: 0,
                exit_reason: String::new(),
            };
            out.push(make_record(&r.spec, -1, &pending));
        }
        out
    }

    pub fn running(&self) -> usize {
        self.running.len()
    }
}

/// The op failed: it did not complete (timed out, error, not installed) or
/// answered an rc other than the expected one, benign answers aside.
fn failed(spec: &OpSpec, outcome: &OpOutcome) -> bool {
    outcome.op_status != EXEC_DONE || (outcome.rc != spec.expected_rc && !benign(spec, outcome.rc))
}

/// A probe that finds the resource running, or a stop of a stopped one, is
/// information, not a failure.
fn benign(spec: &OpSpec, rc: i32) -> bool {
    let probe = spec.action == "monitor" && spec.interval_ms == 0;
    (probe && matches!(rc, 0 | 7 | 8)) || (spec.action == "stop" && rc == 7)
}

fn make_record(spec: &OpSpec, call_id: i64, outcome: &OpOutcome) -> OpRecord {
    let operation_key = format!("{}_{}_{}", spec.rsc, spec.action, spec.interval_ms);
    let id = if spec.interval_ms > 0 {
        operation_key.clone()
    } else {
        format!("{}_last_0", spec.rsc)
    };
    OpRecord {
        rsc: spec.rsc.clone(),
        agent: spec.agent.clone(),
        id,
        operation_key,
        operation: spec.action.clone(),
        call_id,
        rc: outcome.rc,
        op_status: outcome.op_status,
        interval_ms: spec.interval_ms,
        last_rc_change_s: outcome.finished_epoch_s,
        exec_time_ms: outcome.exec_time_ms,
        transition_key: spec.transition_key.clone(),
        exit_reason: outcome.exit_reason.clone(),
        op_digest: spec.digest.clone(),
    }
}

#[cfg(test)]
mod tests;
