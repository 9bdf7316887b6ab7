//! Clones: which instance a recorded history belongs to, and how instances
//! are spread over nodes.

use super::cluster::{Cluster, NodeIdx};
use super::resources::{RscIdx, RscKind};

/// The instance of an anonymous clone that a history record of `lrm_id`
/// (`child` or `child:N`) on `node` describes: an instance that is not yet
/// active anywhere and has no history on this node, first by number.
pub fn instance_for_history(cluster: &Cluster<'_>, lrm_id: &str, node: NodeIdx) -> Option<RscIdx> {
    let base = lrm_id.split(':').next().unwrap_or(lrm_id);
    let table = &cluster.table;
    let candidates: Vec<RscIdx> = table
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
        .collect();
    let free = |i: &RscIdx| {
        cluster.history[*i]
            .iter()
            .all(|(n, h)| *n != node && !h.role.is_active())
            && sibling_free_here(cluster, *i, node)
    };
    candidates.iter().copied().find(free).or_else(|| {
        candidates
            .iter()
            .copied()
            .find(|i| cluster.history[*i].iter().all(|(n, _)| *n != node))
    })
}

/// For a cloned group, an instance is taken on a node once any member of it
/// has history there; this keeps one group instance per node.
fn sibling_free_here(cluster: &Cluster<'_>, idx: RscIdx, node: NodeIdx) -> bool {
    let table = &cluster.table;
    let Some(parent) = table.rscs[idx].parent else {
        return true;
    };
    if table.rscs[parent].kind != RscKind::Group {
        return true;
    }
    table.rscs[parent].children.iter().all(|&m| {
        m == idx
            || cluster.history[m]
                .iter()
                .all(|(n, h)| *n != node || !h.role.is_active())
    })
}

/// clone-node-max: instances of `clone` allowed on one node (default 1).
pub fn node_max(cluster: &Cluster<'_>, clone: RscIdx) -> usize {
    cluster.table.rscs[clone]
        .config
        .meta_value("clone-node-max")
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(1)
}
