//! One recorded operation result, as the executor keeps it and as it
//! travels between replicas; it becomes an `lrm_rsc_op` in the status
//! section (SPEC §4.2).

use serde::{Deserialize, Serialize};

use crate::cib::{LrmRscOp, Primitive};

/// `op-status` of a finished operation (Pacemaker's `PCMK_EXEC_*`).
pub const EXEC_PENDING: i32 = -1;
pub const EXEC_DONE: i32 = 0;
pub const EXEC_CANCELLED: i32 = 1;
pub const EXEC_TIMEOUT: i32 = 2;
pub const EXEC_ERROR: i32 = 4;
pub const EXEC_NOT_INSTALLED: i32 = 7;

/// `class:provider:type` of a resource agent.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct AgentSpec {
    pub class: String,
    pub provider: Option<String>,
    pub kind: String,
}

impl AgentSpec {
    pub fn of(p: &Primitive) -> AgentSpec {
        AgentSpec {
            class: p.agent.class.clone(),
            provider: p.agent.provider.clone(),
            kind: p.agent.kind.clone(),
        }
    }
}

/// One `lrm_rsc_op` of one resource on the executing node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpRecord {
    pub rsc: String,
    pub agent: AgentSpec,
    /// `<rsc>_last_0`, `<rsc>_<op>_<interval_ms>` or `<rsc>_last_failure_0`.
    pub id: String,
    /// `<rsc>_<op>_<interval_ms>`.
    pub operation_key: String,
    pub operation: String,
    /// The executor's call counter; -1 while the op is in flight.
    pub call_id: i64,
    pub rc: i32,
    pub op_status: i32,
    pub interval_ms: u64,
    /// Epoch seconds, from the runtime's [`crate::executor::OpOutcome`].
    pub last_rc_change_s: i64,
    pub exec_time_ms: u64,
    /// `action:transition:expected_rc:cohort`.
    pub transition_key: String,
    pub exit_reason: String,
    /// `op-digest`: the parameters the op ran with.
    pub op_digest: Option<String>,
}

impl OpRecord {
    /// The record as the status section holds it.
    pub fn to_lrm_rsc_op(&self) -> LrmRscOp {
        LrmRscOp {
            id: self.id.clone(),
            operation_key: Some(self.operation_key.clone()),
            operation: self.operation.clone(),
            call_id: self.call_id,
            rc_code: self.rc,
            op_status: self.op_status,
            interval_ms: self.interval_ms,
            last_rc_change: Some(self.last_rc_change_s),
            last_run: None,
            exec_time_ms: Some(self.exec_time_ms),
            queue_time_ms: Some(0),
            op_digest: self.op_digest.clone(),
            transition_key: Some(self.transition_key.clone()),
            transition_magic: Some(format!(
                "{}:{};{}",
                self.op_status, self.rc, self.transition_key
            )),
            exit_reason: Some(self.exit_reason.clone()),
            on_node: None,
            extra_attrs: Vec::new(),
        }
    }
}
