//! Virtual synchrony and safe delivery.
//!
//! Members that move together from configuration R to the same next
//! configuration delivered the same set of messages in R, and saw the same
//! transitional members. A safe message delivered in a regular
//! configuration was delivered there by every member that went on to
//! another view (none of them left without it).

use std::collections::{BTreeMap, BTreeSet};

use super::segments::{ConfigId, Segment, Segments};
use super::{Violation, ViolationKind};
use crate::history::Incarnation;

pub fn check(segs: &Segments) -> Vec<Violation> {
    let mut out = Vec::new();
    let mut by_move: BTreeMap<(ConfigId, ConfigId), (Incarnation, &Segment)> = BTreeMap::new();
    let mut closed_in: BTreeMap<ConfigId, Vec<(Incarnation, &Segment)>> = BTreeMap::new();
    for (inc, list) in &segs.by_incarnation {
        for seg in list {
            let (Some(config), Some(next_config), Some((_, members))) =
                (seg.config, seg.next, &seg.transitional)
            else {
                continue;
            };
            let (ring, next) = (config.0, next_config.0);
            closed_in.entry(config).or_default().push((*inc, seg));
            let Some((other, first)) = by_move.get(&(config, next_config)) else {
                by_move.insert((config, next_config), (*inc, seg));
                continue;
            };
            let (a, b) = (payloads(first), payloads(seg));
            if a != b {
                let only_a: Vec<&String> = a.difference(&b).take(3).collect();
                let only_b: Vec<&String> = b.difference(&a).take(3).collect();
                out.push(Violation::new(
                    ViolationKind::VirtualSynchrony,
                    seg.closed_at,
                    format!(
                        "nodes {} and {} both moved {ring} -> {next}; only {} delivered {only_a:?}, only {} delivered {only_b:?}",
                        other.0, inc.0, other.0, inc.0
                    ),
                ));
            }
            if first.transitional.as_ref().map(|t| &t.1) != Some(members) {
                out.push(Violation::new(
                    ViolationKind::VirtualSynchrony,
                    seg.closed_at,
                    format!(
                        "nodes {} and {} moved {ring} -> {next} with different transitional members",
                        other.0, inc.0
                    ),
                ));
            }
        }
    }
    // What each member that went on delivered in each configuration, as
    // sets: the check below is then linear in the deliveries.
    type Held<'a> = Vec<(Incarnation, BTreeSet<&'a [u8]>)>;
    let held: BTreeMap<ConfigId, Held<'_>> = closed_in
        .iter()
        .map(|(config, members)| {
            let sets = members
                .iter()
                .map(|(inc, seg)| {
                    (
                        *inc,
                        seg.deliveries
                            .iter()
                            .map(|d| d.payload.as_slice())
                            .collect(),
                    )
                })
                .collect();
            (*config, sets)
        })
        .collect();
    for (inc, list) in &segs.by_incarnation {
        for seg in list {
            let Some(config) = seg.config else { continue };
            let ring = config.0;
            for d in seg.deliveries.iter().filter(|d| d.safe && !d.transitional) {
                for (other, oheld) in held.get(&config).into_iter().flatten() {
                    if !oheld.contains(d.payload.as_slice()) {
                        let oseg_closed_at = closed_in[&config]
                            .iter()
                            .find(|(i, _)| i == other)
                            .map(|(_, s)| s.closed_at)
                            .unwrap_or_default();
                        out.push(Violation::new(
                            ViolationKind::SafeDelivery,
                            oseg_closed_at,
                            format!(
                                "node {} delivered safe {:?} in {ring}, node {} left {ring} without it",
                                inc.0,
                                String::from_utf8_lossy(&d.payload),
                                other.0
                            ),
                        ));
                    }
                }
            }
        }
    }
    out
}

fn payloads(seg: &Segment) -> BTreeSet<String> {
    seg.deliveries
        .iter()
        .map(|d| String::from_utf8_lossy(&d.payload).into_owned())
        .collect()
}
