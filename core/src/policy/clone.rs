//! Clones: which instance a recorded history belongs to, and how instances
//! are spread over nodes.

use super::cluster::{Cluster, NodeIdx};
use super::resources::{RscIdx, RscKind};

/// The instance of an anonymous clone that a history record of `lrm_id`
/// (`child` or `child:N`) on `node` describes, as Pacemaker maps it: the
/// instance already active on this node (for a cloned group, the one with a
/// member active here; none when this very member is active here already),
/// else the first instance active nowhere, preferring one without a record
/// on this node.
pub fn instance_for_history(cluster: &Cluster<'_>, lrm_id: &str, node: NodeIdx) -> Option<RscIdx> {
    let candidates = anonymous_instances(cluster, lrm_id);
    let active = |m: RscIdx, on: Option<NodeIdx>| {
        cluster.history[m]
            .iter()
            .any(|(n, h)| h.role.is_active() && on.is_none_or(|on| *n == on))
    };
    let unit_active = |i: RscIdx, on: Option<NodeIdx>| {
        instance_members(cluster, i)
            .into_iter()
            .any(|m| active(m, on))
    };
    if let Some(&i) = candidates.iter().find(|&&i| unit_active(i, Some(node))) {
        return (!active(i, Some(node))).then_some(i);
    }
    let no_record_here = |i: &RscIdx| cluster.history[*i].iter().all(|(n, _)| *n != node);
    let idle: Vec<RscIdx> = candidates
        .iter()
        .copied()
        .filter(|&i| !unit_active(i, None))
        .collect();
    idle.iter()
        .copied()
        .find(no_record_here)
        .or_else(|| idle.first().copied())
        .or_else(|| candidates.iter().copied().find(no_record_here))
}

/// The primitives of the clone instance `idx` belongs to: its cloned group's
/// members, or itself.
fn instance_members(cluster: &Cluster<'_>, idx: RscIdx) -> Vec<RscIdx> {
    let table = &cluster.table;
    match table.rscs[idx].parent {
        Some(p) if table.rscs[p].kind == RscKind::Group => table.rscs[p].children.clone(),
        _ => vec![idx],
    }
}

/// Whether an instance of the anonymous clone that `lrm_id` names already
/// has a record on `node`.
pub fn instance_known_here(cluster: &Cluster<'_>, lrm_id: &str, node: NodeIdx) -> bool {
    anonymous_instances(cluster, lrm_id)
        .into_iter()
        .any(|i| cluster.history[i].iter().any(|(n, _)| *n == node))
}

/// The instances of an anonymous clone whose primitive `lrm_id` (`child` or
/// `child:N`) names.
fn anonymous_instances(cluster: &Cluster<'_>, lrm_id: &str) -> Vec<RscIdx> {
    let base = lrm_id.split(':').next().unwrap_or(lrm_id);
    let table = &cluster.table;
    table
        .rscs
        .iter()
        .enumerate()
        .filter(|(i, r)| {
            r.kind == RscKind::Primitive
                && r.base_id == base
                && table.clone_of(*i).is_some_and(|c| {
                    matches!(table.rscs[c].kind, RscKind::Clone { unique: false, .. })
                })
        })
        .map(|(i, _)| i)
        .collect()
}

/// clone-node-max: instances of `clone` allowed on one node (default 1).
pub fn node_max(cluster: &Cluster<'_>, clone: RscIdx) -> usize {
    cluster.table.rscs[clone]
        .config
        .meta_value("clone-node-max")
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(1)
}
