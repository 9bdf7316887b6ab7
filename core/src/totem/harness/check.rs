//! Judging a run from its log: safety (agreed order, virtual synchrony, no
//! duplicates, nothing invented, ring ids that grow, safe delivery) and
//! liveness (one view, everything delivered).

use std::collections::{BTreeMap, BTreeSet};

use super::{Cluster, Record};
use crate::time::Instant;
use crate::totem::{NodeId, RingId};

/// A node's life between a start and a crash.
type Incarnation = (NodeId, u32);

/// One delivered message as a checker sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Delivery {
    payload: Vec<u8>,
    ring_id: RingId,
    seq: u64,
    safe: bool,
    transitional: bool,
}

/// What one incarnation delivered while in one regular configuration.
#[derive(Debug, Clone, Default)]
struct Segment {
    /// None before the first regular view.
    ring: Option<RingId>,
    deliveries: Vec<Delivery>,
    /// The transitional configuration that ended it, once it ended.
    transitional: Option<(RingId, Vec<NodeId>)>,
    /// Whether a regular view closed it (the node did not crash in it).
    closed: bool,
}

/// Every live node is operational in one ring made of exactly the live
/// nodes.
pub fn settled(c: &Cluster) -> bool {
    let live = c.live();
    let Some(first) = live.first().and_then(|n| c.node(*n)) else {
        return true;
    };
    live.iter().all(|n| {
        c.node(*n).is_some_and(|t| {
            t.is_operational() && t.ring_id() == first.ring_id() && t.members() == live.as_slice()
        })
    })
}

/// Regular views `node` reported at or after `since`.
pub fn count_views(c: &Cluster, node: NodeId, since: Instant) -> usize {
    c.log
        .iter()
        .filter(|r| {
            matches!(r, Record::View { node: n, at, transitional: false, .. } if *n == node && *at >= since)
        })
        .count()
}

fn segments(log: &[Record]) -> Result<BTreeMap<Incarnation, Vec<Segment>>, String> {
    let mut out: BTreeMap<Incarnation, Vec<Segment>> = BTreeMap::new();
    for record in log {
        match record {
            Record::Started {
                node, incarnation, ..
            } => {
                out.insert((*node, *incarnation), vec![Segment::default()]);
            }
            Record::View {
                node,
                incarnation,
                ring_id,
                members,
                transitional,
                at,
            } => {
                let segs = out
                    .get_mut(&(*node, *incarnation))
                    .ok_or("view before start")?;
                let current = segs.last_mut().expect("never empty");
                if *transitional {
                    if current.transitional.is_some() {
                        return Err(format!("{node} at {at}: two transitional views"));
                    }
                    current.transitional = Some((*ring_id, members.clone()));
                    continue;
                }
                match &current.transitional {
                    Some((t, _)) if t == ring_id => {}
                    _ => {
                        return Err(format!(
                            "{node} at {at}: regular view {ring_id} without its transitional view"
                        ))
                    }
                }
                if current.ring.is_some_and(|r| r >= *ring_id) {
                    return Err(format!(
                        "{node} at {at}: ring id went from {:?} to {ring_id}",
                        current.ring
                    ));
                }
                if !members.contains(node) {
                    return Err(format!("{node} at {at}: view {ring_id} without itself"));
                }
                current.closed = true;
                segs.push(Segment {
                    ring: Some(*ring_id),
                    ..Segment::default()
                });
            }
            Record::Delivered {
                node,
                incarnation,
                payload,
                ring_id,
                seq,
                safe,
                at,
                ..
            } => {
                let segs = out
                    .get_mut(&(*node, *incarnation))
                    .ok_or("delivery before start")?;
                let current = segs.last_mut().expect("never empty");
                if current.ring != Some(*ring_id) {
                    return Err(format!(
                        "{node} at {at}: message of ring {ring_id} delivered in {:?}",
                        current.ring
                    ));
                }
                let transitional = current.transitional.is_some();
                current.deliveries.push(Delivery {
                    payload: payload.clone(),
                    ring_id: *ring_id,
                    seq: *seq,
                    safe: *safe,
                    transitional,
                });
            }
            Record::Sent { .. } | Record::Crashed { .. } => {}
        }
    }
    Ok(out)
}

impl Cluster {
    /// Every safety property over the whole log; the first violation.
    pub fn check_safety(&self) -> Result<(), String> {
        let all = segments(&self.log)?;
        let sent: BTreeMap<&[u8], NodeId> = self
            .log
            .iter()
            .filter_map(|r| match r {
                Record::Sent { node, payload, .. } => Some((payload.as_slice(), *node)),
                _ => None,
            })
            .collect();
        let mut order: BTreeMap<(RingId, u64), &[u8]> = BTreeMap::new();
        for (inc, segs) in &all {
            let mut seen = BTreeSet::new();
            for seg in segs {
                let mut last_seq = 0;
                for d in &seg.deliveries {
                    if !sent.contains_key(d.payload.as_slice()) {
                        return Err(format!(
                            "{inc:?} delivered an invented message {:?}",
                            d.payload
                        ));
                    }
                    if !seen.insert(d.payload.clone()) {
                        return Err(format!(
                            "{inc:?} delivered {:?} twice",
                            String::from_utf8_lossy(&d.payload)
                        ));
                    }
                    if d.seq <= last_seq {
                        return Err(format!(
                            "{inc:?} delivered seq {} after {last_seq} in {}",
                            d.seq, d.ring_id
                        ));
                    }
                    last_seq = d.seq;
                    let slot = order.entry((d.ring_id, d.seq)).or_insert(&d.payload);
                    if *slot != d.payload.as_slice() {
                        return Err(format!(
                            "agreed order: ring {} seq {} is {:?} at {inc:?} but {:?} elsewhere",
                            d.ring_id,
                            d.seq,
                            String::from_utf8_lossy(&d.payload),
                            String::from_utf8_lossy(slot)
                        ));
                    }
                }
            }
        }
        check_virtual_synchrony(&all)?;
        check_safe_delivery(&all)
    }

    /// Every live node is operational in one ring of all live nodes.
    pub fn check_settled(&self) -> Result<(), String> {
        if settled(self) {
            return Ok(());
        }
        let states: Vec<String> = self
            .live()
            .iter()
            .filter_map(|n| self.node(*n))
            .map(|t| {
                format!(
                    "{}:{}@{}{:?}",
                    t.node_id(),
                    t.phase_name(),
                    t.ring_id(),
                    t.members()
                )
            })
            .collect();
        Err(format!("not settled at {}: {}", self.now, states.join(" ")))
    }

    /// Every message a live node's current incarnation sent was delivered
    /// by itself; those sent at or after `since` by every live node.
    pub fn check_delivered(&self, since: Instant) -> Result<(), String> {
        let live: BTreeMap<NodeId, u32> = self
            .slots
            .iter()
            .filter(|(_, s)| s.totem.is_some())
            .map(|(n, s)| (*n, s.incarnation))
            .collect();
        let mut delivered: BTreeMap<Incarnation, BTreeSet<&[u8]>> = BTreeMap::new();
        for r in &self.log {
            if let Record::Delivered {
                node,
                incarnation,
                payload,
                ..
            } = r
            {
                delivered
                    .entry((*node, *incarnation))
                    .or_default()
                    .insert(payload);
            }
        }
        for r in &self.log {
            let Record::Sent {
                node,
                incarnation,
                at,
                payload,
                ..
            } = r
            else {
                continue;
            };
            if live.get(node) != Some(incarnation) {
                continue;
            }
            let receivers: Vec<Incarnation> = if *at >= since {
                live.iter().map(|(n, i)| (*n, *i)).collect()
            } else {
                vec![(*node, *incarnation)]
            };
            for inc in receivers {
                if !delivered
                    .get(&inc)
                    .is_some_and(|d| d.contains(payload.as_slice()))
                {
                    return Err(format!(
                        "{inc:?} never delivered {:?} (sent at {at})",
                        String::from_utf8_lossy(payload)
                    ));
                }
            }
        }
        Ok(())
    }
}

/// Incarnations that went from ring R to the same next configuration
/// delivered the same messages in R.
fn check_virtual_synchrony(all: &BTreeMap<Incarnation, Vec<Segment>>) -> Result<(), String> {
    let mut by_move: BTreeMap<(RingId, RingId), (Incarnation, &Segment)> = BTreeMap::new();
    for (inc, segs) in all {
        for seg in segs.iter().filter(|s| s.closed) {
            let (Some(ring), Some((next, members))) = (seg.ring, &seg.transitional) else {
                continue;
            };
            if let Some((other, first)) = by_move.get(&(ring, *next)) {
                let (a, b) = (payloads(first), payloads(seg));
                if a != b {
                    return Err(format!(
                        "virtual synchrony: {other:?} and {inc:?} both moved {ring} -> {next} but delivered {a:?} vs {b:?}"
                    ));
                }
                if first.transitional.as_ref().map(|t| &t.1) != Some(members) {
                    return Err(format!(
                        "{other:?} and {inc:?}: different transitional members"
                    ));
                }
            } else {
                by_move.insert((ring, *next), (*inc, seg));
            }
        }
    }
    Ok(())
}

fn payloads(seg: &Segment) -> Vec<String> {
    seg.deliveries
        .iter()
        .map(|d| String::from_utf8_lossy(&d.payload).into_owned())
        .collect()
}

/// A safe message delivered in a regular configuration is delivered (in
/// that configuration) by every member that went on to another view.
fn check_safe_delivery(all: &BTreeMap<Incarnation, Vec<Segment>>) -> Result<(), String> {
    let mut closed_in: BTreeMap<RingId, Vec<(Incarnation, &Segment)>> = BTreeMap::new();
    for (inc, segs) in all {
        for seg in segs.iter().filter(|s| s.closed) {
            if let Some(ring) = seg.ring {
                closed_in.entry(ring).or_default().push((*inc, seg));
            }
        }
    }
    for (inc, segs) in all {
        for seg in segs {
            let Some(ring) = seg.ring else { continue };
            for d in seg.deliveries.iter().filter(|d| d.safe && !d.transitional) {
                for (other, oseg) in closed_in.get(&ring).into_iter().flatten() {
                    if !oseg.deliveries.iter().any(|o| o.payload == d.payload) {
                        return Err(format!(
                            "safe: {inc:?} delivered {:?} in {ring} but {other:?} left {ring} without it",
                            String::from_utf8_lossy(&d.payload)
                        ));
                    }
                }
            }
        }
    }
    Ok(())
}
