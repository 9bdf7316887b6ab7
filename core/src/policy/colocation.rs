//! Colocations between primitives: explicit constraints (pairs and sets)
//! expanded onto group members, plus each group's implicit chain (every
//! member with the one before it).
//!
//! A colocation says "dependent runs relative to primary". When the primary
//! is placed first, the dependent's scores are adjusted around the primary's
//! node; before that, the dependent's preferences flow back into the
//! primary's choice (scaled by score/INFINITY) unless influence is off.

use crate::cib::{is_true, ColocationTarget, Constraint, ResourceSet, Role, Score};

use super::cluster::Cluster;
use super::resources::{RscIdx, RscKind};

/// One colocation between two resources (primitives, or clones as a whole).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coloc {
    pub id: String,
    pub dependent: RscIdx,
    pub primary: RscIdx,
    pub score: Score,
    pub dependent_role: Option<Role>,
    pub primary_role: Option<Role>,
    /// The node attribute that defines "same place" (`#uname` by default).
    pub node_attribute: String,
    /// The dependent's preferences count when placing the primary.
    pub influence: bool,
}

/// Every colocation of the configuration, expanded.
pub fn collect(cluster: &Cluster<'_>) -> Vec<Coloc> {
    let mut out = Vec::new();
    for (g, rsc) in cluster.table.rscs.iter().enumerate() {
        if rsc.kind != RscKind::Group {
            continue;
        }
        for pair in rsc.children.windows(2) {
            out.push(Coloc {
                id: rsc.id.clone(),
                dependent: pair[1],
                primary: pair[0],
                score: Score::INFINITY,
                dependent_role: None,
                primary_role: None,
                node_attribute: "#uname".into(),
                influence: true,
            });
        }
        let _ = g;
    }
    for c in &cluster.cib.configuration.constraints {
        let Constraint::Colocation(col) = c else {
            continue;
        };
        let Some(score) = col.score.as_deref().and_then(|s| Score::parse(s).ok()) else {
            continue;
        };
        let attr = col
            .node_attribute
            .clone()
            .unwrap_or_else(|| "#uname".into());
        let mut add =
            |dep: &str, pri: &str, dep_role: Option<Role>, pri_role: Option<Role>, score: Score| {
                let (Some(d), Some(p)) = (cluster.table.by_id(dep), cluster.table.by_id(pri))
                else {
                    return;
                };
                let (Some(d), Some(p)) = (as_dependent(cluster, d), as_primary(cluster, p, score))
                else {
                    return;
                };
                let influence = col.influence.unwrap_or_else(|| {
                    cluster.table.rscs[d]
                        .config
                        .meta_value("critical")
                        .is_none_or(is_true)
                });
                out.push(Coloc {
                    id: col.id.clone(),
                    dependent: d,
                    primary: p,
                    score,
                    dependent_role: dep_role.map(Role::normalized),
                    primary_role: pri_role.map(Role::normalized),
                    node_attribute: attr.clone(),
                    influence,
                });
            };
        match &col.target {
            ColocationTarget::Pair {
                rsc,
                with_rsc,
                rsc_role,
                with_rsc_role,
            } => {
                add(rsc, with_rsc, *rsc_role, *with_rsc_role, score);
            }
            ColocationTarget::Sets(sets) => expand_sets(sets, score, &mut add),
        }
    }
    out
}

/// Sets: inside a sequential set each member follows the one before it (for
/// a negative score, keeps away from every one before it); between sets, the earlier set
/// follows the later one.
fn expand_sets(
    sets: &[ResourceSet],
    score: Score,
    add: &mut impl FnMut(&str, &str, Option<Role>, Option<Role>, Score),
) {
    for set in sets {
        let s = set
            .score
            .as_deref()
            .and_then(|v| Score::parse(v).ok())
            .unwrap_or(score);
        if !set.sequential.unwrap_or(true) {
            continue;
        }
        if s < Score::ZERO {
            // Each member keeps away from every member before it.
            for (i, later) in set.resources.iter().enumerate() {
                for earlier in &set.resources[..i] {
                    add(later, earlier, set.role, set.role, s);
                }
            }
        } else {
            for pair in set.resources.windows(2) {
                add(&pair[1], &pair[0], set.role, set.role, s);
            }
        }
    }
    for pair in sets.windows(2) {
        let (earlier, later) = (&pair[0], &pair[1]);
        let first_of_earlier = earlier
            .sequential
            .unwrap_or(true)
            .then(|| earlier.resources.first())
            .flatten();
        let last_of_later = later
            .sequential
            .unwrap_or(true)
            .then(|| later.resources.last())
            .flatten();
        match (first_of_earlier, last_of_later) {
            (Some(a), Some(b)) => add(a, b, earlier.role, later.role, score),
            (Some(a), None) => later
                .resources
                .iter()
                .for_each(|b| add(a, b, earlier.role, later.role, score)),
            (None, Some(b)) => earlier
                .resources
                .iter()
                .for_each(|a| add(a, b, earlier.role, later.role, score)),
            (None, None) => {
                for a in &earlier.resources {
                    for b in &later.resources {
                        add(a, b, earlier.role, later.role, score);
                    }
                }
            }
        }
    }
}

/// A group follows through its first member (the rest follow that one).
fn as_dependent(cluster: &Cluster<'_>, idx: RscIdx) -> Option<RscIdx> {
    match cluster.table.rscs[idx].kind {
        RscKind::Group => cluster.table.rscs[idx].children.first().copied(),
        _ => Some(idx),
    }
}

/// Following a group mandatorily means following all of it (its last
/// member); an optional preference needs only its first member.
fn as_primary(cluster: &Cluster<'_>, idx: RscIdx, score: Score) -> Option<RscIdx> {
    let rsc = &cluster.table.rscs[idx];
    match rsc.kind {
        RscKind::Group if score >= Score::INFINITY => rsc.children.last().copied(),
        RscKind::Group => rsc.children.first().copied(),
        _ => Some(idx),
    }
}
