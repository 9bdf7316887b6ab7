//! Assigning resources to nodes.
//!
//! Top-level resources are placed one at a time: higher priority first, then
//! the one with the higher score where it runs now; ties keep configuration
//! order (crm_simulate keeps it even when a later resource has better scores
//! on every node). A primitive places the primaries it is colocated with first, takes
//! their placement into its scores, adds the preferences of the resources
//! colocated with it, and picks the best node: highest score, then the node
//! with fewer resources placed so far, then the node it runs on, then the
//! lowest name. A node is usable only if it can run resources and its score
//! is not negative.

use std::cmp::Ordering;

use crate::cib::{Role, Score};

use super::cluster::{Cluster, NodeIdx, PlacementStrategy};
use super::colocation::Coloc;
use super::promotion;
use super::resources::{RscIdx, RscKind};
use super::score::NodeScores;
use super::utilization::{self, Amounts};

/// The outcome of placement.
#[derive(Debug, Clone)]
pub struct Assignment {
    /// Scores after colocation, per resource.
    pub scores: Vec<NodeScores>,
    /// `None`: not decided (not a primitive); `Some(None)`: stopped.
    pub node: Vec<Option<Option<NodeIdx>>>,
    /// Resources placed on each node so far.
    pub placed_count: Vec<usize>,
    pub notes: Vec<Vec<String>>,
}

struct Placer<'c, 'a> {
    cluster: &'c Cluster<'a>,
    colocs: &'c [Coloc],
    out: Assignment,
    assigning: Vec<bool>,
    merging: Vec<bool>,
    /// Capacity left on each node (placement-strategy other than default).
    capacity_left: Vec<Amounts>,
}

/// Places every resource.
pub fn assign(
    cluster: &Cluster<'_>,
    colocs: &[Coloc],
    scores: Vec<NodeScores>,
    notes: Vec<Vec<String>>,
) -> Assignment {
    let count = cluster.table.rscs.len();
    let mut placer = Placer {
        cluster,
        colocs,
        out: Assignment {
            scores,
            node: vec![None; count],
            placed_count: vec![0; cluster.nodes.len()],
            notes,
        },
        assigning: vec![false; count],
        merging: vec![false; count],
        capacity_left: cluster.nodes.iter().map(|n| n.capacity.clone()).collect(),
    };
    for idx in placer.placement_order() {
        placer.assign_rsc(idx);
    }
    placer.out
}

impl Placer<'_, '_> {
    fn usable(&self, node: NodeIdx) -> bool {
        self.cluster.nodes[node].can_run()
    }

    /// Top-level resources in the order they are placed.
    fn placement_order(&mut self) -> Vec<RscIdx> {
        let top = self.cluster.table.top.clone();
        let strategy = self.cluster.options.placement_strategy;
        // The node order of the last tie-break: by capacity under
        // `balanced`, else by name.
        let mut node_order: Vec<NodeIdx> = (0..self.cluster.nodes.len()).collect();
        node_order.sort_by(|&a, &b| {
            let (x, y) = (&self.cluster.nodes[a], &self.cluster.nodes[b]);
            let capacity = if strategy == PlacementStrategy::Balanced {
                utilization::compare_capacity(&x.capacity, &y.capacity)
            } else {
                Ordering::Equal
            };
            capacity.then_with(|| x.name.cmp(&y.name))
        });
        let keyed: Vec<(RscIdx, i64, Score, Vec<Score>)> = top
            .iter()
            .map(|&t| {
                // A group is weighed through its last member, whose
                // primaries (the members before it) bring their bans along,
                // as Pacemaker weighs a group for this sort.
                let rsc = &self.cluster.table.rscs[t];
                let member = match rsc.kind {
                    RscKind::Group => rsc.children.last().copied(),
                    _ => self.cluster.table.primitives(t).first().copied(),
                };
                let first = member.unwrap_or(t);
                let mut work = self.out.scores[first].clone();
                self.merge_primaries(first, &mut work, 1.0);
                let current = self.cluster.running_on(first);
                let here = match current.first() {
                    Some(&n) => work[n].unwrap_or(Score::MINUS_INFINITY),
                    None => Score::MINUS_INFINITY,
                };
                let everywhere: Vec<Score> = node_order
                    .iter()
                    .map(|&n| work[n].unwrap_or(Score::MINUS_INFINITY))
                    .collect();
                (
                    t,
                    self.cluster.table.rscs[t].meta.priority,
                    here,
                    everywhere,
                )
            })
            .collect();
        let mut sorted = keyed;
        // Pacemaker sorts by score where each runs, then by score on each
        // node, only under a utilization-aware placement-strategy; by
        // default only priority reorders the configuration.
        let by_scores = strategy != PlacementStrategy::Default;
        sorted.sort_by(|a, b| {
            b.1.cmp(&a.1).then_with(|| {
                if by_scores {
                    b.2.cmp(&a.2).then_with(|| b.3.cmp(&a.3))
                } else {
                    Ordering::Equal
                }
            })
        });
        sorted.into_iter().map(|k| k.0).collect()
    }

    fn effective(&self, scores: &NodeScores, n: NodeIdx) -> Score {
        match scores[n] {
            Some(s) if self.usable(n) => s,
            _ => Score::MINUS_INFINITY,
        }
    }

    /// Adds the preferences of the primaries `idx` follows (for ordering only).
    fn merge_primaries(&mut self, idx: RscIdx, work: &mut NodeScores, factor: f64) {
        if self.merging[idx] {
            return;
        }
        self.merging[idx] = true;
        let this_with: Vec<Coloc> = self
            .colocs
            .iter()
            .filter(|c| c.dependent == idx)
            .cloned()
            .collect();
        for c in this_with {
            let f = factor * c.score.value() as f64 / Score::INFINITY_VALUE as f64;
            let primary_scores = self.out.scores[c.primary].clone();
            self.add_matching(work, &primary_scores, &c.node_attribute, f);
            self.merge_primaries(c.primary, work, f);
        }
        self.merging[idx] = false;
    }

    fn assign_rsc(&mut self, idx: RscIdx) {
        match self.cluster.table.rscs[idx].kind {
            RscKind::Primitive => self.assign_primitive(idx),
            RscKind::Group => {
                for c in self.cluster.table.rscs[idx].children.clone() {
                    self.assign_rsc(c);
                }
            }
            RscKind::Clone { .. } => self.assign_clone(idx),
        }
    }

    /// Places a clone's instances one by one, each kept off nodes that
    /// already have clone-node-max instances. Running instances go first and
    /// keep their node only if it is still their choice; an instance that
    /// would move is taken back and placed after the others, so it cannot
    /// take the node of an instance that is staying.
    fn assign_clone(&mut self, idx: RscIdx) {
        if self.assigning[idx] {
            return;
        }
        self.assigning[idx] = true;
        let node_max = super::clone::node_max(self.cluster, idx);
        let instances = self.cluster.table.rscs[idx].children.clone();
        let current = |i: RscIdx| -> Option<NodeIdx> {
            let prims = self.cluster.table.primitives(i);
            prims
                .first()
                .and_then(|&p| self.cluster.running_on(p).first().copied())
        };
        let (running, idle): (Vec<RscIdx>, Vec<RscIdx>) =
            instances.iter().partition(|&&i| current(i).is_some());
        let running: Vec<(RscIdx, NodeIdx)> = running
            .into_iter()
            .filter_map(|i| current(i).map(|n| (i, n)))
            .collect();
        let mut count = vec![0usize; self.cluster.nodes.len()];
        let mut later = Vec::new();
        for (inst, here) in running {
            let prims = self.cluster.table.primitives(inst);
            let saved: Vec<(NodeScores, usize)> = prims
                .iter()
                .map(|&p| (self.out.scores[p].clone(), self.out.notes[p].len()))
                .collect();
            match self.assign_instance(inst, node_max, &mut count) {
                Some(n) if n != here => {
                    count[n] -= 1;
                    for (&p, (scores, notes)) in prims.iter().zip(saved) {
                        if let Some(Some(m)) = self.out.node[p] {
                            self.out.placed_count[m] -= 1;
                        }
                        self.out.node[p] = None;
                        self.out.scores[p] = scores;
                        self.out.notes[p].truncate(notes);
                    }
                    later.push(inst);
                }
                _ => {}
            }
        }
        for inst in later.into_iter().chain(idle) {
            self.assign_instance(inst, node_max, &mut count);
        }
        self.assigning[idx] = false;
    }

    /// Places one clone instance (unless colocation already did) and counts
    /// it on its node; returns the node it got this way.
    fn assign_instance(
        &mut self,
        inst: RscIdx,
        node_max: usize,
        count: &mut [usize],
    ) -> Option<NodeIdx> {
        let prims = self.cluster.table.primitives(inst);
        if prims.iter().all(|&p| self.out.node[p].is_some()) {
            return None;
        }
        for &p in &prims {
            for (n, c) in count.iter().enumerate() {
                if *c >= node_max {
                    if let Some(s) = self.out.scores[p][n] {
                        self.out.scores[p][n] = Some(s + Score::MINUS_INFINITY);
                    }
                }
            }
        }
        self.assign_rsc(inst);
        let placed = prims.first().and_then(|&p| self.out.node[p].flatten());
        if let Some(n) = placed {
            count[n] += 1;
        }
        placed
    }

    /// Nodes where `idx` (a primitive, or any instance of a clone) is placed.
    fn placed_nodes(&self, idx: RscIdx) -> Vec<NodeIdx> {
        let mut nodes: Vec<NodeIdx> = self
            .cluster
            .table
            .primitives(idx)
            .iter()
            .filter_map(|&p| self.out.node[p].flatten())
            .collect();
        nodes.sort_unstable();
        nodes.dedup();
        nodes
    }

    /// Where the primary of `c` is placed in the role `c` names (a
    /// promotable clone's promoted or unpromoted instances).
    fn primary_nodes(&self, c: &Coloc) -> Vec<NodeIdx> {
        match c.primary_role {
            Some(role @ (Role::Promoted | Role::Unpromoted))
                if promotion::is_promotable(self.cluster, c.primary) =>
            {
                promotion::nodes_with_role(
                    self.cluster,
                    self.colocs,
                    &self.out.node,
                    c.primary,
                    role,
                )
            }
            _ => self.placed_nodes(c.primary),
        }
    }

    /// The colocations where `idx` is the dependent: its own, and for the
    /// first primitive of a clone instance, those of the clone.
    fn this_with(&self, idx: RscIdx) -> Vec<Coloc> {
        // A colocation of the dependent's promoted or unpromoted role does
        // not move instances: it decides which of them is promoted.
        self.this_with_any_role(idx)
            .into_iter()
            .filter(|c| !Self::of_role(c))
            .collect()
    }

    fn of_role(c: &Coloc) -> bool {
        matches!(c.dependent_role, Some(Role::Promoted | Role::Unpromoted))
    }

    /// [`Self::this_with`] including the colocations of a role.
    fn this_with_any_role(&self, idx: RscIdx) -> Vec<Coloc> {
        let clone = self.cluster.table.clone_of(idx).filter(|&c| {
            self.cluster.table.primitives(c).contains(&idx)
                && self.cluster.table.rscs[idx].parent.is_some_and(|par| {
                    par == c || self.cluster.table.rscs[par].children.first() == Some(&idx)
                })
        });
        self.colocs
            .iter()
            .filter(|c| c.dependent == idx || Some(c.dependent) == clone)
            .cloned()
            .collect()
    }

    fn assign_primitive(&mut self, idx: RscIdx) {
        if self.out.node[idx].is_some() || self.assigning[idx] {
            return;
        }
        self.assigning[idx] = true;
        // The primaries of a role colocation are placed (and so promoted)
        // first too, as Pacemaker places every primary before its
        // dependent, so that the promotion they decide is known.
        for c in self.this_with_any_role(idx) {
            if Self::of_role(&c) {
                self.assign_rsc(c.primary);
            }
        }
        let mut this_with: Vec<Coloc> = self.this_with(idx);
        this_with.sort_by_key(|c| -self.cluster.table.rscs[c.primary].meta.priority);
        for c in &this_with {
            self.assign_rsc(c.primary);
            self.apply_primary(idx, c);
        }
        let with_this: Vec<Coloc> = self
            .colocs
            .iter()
            .filter(|c| {
                c.primary == idx && (c.influence || self.cluster.running_on(idx).is_empty())
            })
            .cloned()
            .collect();
        for c in with_this {
            let mut work = self.out.scores[idx].clone();
            let factor = c.score.value() as f64 / Score::INFINITY_VALUE as f64;
            self.merge_dependent(c.dependent, &mut work, &c.node_attribute, factor);
            self.out.scores[idx] = work;
        }
        let strategy = self.cluster.options.placement_strategy;
        if strategy != PlacementStrategy::Default {
            self.ban_insufficient_capacity(idx);
        }
        let chosen = self.choose(idx);
        self.out.node[idx] = Some(chosen);
        if let Some(n) = chosen {
            self.out.placed_count[n] += 1;
            if strategy != PlacementStrategy::Default {
                let used = self.utilization_of(idx);
                utilization::take(&mut self.capacity_left[n], &used);
            }
        }
        self.assigning[idx] = false;
    }

    fn utilization_of(&self, idx: RscIdx) -> Amounts {
        self.cluster.table.rscs[idx]
            .prim
            .map(|p| utilization::amounts(&p.utilization))
            .unwrap_or_default()
    }

    /// Primitives tied to `idx` by mandatory colocations, either way and
    /// transitively (`idx` first).
    fn mandatorily_colocated(&self, idx: RscIdx) -> Vec<RscIdx> {
        let mut found = vec![idx];
        let mut i = 0;
        while i < found.len() {
            let r = found[i];
            for c in self.colocs {
                if c.score < Score::INFINITY {
                    continue;
                }
                let other = if c.dependent == r {
                    c.primary
                } else if c.primary == r {
                    c.dependent
                } else {
                    continue;
                };
                if self.cluster.table.rscs[other].kind == RscKind::Primitive
                    && !found.contains(&other)
                {
                    found.push(other);
                }
            }
            i += 1;
        }
        found
    }

    /// Bans `idx` from nodes without the capacity it needs: for it and the
    /// unplaced resources that must run with it when some node can take
    /// them all, else for it alone.
    fn ban_insufficient_capacity(&mut self, idx: RscIdx) {
        let mut together = Amounts::new();
        for r in self.mandatorily_colocated(idx) {
            if r == idx || self.out.node[r].is_none() {
                utilization::add(&mut together, &self.utilization_of(r));
            }
        }
        let alone = self.utilization_of(idx);
        let candidates: Vec<NodeIdx> = (0..self.cluster.nodes.len())
            .filter(|&n| {
                self.usable(n) && self.out.scores[idx][n].is_some_and(|s| s >= Score::ZERO)
            })
            .collect();
        let any_fits = candidates
            .iter()
            .any(|&n| utilization::fits(&self.capacity_left[n], &together));
        let need = if any_fits { together } else { alone };
        let mut banned = Vec::new();
        for n in candidates {
            if !utilization::fits(&self.capacity_left[n], &need) {
                if let Some(s) = self.out.scores[idx][n] {
                    self.out.scores[idx][n] = Some(s + Score::MINUS_INFINITY);
                }
                banned.push(self.cluster.nodes[n].name.clone());
            }
        }
        if !banned.is_empty() {
            self.out.notes[idx].push(format!("not enough capacity left on {}", banned.join(", ")));
        }
    }

    /// Adjusts the dependent's scores around its primary's placement.
    fn apply_primary(&mut self, idx: RscIdx, c: &Coloc) {
        // A primary still being placed (a colocation loop led back to it)
        // has no node yet, not "no node": the colocation does nothing, as
        // Pacemaker skips a colocation whose primary is still provisional.
        let prims = self.cluster.table.primitives(c.primary);
        if !prims.is_empty() && prims.iter().all(|&p| self.out.node[p].is_none()) {
            let primary = &self.cluster.table.rscs[c.primary].id;
            self.out.notes[idx].push(format!(
                "colocation {} with {primary} skipped: {primary} is still being placed (a loop)",
                c.id
            ));
            return;
        }
        let placed = self.primary_nodes(c);
        let primary_node = placed.first().copied();
        let value_of = |n: NodeIdx| {
            self.cluster.nodes[n]
                .attr(&c.node_attribute)
                .map(str::to_string)
        };
        let values: Vec<String> = placed.iter().filter_map(|&n| value_of(n)).collect();
        let n_nodes = self.cluster.nodes.len();
        for n in 0..n_nodes {
            let same = value_of(n).is_some_and(|v| values.contains(&v));
            let Some(current) = self.out.scores[idx][n] else {
                continue;
            };
            let updated = if c.score >= Score::INFINITY {
                if same {
                    current
                } else {
                    current + Score::MINUS_INFINITY
                }
            } else if c.score <= Score::MINUS_INFINITY {
                if same {
                    current + Score::MINUS_INFINITY
                } else {
                    current
                }
            } else if same {
                current + c.score
            } else {
                current
            };
            self.out.scores[idx][n] = Some(updated);
        }
        let primary = &self.cluster.table.rscs[c.primary].id;
        let place = primary_node.map_or("nowhere".to_string(), |n| {
            self.cluster.nodes[n].name.clone()
        });
        self.out.notes[idx].push(format!(
            "colocation {} ({}) with {primary}, placed {place}",
            c.id, c.score
        ));
    }

    /// Merges the preferences of `dep` (and, transitively, of what follows
    /// it) into `work`, scaled by `factor`; undone when it would leave no
    /// usable node.
    fn merge_dependent(&mut self, dep: RscIdx, work: &mut NodeScores, attr: &str, factor: f64) {
        if self.merging[dep] {
            return;
        }
        self.merging[dep] = true;
        let mut candidate = work.clone();
        let dep_scores = self.out.scores[dep].clone();
        self.add_matching(&mut candidate, &dep_scores, attr, factor);
        if self.any_usable(&candidate) {
            let followers: Vec<Coloc> = self
                .colocs
                .iter()
                .filter(|c| {
                    c.primary == dep && (c.influence || self.cluster.running_on(dep).is_empty())
                })
                .cloned()
                .collect();
            for c in followers {
                let f = factor * c.score.value() as f64 / Score::INFINITY_VALUE as f64;
                self.merge_dependent(c.dependent, &mut candidate, &c.node_attribute, f);
            }
            *work = candidate;
        }
        self.merging[dep] = false;
    }

    fn any_usable(&self, scores: &NodeScores) -> bool {
        scores
            .iter()
            .enumerate()
            .any(|(n, s)| s.is_some_and(|s| s >= Score::ZERO) && self.usable(n))
    }

    /// For each node in `work`, adds `factor` times the best score `other`
    /// has on a usable node with the same value of `attr`.
    fn add_matching(&self, work: &mut NodeScores, other: &NodeScores, attr: &str, factor: f64) {
        let nodes = &self.cluster.nodes;
        for n in 0..work.len() {
            let Some(current) = work[n] else { continue };
            let value = nodes[n].attr(attr);
            let best = (0..nodes.len())
                .filter(|&m| self.usable(m) && nodes[m].attr(attr) == value && value.is_some())
                .filter_map(|m| other[m])
                .filter(|s| *s > Score::MINUS_INFINITY)
                .max()
                .unwrap_or(Score::MINUS_INFINITY);
            if factor < 0.0 && best < Score::ZERO {
                continue;
            }
            let scaled = factor * best.value() as f64;
            let mut weight = if scaled < 0.0 {
                (scaled - 0.5) as i64
            } else {
                (scaled + 0.5) as i64
            };
            if weight == 0 && best != Score::ZERO {
                weight = if factor > 0.0 { 1 } else { -1 };
            }
            work[n] = Some(current + Score::new(weight));
        }
    }

    /// The best node for `idx`, or `None` to keep it stopped.
    fn choose(&mut self, idx: RscIdx) -> Option<NodeIdx> {
        let rsc = &self.cluster.table.rscs[idx];
        let running = self.cluster.running_on(idx);
        // Unmanaged, or in maintenance (the cluster's or its node's): it
        // stays where it is.
        let frozen = !rsc.meta.managed
            || self.cluster.options.maintenance_mode
            || running.iter().any(|&n| self.cluster.nodes[n].maintenance);
        if frozen {
            return running.first().copied();
        }
        if rsc.meta.target_role == Some(crate::cib::Role::Stopped) {
            self.out.notes[idx].push("target-role is Stopped".into());
            return None;
        }
        let current = (running.len() == 1).then(|| running[0]);
        let scores = &self.out.scores[idx];
        let mut candidates: Vec<NodeIdx> = (0..self.cluster.nodes.len())
            .filter(|&n| scores[n].is_some())
            .collect();
        candidates.sort_by(|&a, &b| self.compare_nodes(scores, a, b, current));
        let best = *candidates.first()?;
        let mut chosen = best;
        let best_score = self.effective(scores, best);
        if best_score > Score::ZERO && self.usable(best) {
            if let Some(cur) = current.filter(|&c| self.usable(c)) {
                if self.effective(scores, cur) == best_score {
                    chosen = cur;
                }
            }
        }
        let score = self.effective(scores, chosen);
        if score < Score::ZERO || !self.usable(chosen) {
            self.out.notes[idx]
                .push("no node can run it (all scores negative or nodes unavailable)".into());
            return None;
        }
        let name = &self.cluster.nodes[chosen].name;
        self.out.notes[idx].push(format!("chose {name} with score {score}"));
        Some(chosen)
    }

    fn compare_nodes(
        &self,
        scores: &NodeScores,
        a: NodeIdx,
        b: NodeIdx,
        current: Option<NodeIdx>,
    ) -> Ordering {
        let (x, y) = (self.effective(scores, a), self.effective(scores, b));
        let by_score = y.cmp(&x);
        let name = || self.cluster.nodes[a].name.cmp(&self.cluster.nodes[b].name);
        match self.cluster.options.placement_strategy {
            // Packs: no spreading by count, no preference for where it runs.
            PlacementStrategy::Minimal => return by_score.then_with(name),
            PlacementStrategy::Balanced => {
                let capacity =
                    utilization::compare_capacity(&self.capacity_left[a], &self.capacity_left[b]);
                if by_score.then(capacity) != Ordering::Equal {
                    return by_score.then(capacity);
                }
            }
            _ => {}
        }
        by_score
            .then(self.out.placed_count[a].cmp(&self.out.placed_count[b]))
            .then_with(|| match current {
                Some(c) if c == a => Ordering::Less,
                Some(c) if c == b => Ordering::Greater,
                _ => Ordering::Equal,
            })
            .then_with(|| self.cluster.nodes[a].name.cmp(&self.cluster.nodes[b].name))
    }
}
