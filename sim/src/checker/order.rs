//! Agreed order, no duplicates, nothing invented.
//!
//! Within a ring, a sequence number names one message for everyone: if two
//! members delivered different payloads at (ring, seq), they disagree on
//! the order. Each member's sequence numbers grow within a configuration.
//! A member delivers each message once, and only messages some
//! application sent before.

use std::collections::{BTreeMap, BTreeSet};

use super::segments::{ConfigId, Segments};
use super::{Violation, ViolationKind};
use crate::history::Record;
use cohort_core::time::Instant;

pub fn check(records: &[Record], segs: &Segments) -> Vec<Violation> {
    let mut out = Vec::new();
    let mut sent: BTreeMap<&[u8], Instant> = BTreeMap::new();
    for r in records {
        if let Record::Sent { payload, at, .. } = r {
            sent.entry(payload.as_slice()).or_insert(*at);
        }
    }
    let mut order: BTreeMap<(ConfigId, u64), (&[u8], u32)> = BTreeMap::new();
    for (inc, list) in &segs.by_incarnation {
        let mut seen = BTreeSet::new();
        for seg in list {
            let Some(config) = seg.config else { continue };
            let mut last_seq = 0;
            for d in &seg.deliveries {
                let at = d.at;
                let text = String::from_utf8_lossy(&d.payload);
                match sent.get(d.payload.as_slice()) {
                    Some(sent_at) if *sent_at <= at => {}
                    _ => out.push(Violation::new(
                        ViolationKind::Invented,
                        at,
                        format!("node {} delivered {text:?}, which nobody sent", inc.0),
                    )),
                }
                if !seen.insert(d.payload.as_slice()) {
                    out.push(Violation::new(
                        ViolationKind::Duplicate,
                        at,
                        format!("node {} delivered {text:?} twice", inc.0),
                    ));
                }
                if d.seq <= last_seq {
                    out.push(Violation::new(
                        ViolationKind::AgreedOrder,
                        at,
                        format!(
                            "node {} delivered seq {} after {last_seq} in ring {}",
                            inc.0, d.seq, d.ring_id
                        ),
                    ));
                }
                last_seq = d.seq;
                let (first, by) = *order
                    .entry((config, d.seq))
                    .or_insert((d.payload.as_slice(), inc.0));
                if first != d.payload.as_slice() {
                    out.push(Violation::new(
                        ViolationKind::AgreedOrder,
                        at,
                        format!(
                            "ring {} seq {}: node {} delivered {text:?}, node {by} delivered {:?}",
                            d.ring_id,
                            d.seq,
                            inc.0,
                            String::from_utf8_lossy(first)
                        ),
                    ));
                }
            }
        }
    }
    out
}
