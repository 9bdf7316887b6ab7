//! The cluster status as `crm_mon` shows it: the node list and the resource
//! tree with where each instance runs, in the words an administrator of
//! Pacemaker already reads. `crm_simulate` prints the same blocks before and
//! after a transition, so one renderer serves `cohort status` and
//! `cohort simulate`.
//!
//! The text is a pure function of a [`Snapshot`]: the CIB's configuration
//! (the resource tree, agents, meta-attributes) plus node modes and, per
//! primitive instance, where it is active. [`Snapshot::current`] reads them
//! from the status section; [`Snapshot::after`] from a transition.

pub mod changes;
pub mod failures;
mod nodes;
pub mod oneshot;
mod resources;
pub mod summary;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use crate::cib::Cib;
use crate::policy::cluster::Cluster;
use crate::policy::history::FailResponse;
use crate::policy::nodes::NodeInfo;
use crate::policy::{ActionKind, NodeMode, RunRole, Transition};

/// What to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Options {
    /// Show inactive resources too ("Full List of Resources", `crm_mon -r`).
    pub inactive: bool,
}

/// One node as the status shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeView {
    pub name: String,
    pub mode: NodeMode,
    /// Member of the cluster (an unclean node may still be).
    pub online: bool,
    pub pending: bool,
    pub standby: bool,
    pub maintenance: bool,
    /// The status section has an entry for it.
    pub seen: bool,
}

/// Where one primitive instance is active, in which role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Active {
    pub node: String,
    pub role: RunRole,
    pub failed: bool,
    pub blocked: bool,
    /// The operation in flight there (record-pending), if any.
    pub pending: Option<String>,
    /// A failure configured to be ignored (on-fail=ignore) happened.
    pub failure_ignored: bool,
}

/// Everything the text is made of.
#[derive(Debug, Clone)]
pub struct Snapshot<'a> {
    pub cib: &'a Cib,
    pub nodes: Vec<NodeView>,
    /// Primitive instance id (as the resource table names it) → where it
    /// is active.
    pub active: BTreeMap<String, Vec<Active>>,
}

impl<'a> Snapshot<'a> {
    /// The status section as it is.
    pub fn current(cib: &'a Cib) -> Snapshot<'a> {
        let cluster = Cluster::new(cib);
        let mut active: BTreeMap<String, Vec<Active>> = BTreeMap::new();
        for (idx, rsc) in cluster.table.rscs.iter().enumerate() {
            for (n, h) in &cluster.history[idx] {
                if h.role.is_active() {
                    active.entry(rsc.id.clone()).or_default().push(Active {
                        node: cluster.nodes[*n].name.clone(),
                        role: h.role,
                        failed: h.on_fail >= FailResponse::Restart
                            || h.on_fail == FailResponse::Block,
                        blocked: h.on_fail == FailResponse::Block,
                        pending: pending_op(cib, &cluster.nodes[*n].name, &h.lrm_id),
                        failure_ignored: h.failure.is_some() && h.on_fail == FailResponse::Ignore,
                    });
                }
            }
        }
        Snapshot {
            cib,
            nodes: node_views(cib, &cluster.nodes, false),
            active,
        }
    }

    /// The cluster once `t` (scheduled for `cib`) has been carried out.
    pub fn after(cib: &'a Cib, t: &Transition) -> Snapshot<'a> {
        let cluster = Cluster::new(cib);
        let mut active: BTreeMap<String, Vec<Active>> = BTreeMap::new();
        for p in &t.placement {
            if let (Some(node), true) = (&p.node, p.role.is_active()) {
                active.entry(p.rsc.clone()).or_default().push(Active {
                    node: node.clone(),
                    role: p.role,
                    failed: p.flags.failed,
                    blocked: p.flags.blocked,
                    pending: None,
                    failure_ignored: false,
                });
            }
        }
        // crm_simulate shows a fenced node as cleanly offline afterwards;
        // every other node as it was (the transition does not carry out a
        // shutdown or a join).
        let mut nodes = node_views(cib, &cluster.nodes, false);
        for n in &mut nodes {
            let fenced = t
                .actions
                .iter()
                .any(|a| a.node == n.name && matches!(a.kind, ActionKind::Fence { .. }));
            if fenced {
                n.mode = NodeMode::Offline;
                n.online = false;
            }
        }
        Snapshot { cib, nodes, active }
    }

    /// The node list and the resources, sections at `indent` levels (0 for
    /// crm_mon, 1 for crm_simulate's blocks).
    pub fn render(&self, opts: Options, indent: usize) -> String {
        let mut out = nodes::render(self, indent);
        out.push('\n');
        out.push_str(&resources::render(self, opts, indent));
        out
    }
}

/// The task of the newest operation still in flight for `lrm_id` on `node`.
fn pending_op(cib: &Cib, node: &str, lrm_id: &str) -> Option<String> {
    const PENDING: i32 = -1;
    let state = cib.status.node_states.iter().find(|s| s.uname == node)?;
    let rsc = state
        .lrm
        .as_ref()?
        .resources
        .iter()
        .find(|r| r.id == lrm_id)?;
    rsc.ops
        .iter()
        .filter(|o| o.op_status == PENDING)
        .max_by_key(|o| o.call_id)
        .map(|o| o.operation.clone())
}

fn node_views(cib: &Cib, nodes: &[NodeInfo], after: bool) -> Vec<NodeView> {
    nodes
        .iter()
        .map(|n| NodeView {
            name: n.name.clone(),
            mode: n.mode(after),
            online: n.online,
            pending: n.pending,
            standby: n.standby,
            maintenance: n.maintenance,
            seen: cib.status.node_states.iter().any(|s| s.uname == n.name),
        })
        .collect()
}

/// `  ` per level, then `* `.
fn bullet(level: usize) -> String {
    format!("{}* ", "  ".repeat(level))
}
