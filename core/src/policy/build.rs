//! Turns a plan into a [`Transition`]: the action list with reasons, the
//! ordering edges between actions, and the placement and node states after
//! the transition.

use std::collections::BTreeMap;

use crate::cib::Action as Verb;

use super::actions::{self, Plan};
use super::cluster::{Cluster, NodeIdx};
use super::graph::{
    ActionId, ActionKind, Compact, CompactAction, FenceAction, NodeMode, NodeOutcome, Placement,
    PlacementFlags, Reason, RunRole, Transition,
};
use super::order::OrderRel;
use super::placement::Assignment;
use super::resources::{RscIdx, RscKind};

/// Builds the transition.
pub fn transition(
    cluster: &Cluster<'_>,
    assignment: &Assignment,
    plan: &Plan,
    orders: &[OrderRel],
) -> Compact {
    let mut b = Builder {
        cluster,
        t: Transition::default(),
        actions: Vec::new(),
        kinds: Vec::new(),
        edges: Vec::new(),
        rsc_names: cluster.table.rscs.iter().map(|r| r.id.clone()).collect(),
        orphan_names: BTreeMap::new(),
        reasons: vec![Reason::UnknownState, Reason::Recurring],
        by_rsc: Vec::new(),
        cluster_actions: Vec::new(),
    };
    b.fencing(plan);
    b.resource_actions(plan);
    b.orphans();
    b.shutdowns(plan);
    b.reprobes();
    b.edges(plan, orders);
    b.before();
    b.placement(plan);
    b.nodes(plan);
    for (idx, notes) in assignment.notes.iter().enumerate() {
        for n in notes {
            b.t.notes
                .push((cluster.table.rscs[idx].id.clone(), n.clone()));
        }
    }
    Compact {
        outline: b.t,
        actions: b.actions,
        edges: b.edges,
        kinds: b.kinds,
        rsc_names: b.rsc_names,
        node_names: cluster.nodes.iter().map(|n| n.name.clone()).collect(),
        reasons: b.reasons,
    }
}

/// Lookups through each resource's own actions keep building linear in
/// the number of actions (a large CIB has tens of thousands of probes)
/// without a second copy of every action's key.
struct Builder<'c, 'a> {
    cluster: &'c Cluster<'a>,
    /// Everything but the actions.
    t: Transition,
    actions: Vec<CompactAction>,
    kinds: Vec<ActionKind>,
    /// Sorted and unique once built.
    edges: Vec<(u32, u32)>,
    /// The table's resource ids by index, then orphans' as they come.
    rsc_names: Vec<String>,
    orphan_names: BTreeMap<String, u32>,
    reasons: Vec<Reason>,
    /// Each resource name's actions, in the order they were added.
    by_rsc: Vec<Vec<ActionId>>,
    /// Actions of no resource (fencing, shutdown).
    cluster_actions: Vec<ActionId>,
}

impl Builder<'_, '_> {
    fn push(
        &mut self,
        rsc: Option<u32>,
        kind: ActionKind,
        node: NodeIdx,
        reason: Reason,
    ) -> ActionId {
        if let Some(id) = self.lookup(rsc, &kind, node) {
            return id;
        }
        let kind = match self.kinds.iter().position(|k| *k == kind) {
            Some(k) => k as u32,
            None => {
                self.kinds.push(kind);
                (self.kinds.len() - 1) as u32
            }
        };
        let id = self.actions.len();
        match rsc {
            Some(r) => {
                let r = r as usize;
                if self.by_rsc.len() <= r {
                    self.by_rsc.resize_with(r + 1, Vec::new);
                }
                self.by_rsc[r].push(id);
            }
            None => self.cluster_actions.push(id),
        }
        let reason = match reason {
            Reason::UnknownState => 0,
            Reason::Recurring => 1,
            other => {
                self.reasons.push(other);
                (self.reasons.len() - 1) as u32
            }
        };
        self.actions.push(CompactAction {
            rsc: rsc.unwrap_or(CompactAction::NO_RSC),
            node: node as u32,
            reason,
            kind,
        });
        id
    }

    /// The name index of a resource the configuration no longer has.
    fn orphan_name(&mut self, id: &str) -> u32 {
        if let Some(&i) = self.orphan_names.get(id) {
            return i;
        }
        let i = self.rsc_names.len() as u32;
        self.rsc_names.push(id.to_string());
        self.orphan_names.insert(id.to_string(), i);
        i
    }

    fn lookup(&self, rsc: Option<u32>, kind: &ActionKind, node: NodeIdx) -> Option<ActionId> {
        let own = match rsc {
            Some(r) => self.by_rsc.get(r as usize)?,
            None => &self.cluster_actions,
        };
        let kind = self.kinds.iter().position(|k| k == kind)? as u32;
        own.iter().copied().find(|&i| {
            let a = &self.actions[i];
            a.kind == kind && a.node as usize == node
        })
    }

    fn find(&self, rsc: RscIdx, kind: &ActionKind, node: NodeIdx) -> Option<ActionId> {
        self.lookup(Some(rsc as u32), kind, node)
    }

    fn fencing(&mut self, plan: &Plan) {
        let action = if self.cluster.options.stonith_action_off {
            FenceAction::Off
        } else {
            FenceAction::Reboot
        };
        for (n, why) in &plan.fenced {
            self.push(None, ActionKind::Fence { action }, *n, why.clone());
        }
    }

    fn resource_actions(&mut self, plan: &Plan) {
        let cluster = self.cluster;
        for (idx, rsc) in cluster.table.rscs.iter().enumerate() {
            if rsc.kind != RscKind::Primitive {
                continue;
            }
            let id = idx as u32;
            // A node about to be fenced is not probed.
            let fenced: Vec<NodeIdx> = plan.fenced.iter().map(|(n, _)| *n).collect();
            let probes: Vec<NodeIdx> = actions::probe_nodes(cluster, idx)
                .into_iter()
                .filter(|n| !fenced.contains(n) && self.probes_for_clone(plan, idx, *n))
                .collect();
            for n in probes {
                self.push(Some(id), ActionKind::Probe, n, Reason::UnknownState);
            }
            let p = &plan.rscs[idx];
            for (n, why) in &p.stops {
                self.push(Some(id), ActionKind::Stop, *n, why.clone());
            }
            self.agent_change_deletes(plan, idx);
            if let Some((m, true, why)) = &p.start {
                self.push(Some(id), ActionKind::Start, *m, why.clone());
            }
            let changes = &plan.changes[idx];
            let changed = || Reason::AdminChange(actions::DEFINITION_CHANGE.into());
            for &n in &changes.clear_failcount {
                self.push(Some(id), ActionKind::ClearFailcount, n, changed());
            }
            for &n in &changes.delete {
                self.push(Some(id), ActionKind::Delete, n, changed());
            }
            for &n in &changes.reload {
                // A stop (or a fresh start) applies the new parameters anyway.
                let stops = p.stops.iter().any(|(s, _)| *s == n);
                let starts = p.start.as_ref().is_some_and(|s| s.0 == n);
                if !p.frozen && !stops && !starts {
                    self.push(Some(id), ActionKind::Reload, n, changed());
                }
            }
            for (n, why) in &p.demote {
                self.push(Some(id), ActionKind::Demote, *n, why.clone());
            }
            if let Some((m, why)) = &p.promote {
                self.push(Some(id), ActionKind::Promote, *m, why.clone());
            }
            self.orphan_recurring(idx);
            // A failed instance recovering where it ran is, to Pacemaker, a
            // fresh instance there: it inherits no monitor to cancel.
            let recovering = |n: NodeIdx| {
                p.stops
                    .iter()
                    .any(|(s, why)| *s == n && matches!(why, Reason::Failure(_)))
            };
            if let Some((n, role)) = p.assigned.filter(|(n, _)| !recovering(*n)) {
                let recorded = cluster
                    .history_on(idx, n)
                    .filter(|h| h.role.is_active())
                    .map(|h| h.recurring.clone())
                    .unwrap_or_default();
                let intervals = actions::monitor_intervals(cluster, idx, role);
                self.cancel_other_role_monitors(idx, n, &recorded, &intervals);
            }
            // A blocked resource (a failed stop without fencing, or
            // on-fail=block) gets no new recurring operations.
            let finals = if p.blocked {
                Vec::new()
            } else {
                actions::final_nodes(cluster, &plan.rscs, idx)
            };
            for n in finals {
                // Maintenance stops monitoring; nothing new starts there.
                if cluster.options.maintenance_mode || cluster.nodes[n].maintenance {
                    continue;
                }
                let starting = matches!(&p.start, Some((m, true, _)) if *m == n);
                let role = actions::final_role(cluster, plan, idx, n);
                let recorded = cluster
                    .history_on(idx, n)
                    .map(|h| h.recurring.clone())
                    .unwrap_or_default();
                let intervals = actions::monitor_intervals(cluster, idx, role);
                for interval_ms in intervals {
                    let stale = changes.monitors.contains(&(n, interval_ms));
                    if starting
                        || stale
                        || !recorded.contains(&("monitor".to_string(), interval_ms))
                    {
                        self.push(
                            Some(id),
                            ActionKind::Monitor { interval_ms },
                            n,
                            Reason::Recurring,
                        );
                    }
                }
            }
        }
    }

    /// An anonymous clone is probed once per node, not once per instance:
    /// through the instance that will run there, else its first instance.
    fn probes_for_clone(&self, plan: &Plan, idx: RscIdx, node: NodeIdx) -> bool {
        let table = &self.cluster.table;
        if !self.is_anonymous_instance(idx) {
            return true;
        }
        let Some(clone) = table.clone_of(idx) else {
            return true;
        };
        let base = &table.rscs[idx].base_id;
        let siblings: Vec<RscIdx> = table
            .primitives(clone)
            .into_iter()
            .filter(|&p| table.rscs[p].base_id == *base)
            .collect();
        let chosen = siblings
            .iter()
            .copied()
            .find(|&s| actions::final_nodes(self.cluster, &plan.rscs, s).contains(&node))
            .or_else(|| siblings.first().copied());
        chosen == Some(idx)
    }

    /// An instance keeps no monitor of another role where it is placed
    /// (even when its start or promotion cannot run, or it restarts there):
    /// each recorded monitor its next role does not have (but the
    /// configuration still does) is cancelled.
    fn cancel_other_role_monitors(
        &mut self,
        idx: RscIdx,
        node: NodeIdx,
        recorded: &std::collections::BTreeSet<(String, u64)>,
        intervals: &[u64],
    ) {
        let rsc = &self.cluster.table.rscs[idx];
        let Some(prim) = rsc.prim else { return };
        for (task, interval_ms) in recorded {
            // Exactly one definition: a duplicated (name, interval) is
            // ignored in every role, so it is not cancelled either.
            let definitions = prim
                .ops
                .iter()
                .filter(|o| o.name == *task && o.interval_ms().ok() == Some(*interval_ms))
                .count();
            if task != "monitor" || definitions != 1 || intervals.contains(interval_ms) {
                continue;
            }
            let kind = ActionKind::Cancel {
                task: task.clone(),
                interval_ms: *interval_ms,
            };
            let why = Reason::Placement(format!(
                "the role changes; {task} every {interval_ms}ms belongs to the old one"
            ));
            self.push(Some(idx as u32), kind, node, why);
        }
    }

    /// Recurring operations recorded where the resource is active that its
    /// definition no longer has (name and interval), or all of them in
    /// maintenance (of the cluster or of that node): cancelled.
    fn orphan_recurring(&mut self, idx: RscIdx) {
        let cluster = self.cluster;
        let rsc = &cluster.table.rscs[idx];
        let Some(prim) = rsc.prim else { return };
        for (n, h) in &cluster.history[idx] {
            if !h.role.is_active() || cluster.nodes[*n].unclean || !cluster.nodes[*n].online {
                continue;
            }
            // Cluster-wide maintenance cancels them only where the resource
            // stays placed (not on a standby node); a node in maintenance
            // has all of its own cancelled.
            let node = &cluster.nodes[*n];
            let maintenance =
                node.maintenance || (cluster.options.maintenance_mode && node.can_run());
            for (task, interval_ms) in &h.recurring {
                let configured = prim
                    .ops
                    .iter()
                    .any(|o| o.name == *task && o.interval_ms().ok() == Some(*interval_ms));
                if maintenance {
                    let kind = ActionKind::Cancel {
                        task: task.clone(),
                        interval_ms: *interval_ms,
                    };
                    let why = Reason::AdminChange("maintenance mode".into());
                    self.push(Some(idx as u32), kind, *n, why);
                } else if !configured {
                    let kind = ActionKind::Cancel {
                        task: task.clone(),
                        interval_ms: *interval_ms,
                    };
                    let why = Reason::AdminChange(format!(
                        "{task} every {interval_ms}ms is no longer configured"
                    ));
                    self.push(Some(idx as u32), kind, *n, why);
                }
            }
        }
    }

    /// Histories of resources no longer configured: stopped if active, and
    /// their records deleted.
    fn orphans(&mut self) {
        let cluster = self.cluster;
        for (n, h) in &cluster.orphans {
            let why = Reason::AdminChange(format!("{} is no longer configured", h.lrm_id));
            if h.role.is_active() {
                if cluster.options.stop_orphans && !cluster.nodes[*n].unclean {
                    let name = self.orphan_name(&h.lrm_id);
                    self.push(Some(name), ActionKind::Stop, *n, why.clone());
                    self.push(Some(name), ActionKind::Delete, *n, why);
                }
            } else if cluster.nodes[*n].online {
                let name = self.orphan_name(&h.lrm_id);
                self.push(Some(name), ActionKind::Delete, *n, why);
            }
        }
    }

    /// A record made with another agent than the configured one is deleted
    /// on a node that may run resources, for every instance the record could
    /// belong to (each instance of an anonymous clone deletes it), unless
    /// the resource is left alone (unmanaged).
    fn agent_change_deletes(&mut self, plan: &Plan, idx: RscIdx) {
        let cluster = self.cluster;
        if plan.rscs[idx].frozen {
            return;
        }
        for (n, h) in &cluster.history[idx] {
            if !h.agent_changed || !cluster.nodes[*n].can_run() {
                continue;
            }
            for s in actions::probe_siblings(cluster, idx) {
                let why = Reason::AdminChange(format!(
                    "{} was recorded for another agent",
                    cluster.table.rscs[s].id
                ));
                self.push(Some(s as u32), ActionKind::Delete, *n, why);
            }
        }
    }

    fn reprobes(&mut self) {
        if !self.cluster.options.startup_probes {
            return;
        }
        for (n, node) in self.cluster.nodes.iter().enumerate() {
            if node.online && !node.unclean && !node.pending && node.reprobe() {
                self.push(
                    None,
                    ActionKind::Reprobe,
                    n,
                    Reason::NodeEvent(format!("{} has not completed its probes", node.name)),
                );
            }
        }
    }

    fn shutdowns(&mut self, _plan: &Plan) {
        for (n, node) in self.cluster.nodes.iter().enumerate() {
            if node.shutdown && node.online {
                self.push(
                    None,
                    ActionKind::Shutdown,
                    n,
                    Reason::AdminChange(format!("{} asked to shut down", node.name)),
                );
            }
        }
    }

    fn edges(&mut self, plan: &Plan, orders: &[OrderRel]) {
        let cluster = self.cluster;
        let mut edges: Vec<(u32, u32)> = Vec::new();
        let mut add = |a: ActionId, b: ActionId| {
            if a != b {
                edges.push((a as u32, b as u32));
            }
        };
        for own in &self.by_rsc {
            for (a, b) in own.iter().flat_map(|&a| own.iter().map(move |&b| (a, b))) {
                let (act, other) = (self.kind_of(a), self.kind_of(b));
                if a == b {
                    continue;
                }
                let before = matches!(
                    (act, other),
                    (ActionKind::Probe, ActionKind::Start | ActionKind::Stop)
                        | (ActionKind::Stop, ActionKind::Start | ActionKind::Delete)
                        | (ActionKind::Delete, ActionKind::Start)
                        | (ActionKind::Reload, ActionKind::Monitor { .. })
                        | (ActionKind::Start, ActionKind::Monitor { .. })
                        | (ActionKind::Demote, ActionKind::Stop)
                        | (ActionKind::Start, ActionKind::Promote)
                );
                if before {
                    add(a, b);
                }
            }
        }
        for a in 0..self.actions.len() {
            if !matches!(self.kind_of(a), ActionKind::Fence { .. }) {
                continue;
            }
            let fenced = self.actions[a].node as usize;
            for (idx, p) in plan.rscs.iter().enumerate() {
                // What ran there stops with the fence; what nobody knows
                // about there (a node never seen, a resource never probed
                // on it) may be running there too until the fence.
                let unknown_there = !cluster.history_on(idx, fenced).is_some_and(|h| h.known);
                if !p.implied_stops.contains(&fenced) && !unknown_there {
                    continue;
                }
                if let Some((m, true, _)) = p.start {
                    if let Some(s) = self.find(idx, &ActionKind::Start, m) {
                        add(a, s);
                    }
                }
            }
        }
        for o in orders {
            let (fk, tk) = (verb_kind(o.first_action), verb_kind(o.then_action));
            for fa in self.actions_of(o.first, &fk) {
                for ta in self.actions_of(o.then, &tk) {
                    let (a, b) = (&self.actions[fa], &self.actions[ta]);
                    if o.same_node_only && a.node != b.node {
                        continue;
                    }
                    add(fa, ta);
                }
            }
        }
        // Pairs of indexes, sorted in place: no set of every pair, no
        // scratch space for the sort (both were the largest CIBs' peak).
        edges.sort_unstable();
        edges.dedup();
        self.edges = edges;
    }

    fn actions_of(&self, rsc: RscIdx, kind: &ActionKind) -> Vec<ActionId> {
        self.by_rsc
            .get(rsc)
            .into_iter()
            .flatten()
            .copied()
            .filter(|&i| self.kind_of(i) == kind)
            .collect()
    }

    fn kind_of(&self, a: ActionId) -> &ActionKind {
        &self.kinds[self.actions[a].kind as usize]
    }

    fn placement(&mut self, plan: &Plan) {
        let cluster = self.cluster;
        for (idx, rsc) in cluster.table.rscs.iter().enumerate() {
            if rsc.kind != RscKind::Primitive {
                continue;
            }
            let p = &plan.rscs[idx];
            // A resource left alone (unmanaged, maintenance) keeps a
            // failure it cannot recover from.
            let failed_here = p.frozen
                && cluster.history[idx].iter().any(|(_, h)| {
                    h.role.is_active() && h.on_fail >= super::history::FailResponse::Restart
                });
            let flags = PlacementFlags {
                failed: p.blocked || failed_here,
                blocked: p.blocked,
                orphaned: false,
                unmanaged: !rsc.meta.managed || p.blocked || cluster.options.maintenance_mode,
            };
            let nodes = actions::shown_nodes(cluster, &plan.rscs, idx);
            let anonymous = self.is_anonymous_instance(idx);
            if anonymous {
                self.t.anonymous_instances.insert(rsc.id.clone());
            }
            for &n in &nodes {
                self.t.placement.push(Placement {
                    rsc: rsc.id.clone(),
                    role: actions::final_role(cluster, plan, idx, n),
                    node: Some(cluster.nodes[n].name.clone()),
                    // Whatever runs on a node in maintenance is left alone.
                    flags: PlacementFlags {
                        unmanaged: flags.unmanaged || cluster.nodes[n].maintenance,
                        ..flags
                    },
                });
            }
            if nodes.is_empty() {
                self.t.placement.push(Placement {
                    rsc: rsc.id.clone(),
                    role: RunRole::Stopped,
                    node: None,
                    flags,
                });
            }
        }
        for (_, h) in &self.cluster.orphans {
            let _ = h;
        }
    }

    fn before(&mut self) {
        let cluster = self.cluster;
        for (idx, rsc) in cluster.table.rscs.iter().enumerate() {
            if rsc.kind != RscKind::Primitive {
                continue;
            }
            let mut any = false;
            for (n, h) in &cluster.history[idx] {
                if h.role.is_active() {
                    any = true;
                    let flags = PlacementFlags {
                        failed: h.on_fail >= super::history::FailResponse::Restart
                            || h.on_fail == super::history::FailResponse::Block,
                        blocked: h.on_fail == super::history::FailResponse::Block,
                        orphaned: false,
                        unmanaged: !rsc.meta.managed,
                    };
                    self.t.before.push(Placement {
                        rsc: rsc.id.clone(),
                        role: h.role,
                        node: Some(cluster.nodes[*n].name.clone()),
                        flags,
                    });
                }
            }
            if !any {
                let flags = PlacementFlags {
                    unmanaged: !rsc.meta.managed,
                    ..PlacementFlags::default()
                };
                self.t.before.push(Placement {
                    rsc: rsc.id.clone(),
                    role: RunRole::Stopped,
                    node: None,
                    flags,
                });
            }
        }
        for node in &cluster.nodes {
            self.t.nodes_before.push(NodeOutcome {
                name: node.name.clone(),
                state: node.mode(false),
            });
        }
    }

    fn is_anonymous_instance(&self, idx: RscIdx) -> bool {
        let table = &self.cluster.table;
        table
            .clone_of(idx)
            .is_some_and(|c| matches!(table.rscs[c].kind, RscKind::Clone { unique: false, .. }))
    }

    fn nodes(&mut self, plan: &Plan) {
        for (n, node) in self.cluster.nodes.iter().enumerate() {
            // A node fenced by this transition is down afterwards.
            let fenced = plan.fenced.iter().any(|(f, _)| *f == n);
            let state = if fenced {
                NodeMode::Offline
            } else {
                node.mode(true)
            };
            self.t.nodes.push(NodeOutcome {
                name: node.name.clone(),
                state,
            });
        }
    }
}

fn verb_kind(v: Verb) -> ActionKind {
    match v {
        Verb::Start => ActionKind::Start,
        Verb::Stop => ActionKind::Stop,
        Verb::Promote => ActionKind::Promote,
        Verb::Demote => ActionKind::Demote,
    }
}
