//! Ring ids grow per node, and a node is a member of every view it
//! installs.
//!
//! Per incarnation: totem keeps no ring sequence across a restart (corosync
//! persists it in ringid files; cohort will once the node writes to disk),
//! so a restarted node may begin below its previous life's rings.

use std::collections::BTreeMap;

use cohort_core::totem::RingId;

use super::{Violation, ViolationKind};
use crate::history::{Incarnation, Record};

pub fn check(records: &[Record]) -> Vec<Violation> {
    let mut out = Vec::new();
    let mut last: BTreeMap<Incarnation, RingId> = BTreeMap::new();
    for r in records {
        let Record::View {
            node,
            incarnation,
            at,
            ring_id,
            members,
            transitional: false,
        } = r
        else {
            continue;
        };
        if let Some(prev) = last.insert((*node, *incarnation), *ring_id) {
            if prev >= *ring_id {
                out.push(Violation::new(
                    ViolationKind::RingId,
                    *at,
                    format!("node {node}: ring id went from {prev} to {ring_id}"),
                ));
            }
        }
        if !members.contains(node) {
            out.push(Violation::new(
                ViolationKind::RingId,
                *at,
                format!("node {node}: view {ring_id} {members:?} leaves it out"),
            ));
        }
    }
    out
}
