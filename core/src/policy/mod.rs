//! The policy engine: a pure function from a CIB (configuration and status)
//! to a [`Transition`], Pacemaker's scheduler in behaviour.
//!
//! The steps, each in its own file:
//! 1. [`nodes`], [`history`], [`cluster`]: node states, and what runs where
//!    from the operation history;
//! 2. [`score`], [`failure`]: node scores from location constraints, stickiness
//!    and failures;
//! 3. [`colocation`], [`placement`]: colocations and the assignment of each
//!    resource to a node;
//! 4. [`order`], [`actions`], [`fencing`]: starts, stops, restarts, probes,
//!    monitors and fencing; [`definition`] (with [`digest`]): what a
//!    definition changed since the history was recorded demands (restart,
//!    reload, monitors issued again, history deleted);
//! 5. [`build`]: the transition with ordering edges and reasons, and
//!    [`report`]: the `--placement` lines.
//!
//! Only ordered containers reach the output: the same CIB always gives the
//! same transition.

pub mod actions;
pub mod build;
pub mod clone;
pub mod cluster;
pub mod colocation;
pub mod definition;
pub mod digest;
pub mod failure;
pub mod fencing;
pub mod graph;
pub mod history;
pub mod inject;
pub mod nodes;
pub mod order;
pub mod placement;
pub mod promotion;
pub mod report;
pub mod resources;
pub mod rules;
pub mod score;
pub mod utilization;

#[cfg(test)]
mod tests;

pub use graph::{
    Action, ActionId, ActionKind, Compact, CompactAction, FenceAction, NodeMode, NodeOutcome,
    Placement, PlacementFlags, Reason, RunRole, Transition,
};

use crate::cib::Cib;

/// Schedules one transition for `cib` as of `now_epoch_s` (wall-clock epoch
/// seconds): the CIB's `execution-date`, which failure-timeout reads.
pub fn schedule_at(cib: &Cib, now_epoch_s: i64) -> Transition {
    schedule(&at_date(cib, now_epoch_s))
}

/// Pacemaker's `requires=fencing` (the default with stonith-enabled): a
/// start or promote waits for every fence of the transition, since until
/// then a fenced node, never seen or lost, may still run the resource
/// (crm_simulate orders `node2:fence_reboot` before `vip:start@node1` when
/// node2 has no node_state). Resources that require only quorum (or
/// nothing) are exempt, unless their state on the victim is unknown (the
/// builder orders those).
fn order_starts_after_fencing(cib: &Cib, t: &mut Compact) {
    if !crate::cib::verify::stonith_enabled(&cib.configuration) {
        return;
    }
    let fences: Vec<ActionId> = (0..t.actions.len())
        .filter(|&a| matches!(t.kind(a), ActionKind::Fence { .. }))
        .collect();
    if fences.is_empty() {
        return;
    }
    let requires = |rsc: &str| -> Option<String> {
        let base = rsc.split(':').next().unwrap_or(rsc);
        let found = cib.configuration.find_resource(base);
        found
            .and_then(|r| r.meta_value("requires"))
            .or_else(|| cib.configuration.rsc_default("requires"))
            .map(str::to_string)
            .or_else(|| {
                // Fencing devices need only quorum: they are what fences.
                let stonith = matches!(found, Some(crate::cib::Resource::Primitive(p)) if p.agent.class == "stonith");
                stonith.then(|| "quorum".to_string())
            })
    };
    let mut edges = Vec::new();
    for a in 0..t.actions.len() {
        if !matches!(t.kind(a), ActionKind::Start | ActionKind::Promote) {
            continue;
        }
        let Some(rsc) = t.rsc(a) else {
            continue;
        };
        if matches!(requires(rsc).as_deref(), Some("quorum" | "nothing")) {
            continue;
        }
        edges.extend(fences.iter().map(|&f| (f, a)));
    }
    t.add_edges(edges);
}

/// A copy of `cib` whose `execution-date` is `now_epoch_s`.
pub fn at_date(cib: &Cib, now_epoch_s: i64) -> Cib {
    let mut at = cib.clone();
    let value = now_epoch_s.to_string();
    match at
        .extra_attrs
        .iter_mut()
        .find(|(k, _)| k == "execution-date")
    {
        Some(slot) => slot.1 = value,
        None => at.extra_attrs.push(("execution-date".into(), value)),
    }
    at
}

/// Schedules one transition for `cib`.
pub fn schedule(cib: &Cib) -> Transition {
    schedule_compact(cib).spell()
}

/// Schedules one transition for `cib`, its actions' names as indexes (what
/// `cohort simulate` reports from: the least memory for a large CIB).
pub fn schedule_compact(cib: &Cib) -> Compact {
    // The working state (scores, plan, indexes) is dropped as soon as the
    // transition exists, so it never adds to the peak of the checks below.
    let mut transition = {
        let cluster = cluster::Cluster::new(cib);
        let colocs = colocation::collect(&cluster);
        let orders = order::collect(&cluster);
        let (scores, notes) = score::initial_scores(&cluster);
        let assignment = placement::assign(&cluster, &colocs, scores, notes);
        let plan = actions::plan(&cluster, &assignment, &colocs, &orders);
        build::transition(&cluster, &assignment, &plan, &orders)
    };
    order_starts_after_fencing(cib, &mut transition);
    assert!(transition.is_acyclic(), "the transition graph has a cycle");
    transition
}
