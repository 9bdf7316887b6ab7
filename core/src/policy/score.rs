//! Node scores per resource before colocation: location constraints (node
//! scores and rules), symmetric-cluster, stickiness, and bans from failures.

use crate::cib::{Constraint, LocationPlacement, LocationTarget, Role, Score};

use super::cluster::{Cluster, NodeIdx};
use super::failure;
use super::resources::{RscIdx, RscKind};
use super::rules::rule_matches;

/// Scores of one resource on every node; `None` means the node is not in the
/// resource's allowed list (an opt-in cluster with no constraint naming it).
pub type NodeScores = Vec<Option<Score>>;

/// Adds `score` to `node` in `scores`, making the node known.
pub fn add(scores: &mut NodeScores, node: NodeIdx, score: Score) {
    let slot = &mut scores[node];
    *slot = Some(slot.unwrap_or(Score::ZERO) + score);
}

/// The scores of every resource (all entries, not just primitives), with the
/// reasons that contributed, keyed by resource.
pub fn initial_scores(cluster: &Cluster<'_>) -> (Vec<NodeScores>, Vec<Vec<String>>) {
    let n = cluster.nodes.len();
    let base = if cluster.options.symmetric {
        Some(Score::ZERO)
    } else {
        None
    };
    let mut scores = vec![vec![base; n]; cluster.table.rscs.len()];
    let mut notes = vec![Vec::new(); cluster.table.rscs.len()];
    apply_locations(cluster, &mut scores, &mut notes);
    for idx in 0..cluster.table.rscs.len() {
        if cluster.table.rscs[idx].kind == RscKind::Primitive {
            apply_stickiness(cluster, idx, &mut scores[idx], &mut notes[idx]);
            apply_failure_bans(cluster, idx, &mut scores, &mut notes);
        }
    }
    (scores, notes)
}

fn apply_locations(cluster: &Cluster<'_>, scores: &mut [NodeScores], notes: &mut [Vec<String>]) {
    for c in &cluster.cib.configuration.constraints {
        let Constraint::Location(loc) = c else {
            continue;
        };
        if loc.role.map(Role::normalized) == Some(Role::Promoted) {
            continue;
        }
        let targets: Vec<&str> = match &loc.target {
            LocationTarget::Resource(r) => vec![r.as_str()],
            LocationTarget::Sets(sets) => sets
                .iter()
                .flat_map(|s| s.resources.iter().map(String::as_str))
                .collect(),
            LocationTarget::Pattern(_) => Vec::new(),
        };
        let mut contributions: Vec<(NodeIdx, Score)> = Vec::new();
        match &loc.placement {
            LocationPlacement::Node { node, score } => {
                if let (Some(n), Ok(s)) = (cluster.node_idx(node), Score::parse(score)) {
                    contributions.push((n, s));
                }
            }
            LocationPlacement::Rules(rules) => {
                for rule in rules {
                    if rule.role.map(Role::normalized) == Some(Role::Promoted) {
                        continue;
                    }
                    for (n, node) in cluster.nodes.iter().enumerate() {
                        if !rule_matches(rule, node) {
                            continue;
                        }
                        let s = match (&rule.score, &rule.score_attribute) {
                            (Some(s), _) => Score::parse(s).ok(),
                            (None, Some(attr)) => {
                                node.attr(attr).and_then(|v| Score::parse(v).ok())
                            }
                            (None, None) => Some(Score::ZERO),
                        };
                        if let Some(s) = s {
                            contributions.push((n, s));
                        }
                    }
                }
            }
        }
        for t in targets {
            let Some(t) = cluster.table.by_id(t) else {
                continue;
            };
            for idx in subtree(cluster, t) {
                for &(n, s) in &contributions {
                    add(&mut scores[idx], n, s);
                    notes[idx].push(format!(
                        "location {} gives {} on {}",
                        loc.id, s, cluster.nodes[n].name
                    ));
                }
            }
        }
    }
}

/// `idx` and everything under it (group members, clone instances).
pub fn subtree(cluster: &Cluster<'_>, idx: RscIdx) -> Vec<RscIdx> {
    let mut out = vec![idx];
    let mut i = 0;
    while i < out.len() {
        out.extend_from_slice(&cluster.table.rscs[out[i]].children);
        i += 1;
    }
    out
}

fn apply_stickiness(
    cluster: &Cluster<'_>,
    idx: RscIdx,
    scores: &mut NodeScores,
    notes: &mut Vec<String>,
) {
    let rsc = &cluster.table.rscs[idx];
    let running = cluster.running_on(idx);
    if !rsc.meta.managed || rsc.meta.stickiness <= Score::ZERO || running.len() != 1 {
        return;
    }
    let node = running[0];
    if !cluster.options.symmetric && scores[node].is_none() {
        return;
    }
    add(scores, node, rsc.meta.stickiness);
    notes.push(format!(
        "stickiness {} on {} where it runs",
        rsc.meta.stickiness, cluster.nodes[node].name
    ));
}

/// Bans from failures: migration-threshold reached (the whole group or clone
/// leaves the node), hard errors (this node), fatal errors (every node).
fn apply_failure_bans(
    cluster: &Cluster<'_>,
    idx: RscIdx,
    scores: &mut [NodeScores],
    notes: &mut [Vec<String>],
) {
    // A hard or fatal error bans the whole clone (every instance, every
    // member): the failure says the node (or every node) cannot run the
    // resource, whichever instance met it. Outside a clone only the failed
    // primitive is banned; its group follows through colocation.
    let hard_scope: Vec<RscIdx> = match cluster.table.clone_of(idx) {
        Some(c) => cluster.table.primitives(c),
        None => vec![idx],
    };
    for (node, h) in &cluster.history[idx] {
        for &b in &hard_scope {
            if h.banned_everywhere {
                for n in 0..cluster.nodes.len() {
                    add(&mut scores[b], n, Score::MINUS_INFINITY);
                }
                notes[b].push(format!(
                    "fatal error: {}",
                    h.failure.clone().unwrap_or_default()
                ));
            } else if h.banned_here {
                add(&mut scores[b], *node, Score::MINUS_INFINITY);
                notes[b].push(format!("banned from {} by a hard error", h.node));
            }
        }
    }
    for node in 0..cluster.nodes.len() {
        if !failure::threshold_reached(cluster, idx, node) {
            continue;
        }
        let banned = ban_scope(cluster, idx);
        for b in banned {
            add(&mut scores[b], node, Score::MINUS_INFINITY);
            notes[b].push(format!(
                "{} reached migration-threshold on {} (fail-count {})",
                cluster.table.rscs[idx].id,
                cluster.nodes[node].name,
                failure::fail_count(cluster, idx, node)
            ));
        }
    }
}

/// What a migration-threshold ban applies to: a member of a cloned group
/// takes its whole group instance along (the clone leaves the node); any
/// other resource is banned alone, and a plain group follows its failed
/// member through the group's internal colocations.
fn ban_scope(cluster: &Cluster<'_>, idx: RscIdx) -> Vec<RscIdx> {
    let rscs = &cluster.table.rscs;
    match rscs[idx].parent {
        Some(p) if rscs[p].kind == RscKind::Group && rscs[p].parent.is_some() => {
            subtree(cluster, p)
        }
        _ => vec![idx],
    }
}
