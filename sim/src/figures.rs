//! Simulated-time figures from a run's history: how long from a crash to
//! the survivors' new view, from the heal to one view, and from a crash to
//! the crashed node's resources running elsewhere.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use cohort_core::time::Instant;
use cohort_core::totem::NodeId;

use cohort_core::controller::ClusterEvent;

use crate::history::{Incarnation, Record};

/// One failover: from a crash to every resource the node ran started on
/// another node (detection + decision + start).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Failover {
    pub took: Duration,
    /// From the crash to the first start of one of its resources on a
    /// survivor: detection and decision, without the agents' own time.
    pub decided: Duration,
    /// The crashed node was the DC (of the survivors' last view).
    pub dc_died: bool,
}

/// For each crash before `until` of a node that ran resources: the time
/// until each of them runs on another node. No sample when no survivor had
/// the node in its view, or when any node boots
/// (the crashed one back, or one that was down), or another node crashes,
/// before that.
pub fn crash_to_failover(records: &[Record], until: Instant) -> Vec<Failover> {
    let mut out = Vec::new();
    let mut running: BTreeMap<&str, BTreeSet<NodeId>> = BTreeMap::new();
    let mut dcs: BTreeMap<NodeId, NodeId> = BTreeMap::new();
    // Each running node's latest regular view.
    let mut views: BTreeMap<NodeId, &[NodeId]> = BTreeMap::new();
    for (i, r) in records.iter().enumerate() {
        match r {
            Record::View {
                node,
                members,
                transitional: false,
                ..
            } => {
                views.insert(*node, members);
            }
            Record::Exited { node, .. } => {
                views.remove(node);
                dcs.remove(node);
            }
            Record::Instance { node, rsc, up, .. } => {
                let nodes = running.entry(rsc.as_str()).or_default();
                if *up {
                    nodes.insert(*node);
                } else {
                    nodes.remove(node);
                }
            }
            Record::Cluster {
                node,
                event: ClusterEvent::DcChanged { dc },
                ..
            } => {
                dcs.insert(*node, *dc);
            }
            Record::Crashed { node, at } => {
                dcs.remove(node);
                views.remove(node);
                // A failover needs a survivor that had the node in its view
                // (not one still booting alone: that is a startup).
                let watched = views.values().any(|m| m.contains(node));
                if *at >= until || !watched {
                    continue;
                }
                let lost: BTreeSet<&str> = running
                    .iter()
                    .filter(|(_, n)| n.contains(node))
                    .map(|(r, _)| *r)
                    .collect();
                if lost.is_empty() {
                    continue;
                }
                let dc_died = dcs.values().any(|dc| dc == node);
                if let Some((decided, took)) =
                    time_to_failover(&records[i + 1..], *node, *at, lost, until)
                {
                    out.push(Failover {
                        took,
                        decided,
                        dc_died,
                    });
                }
            }
            _ => {}
        }
    }
    out
}

fn time_to_failover(
    after: &[Record],
    gone: NodeId,
    crashed_at: Instant,
    mut lost: BTreeSet<&str>,
    until: Instant,
) -> Option<(Duration, Duration)> {
    let mut decided = None;
    for r in after {
        if r.at() >= until {
            return None;
        }
        match r {
            Record::Exec {
                node,
                rsc,
                action,
                at,
                ..
            } if *node != gone && action == "start" && lost.contains(rsc.as_str()) => {
                decided.get_or_insert(at.saturating_since(crashed_at));
            }
            Record::Instance {
                node,
                rsc,
                up: true,
                at,
                ..
            } if *node != gone => {
                lost.remove(rsc.as_str());
                if lost.is_empty() {
                    let took = at.saturating_since(crashed_at);
                    return Some((decided.unwrap_or(took), took));
                }
            }
            // A node booting (the crashed one back, or another) makes it a
            // restart, not a failover to a survivor.
            Record::Started { .. } => return None,
            Record::Crashed { .. } => return None,
            _ => {}
        }
    }
    None
}

/// For each crash before `until`: the time until every node that had the
/// crashed one in its view (and stayed up) installed a view without it.
/// Crashes whose survivors crashed themselves first, or that were not
/// followed by such views before `until`, give no sample.
pub fn crash_to_view(records: &[Record], until: Instant) -> Vec<Duration> {
    let mut samples = Vec::new();
    // Each running incarnation's latest regular view, as the scan goes.
    let mut views: BTreeMap<NodeId, (u32, Vec<NodeId>)> = BTreeMap::new();
    for (i, r) in records.iter().enumerate() {
        match r {
            Record::Started {
                node, incarnation, ..
            } => {
                views.insert(*node, (*incarnation, Vec::new()));
            }
            Record::View {
                node,
                incarnation,
                members,
                transitional: false,
                ..
            } => {
                views.insert(*node, (*incarnation, members.clone()));
            }
            Record::Crashed { node, at } if *at < until => {
                views.remove(node);
                let watchers: Vec<Incarnation> = views
                    .iter()
                    .filter(|(_, (_, m))| m.contains(node))
                    .map(|(n, (inc, _))| (*n, *inc))
                    .collect();
                if watchers.is_empty() {
                    continue;
                }
                if let Some(d) = time_to_exclusion(&records[i + 1..], *node, *at, &watchers, until)
                {
                    samples.push(d);
                }
            }
            Record::Crashed { node, .. } => {
                views.remove(node);
            }
            _ => {}
        }
    }
    samples
}

fn time_to_exclusion(
    after: &[Record],
    gone: NodeId,
    crashed_at: Instant,
    watchers: &[Incarnation],
    until: Instant,
) -> Option<Duration> {
    let mut pending: Vec<Incarnation> = watchers.to_vec();
    let mut last = crashed_at;
    for r in after {
        if r.at() >= until {
            return None;
        }
        match r {
            Record::View {
                node,
                incarnation,
                members,
                transitional: false,
                at,
                ..
            } if !members.contains(&gone) => {
                if let Some(p) = pending.iter().position(|w| *w == (*node, *incarnation)) {
                    pending.swap_remove(p);
                    last = *at;
                }
            }
            Record::Crashed { node, .. } if pending.iter().any(|w| w.0 == *node) => return None,
            // A node booting (the crashed one back, or another) makes it a
            // restart, not a failover to a survivor.
            Record::Started { .. } => return None,
            _ => {}
        }
        if pending.is_empty() {
            return Some(last.saturating_since(crashed_at));
        }
    }
    None
}

/// Mean and max of a sample, in milliseconds.
pub fn mean_max_ms(samples: &[Duration]) -> Option<(f64, f64)> {
    if samples.is_empty() {
        return None;
    }
    let ms: Vec<f64> = samples.iter().map(|d| d.as_secs_f64() * 1000.0).collect();
    let mean = ms.iter().sum::<f64>() / ms.len() as f64;
    let max = ms.iter().copied().fold(0.0, f64::max);
    Some((mean, max))
}

#[cfg(test)]
mod tests {
    use super::*;
    use cohort_core::totem::RingId;

    fn view(node: NodeId, at_ms: u64, members: &[NodeId]) -> Record {
        Record::View {
            node,
            incarnation: 1,
            at: Instant::from_millis(at_ms),
            ring_id: RingId { seq: at_ms, rep: 1 },
            members: members.to_vec(),
            transitional: false,
        }
    }

    #[test]
    fn a_failover_is_measured_until_the_last_resource_runs_elsewhere() {
        use crate::history::Cause;
        let inst = |node, ms, rsc: &str, up| Record::Instance {
            node,
            at: Instant::from_millis(ms),
            rsc: rsc.into(),
            up,
            cause: Cause::Start,
        };
        let dc = |node, dc| Record::Cluster {
            node,
            incarnation: 1,
            at: Instant::ZERO,
            event: ClusterEvent::DcChanged { dc },
        };
        let records = vec![
            view(1, 0, &[1, 2]),
            view(2, 0, &[1, 2]),
            dc(1, 1),
            dc(2, 1),
            inst(1, 10, "a", true),
            inst(1, 20, "b", true),
            Record::Crashed {
                node: 1,
                at: Instant::from_millis(1000),
            },
            Record::Exec {
                node: 2,
                at: Instant::from_millis(3200),
                rsc: "a".into(),
                action: "start".into(),
                interval_ms: 0,
            },
            inst(2, 4000, "a", true),
            inst(2, 4500, "b", true),
        ];
        let f = crash_to_failover(&records, Instant::from_millis(10_000));
        assert_eq!(
            f,
            [Failover {
                took: Duration::from_millis(3500),
                decided: Duration::from_millis(2200),
                dc_died: true
            }]
        );
        assert!(crash_to_failover(&records, Instant::from_millis(4200)).is_empty());
        // Node 2 had never been in a view with node 1: a startup, no sample.
        assert!(crash_to_failover(&records[2..], Instant::from_millis(10_000)).is_empty());
    }

    #[test]
    fn a_crash_is_measured_until_the_last_survivor_moves_on() {
        let start = |node| Record::Started {
            node,
            incarnation: 1,
            at: Instant::ZERO,
        };
        let records = vec![
            start(1),
            start(2),
            start(3),
            view(1, 10, &[1, 2, 3]),
            view(2, 10, &[1, 2, 3]),
            view(3, 10, &[1, 2, 3]),
            Record::Crashed {
                node: 3,
                at: Instant::from_millis(1000),
            },
            view(1, 2200, &[1, 2]),
            view(2, 2300, &[1, 2]),
        ];
        let samples = crash_to_view(&records, Instant::from_millis(10_000));
        assert_eq!(samples, [Duration::from_millis(1300)]);
        assert_eq!(crash_to_view(&records, Instant::from_millis(2250)), []);
        assert_eq!(mean_max_ms(&samples), Some((1300.0, 1300.0)));
    }
}
