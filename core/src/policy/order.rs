//! Order relations between primitives: explicit constraints (pairs and
//! sets) mapped onto group members, plus each group's implicit chain.
//!
//! A group as `first` is done starting when its last member started and done
//! stopping when its first member stopped; a group as `then` begins with its
//! first member's start or its last member's stop.

use crate::cib::{Action as Verb, Constraint, OrderKind, OrderTarget, ResourceSet};

use super::cluster::Cluster;
use super::resources::{RscIdx, RscKind};

/// `first.first_action` before `then.then_action`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderRel {
    pub id: String,
    pub first: RscIdx,
    pub first_action: Verb,
    pub then: RscIdx,
    pub then_action: Verb,
    pub kind: OrderKind,
    /// Part of a symmetrical constraint (whose inverse is also listed).
    pub symmetrical: bool,
    /// Between instances of two clones where the `then` clone interleaves:
    /// it holds only between instances on the same node.
    pub same_node_only: bool,
    /// The constraint's `then` resource (as named, not its members) has the
    /// deprecated `restart-type=restart`: even an optional order restarts it
    /// when `first` starts again.
    pub restart_follows: bool,
}

/// Every order relation, with the inverse of each symmetrical one.
pub fn collect(cluster: &Cluster<'_>) -> Vec<OrderRel> {
    let mut out = Vec::new();
    for rsc in &cluster.table.rscs {
        if rsc.kind != RscKind::Group || !is_ordered(rsc) {
            continue;
        }
        for pair in rsc.children.windows(2) {
            push(
                cluster,
                &mut out,
                &rsc.id,
                pair[0],
                Verb::Start,
                pair[1],
                Verb::Start,
                OrderKind::Mandatory,
                true,
            );
        }
    }
    for c in &cluster.cib.configuration.constraints {
        let Constraint::Order(o) = c else { continue };
        let kind = o.effective_kind();
        let symmetrical = o.effective_symmetrical();
        match &o.target {
            OrderTarget::Pair {
                first,
                then,
                first_action,
                then_action,
            } => {
                let (Some(f), Some(t)) = (cluster.table.by_id(first), cluster.table.by_id(then))
                else {
                    continue;
                };
                let fa = first_action.unwrap_or(Verb::Start);
                let ta = then_action.unwrap_or(fa);
                push(cluster, &mut out, &o.id, f, fa, t, ta, kind, symmetrical);
            }
            OrderTarget::Sets(sets) => {
                expand_sets(cluster, &mut out, &o.id, sets, kind, symmetrical)
            }
        }
    }
    out
}

fn expand_sets(
    cluster: &Cluster<'_>,
    out: &mut Vec<OrderRel>,
    id: &str,
    sets: &[ResourceSet],
    kind: OrderKind,
    symmetrical: bool,
) {
    let ids = |s: &ResourceSet| -> Vec<RscIdx> {
        s.resources
            .iter()
            .filter_map(|r| cluster.table.by_id(r))
            .collect()
    };
    for set in sets {
        let verb = set.action.unwrap_or(Verb::Start);
        let k = set.kind.unwrap_or(kind);
        if set.sequential.unwrap_or(true) {
            for pair in ids(set).windows(2) {
                push(
                    cluster,
                    out,
                    id,
                    pair[0],
                    verb,
                    pair[1],
                    verb,
                    k,
                    symmetrical,
                );
            }
        }
    }
    for pair in sets.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        let (fa, ta) = (
            a.action.unwrap_or(Verb::Start),
            b.action.unwrap_or(Verb::Start),
        );
        let firsts = if a.sequential.unwrap_or(true) {
            ids(a).last().copied().into_iter().collect()
        } else {
            ids(a)
        };
        let thens = if b.sequential.unwrap_or(true) {
            ids(b).first().copied().into_iter().collect()
        } else {
            ids(b)
        };
        for &f in &firsts {
            for &t in &thens {
                push(cluster, out, id, f, fa, t, ta, kind, symmetrical);
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn push(
    cluster: &Cluster<'_>,
    out: &mut Vec<OrderRel>,
    id: &str,
    first: RscIdx,
    first_action: Verb,
    then: RscIdx,
    then_action: Verb,
    kind: OrderKind,
    symmetrical: bool,
) {
    let is_clone = |i: RscIdx| matches!(cluster.table.rscs[i].kind, RscKind::Clone { .. });
    let interleaved = is_clone(first)
        && is_clone(then)
        && cluster.table.rscs[then]
            .config
            .meta_value("interleave")
            .is_some_and(crate::cib::is_true);
    let restart_type = cluster.table.rscs[then]
        .config
        .meta_value("restart-type")
        .is_some_and(|v| v == "restart");
    let mut add = |f: RscIdx, fa: Verb, t: RscIdx, ta: Verb, restart_follows: bool| {
        for fp in endpoint(cluster, f, fa, true) {
            for tp in endpoint(cluster, t, ta, false) {
                out.push(OrderRel {
                    id: id.to_string(),
                    first: fp,
                    first_action: fa,
                    then: tp,
                    then_action: ta,
                    kind,
                    symmetrical,
                    same_node_only: interleaved,
                    restart_follows,
                });
            }
        }
    };
    add(first, first_action, then, then_action, restart_type);
    if symmetrical && kind != OrderKind::Serialize {
        add(
            then,
            inverse(then_action),
            first,
            inverse(first_action),
            false,
        );
    }
}

fn inverse(v: Verb) -> Verb {
    match v {
        Verb::Start => Verb::Stop,
        Verb::Stop => Verb::Start,
        Verb::Promote => Verb::Demote,
        Verb::Demote => Verb::Promote,
    }
}

/// A group's members start one after another unless `ordered=false`; then
/// an order with the group applies to every member.
fn is_ordered(rsc: &super::resources::Rsc<'_>) -> bool {
    rsc.config
        .meta_value("ordered")
        .is_none_or(crate::cib::is_true)
}

/// The primitives that stand for `idx` at one end of an order.
fn endpoint(cluster: &Cluster<'_>, idx: RscIdx, verb: Verb, is_first: bool) -> Vec<RscIdx> {
    let rsc = &cluster.table.rscs[idx];
    match rsc.kind {
        RscKind::Primitive => vec![idx],
        RscKind::Group if !is_ordered(rsc) => rsc
            .children
            .iter()
            .flat_map(|&m| endpoint(cluster, m, verb, is_first))
            .collect(),
        RscKind::Group => {
            let members = &rsc.children;
            let starting = matches!(verb, Verb::Start | Verb::Promote);
            // first: done when the last member started / the first stopped;
            // then: begins with the first member's start / the last's stop.
            let pick = if starting == is_first {
                members.last()
            } else {
                members.first()
            };
            pick.map(|&m| endpoint(cluster, m, verb, is_first))
                .unwrap_or_default()
        }
        RscKind::Clone { .. } => rsc
            .children
            .iter()
            .flat_map(|&c| endpoint(cluster, c, verb, is_first))
            .collect(),
    }
}
