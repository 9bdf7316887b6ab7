//! What runs where, replayed from each node's operation history (`lrm`).
//!
//! Records are replayed in call-id order. A success moves the resource's role
//! (start → Started, stop → Stopped, promote → Promoted, a probe reports what
//! it found); a failure leaves the resource active and remembers the on-fail
//! response, until a later success that clears it.

use std::collections::BTreeSet;

use crate::cib::{LrmResource, LrmRscOp, OnFail, Primitive};

use super::graph::RunRole;

/// How the scheduler answers an unresolved failure, ordered from mildest to
/// most severe (the most severe failure in the history wins).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FailResponse {
    /// No failure, or one configured to be ignored.
    Ignore,
    Demote,
    /// Stop and start again (locally or elsewhere).
    Restart,
    /// Leave it alone: unmanaged until cleaned up.
    Block,
    /// Stop and keep stopped.
    Stop,
    /// Move everything off the node.
    Standby,
    /// Fence the node.
    Fence,
}

/// One resource's replayed history on one node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RscHistory {
    /// The id as recorded (`child:N` for some clone instances).
    pub lrm_id: String,
    pub node: String,
    pub role: RunRole,
    /// The response owed to a failure no later success cleared.
    pub on_fail: FailResponse,
    /// The failed operation, for reasons ("web_monitor_10000 returned 7").
    pub failure: Option<String>,
    /// A hard error (not installed, invalid parameters): never again on this node.
    pub banned_here: bool,
    /// A fatal error (not configured): nowhere in the cluster.
    pub banned_everywhere: bool,
    /// Recurring operations recorded on this node: (task, interval_ms).
    pub recurring: BTreeSet<(String, u64)>,
    /// A stop failed here: the resource cannot be considered stopped.
    pub stop_failed: bool,
    /// Some operation completed here, or one that makes it active is in
    /// flight: the state is known and no probe is needed.
    pub known: bool,
    /// The newest record is an in-flight start with no call id yet. Such a
    /// record sorts after every completed one, so the results crm_simulate
    /// records for this transition stay behind it and the resource still
    /// shows active here afterwards.
    pub pending_start_last: bool,
    /// Recorded for another agent (class, provider or type) than the one
    /// configured now: the record is deleted, and a copy running here is
    /// stopped (and started again with the new agent if it stays).
    pub agent_changed: bool,
}

const OCF_OK: i32 = 0;
const OCF_ERR_ARGS: i32 = 2;
const OCF_ERR_PERM: i32 = 4;
const OCF_ERR_INSTALLED: i32 = 5;
const OCF_ERR_CONFIGURED: i32 = 6;
const OCF_NOT_RUNNING: i32 = 7;
const OCF_RUNNING_PROMOTED: i32 = 8;
const OCF_FAILED_PROMOTED: i32 = 9;
const OCF_DEGRADED: i32 = 190;
const OCF_DEGRADED_PROMOTED: i32 = 191;

/// op-status values of the executor.
const EXEC_PENDING: i32 = -1;
const EXEC_DONE: i32 = 0;
const EXEC_CANCELLED: i32 = 1;
const EXEC_ERROR: i32 = 4;
const EXEC_NOT_INSTALLED: i32 = 7;

/// The rc the controller expected, from the transition key
/// (`action:graph:expected_rc:uuid`), or the natural one for the task.
fn expected_rc(op: &LrmRscOp) -> i32 {
    op.transition_key
        .as_deref()
        .and_then(|k| k.split(':').nth(2))
        .and_then(|rc| rc.parse().ok())
        .unwrap_or(if is_probe(op) {
            OCF_NOT_RUNNING
        } else {
            OCF_OK
        })
}

pub fn is_probe(op: &LrmRscOp) -> bool {
    op.operation == "monitor" && op.interval_ms == 0
}

/// The on-fail response configured for an operation, with Pacemaker's
/// defaults: a failed stop fences (or blocks without fencing), anything else
/// restarts.
fn configured_on_fail(prim: Option<&Primitive>, op: &LrmRscOp, fencing: bool) -> FailResponse {
    let task = if is_probe(op) {
        "monitor"
    } else {
        op.operation.as_str()
    };
    let configured = prim.and_then(|p| {
        p.ops
            .iter()
            .find(|o| o.name == task && o.interval_ms().ok() == Some(op.interval_ms))
            .and_then(|o| o.on_fail())
            .and_then(Result::ok)
    });
    match configured {
        Some(OnFail::Ignore) => FailResponse::Ignore,
        Some(OnFail::Block) => FailResponse::Block,
        Some(OnFail::Stop) => FailResponse::Stop,
        Some(OnFail::Fence) if fencing => FailResponse::Fence,
        Some(OnFail::Fence) => FailResponse::Block,
        Some(OnFail::Standby) => FailResponse::Standby,
        Some(OnFail::Demote) => FailResponse::Demote,
        Some(OnFail::Restart | OnFail::RestartContainer) => FailResponse::Restart,
        None if op.operation == "stop" && fencing => FailResponse::Fence,
        None if op.operation == "stop" => FailResponse::Block,
        None => FailResponse::Restart,
    }
}

/// Replays one `lrm_resource` of `node`. `prim` is the configured primitive
/// (its ops carry on-fail), `fencing` is stonith-enabled.
pub fn replay(
    node: &str,
    lrm: &LrmResource,
    prim: Option<&Primitive>,
    fencing: bool,
) -> RscHistory {
    let mut h = RscHistory {
        lrm_id: lrm.id.clone(),
        node: node.to_string(),
        role: RunRole::Stopped,
        on_fail: FailResponse::Ignore,
        failure: None,
        banned_here: false,
        banned_everywhere: false,
        recurring: BTreeSet::new(),
        stop_failed: false,
        known: false,
        pending_start_last: false,
        agent_changed: prim.is_some_and(|p| {
            // A primitive built from a template has no agent of its own here.
            p.template.is_none()
                && (p.agent.class != lrm.class
                    || p.agent.provider != lrm.provider
                    || p.agent.kind != lrm.kind)
        }),
    };
    let mut ops: Vec<&LrmRscOp> = lrm.ops.iter().collect();
    // An op without a call id yet (-1) is the newest.
    ops.sort_by_key(|o| if o.call_id < 0 { i64::MAX } else { o.call_id });
    let last_failure_key = lrm
        .ops
        .iter()
        .find(|o| o.id.ends_with("_last_failure_0"))
        .and_then(|o| o.operation_key.clone());
    for op in ops {
        h.pending_start_last = false;
        if op.op_status == EXEC_PENDING || op.call_id < 0 {
            pending(&mut h, op);
            continue;
        }
        if op.op_status == EXEC_CANCELLED {
            continue;
        }
        h.known = true;
        if op.operation == "cancel" {
            continue;
        }
        if op.interval_ms > 0 {
            h.recurring.insert((op.operation.clone(), op.interval_ms));
        } else if matches!(op.operation.as_str(), "start" | "migrate_from")
            || (op.operation == "stop" && op.op_status == EXEC_DONE)
        {
            // A recurring op recorded before the latest start (or a clean
            // stop) no longer runs: it is scheduled again, never cancelled.
            h.recurring.clear();
        }
        apply(&mut h, op, prim, fencing, last_failure_key.as_deref());
    }
    h
}

/// An operation still in flight: a start (or promote, migration) makes the
/// resource active there already; a probe in flight leaves the state unknown.
fn pending(h: &mut RscHistory, op: &LrmRscOp) {
    match op.operation.as_str() {
        "start" | "migrate_from" | "migrate_to" => {
            h.role = h.role.max(RunRole::Started);
            h.known = true;
            h.pending_start_last = op.call_id < 0 && op.operation == "start";
        }
        "promote" => {
            h.role = RunRole::Promoted;
            h.known = true;
        }
        _ => {}
    }
}

fn apply(
    h: &mut RscHistory,
    op: &LrmRscOp,
    prim: Option<&Primitive>,
    fencing: bool,
    last_failure_key: Option<&str>,
) {
    let probe = is_probe(op);
    let mut rc = match op.rc_code {
        OCF_DEGRADED => OCF_OK,
        OCF_DEGRADED_PROMOTED => OCF_RUNNING_PROMOTED,
        rc => rc,
    };
    let expected = expected_rc(op);
    if op.op_status == EXEC_NOT_INSTALLED {
        rc = OCF_ERR_INSTALLED;
    }
    // An "error" status still carries a meaningful rc: the rc decides.
    let done = matches!(op.op_status, EXEC_DONE | EXEC_ERROR | EXEC_NOT_INSTALLED);
    let success = done
        && (rc == expected
            || (probe && matches!(rc, OCF_OK | OCF_RUNNING_PROMOTED | OCF_NOT_RUNNING))
            || (rc == OCF_NOT_RUNNING && op.operation == "stop"));
    if probe && rc == OCF_ERR_INSTALLED {
        // A probe that finds the agent missing is not a failure: the resource
        // is simply not there, and can never run there.
        h.role = RunRole::Stopped;
        h.banned_here = true;
        return;
    }
    if success {
        succeeded(h, op, rc, last_failure_key);
    } else {
        failed(h, op, rc, prim, fencing);
    }
}

fn succeeded(h: &mut RscHistory, op: &LrmRscOp, rc: i32, last_failure_key: Option<&str>) {
    let mut clears = false;
    if rc == OCF_NOT_RUNNING {
        h.role = RunRole::Stopped;
        clears = true;
    } else {
        match op.operation.as_str() {
            "monitor" => {
                if rc == OCF_RUNNING_PROMOTED {
                    h.role = RunRole::Promoted;
                } else if h.role < RunRole::Started {
                    h.role = RunRole::Started;
                }
                clears =
                    last_failure_key.is_some() && op.operation_key.as_deref() == last_failure_key;
            }
            "start" | "migrate_from" => {
                h.role = RunRole::Started;
                clears = true;
            }
            "stop" => {
                h.role = RunRole::Stopped;
                clears = true;
            }
            "promote" => {
                h.role = RunRole::Promoted;
                clears = true;
            }
            "demote" => {
                h.role = RunRole::Unpromoted;
                clears = h.on_fail == FailResponse::Demote;
            }
            _ => {
                if h.role < RunRole::Started {
                    h.role = RunRole::Started;
                }
            }
        }
    }
    if clears && h.on_fail <= FailResponse::Block {
        h.on_fail = FailResponse::Ignore;
        h.failure = None;
    }
}

fn failed(h: &mut RscHistory, op: &LrmRscOp, rc: i32, prim: Option<&Primitive>, fencing: bool) {
    match rc {
        OCF_ERR_ARGS | OCF_ERR_PERM | OCF_ERR_INSTALLED => h.banned_here = true,
        OCF_ERR_CONFIGURED => h.banned_everywhere = true,
        _ => {}
    }
    match op.operation.as_str() {
        "stop" => {
            h.stop_failed = true;
            h.banned_here = true;
        }
        "promote" => h.role = RunRole::Promoted,
        "demote" => {
            h.role = if rc == OCF_NOT_RUNNING {
                RunRole::Stopped
            } else {
                RunRole::Unpromoted
            }
        }
        _ => {}
    }
    if rc == OCF_FAILED_PROMOTED || rc == OCF_RUNNING_PROMOTED {
        h.role = RunRole::Promoted;
    }
    if h.role < RunRole::Started && !(op.operation == "demote" && rc == OCF_NOT_RUNNING) {
        h.role = RunRole::Started;
    }
    let response = configured_on_fail(prim, op, fencing);
    let key = op
        .operation_key
        .clone()
        .unwrap_or_else(|| format!("{}_{}_{}", h.lrm_id, op.operation, op.interval_ms));
    h.failure = Some(format!(
        "{key} on {} returned rc={rc} (op-status {})",
        h.node, op.op_status
    ));
    if response > h.on_fail || h.on_fail == FailResponse::Ignore {
        h.on_fail = response;
    }
}
