//! Promotable clones: which placed instances are promoted.
//!
//! An instance's promotion score on its node is the node attribute
//! `master-<resource>` (set by the agent through crm_master/crm_attribute
//! --promotion) plus location constraints and rules with role=Promoted.
//! Instances without any promotion preference stay Unpromoted; otherwise the
//! best `promoted-max` with a non-negative score are promoted.

use crate::cib::{lookup, Constraint, LocationPlacement, LocationTarget, Role, Score};

use super::cluster::{Cluster, NodeIdx};
use super::graph::RunRole;
use super::placement::Assignment;
use super::resources::{RscIdx, RscKind};
use super::rules::rule_matches;

/// The next role of every primitive that will be placed (Started for plain
/// resources, Promoted or Unpromoted for promotable clone instances).
pub fn next_roles(cluster: &Cluster<'_>, assignment: &Assignment) -> Vec<Option<RunRole>> {
    let mut roles: Vec<Option<RunRole>> = (0..cluster.table.rscs.len())
        .map(|i| assignment.node[i].flatten().map(|_| RunRole::Started))
        .collect();
    for (c, rsc) in cluster.table.rscs.iter().enumerate() {
        let RscKind::Clone {
            promotable: true, ..
        } = rsc.kind
        else {
            continue;
        };
        let mut candidates: Vec<(Score, bool, String, RscIdx)> = Vec::new();
        for &inst in &rsc.children {
            let prims = cluster.table.primitives(inst);
            for &p in &prims {
                if roles[p].is_some() {
                    roles[p] = Some(RunRole::Unpromoted);
                }
            }
            let Some(&first) = prims.first() else {
                continue;
            };
            let Some(node) = assignment.node[first].flatten() else {
                continue;
            };
            let promoted_now = cluster
                .history_on(first, node)
                .is_some_and(|h| h.role == RunRole::Promoted);
            // An instance promoted now stays a candidate even without a
            // promotion score (it keeps its role up to promoted-max).
            let score =
                promotion_score(cluster, c, first, node).or(promoted_now.then_some(Score::ZERO));
            if let Some(score) = score {
                candidates.push((score, promoted_now, cluster.nodes[node].name.clone(), inst));
            }
        }
        if rsc.meta.target_role == Some(Role::Unpromoted) {
            continue;
        }
        candidates.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)).then(a.3.cmp(&b.3)));
        let max = promoted_max(cluster, c);
        for (score, _, _, inst) in candidates.into_iter().take(max) {
            if score < Score::ZERO {
                continue;
            }
            for p in cluster.table.primitives(inst) {
                if roles[p].is_some() {
                    roles[p] = Some(RunRole::Promoted);
                }
            }
        }
    }
    roles
}

fn promoted_max(cluster: &Cluster<'_>, clone: RscIdx) -> usize {
    let meta = cluster.table.rscs[clone].config.meta();
    lookup(meta, "promoted-max")
        .or_else(|| lookup(meta, "master-max"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(1)
}

/// The promotion score of instance primitive `prim` of `clone` on `node`, or
/// `None` when nothing expresses a preference.
fn promotion_score(
    cluster: &Cluster<'_>,
    clone: RscIdx,
    prim: RscIdx,
    node: NodeIdx,
) -> Option<Score> {
    let rsc = &cluster.table.rscs[prim];
    let info = &cluster.nodes[node];
    let mut total: Option<Score> = None;
    let mut add = |s: Score| total = Some(total.unwrap_or(Score::ZERO) + s);
    for name in [
        format!("master-{}", rsc.base_id),
        format!("master-{}", rsc.id),
    ] {
        if let Some(v) = info.attr(&name).and_then(|v| Score::parse(v).ok()) {
            add(v);
            break;
        }
    }
    let clone_id = &cluster.table.rscs[clone].id;
    for c in &cluster.cib.configuration.constraints {
        let Constraint::Location(loc) = c else {
            continue;
        };
        let LocationTarget::Resource(target) = &loc.target else {
            continue;
        };
        if target != clone_id {
            continue;
        }
        let loc_promoted = loc.role.map(Role::normalized) == Some(Role::Promoted);
        match &loc.placement {
            LocationPlacement::Node { node: n, score } if loc_promoted && *n == info.name => {
                if let Ok(s) = Score::parse(score) {
                    add(s);
                }
            }
            LocationPlacement::Rules(rules) => {
                for rule in rules {
                    let promoted =
                        loc_promoted || rule.role.map(Role::normalized) == Some(Role::Promoted);
                    if promoted && rule_matches(rule, info) {
                        if let Some(s) = rule.score.as_deref().and_then(|s| Score::parse(s).ok()) {
                            add(s);
                        }
                    }
                }
            }
            _ => {}
        }
    }
    total
}
