//! Liveness after the heal: every message delivered where it must be.
//!
//! Extended virtual synchrony does not promise that a message sent in one
//! partition reaches the other after a merge, so the demand is split: a
//! message a surviving incarnation sent before the one view formed must
//! at least have been delivered by its sender; one sent after must have
//! been delivered by every live node.

use std::collections::{BTreeMap, BTreeSet};

use cohort_core::time::Instant;
use cohort_core::totem::NodeId;

use super::{Violation, ViolationKind};
use crate::history::{Incarnation, Record};

/// `live` maps each running node to its incarnation; `since` is when the
/// single view formed; `at` is when the check runs.
pub fn check_delivered(
    records: &[Record],
    live: &BTreeMap<NodeId, u32>,
    since: Instant,
    at: Instant,
) -> Vec<Violation> {
    let mut delivered: BTreeMap<Incarnation, BTreeSet<&[u8]>> = BTreeMap::new();
    let mut rejected: BTreeSet<&[u8]> = BTreeSet::new();
    for r in records {
        match r {
            Record::Delivered {
                node,
                incarnation,
                payload,
                ..
            } => {
                delivered
                    .entry((*node, *incarnation))
                    .or_default()
                    .insert(payload);
            }
            Record::Rejected { payload, .. } => {
                rejected.insert(payload);
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    for r in records {
        let Record::Sent {
            node,
            incarnation,
            at: sent_at,
            payload,
            ..
        } = r
        else {
            continue;
        };
        if live.get(node) != Some(incarnation) || rejected.contains(payload.as_slice()) {
            continue;
        }
        let receivers: Vec<Incarnation> = if *sent_at >= since {
            live.iter().map(|(n, i)| (*n, *i)).collect()
        } else {
            vec![(*node, *incarnation)]
        };
        for inc in receivers {
            let got = delivered
                .get(&inc)
                .is_some_and(|d| d.contains(payload.as_slice()));
            if !got {
                out.push(Violation::new(
                    ViolationKind::NotDelivered,
                    at,
                    format!(
                        "node {} never delivered {:?} (sent by node {node} at {sent_at})",
                        inc.0,
                        String::from_utf8_lossy(payload)
                    ),
                ));
            }
        }
    }
    out
}
