//! The network between the nodes: per-link latency, loss, duplication,
//! reordering, clogging and cuts.
//!
//! Every ordered pair of nodes is a link with its own latency distribution
//! (drawn at the start of the run from the fault profile): a base delay, a
//! uniform spread (wide spreads reorder packets) and a rare slow tail.
//! Cuts are directed, so a partition can be one-way. A clogged link holds
//! every packet until its release time and then lets them all go at once.
//! Multicast is fanned out into one copy per receiver, each taking its own
//! chances on its own link.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use cohort_core::time::Instant;
use cohort_core::totem::NodeId;

use crate::rng::SimRng;

/// How one direction of a link treats packets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Link {
    pub base_us: u64,
    /// Extra delay drawn uniformly in `0..=spread_us`.
    pub spread_us: u64,
    /// Chance per million that a packet takes the slow path.
    pub slow_ppm: u32,
    /// The slow path adds up to this much.
    pub slow_max_us: u64,
    pub loss_ppm: u32,
    pub duplicate_ppm: u32,
}

impl Link {
    /// A quiet LAN: 100-400 µs, nothing lost, nothing duplicated.
    pub const HEALTHY: Link = Link {
        base_us: 100,
        spread_us: 300,
        slow_ppm: 0,
        slow_max_us: 0,
        loss_ppm: 0,
        duplicate_ppm: 0,
    };
}

/// The network's state.
#[derive(Debug, Clone)]
pub struct Network {
    links: BTreeMap<(NodeId, NodeId), Link>,
    /// Links as they were drawn, restored by a full heal.
    drawn: BTreeMap<(NodeId, NodeId), Link>,
    /// Directed (from, to) pairs that carry nothing.
    cuts: BTreeSet<(NodeId, NodeId)>,
    /// Links holding packets until a release time.
    clogs: BTreeMap<(NodeId, NodeId), Instant>,
}

impl Network {
    /// Every ordered pair of `nodes` gets its link from `draw`.
    pub fn new(nodes: &[NodeId], mut draw: impl FnMut(NodeId, NodeId) -> Link) -> Network {
        let mut links = BTreeMap::new();
        for a in nodes {
            for b in nodes.iter().filter(|b| *b != a) {
                links.insert((*a, *b), draw(*a, *b));
            }
        }
        Network {
            drawn: links.clone(),
            links,
            cuts: BTreeSet::new(),
            clogs: BTreeMap::new(),
        }
    }

    pub fn link(&self, from: NodeId, to: NodeId) -> Link {
        self.links
            .get(&(from, to))
            .copied()
            .unwrap_or(Link::HEALTHY)
    }

    pub fn cuts(&self) -> &BTreeSet<(NodeId, NodeId)> {
        &self.cuts
    }

    pub fn is_cut(&self, from: NodeId, to: NodeId) -> bool {
        self.cuts.contains(&(from, to))
    }

    /// Replaces the cut set (a new partition replaces the old one).
    pub fn set_cuts(&mut self, cuts: BTreeSet<(NodeId, NodeId)>) {
        self.cuts = cuts;
    }

    pub fn clog(&mut self, from: NodeId, to: NodeId, release_at: Instant) {
        self.clogs.insert((from, to), release_at);
    }

    /// Mends every cut; clogs release as scheduled.
    pub fn heal_cuts(&mut self) {
        self.cuts.clear();
    }

    /// The end of the fault phase: no cuts, no clogs, every link healthy
    /// (loss and duplication off, latencies back to a quiet LAN's).
    pub fn heal_all(&mut self) {
        self.cuts.clear();
        self.clogs.clear();
        for link in self.links.values_mut() {
            *link = Link::HEALTHY;
        }
    }

    /// Links as drawn at the start (before any heal).
    pub fn drawn(&self) -> &BTreeMap<(NodeId, NodeId), Link> {
        &self.drawn
    }

    /// When copies of one packet sent now from `from` arrive at `to`: none
    /// (cut or lost), one, or two (duplicated).
    pub fn route(&mut self, rng: &mut SimRng, now: Instant, from: NodeId, to: NodeId) -> Arrivals {
        let mut out = Arrivals::default();
        let link = self.link(from, to);
        if self.is_cut(from, to) || rng.chance_ppm(link.loss_ppm) {
            return out;
        }
        let copies = if rng.chance_ppm(link.duplicate_ppm) {
            2
        } else {
            1
        };
        let clogged_until = self.clogs.get(&(from, to)).copied().filter(|t| *t > now);
        for _ in 0..copies {
            let mut delay_us = link.base_us + rng.below(link.spread_us + 1);
            if rng.chance_ppm(link.slow_ppm) {
                delay_us += rng.below(link.slow_max_us + 1);
            }
            let mut at = now + Duration::from_micros(delay_us);
            if let Some(release) = clogged_until {
                // Held, then released in a burst, in a random order.
                at = at.max(release + Duration::from_micros(rng.below(link.spread_us + 1)));
            }
            out.push(at);
        }
        out
    }
}

/// Up to two arrival times of one packet.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Arrivals {
    times: [Option<Instant>; 2],
}

impl Arrivals {
    fn push(&mut self, at: Instant) {
        let slot = self.times.iter_mut().find(|t| t.is_none());
        *slot.expect("at most two copies of a packet") = Some(at);
    }

    pub fn iter(&self) -> impl Iterator<Item = Instant> + '_ {
        self.times.iter().flatten().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lossless(spread_us: u64) -> Link {
        Link {
            base_us: 1000,
            spread_us,
            ..Link::HEALTHY
        }
    }

    #[test]
    fn cuts_are_directed_and_heal() {
        let mut rng = SimRng::new(1);
        let mut net = Network::new(&[1, 2], |_, _| lossless(0));
        net.set_cuts(BTreeSet::from([(1, 2)]));
        let now = Instant::ZERO;
        assert_eq!(net.route(&mut rng, now, 1, 2).iter().count(), 0);
        let back: Vec<_> = net.route(&mut rng, now, 2, 1).iter().collect();
        assert_eq!(back, [Instant::from_millis(1)]);
        net.heal_cuts();
        assert_eq!(net.route(&mut rng, now, 1, 2).iter().count(), 1);
    }

    #[test]
    fn clogs_hold_packets_until_release_and_spread_reorders() {
        let mut rng = SimRng::new(2);
        let mut net = Network::new(&[1, 2], |_, _| lossless(5000));
        net.clog(1, 2, Instant::from_millis(500));
        let held: Vec<_> = net.route(&mut rng, Instant::ZERO, 1, 2).iter().collect();
        assert!(held[0] >= Instant::from_millis(500), "{held:?}");
        // With a 5 ms spread, two packets 1 ms apart overtake each other
        // sometimes.
        let mut overtaken = 0;
        for i in 0..200u64 {
            let t0 = Instant::from_millis(1000 + 10 * i);
            let a = net.route(&mut rng, t0, 2, 1).iter().next().unwrap();
            let b = net
                .route(&mut rng, t0 + Duration::from_millis(1), 2, 1)
                .iter()
                .next()
                .unwrap();
            overtaken += usize::from(b < a);
        }
        assert!(overtaken > 10, "{overtaken}");
    }

    #[test]
    fn loss_and_duplication_follow_their_rates() {
        let mut rng = SimRng::new(3);
        let link = Link {
            loss_ppm: 500_000,
            duplicate_ppm: 500_000,
            ..lossless(0)
        };
        let mut net = Network::new(&[1, 2], |_, _| link);
        let counts: Vec<usize> = (0..1000)
            .map(|_| net.route(&mut rng, Instant::ZERO, 1, 2).iter().count())
            .collect();
        let lost = counts.iter().filter(|c| **c == 0).count();
        let doubled = counts.iter().filter(|c| **c == 2).count();
        assert!((400..600).contains(&lost), "{lost}");
        assert!((150..350).contains(&doubled), "{doubled}");
        net.heal_all();
        assert_eq!(net.link(1, 2), Link::HEALTHY);
    }
}
