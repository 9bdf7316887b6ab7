//! Simulated-time figures from a run's history: how long from a crash to
//! the survivors' new view, from the heal to one view.

use std::collections::BTreeMap;
use std::time::Duration;

use cohort_core::time::Instant;
use cohort_core::totem::NodeId;

use crate::history::{Incarnation, Record};

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
            Record::Started { node, .. } if *node == gone => return None,
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
