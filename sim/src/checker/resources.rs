//! Resource safety against the ground truth (the agents' `Instance`
//! records), not against what the cluster believes:
//!
//! - a resource that is not a clone never really runs on two nodes at once
//!   (counted apart, not failed, when the configuration gave that up:
//!   stonith disabled and no-quorum-policy=ignore or two_node; or stonith
//!   disabled and the two nodes in different views (now, or when either
//!   start was issued): a majority cannot
//!   know that a node it lost stopped its resources, only fencing could
//!   tell it; two nodes in one view running one resource is a failure
//!   whatever the configuration);
//! - a mandatory order's `then` is never started while its `first` is
//!   stopped by the cluster (a `first` that died by itself or with its
//!   machine is the fault's doing, not the cluster's);
//! - once a DC completes a transition, an INFINITY colocation's dependent
//!   runs on no member of the DC's view without its anchor there (unless
//!   one of them died by itself since the transition began: the news may
//!   still be on its way).

use std::collections::{BTreeMap, BTreeSet};

use cohort_core::cib::{
    is_true, Action, Cib, ColocationTarget, Constraint, OrderKind, OrderTarget, Resource, Score,
};
use cohort_core::controller::{ClusterEvent, TransitionId};
use cohort_core::time::Instant;
use cohort_core::totem::NodeId;

use super::{Violation, ViolationKind};
use crate::history::{Cause, Record};

/// What the configuration demands, read once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rules {
    /// Primitives that must run at most once (not clones, not fence
    /// devices).
    pub exclusive: BTreeSet<String>,
    /// Mandatory start orders: (first, then).
    pub orders: Vec<(String, String)>,
    /// INFINITY colocations: (dependent, anchor).
    pub colocations: Vec<(String, String)>,
    pub stonith_enabled: bool,
}

impl Rules {
    pub fn of(cib: &Cib) -> Rules {
        let mut r = Rules {
            stonith_enabled: cib
                .configuration
                .property("stonith-enabled")
                .is_none_or(is_true),
            ..Rules::default()
        };
        fn walk(res: &Resource, out: &mut BTreeSet<String>) {
            match res {
                Resource::Primitive(p) if p.agent.class != "stonith" => {
                    out.insert(p.id.clone());
                }
                Resource::Group(_) => res.children().into_iter().for_each(|c| walk(c, out)),
                // A clone's instances may run anywhere, many at once.
                _ => {}
            }
        }
        for res in &cib.configuration.resources {
            walk(res, &mut r.exclusive);
        }
        for c in &cib.configuration.constraints {
            match c {
                Constraint::Order(o) if o.effective_kind() == OrderKind::Mandatory => {
                    r.orders.extend(order_pairs(&o.target));
                }
                Constraint::Colocation(col) => {
                    let score = col.score.as_deref().map(Score::parse);
                    if score == Some(Ok(Score::INFINITY)) {
                        r.colocations.extend(colocation_pairs(&col.target));
                    }
                }
                _ => {}
            }
        }
        r
    }
}

fn is_start(a: Option<Action>) -> bool {
    a.is_none_or(|a| a == Action::Start)
}

/// Start orders; within a sequential set each member after the one before
/// (orders between sets are left out).
fn order_pairs(target: &OrderTarget) -> Vec<(String, String)> {
    match target {
        OrderTarget::Pair {
            first,
            then,
            first_action,
            then_action,
        } => {
            let then_action = then_action.or(*first_action);
            if is_start(*first_action) && is_start(then_action) {
                vec![(first.clone(), then.clone())]
            } else {
                Vec::new()
            }
        }
        OrderTarget::Sets(sets) => sets
            .iter()
            .filter(|s| s.sequential.unwrap_or(true) && is_start(s.action))
            .flat_map(|s| s.resources.windows(2).map(|w| (w[0].clone(), w[1].clone())))
            .collect(),
    }
}

/// Within a sequential set each member goes with the one before it (as
/// the policy engine reads sets; colocations between sets are left out).
fn colocation_pairs(target: &ColocationTarget) -> Vec<(String, String)> {
    match target {
        ColocationTarget::Pair { rsc, with_rsc, .. } => vec![(rsc.clone(), with_rsc.clone())],
        ColocationTarget::Sets(sets) => sets
            .iter()
            .filter(|s| s.sequential.unwrap_or(true))
            .flat_map(|s| s.resources.windows(2).map(|w| (w[1].clone(), w[0].clone())))
            .collect(),
    }
}

#[derive(Debug, Default)]
struct Truth {
    running: BTreeMap<String, BTreeSet<NodeId>>,
    /// Per resource, why its last instance went down.
    last_down: BTreeMap<String, Cause>,
    /// Per resource, the last time an instance died by itself or with its
    /// machine.
    last_loss: BTreeMap<String, Instant>,
}

impl Truth {
    fn runs_on(&self, rsc: &str, node: NodeId) -> bool {
        self.running.get(rsc).is_some_and(|n| n.contains(&node))
    }

    fn runs_anywhere(&self, rsc: &str) -> bool {
        self.running.get(rsc).is_some_and(|n| !n.is_empty())
    }
}

/// Every resource safety check over `records`; `allowed`: running twice is
/// allowed by configuration (counted apart).
pub fn check(records: &[Record], rules: &Rules, allowed: bool) -> Vec<Violation> {
    let mut out = Vec::new();
    let mut truth = Truth::default();
    let mut views: BTreeMap<NodeId, Vec<NodeId>> = BTreeMap::new();
    let mut started: BTreeMap<(NodeId, TransitionId), Instant> = BTreeMap::new();
    // The view each instance's start was issued in.
    let mut start_view: BTreeMap<(NodeId, &str), Vec<NodeId>> = BTreeMap::new();
    for r in records {
        match r {
            Record::Instance {
                node,
                at,
                rsc,
                up,
                cause,
            } => {
                let nodes = truth.running.entry(rsc.clone()).or_default();
                if *up {
                    nodes.insert(*node);
                    if nodes.len() == 2 && rules.exclusive.contains(rsc) {
                        let first = nodes.first().and_then(|n| views.get(n));
                        let one_view = nodes.iter().all(|n| {
                            views.get(n) == first && start_view.get(&(*n, rsc.as_str())) == first
                        });
                        let unfenced_split = !rules.stonith_enabled && !one_view;
                        let kind = if allowed || unfenced_split {
                            ViolationKind::RunsTwiceByConfiguration
                        } else {
                            ViolationKind::RunsTwice
                        };
                        out.push(Violation::new(
                            kind,
                            *at,
                            format!("{rsc} runs on nodes {nodes:?}"),
                        ));
                    }
                } else {
                    nodes.remove(node);
                    truth.last_down.insert(rsc.clone(), *cause);
                    if matches!(cause, Cause::Died | Cause::NodeDown) {
                        truth.last_loss.insert(rsc.clone(), *at);
                    }
                }
            }
            Record::Exec {
                node,
                at,
                rsc,
                action,
                ..
            } if action == "start" => {
                let view = views.get(node).cloned().unwrap_or_default();
                start_view.insert((*node, rsc.as_str()), view);
                for (first, then) in &rules.orders {
                    let stopped_by_cluster = !truth.runs_anywhere(first)
                        && truth.last_down.get(first).is_none_or(|c| *c == Cause::Stop);
                    if then == rsc && stopped_by_cluster {
                        out.push(Violation::new(
                            ViolationKind::OrderBroken,
                            *at,
                            format!("node {node} starts {then} while {first} is stopped"),
                        ));
                    }
                }
            }
            Record::View {
                node,
                members,
                transitional: false,
                ..
            } => {
                views.insert(*node, members.clone());
            }
            Record::Crashed { node, .. } | Record::Exited { node, .. } => {
                views.remove(node);
            }
            Record::Cluster {
                node,
                at,
                event: ClusterEvent::TransitionStarted { id, .. },
                ..
            } => {
                started.insert((*node, *id), *at);
            }
            Record::Cluster {
                node,
                at,
                event: ClusterEvent::TransitionCompleted { id },
                ..
            } => {
                let since = started.remove(&(*node, *id)).unwrap_or(*at);
                let members = views.get(node).cloned().unwrap_or_default();
                check_colocations(&truth, rules, &members, since, *at, &mut out);
            }
            _ => {}
        }
    }
    out
}

fn check_colocations(
    truth: &Truth,
    rules: &Rules,
    members: &[NodeId],
    since: Instant,
    at: Instant,
    out: &mut Vec<Violation>,
) {
    let lost_since = |rsc: &str| truth.last_loss.get(rsc).is_some_and(|t| *t >= since);
    for (dependent, anchor) in &rules.colocations {
        if lost_since(dependent) || lost_since(anchor) {
            continue;
        }
        for node in members {
            if truth.runs_on(dependent, *node) && !truth.runs_on(anchor, *node) {
                out.push(Violation::new(
                    ViolationKind::ColocationBroken,
                    at,
                    format!("{dependent} runs on node {node} without {anchor} after a transition"),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> Rules {
        Rules {
            exclusive: ["vip", "db"].map(String::from).into(),
            orders: vec![("vip".into(), "db".into())],
            colocations: vec![("db".into(), "vip".into())],
            stonith_enabled: true,
        }
    }

    fn ms(t: u64) -> Instant {
        Instant::from_millis(t)
    }

    fn inst(node: NodeId, t: u64, rsc: &str, up: bool, cause: Cause) -> Record {
        Record::Instance {
            node,
            at: ms(t),
            rsc: rsc.into(),
            up,
            cause,
        }
    }

    fn exec(node: NodeId, t: u64, rsc: &str) -> Record {
        Record::Exec {
            node,
            at: ms(t),
            rsc: rsc.into(),
            action: "start".into(),
            interval_ms: 0,
        }
    }

    fn view(node: NodeId, members: &[NodeId]) -> Record {
        Record::View {
            node,
            incarnation: 1,
            at: ms(0),
            ring_id: Default::default(),
            members: members.to_vec(),
            transitional: false,
        }
    }

    fn kinds(v: &[Violation]) -> Vec<ViolationKind> {
        v.iter().map(|v| v.kind).collect()
    }

    #[test]
    fn a_resource_on_two_nodes_fires_unless_the_configuration_allows_it() {
        let h = vec![
            view(1, &[1, 2]),
            view(2, &[1, 2]),
            exec(1, 5, "vip"),
            exec(2, 15, "vip"),
            inst(1, 10, "vip", true, Cause::Start),
            inst(2, 20, "vip", true, Cause::Start),
        ];
        assert_eq!(
            kinds(&check(&h, &rules(), false)),
            [ViolationKind::RunsTwice]
        );
        assert_eq!(
            kinds(&check(&h, &rules(), true)),
            [ViolationKind::RunsTwiceByConfiguration]
        );
        // Without stonith, two nodes in different views is the
        // configuration's doing; in one view it is not.
        let unfenced = Rules {
            stonith_enabled: false,
            ..rules()
        };
        let mut split = h.clone();
        split.insert(2, view(1, &[1]));
        assert_eq!(
            kinds(&check(&split, &unfenced, false)),
            [ViolationKind::RunsTwiceByConfiguration]
        );
        assert_eq!(
            kinds(&check(&h, &unfenced, false)),
            [ViolationKind::RunsTwice]
        );
        // One after the other is fine.
        let moved = vec![
            inst(1, 10, "vip", true, Cause::Start),
            inst(1, 15, "vip", false, Cause::Stop),
            inst(2, 20, "vip", true, Cause::Start),
        ];
        assert!(check(&moved, &rules(), false).is_empty());
    }

    #[test]
    fn then_started_while_the_cluster_stopped_first_fires() {
        let never = vec![exec(1, 5, "db")];
        assert_eq!(
            kinds(&check(&never, &rules(), false)),
            [ViolationKind::OrderBroken]
        );
        let stopped = vec![
            inst(1, 10, "vip", true, Cause::Start),
            inst(1, 20, "vip", false, Cause::Stop),
            exec(2, 30, "db"),
        ];
        assert_eq!(
            kinds(&check(&stopped, &rules(), false)),
            [ViolationKind::OrderBroken]
        );
        // vip running, or lost to a fault the cluster has not heard of yet.
        let fine = vec![
            inst(1, 10, "vip", true, Cause::Start),
            exec(1, 20, "db"),
            inst(1, 30, "vip", false, Cause::Died),
            exec(1, 40, "db"),
        ];
        assert!(check(&fine, &rules(), false).is_empty());
    }

    #[test]
    fn a_dependent_apart_from_its_anchor_after_a_transition_fires() {
        let id = TransitionId::default();
        let event = |t, event| Record::Cluster {
            node: 1,
            incarnation: 1,
            at: ms(t),
            event,
        };
        let h = vec![
            view(1, &[1, 2]),
            event(5, ClusterEvent::TransitionStarted { id, actions: 2 }),
            inst(1, 10, "vip", true, Cause::Start),
            inst(2, 20, "db", true, Cause::Start),
            event(30, ClusterEvent::TransitionCompleted { id }),
        ];
        assert_eq!(
            kinds(&check(&h, &rules(), false)),
            [ViolationKind::ColocationBroken]
        );
        // The anchor died by itself meanwhile: the news may be on its way.
        let died = vec![
            h[0].clone(),
            h[1].clone(),
            inst(2, 8, "vip", true, Cause::Start),
            inst(2, 20, "db", true, Cause::Start),
            inst(2, 25, "vip", false, Cause::Died),
            h[4].clone(),
        ];
        assert!(check(&died, &rules(), false).is_empty(), "{died:?}");
    }

    #[test]
    fn rules_read_the_reference_configuration() {
        let cib = crate::scenario::Scenario::builtin("failover")
            .unwrap()
            .cluster
            .unwrap()
            .cib();
        let r = Rules::of(&cib);
        assert_eq!(r.exclusive.len(), 3);
        assert_eq!(
            r.orders,
            [
                ("vip".into(), "mynfs".into()),
                ("mynfs".into(), "mysqld".into())
            ]
        );
        assert_eq!(r.colocations.len(), 2, "{:?}", r.colocations);
        assert!(!r.stonith_enabled);
    }
}
