//! From placement to actions: which resources stop, start, restart, which
//! probes and recurring monitors are needed, and what each one owes its
//! existence to.
//!
//! A resource starts where it was placed unless it already runs there; it
//! stops wherever else it runs, and restarts where a failure or a restart
//! of something it is ordered after demands. A start cannot run without
//! quorum (for resources that need it), when a mandatory predecessor cannot
//! run, or while the resource is stuck on a node that cannot be fenced.

use crate::cib::{is_true, Action as Verb, OrderKind, Role, Score};

use super::cluster::{Cluster, NoQuorumPolicy, NodeIdx};
use super::colocation::Coloc;
use super::graph::{Reason, RunRole};
use super::history::FailResponse;
use super::order::OrderRel;
use super::placement::Assignment;
use super::resources::{RscIdx, RscKind};

/// The decided actions of one primitive.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RscPlan {
    /// Where it is started (node, runnable, reason).
    pub start: Option<(NodeIdx, bool, Reason)>,
    /// Nodes where it is stopped, each with whether the stop can run and why.
    pub stops: Vec<(NodeIdx, Reason)>,
    /// Stops that fencing implies (not real actions).
    pub implied_stops: Vec<NodeIdx>,
    /// Running where the scheduler may not touch it (unmanaged or blocked).
    pub frozen: bool,
    pub blocked: bool,
    /// Promoted here after starting (or while running).
    pub promote: Option<(NodeIdx, Reason)>,
    /// Demoted here (before a stop, or to give up the promoted role).
    pub demote: Vec<(NodeIdx, Reason)>,
    /// An instance of a promotable clone: runs Unpromoted unless promoted.
    pub promotable: bool,
    /// Where placement put it and the role it is meant to have there, even
    /// when its actions cannot run (no quorum): its monitors of the other
    /// role are cancelled there all the same.
    pub assigned: Option<(NodeIdx, RunRole)>,
}

/// The reason of a restart or reload for a changed definition.
pub const DEFINITION_CHANGE: &str = "resource definition change";

/// Why a changed definition restarts a resource on `n`.
fn restart_reason(changes: &super::definition::Changes, n: NodeIdx) -> &'static str {
    if changes.param_restart.contains(&n) {
        DEFINITION_CHANGE
    } else {
        "the agent changed, or a reload found its start pending"
    }
}

/// Plans for every resource (empty for non-primitives) and the nodes fenced.
#[derive(Debug, Clone)]
pub struct Plan {
    pub rscs: Vec<RscPlan>,
    pub fenced: Vec<(NodeIdx, Reason)>,
    /// Per primitive, what its changed definition demands.
    pub changes: Vec<super::definition::Changes>,
}

/// Decides starts and stops for every primitive.
pub fn plan(
    cluster: &Cluster<'_>,
    assignment: &Assignment,
    colocs: &[Coloc],
    orders: &[OrderRel],
) -> Plan {
    let fenced = super::fencing::nodes_to_fence(cluster);
    let is_fenced = |n: NodeIdx| fenced.iter().any(|(f, _)| *f == n);
    let changes = super::definition::changes(cluster);
    let mut rscs = vec![RscPlan::default(); cluster.table.rscs.len()];
    for (idx, rsc) in cluster.table.rscs.iter().enumerate() {
        if rsc.kind != RscKind::Primitive {
            continue;
        }
        rscs[idx] = initial_plan(cluster, assignment, idx, &is_fenced, &changes[idx]);
    }
    propagate_restarts(cluster, assignment, orders, &mut rscs);
    propagate_unrunnable(cluster, colocs, orders, &mut rscs);
    let roles = super::promotion::next_roles(cluster, colocs, assignment);
    plan_roles(cluster, assignment, &roles, &mut rscs, &changes);
    Plan {
        rscs,
        fenced,
        changes,
    }
}

/// Promotes and demotes promotable clone instances toward their next role.
fn plan_roles(
    cluster: &Cluster<'_>,
    assignment: &Assignment,
    roles: &[Option<RunRole>],
    rscs: &mut [RscPlan],
    plan_changes: &[super::definition::Changes],
) {
    for idx in 0..rscs.len() {
        if cluster.table.rscs[idx].kind != RscKind::Primitive {
            continue;
        }
        rscs[idx].promotable = cluster.table.clone_of(idx).is_some_and(|c| {
            matches!(
                cluster.table.rscs[c].kind,
                RscKind::Clone {
                    promotable: true,
                    ..
                }
            )
        });
        if rscs[idx].frozen {
            continue;
        }
        if rscs[idx].promotable {
            rscs[idx].assigned = assignment.node[idx].flatten().zip(roles[idx]);
        }
        let finals = final_nodes(cluster, rscs, idx);
        let wants_promoted = roles[idx] == Some(RunRole::Promoted);
        // Outside a clone a resource has one role: promoted anywhere means
        // every active copy is demoted before it stops.
        let promoted_somewhere = cluster.table.clone_of(idx).is_none()
            && cluster.history[idx]
                .iter()
                .any(|(_, h)| h.role == RunRole::Promoted);
        for (n, h) in &cluster.history[idx] {
            let promoted =
                h.role == RunRole::Promoted || (promoted_somewhere && h.role.is_active());
            if !promoted || cluster.nodes[*n].unclean {
                continue;
            }
            // A promoted instance is demoted before any stop, even one
            // that restarts it here.
            let stopping = rscs[idx].stops.iter().any(|(s, _)| s == n);
            let stays = finals.contains(n) && wants_promoted && !stopping;
            // A restart for a changed definition goes through the demote.
            let restarts = plan_changes[idx].restart.contains(n) && stopping;
            if !stays {
                rscs[idx]
                    .demote
                    .push((*n, Reason::Placement("gives up the promoted role".into())));
            } else if restarts {
                rscs[idx]
                    .demote
                    .push((*n, Reason::AdminChange(DEFINITION_CHANGE.into())));
            }
        }
        if wants_promoted {
            if let Some(&m) = finals.first() {
                let promoted_now = cluster
                    .history_on(idx, m)
                    .is_some_and(|h| h.role == RunRole::Promoted);
                let restarting = rscs[idx].start.as_ref().is_some_and(|s| s.0 == m);
                if !promoted_now || restarting {
                    rscs[idx].promote =
                        Some((m, Reason::Placement("highest promotion score".into())));
                }
            }
        }
    }
}

fn initial_plan(
    cluster: &Cluster<'_>,
    assignment: &Assignment,
    idx: RscIdx,
    is_fenced: &dyn Fn(NodeIdx) -> bool,
    changes: &super::definition::Changes,
) -> RscPlan {
    let rsc = &cluster.table.rscs[idx];
    let running = cluster.running_on(idx);
    let next = assignment.node[idx].flatten();
    let mut plan = RscPlan::default();
    let blocked = cluster.history[idx].iter().any(|(_, h)| {
        h.role.is_active()
            && (h.on_fail == FailResponse::Block
                || (h.stop_failed && !cluster.options.fencing_enabled))
    });
    let managed = rsc.meta.managed
        && !cluster.options.maintenance_mode
        && running.iter().all(|&n| !cluster.nodes[n].maintenance);
    if !managed || blocked {
        plan.frozen = true;
        plan.blocked = blocked;
        // Fencing stops even what the scheduler may not touch.
        plan.implied_stops = running
            .iter()
            .copied()
            .filter(|&n| cluster.nodes[n].unclean && is_fenced(n))
            .collect();
        return plan;
    }
    let quorum_ok = cluster.options.quorate_enough() || !rsc.meta.requires_quorum;
    let freeze = !quorum_ok && cluster.options.no_quorum_policy == NoQuorumPolicy::Freeze;
    // A copy on a node that is down or unclean counts only for a resource
    // that requires fencing: for one that does not, the fence ends it
    // without a recovery of the copy that stays (crm_simulate leaves a
    // fence device running on the clean node alone).
    let multiple = if rsc.meta.requires_fencing {
        running.len() > 1
    } else {
        running
            .iter()
            .filter(|&&n| cluster.nodes[n].online && !cluster.nodes[n].unclean)
            .count()
            > 1
    };
    for &n in &running {
        let h = cluster.history_on(idx, n).expect("running implies history");
        let failed = h.on_fail >= FailResponse::Restart;
        let node = &cluster.nodes[n];
        if node.unclean {
            if is_fenced(n) {
                plan.implied_stops.push(n);
            } else {
                // Cannot be stopped until the node is fenced: it stays.
                plan.frozen = true;
            }
            continue;
        }
        if freeze && !failed {
            continue;
        }
        let reason = if failed {
            Some(Reason::Failure(h.failure.clone().unwrap_or_default()))
        } else if multiple {
            Some(Reason::Failure(format!(
                "{} is active on {} nodes",
                rsc.id,
                running.len()
            )))
        } else if Some(n) != next {
            Some(Reason::Placement(stop_reason(
                cluster, assignment, idx, n, next,
            )))
        } else if changes.restart.contains(&n) {
            Some(Reason::AdminChange(restart_reason(changes, n).into()))
        } else if h.agent_changed && node.can_run() {
            Some(Reason::AdminChange(format!(
                "{} runs with another agent than configured",
                rsc.id
            )))
        } else if !quorum_ok {
            Some(Reason::NodeEvent("the partition has no quorum".into()))
        } else {
            None
        };
        if let Some(r) = reason {
            plan.stops.push((n, r));
        }
    }
    if let Some(m) = next {
        let stopping_here = plan.stops.iter().any(|(n, _)| *n == m);
        // A start still in flight is asked for again.
        let start_pending = cluster
            .history_on(idx, m)
            .is_some_and(|h| h.pending_start_last);
        let probe_blocked = start_blocked_by_pending_probe(cluster, idx);
        if probe_blocked && running.contains(&m) && !stopping_here {
            plan.stops.push((
                m,
                Reason::NodeEvent("a probe on a pending node cannot run".into()),
            ));
        }
        if !running.contains(&m) || stopping_here || start_pending {
            let runnable = quorum_ok && !plan.frozen && !probe_blocked;
            let reason = if stopping_here && changes.restart.contains(&m) {
                Reason::AdminChange(restart_reason(changes, m).into())
            } else if stopping_here {
                Reason::Failure(format!(
                    "recovering {} on {}",
                    rsc.id, cluster.nodes[m].name
                ))
            } else {
                Reason::Placement(notes_summary(assignment, idx))
            };
            plan.start = Some((m, runnable, reason));
        }
    }
    if plan.frozen {
        plan.stops.clear();
        plan.start = None;
    }
    plan
}

fn stop_reason(
    cluster: &Cluster<'_>,
    assignment: &Assignment,
    idx: RscIdx,
    from: NodeIdx,
    to: Option<NodeIdx>,
) -> String {
    let from_name = &cluster.nodes[from].name;
    let node = &cluster.nodes[from];
    let why_here = if node.standby {
        format!("{from_name} is in standby")
    } else if !node.can_run() {
        format!("{from_name} cannot run resources")
    } else {
        format!(
            "score on {from_name} is {}",
            assignment.scores[idx][from].unwrap_or(Score::MINUS_INFINITY)
        )
    };
    match to {
        Some(t) => format!(
            "moves to {} ({why_here}; {})",
            cluster.nodes[t].name,
            notes_summary(assignment, idx)
        ),
        None => format!(
            "cannot run anywhere ({why_here}; {})",
            notes_summary(assignment, idx)
        ),
    }
}

fn notes_summary(assignment: &Assignment, idx: RscIdx) -> String {
    assignment.notes[idx].join("; ")
}

/// A stop of `first` (or a start it needs) restarts what is ordered after
/// it and keeps running where it is: `then` stops first and starts again.
fn propagate_restarts(
    cluster: &Cluster<'_>,
    assignment: &Assignment,
    orders: &[OrderRel],
    rscs: &mut [RscPlan],
) {
    loop {
        let mut changed = false;
        for o in orders
            .iter()
            .filter(|o| o.kind == OrderKind::Mandatory || o.restarts_then)
        {
            // "f stop before t stop": when t stops, f must stop too (it
            // depends on t). "f start before t start": when f starts, t
            // (already running) must start again after it.
            let (cause, t) = match (o.first_action, o.then_action) {
                (Verb::Stop, Verb::Stop) => (o.then, o.first),
                _ => (o.first, o.then),
            };
            let f = cause;
            if rscs[t].frozen {
                continue;
            }
            let trigger = match (o.first_action, o.then_action) {
                (Verb::Stop, Verb::Stop) => {
                    !rscs[f].stops.is_empty() || !rscs[f].implied_stops.is_empty()
                }
                (Verb::Start, Verb::Start) => rscs[f].start.as_ref().is_some_and(|s| s.1),
                _ => false,
            };
            if !trigger {
                continue;
            }
            let next = assignment.node[t].flatten();
            // The nodes where the cause acts (for per-node orders).
            let cause_nodes: Vec<NodeIdx> = match (o.first_action, o.then_action) {
                (Verb::Stop, Verb::Stop) => rscs[f]
                    .stops
                    .iter()
                    .map(|(n, _)| *n)
                    .chain(rscs[f].implied_stops.iter().copied())
                    .collect(),
                _ => rscs[f].start.iter().map(|s| s.0).collect(),
            };
            for n in cluster.running_on(t) {
                if cluster.nodes[n].unclean || rscs[t].stops.iter().any(|(s, _)| *s == n) {
                    continue;
                }
                if (o.same_node_only || o.implies_per_node) && !cause_nodes.contains(&n) {
                    continue;
                }
                let why = format!(
                    "{} restarts because {} {} (order {})",
                    cluster.table.rscs[t].id,
                    cluster.table.rscs[f].id,
                    if o.first_action == Verb::Stop {
                        "stops"
                    } else {
                        "starts"
                    },
                    o.id
                );
                rscs[t].stops.push((
                    n,
                    Reason::Constraint {
                        id: o.id.clone(),
                        what: why.clone(),
                    },
                ));
                if next == Some(n) && rscs[t].start.is_none() {
                    rscs[t].start = Some((
                        n,
                        true,
                        Reason::Constraint {
                            id: o.id.clone(),
                            what: why,
                        },
                    ));
                }
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
}

/// A start that depends on something that will not run cannot run either:
/// mandatory orders after a resource that cannot start, and mandatory
/// colocations with a resource that will not be active.
fn propagate_unrunnable(
    cluster: &Cluster<'_>,
    colocs: &[Coloc],
    orders: &[OrderRel],
    rscs: &mut [RscPlan],
) {
    loop {
        let mut changed = false;
        for o in orders
            .iter()
            .filter(|o| o.kind == OrderKind::Mandatory || o.restarts_then)
        {
            if o.first_action != Verb::Start || o.then_action != Verb::Start {
                continue;
            }
            let (first_will_run, first_start_ok) = first_side(cluster, rscs, o);
            if first_will_run && first_start_ok {
                continue;
            }
            if !first_will_run && o.symmetrical && !rscs[o.then].frozen {
                // What needs a resource that will not run cannot keep running.
                for n in cluster.running_on(o.then) {
                    if !cluster.nodes[n].unclean && !rscs[o.then].stops.iter().any(|(s, _)| *s == n)
                    {
                        rscs[o.then].stops.push((
                            n,
                            Reason::Constraint {
                                id: o.id.clone(),
                                what: format!(
                                    "{} will not be active",
                                    cluster.table.rscs[o.first].id
                                ),
                            },
                        ));
                        changed = true;
                    }
                }
            }
            if let Some(s) = rscs[o.then].start.as_mut() {
                if s.1 {
                    s.1 = false;
                    s.2 = Reason::Constraint {
                        id: o.id.clone(),
                        what: format!("{} cannot start", cluster.table.rscs[o.first].id),
                    };
                    changed = true;
                }
            }
        }
        changed |= blocked_stops(cluster, orders, rscs);
        for c in colocs.iter().filter(|c| c.score >= Score::INFINITY) {
            if will_be_active(cluster, rscs, c.primary) {
                continue;
            }
            // What must run with a resource that will not be active cannot
            // keep running either.
            let what = format!("{} will not be active", cluster.table.rscs[c.primary].id);
            if !rscs[c.dependent].frozen && c.dependent_role.is_none() && c.primary_role.is_none() {
                for n in cluster.running_on(c.dependent) {
                    let plan = &mut rscs[c.dependent];
                    if cluster.nodes[n].unclean || plan.stops.iter().any(|(s, _)| *s == n) {
                        continue;
                    }
                    let why = Reason::Constraint {
                        id: c.id.clone(),
                        what: what.clone(),
                    };
                    plan.stops.push((n, why));
                    changed = true;
                }
            }
            if let Some(s) = rscs[c.dependent].start.as_mut() {
                if s.1 {
                    s.1 = false;
                    s.2 = Reason::Constraint {
                        id: c.id.clone(),
                        what: format!("{} will not be active", cluster.table.rscs[c.primary].id),
                    };
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
}

/// A stop that must wait for the stop of something frozen (unmanaged or
/// blocked, so it never stops) cannot run: the resource keeps running where
/// it is, and does not start anywhere else. Returns true if anything changed.
fn blocked_stops(cluster: &Cluster<'_>, orders: &[OrderRel], rscs: &mut [RscPlan]) -> bool {
    let mut changed = false;
    for o in orders.iter().filter(|o| o.kind == OrderKind::Mandatory) {
        if o.first_action != Verb::Stop || o.then_action != Verb::Stop {
            continue;
        }
        let first_stuck = rscs[o.first].frozen && !cluster.running_on(o.first).is_empty();
        if !first_stuck || rscs[o.then].stops.is_empty() {
            continue;
        }
        let then = &mut rscs[o.then];
        then.stops.clear();
        if let Some(s) = then.start.as_mut() {
            s.1 = false;
        }
        then.frozen = true;
        changed = true;
    }
    changed
}

/// Active after the transition: started where placed, or still running
/// somewhere it is not stopped.
/// Whether the `first` side of a start order will run, and can start. An
/// order from a clone waits for any one of its instances (any one on the
/// same node when the `then` clone interleaves), not for all of them; an
/// order inside one instance (a cloned group) waits for that member.
fn first_side(cluster: &Cluster<'_>, rscs: &[RscPlan], o: &OrderRel) -> (bool, bool) {
    let table = &cluster.table;
    // A frozen resource (unmanaged, blocked) cannot take part in a start,
    // so nothing mandatorily after it may start either.
    let one = |p: RscIdx| {
        let start_ok = rscs[p].start.as_ref().is_none_or(|s| s.1) && !rscs[p].frozen;
        (will_be_active(cluster, rscs, p), start_ok)
    };
    let clone = table.clone_of(o.first);
    if clone.is_none() || clone == table.clone_of(o.then) && !o.same_node_only {
        return one(o.first);
    }
    // A clone instance whose failure blocked it is no instance to wait for.
    let one = |p: RscIdx| {
        let (will_run, start_ok) = one(p);
        (will_run && !rscs[p].blocked, start_ok)
    };
    let then_nodes = match &rscs[o.then].start {
        Some(s) => vec![s.0],
        None => cluster.running_on(o.then),
    };
    let base = &table.rscs[o.first].base_id;
    let equivalents = clone
        .map(|c| table.primitives(c))
        .unwrap_or_default()
        .into_iter()
        .filter(|&p| table.rscs[p].base_id == *base);
    let states: Vec<(Vec<NodeIdx>, bool, bool)> = equivalents
        .map(|p| {
            let (will_run, start_ok) = one(p);
            (final_nodes(cluster, rscs, p), will_run, start_ok)
        })
        .collect();
    // clone-min: nothing after the clone runs until that many instances
    // do, wherever they are.
    let clone_min = clone
        .and_then(|c| table.rscs[c].config.meta_value("clone-min"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(1usize);
    let running = states.iter().filter(|s| s.1).count();
    let ready = states.iter().filter(|s| s.1 && s.2).count();
    if running < clone_min {
        return (false, false);
    }
    let here = |s: &&(Vec<NodeIdx>, bool, bool)| {
        !o.same_node_only || then_nodes.iter().any(|n| s.0.contains(n))
    };
    let runs = states.iter().filter(here).any(|s| s.1);
    let ok = ready >= clone_min && states.iter().filter(here).any(|s| s.1 && s.2);
    (runs, ok)
}

pub fn will_be_active(cluster: &Cluster<'_>, rscs: &[RscPlan], idx: RscIdx) -> bool {
    if cluster.table.rscs[idx].kind != RscKind::Primitive {
        return cluster
            .table
            .primitives(idx)
            .iter()
            .any(|&p| will_be_active(cluster, rscs, p));
    }
    !final_nodes(cluster, rscs, idx).is_empty()
}

/// Where a primitive runs after the transition.
pub fn final_nodes(cluster: &Cluster<'_>, rscs: &[RscPlan], idx: RscIdx) -> Vec<NodeIdx> {
    let plan = &rscs[idx];
    if let Some((m, true, _)) = &plan.start {
        return vec![*m];
    }
    cluster
        .running_on(idx)
        .into_iter()
        .filter(|n| !plan.stops.iter().any(|(s, _)| s == n) && !plan.implied_stops.contains(n))
        .collect()
}

/// Where crm_simulate shows a primitive after the transition: its final
/// nodes, plus nodes whose newest record is a start still in flight with no
/// call id (see [`super::history::RscHistory::pending_start_last`]).
pub fn shown_nodes(cluster: &Cluster<'_>, rscs: &[RscPlan], idx: RscIdx) -> Vec<NodeIdx> {
    let mut nodes = final_nodes(cluster, rscs, idx);
    for (n, h) in &cluster.history[idx] {
        if h.pending_start_last && !cluster.nodes[*n].unclean && !nodes.contains(n) {
            nodes.push(*n);
        }
    }
    nodes
}

/// The role a primitive has on `node` after the transition.
pub fn final_role(cluster: &Cluster<'_>, plan: &Plan, idx: RscIdx, node: NodeIdx) -> RunRole {
    let p = &plan.rscs[idx];
    if p.promote.as_ref().is_some_and(|(n, _)| *n == node) {
        return RunRole::Promoted;
    }
    let starting = p.start.as_ref().is_some_and(|(n, ok, _)| *n == node && *ok);
    let role = match cluster.history_on(idx, node) {
        Some(h) if h.role.is_active() && !starting => h.role,
        _ => RunRole::Started,
    };
    let role = if p.demote.iter().any(|(n, _)| *n == node) && !starting {
        RunRole::Unpromoted
    } else {
        role
    };
    if p.promotable && role == RunRole::Started {
        RunRole::Unpromoted
    } else {
        role
    }
}

/// Nodes where a probe is needed: online nodes with no record of the
/// resource (for anonymous clones, of any instance).
pub fn probe_nodes(cluster: &Cluster<'_>, idx: RscIdx) -> Vec<NodeIdx> {
    if !cluster.options.startup_probes {
        return Vec::new();
    }
    let siblings = probe_siblings(cluster, idx);
    (0..cluster.nodes.len())
        .filter(|&n| {
            let node = &cluster.nodes[n];
            node.online
                && !node.unclean
                && !node.pending
                && !node.reprobe()
                && unknown_on(cluster, &siblings, n)
        })
        .collect()
}

/// The primitives whose records count for probing `idx` on a node (for an
/// anonymous clone, every instance: they share one history per node).
pub fn probe_siblings(cluster: &Cluster<'_>, idx: RscIdx) -> Vec<RscIdx> {
    // Instances of an anonymous clone share one history per node; those of
    // a unique clone are probed each on its own.
    let anonymous = |c: &RscIdx| {
        matches!(
            cluster.table.rscs[*c].kind,
            RscKind::Clone { unique: false, .. }
        )
    };
    match cluster.table.clone_of(idx).filter(anonymous) {
        Some(c) => cluster
            .table
            .primitives(c)
            .into_iter()
            .filter(|&p| cluster.table.rscs[p].base_id == cluster.table.rscs[idx].base_id)
            .collect(),
        None => vec![idx],
    }
}

fn unknown_on(cluster: &Cluster<'_>, siblings: &[RscIdx], n: NodeIdx) -> bool {
    siblings
        .iter()
        .all(|&s| !cluster.history_on(s, n).is_some_and(|h| h.known))
}

/// A node that is up but has not joined yet (pending) may be running a
/// resource unseen, and the probe there cannot run. crm_simulate makes the
/// start wait for that probe when the probed resource is active nowhere:
/// for a primitive, its own start; for a clone, every instance's start, as
/// the probe is ordered before the clone's start (so an instance of a unique
/// clone that already runs stops). An anonymous clone is probed through one
/// instance, which is an active one when any is.
fn start_blocked_by_pending_probe(cluster: &Cluster<'_>, idx: RscIdx) -> bool {
    if !cluster.options.startup_probes {
        return false;
    }
    let pending: Vec<NodeIdx> = (0..cluster.nodes.len())
        .filter(|&n| {
            let node = &cluster.nodes[n];
            node.online && node.pending && !node.unclean && !node.reprobe()
        })
        .collect();
    if pending.is_empty() {
        return false;
    }
    let blocks = |probed: RscIdx, active: bool| {
        let siblings = probe_siblings(cluster, probed);
        !active && pending.iter().any(|&n| unknown_on(cluster, &siblings, n))
    };
    let active = |p: RscIdx| !cluster.running_on(p).is_empty();
    match cluster.table.clone_of(idx) {
        Some(c) => {
            let instances = cluster.table.primitives(c);
            match cluster.table.rscs[c].kind {
                RscKind::Clone { unique: true, .. } => {
                    instances.iter().any(|&p| blocks(p, active(p)))
                }
                _ => {
                    let any_active = instances.iter().any(|&p| active(p));
                    instances.iter().any(|&p| blocks(p, any_active))
                }
            }
        }
        None => blocks(idx, active(idx)),
    }
}

/// The recurring monitors a primitive needs in `role` on its node:
/// (interval_ms) of every enabled monitor op for that role. An op is known
/// by (name, interval): when two definitions share both (an invalid
/// configuration, e.g. a Promoted and an Unpromoted monitor of 5s),
/// Pacemaker schedules neither, in any role.
pub fn monitor_intervals(cluster: &Cluster<'_>, idx: RscIdx, role: RunRole) -> Vec<u64> {
    let Some(prim) = cluster.table.rscs[idx].prim else {
        return Vec::new();
    };
    let monitors = prim.ops.iter().filter(|o| o.name == "monitor");
    let defined = |interval: Option<u64>| {
        monitors
            .clone()
            .filter(|o| o.interval_ms().ok() == interval)
            .count()
    };
    monitors
        .clone()
        .filter(|o| defined(o.interval_ms().ok()) == 1)
        .filter(|o| o.attr("enabled").is_none_or(is_true))
        .filter(
            |o| match o.role().and_then(Result::ok).map(Role::normalized) {
                None => true,
                Some(Role::Promoted) => role == RunRole::Promoted,
                Some(Role::Unpromoted) => role == RunRole::Unpromoted,
                Some(Role::Started) => role == RunRole::Started || role == RunRole::Unpromoted,
                Some(_) => false,
            },
        )
        .filter_map(|o| o.interval_ms().ok())
        .filter(|&i| i > 0)
        .collect()
}
