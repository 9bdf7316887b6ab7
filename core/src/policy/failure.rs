//! Fail-counts and migration-threshold: a resource that failed too often on a
//! node is banned from it.

use crate::cib::Score;

use super::cluster::{Cluster, NodeIdx};
use super::resources::RscIdx;

/// The summed fail-count of primitive `idx` on `node`: every
/// `fail-count-<id>` and `fail-count-<id>#<op>_<interval>` attribute, with
/// the instance number dropped for anonymous clone instances.
pub fn fail_count(cluster: &Cluster<'_>, idx: RscIdx, node: NodeIdx) -> Score {
    let rsc = &cluster.table.rscs[idx];
    let unique_instance = rsc.id != rsc.base_id
        && cluster.table.clone_of(idx).is_some_and(|c| {
            matches!(
                cluster.table.rscs[c].kind,
                super::resources::RscKind::Clone { unique: true, .. }
            )
        });
    let id = if unique_instance {
        rsc.id.as_str()
    } else {
        rsc.base_id.as_str()
    };
    let plain = format!("fail-count-{id}");
    let per_op = format!("fail-count-{id}#");
    cluster.nodes[node]
        .attrs
        .iter()
        .filter(|(k, _)| **k == plain || k.starts_with(&per_op))
        .filter_map(|(_, v)| Score::parse(v).ok())
        .fold(Score::ZERO, |a, b| a + b)
}

/// True when `idx` has reached its migration-threshold on `node`.
pub fn threshold_reached(cluster: &Cluster<'_>, idx: RscIdx, node: NodeIdx) -> bool {
    let threshold = cluster.table.rscs[idx].meta.migration_threshold;
    if threshold <= 0 {
        return false;
    }
    let count = fail_count(cluster, idx, node);
    count.value() > 0 && count.value() >= threshold
}
