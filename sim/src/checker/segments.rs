//! A history cut into what each incarnation delivered in each regular
//! configuration (the shape extended virtual synchrony speaks about).
//!
//! A configuration is a ring id *instance*: totem numbers a new ring above
//! the highest it has seen, but keeps nothing across a restart (corosync
//! persists the ring seq in its ringid file; cohort will once the node
//! writes to disk), so a restarted node can form a ring whose id an
//! earlier configuration already had. Installations of one ring id with
//! the same members join the instance that still has a member in it;
//! otherwise they start a new instance, and the reuse is reported as
//! [`ViolationKind::RingIdReused`].

use std::collections::{BTreeMap, BTreeSet};

use cohort_core::time::Instant;
use cohort_core::totem::{NodeId, RingId};

use super::{Violation, ViolationKind};
use crate::history::{Incarnation, Record};

/// One configuration: a ring id and which instance of it.
pub type ConfigId = (RingId, u32);

/// One delivered message as a checker sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub payload: Vec<u8>,
    pub ring_id: RingId,
    pub seq: u64,
    pub safe: bool,
    /// Delivered after the transitional view (the old ring's last ones).
    pub transitional: bool,
    pub at: Instant,
}

/// What one incarnation delivered while in one regular configuration.
#[derive(Debug, Clone, Default)]
pub struct Segment {
    /// None before the first regular view.
    pub config: Option<ConfigId>,
    pub deliveries: Vec<Delivery>,
    /// The transitional configuration that ended it, once it ended.
    pub transitional: Option<(RingId, Vec<NodeId>)>,
    /// The configuration that followed it, once a regular view closed it
    /// (the node did not crash in it).
    pub next: Option<ConfigId>,
    /// When the regular view that closed it was installed.
    pub closed_at: Instant,
}

/// The segments of every incarnation, and what did not fit the shape.
#[derive(Debug, Clone, Default)]
pub struct Segments {
    pub by_incarnation: BTreeMap<Incarnation, Vec<Segment>>,
    pub malformed: Vec<Violation>,
}

/// One instance of a ring id: its members, and the incarnations still in
/// it.
type Instance = (Vec<NodeId>, BTreeSet<Incarnation>);

#[derive(Debug, Default)]
struct Instances {
    /// Per ring id, its instances, oldest first.
    by_ring: BTreeMap<RingId, Vec<Instance>>,
    /// Where each incarnation is now.
    current: BTreeMap<Incarnation, ConfigId>,
}

impl Instances {
    /// `inc` installs `ring` with `members`; the instance it joins, and
    /// whether that instance reuses an id an earlier one had.
    fn install(&mut self, inc: Incarnation, ring: RingId, members: &[NodeId]) -> (ConfigId, bool) {
        self.leave(inc);
        let list = self.by_ring.entry(ring).or_default();
        let found = list
            .iter()
            .rposition(|(m, open)| m == members && !open.is_empty());
        let (index, reused) = match found {
            Some(i) => (i, false),
            None => {
                list.push((members.to_vec(), BTreeSet::new()));
                (list.len() - 1, list.len() > 1)
            }
        };
        list[index].1.insert(inc);
        let id = (ring, u32::try_from(index).expect("few instances"));
        self.current.insert(inc, id);
        (id, reused)
    }

    fn leave(&mut self, inc: Incarnation) {
        if let Some((ring, i)) = self.current.remove(&inc) {
            if let Some(list) = self.by_ring.get_mut(&ring) {
                list[i as usize].1.remove(&inc);
            }
        }
    }
}

pub fn split(records: &[Record]) -> Segments {
    let mut out = Segments::default();
    let mut instances = Instances::default();
    let mut running: BTreeMap<NodeId, u32> = BTreeMap::new();
    for record in records {
        match record {
            Record::Started {
                node, incarnation, ..
            } => {
                running.insert(*node, *incarnation);
                out.by_incarnation
                    .insert((*node, *incarnation), vec![Segment::default()]);
            }
            Record::Crashed { node, .. } | Record::Exited { node, .. } => {
                if let Some(inc) = running.remove(node) {
                    instances.leave((*node, inc));
                }
            }
            Record::View {
                node,
                incarnation,
                ring_id,
                members,
                transitional,
                at,
            } => {
                let Some(segs) = out.by_incarnation.get_mut(&(*node, *incarnation)) else {
                    continue;
                };
                let current = segs.last_mut().expect("never empty");
                let bad =
                    |detail: String| Violation::new(ViolationKind::VirtualSynchrony, *at, detail);
                if *transitional {
                    if current.transitional.is_some() {
                        out.malformed
                            .push(bad(format!("node {node}: two transitional views in a row")));
                    }
                    current.transitional = Some((*ring_id, members.clone()));
                    continue;
                }
                if !matches!(&current.transitional, Some((t, _)) if t == ring_id) {
                    out.malformed.push(bad(format!(
                        "node {node}: regular view {ring_id} without its transitional view"
                    )));
                }
                let (config, reused) = instances.install((*node, *incarnation), *ring_id, members);
                if reused {
                    out.malformed.push(Violation::new(
                        ViolationKind::RingIdReused,
                        *at,
                        format!("node {node}: ring id {ring_id} {members:?} names an earlier configuration too"),
                    ));
                }
                current.next = Some(config);
                current.closed_at = *at;
                segs.push(Segment {
                    config: Some(config),
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
                let Some(segs) = out.by_incarnation.get_mut(&(*node, *incarnation)) else {
                    continue;
                };
                let current = segs.last_mut().expect("never empty");
                if current.config.map(|c| c.0) != Some(*ring_id) {
                    out.malformed.push(Violation::new(
                        ViolationKind::VirtualSynchrony,
                        *at,
                        format!(
                            "node {node}: message of ring {ring_id} delivered in configuration {:?}",
                            current.config.map(|c| c.0)
                        ),
                    ));
                }
                let transitional = current.transitional.is_some();
                current.deliveries.push(Delivery {
                    payload: payload.clone(),
                    ring_id: *ring_id,
                    seq: *seq,
                    safe: *safe,
                    transitional,
                    at: *at,
                });
            }
            _ => {}
        }
    }
    out
}
