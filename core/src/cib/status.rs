//! The status section as Pacemaker writes it: one `node_state` per node, with
//! the executor's operation history (`lrm`) and attrd's transient attributes.
//!
//! The scheduler reads this to learn what runs where and what failed; the
//! controller rebuilds it from every node's own history after a membership
//! change. Attributes the model does not name are kept in `extra_attrs`.

use super::model::{AttrSet, XmlElement};

/// `<status>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Status {
    pub node_states: Vec<NodeState>,
    pub unknown: Vec<XmlElement>,
}

impl Status {
    pub fn node(&self, uname: &str) -> Option<&NodeState> {
        self.node_states.iter().find(|n| n.uname == uname)
    }
}

/// `<node_state>`: the controller's view of one node.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NodeState {
    pub id: String,
    pub uname: String,
    /// Member of the corosync membership ("true"/"false", or a timestamp in
    /// newer Pacemaker versions).
    pub in_ccm: Option<String>,
    /// Controller process: "online" or "offline" (or a timestamp, newer versions).
    pub crmd: Option<String>,
    /// down, pending, member or banned.
    pub join: Option<String>,
    /// What the DC expects: member or down.
    pub expected: Option<String>,
    pub extra_attrs: Vec<(String, String)>,
    pub lrm: Option<Lrm>,
    pub transient_attributes: Option<TransientAttributes>,
    pub unknown: Vec<XmlElement>,
}

/// `<lrm>`: the executor's history, one `lrm_resource` per resource it touched.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Lrm {
    pub id: String,
    pub resources: Vec<LrmResource>,
    pub extra_attrs: Vec<(String, String)>,
    /// Attributes of the `<lrm_resources>` wrapper (older Pacemaker wrote an
    /// `id` there), in the order read.
    pub lrm_resources_attrs: Vec<(String, String)>,
}

/// `<lrm_resource>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LrmResource {
    pub id: String,
    pub class: String,
    pub provider: Option<String>,
    pub kind: String,
    pub extra_attrs: Vec<(String, String)>,
    pub ops: Vec<LrmRscOp>,
}

/// `<lrm_rsc_op>`: one recorded operation result.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LrmRscOp {
    pub id: String,
    pub operation_key: Option<String>,
    pub operation: String,
    pub call_id: i64,
    pub rc_code: i32,
    pub op_status: i32,
    pub interval_ms: u64,
    /// Epoch seconds of the last change of result.
    pub last_rc_change: Option<i64>,
    pub last_run: Option<i64>,
    pub exec_time_ms: Option<u64>,
    pub queue_time_ms: Option<u64>,
    pub op_digest: Option<String>,
    pub transition_key: Option<String>,
    pub transition_magic: Option<String>,
    pub exit_reason: Option<String>,
    pub on_node: Option<String>,
    /// Other attributes (crm-debug-origin, crm_feature_set, op-force-restart,
    /// op-restart-digest, op-secure-digest, ...), in the order read.
    pub extra_attrs: Vec<(String, String)>,
}

/// `<transient_attributes>`: attrd's node attributes (fail-counts, promotion
/// scores, transient standby), lost when the node leaves.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TransientAttributes {
    pub id: String,
    pub sets: Vec<AttrSet>,
}
