//! Which nodes are fenced: unclean nodes (lost, or made unclean by a failure
//! configured to fence), and every node of a partition without quorum whose
//! policy is suicide. Fencing needs stonith-enabled and either quorum, a
//! policy that ignores its loss, or a target inside our membership.

use super::cluster::{Cluster, NoQuorumPolicy, NodeIdx};
use super::graph::Reason;

/// True when the cluster may fence `node` now.
pub fn can_fence(cluster: &Cluster<'_>, node: NodeIdx) -> bool {
    let o = &cluster.options;
    o.fencing_enabled && (o.quorate_enough() || cluster.nodes[node].online)
}

/// The nodes to fence, with why.
pub fn nodes_to_fence(cluster: &Cluster<'_>) -> Vec<(NodeIdx, Reason)> {
    let o = &cluster.options;
    let suicide =
        o.fencing_enabled && !o.have_quorum && o.no_quorum_policy == NoQuorumPolicy::Suicide;
    let mut out = Vec::new();
    for (n, node) in cluster.nodes.iter().enumerate() {
        if node.unclean && can_fence(cluster, n) {
            let why = node
                .unclean_reason
                .clone()
                .unwrap_or_else(|| "node is unclean".into());
            out.push((n, Reason::NodeEvent(why)));
        } else if suicide && node.online {
            out.push((
                n,
                Reason::NodeEvent("no quorum and no-quorum-policy=suicide".into()),
            ));
        }
    }
    out
}
