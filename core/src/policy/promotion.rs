//! Promotable clones: which placed instances are promoted.
//!
//! An instance's promotion score on its node is the node attribute
//! `master-<resource>` (set by the agent through crm_master/crm_attribute
//! --promotion) plus location constraints and rules with role=Promoted.
//! Instances without any promotion preference stay Unpromoted; otherwise the
//! best `promoted-max` with a non-negative score are promoted.

use crate::cib::{lookup, Constraint, LocationPlacement, LocationTarget, Role, Score};

use super::cluster::{Cluster, NodeIdx};
use super::colocation::Coloc;
use super::graph::RunRole;
use super::placement::Assignment;
use super::resources::{RscIdx, RscKind};
use super::rules::rule_matches;

/// The next role of every primitive that will be placed (Started for plain
/// resources, Promoted or Unpromoted for promotable clone instances).
pub fn next_roles(
    cluster: &Cluster<'_>,
    colocs: &[Coloc],
    assignment: &Assignment,
) -> Vec<Option<RunRole>> {
    let mut roles: Vec<Option<RunRole>> = (0..cluster.table.rscs.len())
        .map(|i| assignment.node[i].flatten().map(|_| RunRole::Started))
        .collect();
    for (c, rsc) in cluster.table.rscs.iter().enumerate() {
        if !is_promotable(cluster, c) {
            continue;
        }
        let promoted = promoted_instances(cluster, colocs, &assignment.node, c);
        for &inst in &rsc.children {
            let role = if promoted.contains(&inst) {
                RunRole::Promoted
            } else {
                RunRole::Unpromoted
            };
            for p in cluster.table.primitives(inst) {
                if roles[p].is_some() {
                    roles[p] = Some(role);
                }
            }
        }
    }
    roles
}

/// Whether `idx` is a promotable clone.
pub fn is_promotable(cluster: &Cluster<'_>, idx: RscIdx) -> bool {
    matches!(
        cluster.table.rscs[idx].kind,
        RscKind::Clone {
            promotable: true,
            ..
        }
    )
}

/// The nodes where placed instances of promotable clone `clone` will have
/// `role` (Promoted, or Unpromoted for the placed rest), as far as placement
/// (`node_of`) has gone; colocations with a role need this while placing.
pub fn nodes_with_role(
    cluster: &Cluster<'_>,
    colocs: &[Coloc],
    node_of: &[Option<Option<NodeIdx>>],
    clone: RscIdx,
    role: Role,
) -> Vec<NodeIdx> {
    let promoted = promoted_instances(cluster, colocs, node_of, clone);
    let want_promoted = role == Role::Promoted;
    let mut nodes: Vec<NodeIdx> = cluster.table.rscs[clone]
        .children
        .iter()
        .filter(|i| promoted.contains(i) == want_promoted)
        .filter_map(|&i| instance_node(cluster, node_of, i))
        .collect();
    nodes.sort_unstable();
    nodes.dedup();
    nodes
}

fn instance_node(
    cluster: &Cluster<'_>,
    node_of: &[Option<Option<NodeIdx>>],
    inst: RscIdx,
) -> Option<NodeIdx> {
    let first = *cluster.table.primitives(inst).first()?;
    node_of[first].flatten()
}

/// The instances of `clone` to promote: the best `promoted-max` candidates
/// with a non-negative promotion score.
fn promoted_instances(
    cluster: &Cluster<'_>,
    colocs: &[Coloc],
    node_of: &[Option<Option<NodeIdx>>],
    clone: RscIdx,
) -> Vec<RscIdx> {
    promoted_instances_within(cluster, colocs, node_of, clone, 0)
}

/// Colocations of a promoted role with another clone's role nest; a cycle
/// of them is cut at this depth.
const ROLE_COLOC_DEPTH_MAX: usize = 8;

fn promoted_instances_within(
    cluster: &Cluster<'_>,
    colocs: &[Coloc],
    node_of: &[Option<Option<NodeIdx>>],
    clone: RscIdx,
    depth: usize,
) -> Vec<RscIdx> {
    let rsc = &cluster.table.rscs[clone];
    if rsc.meta.target_role == Some(Role::Unpromoted) {
        return Vec::new();
    }
    let role_colocs: Vec<(&Coloc, Vec<NodeIdx>)> = colocs
        .iter()
        .filter(|c| c.dependent == clone && c.dependent_role == Some(Role::Promoted))
        .filter(|c| depth < ROLE_COLOC_DEPTH_MAX || c.primary_role.is_none())
        .map(|c| (c, primary_nodes(cluster, colocs, node_of, c, depth)))
        .collect();
    let mut candidates: Vec<(Score, bool, RscIdx)> = Vec::new();
    for &inst in &rsc.children {
        let Some(&first) = cluster.table.primitives(inst).first() else {
            continue;
        };
        let Some(node) = node_of[first].flatten() else {
            continue;
        };
        let promoted_now = cluster
            .history_on(first, node)
            .is_some_and(|h| h.role == RunRole::Promoted);
        // An instance promoted now stays a candidate even without a
        // promotion score (it keeps its role up to promoted-max).
        let mut score =
            promotion_score(cluster, clone, first, node).or(promoted_now.then_some(Score::ZERO));
        for (c, nodes) in &role_colocs {
            let extra = coloc_promotion_score(cluster, c, nodes, node);
            score = Some(score.unwrap_or(Score::ZERO) + extra);
        }
        if let Some(score) = score {
            candidates.push((score, promoted_now, inst));
        }
    }
    candidates.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2)));
    candidates
        .into_iter()
        .take(promoted_max(cluster, clone))
        .filter(|(score, _, _)| *score >= Score::ZERO)
        .map(|(_, _, inst)| inst)
        .collect()
}

/// Where the primary of a colocation runs in the role it names.
fn primary_nodes(
    cluster: &Cluster<'_>,
    colocs: &[Coloc],
    node_of: &[Option<Option<NodeIdx>>],
    c: &Coloc,
    depth: usize,
) -> Vec<NodeIdx> {
    let role = c
        .primary_role
        .filter(|r| matches!(r, Role::Promoted | Role::Unpromoted));
    if let Some(role) = role.filter(|_| is_promotable(cluster, c.primary)) {
        let promoted = promoted_instances_within(cluster, colocs, node_of, c.primary, depth + 1);
        let want_promoted = role == Role::Promoted;
        return cluster.table.rscs[c.primary]
            .children
            .iter()
            .filter(|i| promoted.contains(i) == want_promoted)
            .filter_map(|&i| instance_node(cluster, node_of, i))
            .collect();
    }
    cluster
        .table
        .primitives(c.primary)
        .iter()
        .filter_map(|&p| node_of[p].flatten())
        .collect()
}

/// What a colocation of the promoted role adds to an instance's promotion
/// score on `node`: a mandatory one rules out every node away from the
/// primary, an optional one adds its score where the primary is.
fn coloc_promotion_score(
    cluster: &Cluster<'_>,
    c: &Coloc,
    primary_nodes: &[NodeIdx],
    node: NodeIdx,
) -> Score {
    let value = |n: NodeIdx| cluster.nodes[n].attr(&c.node_attribute);
    let here = value(node);
    let same = here.is_some() && primary_nodes.iter().any(|&p| value(p) == here);
    match (same, c.score) {
        (true, s) => s,
        (false, s) if s >= Score::INFINITY => Score::MINUS_INFINITY,
        (false, _) => Score::ZERO,
    }
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
