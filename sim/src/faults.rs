//! What can go wrong, and how often: swarm testing.
//!
//! As in TigerBeetle's VOPR, each seed first draws its own fault profile
//! (which kinds of fault are on at all, how often faults come, how lossy
//! and slow the links are, how far clocks drift), then draws the faults
//! from it. One seed loses 15 % of its packets and never partitions,
//! another partitions one way every few seconds on a perfect network: rare
//! combinations get explored instead of being averaged away.
//!
//! Scales are relative to the scenario's `token` timeout, so a fault is
//! interesting (a pause longer than `token` loses the token) whatever the
//! configuration.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use cohort_core::totem::NodeId;

use crate::local_time::LocalClock;
use crate::network::Link;
use crate::rng::SimRng;

/// Which faults a run injects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FaultMode {
    /// Each seed draws its own profile (the default).
    Swarm,
    /// A healthy network, no faults: only start-up and traffic.
    None,
    /// Crashes and restarts on a healthy network: clean failover figures.
    Crashes,
}

impl FaultMode {
    pub const ALL: [FaultMode; 3] = [FaultMode::Swarm, FaultMode::None, FaultMode::Crashes];

    pub fn name(self) -> &'static str {
        match self {
            FaultMode::Swarm => "swarm",
            FaultMode::None => "none",
            FaultMode::Crashes => "crashes",
        }
    }
}

impl fmt::Display for FaultMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for FaultMode {
    type Err = String;
    fn from_str(s: &str) -> Result<FaultMode, String> {
        FaultMode::ALL
            .into_iter()
            .find(|m| m.name() == s)
            .ok_or_else(|| format!("unknown fault mode {s:?} (swarm, none, crashes)"))
    }
}

/// The kinds of fault, each with its own weight in a profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FaultKind {
    Crash,
    Pause,
    /// Random groups, cut both ways.
    Partition,
    /// One node cut off, both ways or one way.
    Isolate,
    /// Random groups, cut one way only.
    OneWay,
    Clog,
    HealNetwork,
    ClockJump,
}

impl FaultKind {
    pub const ALL: [FaultKind; 8] = [
        FaultKind::Crash,
        FaultKind::Pause,
        FaultKind::Partition,
        FaultKind::Isolate,
        FaultKind::OneWay,
        FaultKind::Clog,
        FaultKind::HealNetwork,
        FaultKind::ClockJump,
    ];
}

/// One seed's fault probabilities and scales.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultProfile {
    pub mode: FaultMode,
    /// Per-link latency draws: base in `0..=base_max_us`, spread in
    /// `0..=spread_max_us`.
    pub base_max_us: u64,
    pub spread_max_us: u64,
    pub slow_ppm: u32,
    pub slow_max_us: u64,
    pub loss_ppm: u32,
    pub duplicate_ppm: u32,
    /// Mean gap between two faults.
    pub fault_interval_ms: u64,
    /// By [`FaultKind::ALL`] order; 0 turns a kind off.
    pub weights: [u32; FaultKind::ALL.len()],
    pub restart_delay_max_ms: u64,
    pub pause_max_ms: u64,
    pub clog_max_ms: u64,
    pub jump_max_ms: u64,
    pub drift_max_ppm: i64,
    /// Mean gap between two application sends of one node.
    pub send_interval_ms: u64,
    /// Chance that a send asks for safe delivery.
    pub safe_ppm: u32,
}

impl FaultProfile {
    /// Draws a profile for one seed.
    pub fn draw(mode: FaultMode, rng: &mut SimRng, token_ms: u64) -> FaultProfile {
        let token_ms = token_ms.max(100);
        let mut p = FaultProfile {
            mode,
            base_max_us: rng.between(50, 2_000),
            spread_max_us: rng.between(0, 2_000),
            slow_ppm: 0,
            slow_max_us: 0,
            loss_ppm: 0,
            duplicate_ppm: 0,
            fault_interval_ms: rng.between(token_ms / 2, 8 * token_ms),
            weights: [0; FaultKind::ALL.len()],
            restart_delay_max_ms: rng.between(token_ms, 6 * token_ms),
            pause_max_ms: rng.between(token_ms / 4, 3 * token_ms),
            clog_max_ms: rng.between(token_ms / 4, 2 * token_ms),
            jump_max_ms: rng.between(token_ms / 4, 2 * token_ms),
            drift_max_ppm: 0,
            send_interval_ms: rng.between(20, 2_000),
            safe_ppm: u32::try_from(rng.below(1_000_001)).expect("at most a million"),
        };
        match mode {
            FaultMode::None => {}
            FaultMode::Crashes => p.weights[FaultKind::Crash as usize] = 1,
            FaultMode::Swarm => {
                // Each kind is on with probability one half, at a random
                // weight; a seed with every kind off still has a bad network.
                for w in p.weights.iter_mut() {
                    if rng.coin() {
                        *w = u32::try_from(rng.between(1, 10)).expect("small");
                    }
                }
                if rng.coin() {
                    p.loss_ppm = u32::try_from(rng.below(150_001)).expect("small");
                }
                if rng.coin() {
                    p.duplicate_ppm = u32::try_from(rng.below(100_001)).expect("small");
                }
                if rng.coin() {
                    // Wide spreads reorder; the slow tail reorders a lot.
                    p.spread_max_us = rng.between(1_000, 20_000);
                    p.slow_ppm = u32::try_from(rng.below(50_001)).expect("small");
                    p.slow_max_us = rng.between(1_000, 200_000);
                }
                if rng.coin() {
                    p.drift_max_ppm = i64::try_from(rng.between(1, 2_000)).expect("small");
                }
            }
        }
        p
    }

    /// Whether this profile injects any fault at all.
    pub fn injects_faults(&self) -> bool {
        self.weights.iter().any(|w| *w > 0)
    }

    /// One direction of one link.
    pub fn draw_link(&self, rng: &mut SimRng) -> Link {
        Link {
            base_us: rng.between(50, self.base_max_us.max(50)),
            spread_us: rng.below(self.spread_max_us + 1),
            slow_ppm: self.slow_ppm,
            slow_max_us: self.slow_max_us,
            loss_ppm: self.loss_ppm,
            duplicate_ppm: self.duplicate_ppm,
        }
    }

    /// One node's clock: an arbitrary origin (nodes never agree on one)
    /// and a drift within the profile's bound.
    pub fn draw_clock(&self, rng: &mut SimRng) -> LocalClock {
        let offset = Duration::from_millis(rng.below(1_000_000_000));
        let span = u64::try_from(2 * self.drift_max_ppm).expect("non-negative");
        let rate_ppm = i64::try_from(rng.below(span + 1)).expect("small") - self.drift_max_ppm;
        LocalClock::new(offset, rate_ppm)
    }

    /// The gap before the next fault.
    pub fn next_gap(&self, rng: &mut SimRng) -> Duration {
        Duration::from_millis(rng.between(1, 2 * self.fault_interval_ms.max(1)))
    }

    /// The gap before a node's next application send.
    pub fn next_send_gap(&self, rng: &mut SimRng) -> Duration {
        Duration::from_millis(rng.between(1, 2 * self.send_interval_ms.max(1)))
    }

    /// Draws the next fault, given every node and the ones running now.
    pub fn draw_action(
        &self,
        rng: &mut SimRng,
        nodes: &[NodeId],
        live: &[NodeId],
    ) -> Option<FaultAction> {
        let kind = FaultKind::ALL[rng.weighted(&self.weights)?];
        let any_live = |rng: &mut SimRng| (!live.is_empty()).then(|| live[rng.index(live.len())]);
        let ms = |rng: &mut SimRng, max: u64| Duration::from_millis(rng.between(1, max.max(1)));
        Some(match kind {
            FaultKind::Crash => {
                let node = any_live(rng)?;
                // Sometimes a crashed node stays down until the heal.
                let restart_after = rng
                    .chance_ppm(800_000)
                    .then(|| ms(rng, self.restart_delay_max_ms));
                FaultAction::Crash {
                    node,
                    restart_after,
                }
            }
            FaultKind::Pause => FaultAction::Pause {
                node: any_live(rng)?,
                pause: ms(rng, self.pause_max_ms),
            },
            FaultKind::Partition => FaultAction::Partition {
                cuts: cut_between(&random_groups(rng, nodes), false),
                one_way: false,
            },
            FaultKind::OneWay => FaultAction::Partition {
                cuts: cut_between(&random_groups(rng, nodes), true),
                one_way: true,
            },
            FaultKind::Isolate => {
                let node = nodes[rng.index(nodes.len())];
                let rest: Vec<NodeId> = nodes.iter().copied().filter(|n| *n != node).collect();
                let one_way = rng.coin();
                // One way: either the node goes deaf or it goes mute.
                let groups = if rng.coin() {
                    vec![vec![node], rest]
                } else {
                    vec![rest, vec![node]]
                };
                FaultAction::Partition {
                    cuts: cut_between(&groups, one_way),
                    one_way,
                }
            }
            FaultKind::Clog => {
                let from = nodes[rng.index(nodes.len())];
                let others: Vec<NodeId> = nodes.iter().copied().filter(|n| *n != from).collect();
                let to = *others.get(rng.index(others.len().max(1)))?;
                FaultAction::Clog {
                    from,
                    to,
                    hold: ms(rng, self.clog_max_ms),
                }
            }
            FaultKind::HealNetwork => FaultAction::HealNetwork,
            FaultKind::ClockJump => FaultAction::ClockJump {
                node: any_live(rng)?,
                jump: ms(rng, self.jump_max_ms),
            },
        })
    }
}

/// One fault to inject now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultAction {
    Crash {
        node: NodeId,
        /// None: down until the heal.
        restart_after: Option<Duration>,
    },
    Pause {
        node: NodeId,
        pause: Duration,
    },
    Partition {
        cuts: BTreeSet<(NodeId, NodeId)>,
        one_way: bool,
    },
    Clog {
        from: NodeId,
        to: NodeId,
        hold: Duration,
    },
    HealNetwork,
    ClockJump {
        node: NodeId,
        jump: Duration,
    },
}

/// Two or three non-empty groups of `nodes`.
fn random_groups(rng: &mut SimRng, nodes: &[NodeId]) -> Vec<Vec<NodeId>> {
    let count = if nodes.len() >= 3 && rng.coin() { 3 } else { 2 };
    let mut groups = vec![Vec::new(); count];
    for (i, node) in nodes.iter().enumerate() {
        // The first `count` nodes seed one group each so none is empty.
        let g = if i < count { i } else { rng.index(count) };
        groups[g].push(*node);
    }
    groups
}

/// Directed cuts between groups: both ways, or only from an earlier group
/// to a later one.
fn cut_between(groups: &[Vec<NodeId>], one_way: bool) -> BTreeSet<(NodeId, NodeId)> {
    let mut cuts = BTreeSet::new();
    for (i, g) in groups.iter().enumerate() {
        for h in &groups[i + 1..] {
            for a in g {
                for b in h {
                    cuts.insert((*a, *b));
                    if !one_way {
                        cuts.insert((*b, *a));
                    }
                }
            }
        }
    }
    cuts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swarm_profiles_differ_between_seeds_and_none_has_no_faults() {
        let profiles: BTreeSet<[u32; 8]> = (0..50)
            .map(|s| FaultProfile::draw(FaultMode::Swarm, &mut SimRng::new(s), 1000).weights)
            .collect();
        assert!(profiles.len() > 40, "{}", profiles.len());
        let none = FaultProfile::draw(FaultMode::None, &mut SimRng::new(1), 1000);
        assert!(!none.injects_faults());
        assert_eq!((none.loss_ppm, none.duplicate_ppm), (0, 0));
        assert_eq!(
            none.draw_action(&mut SimRng::new(2), &[1, 2], &[1, 2]),
            None
        );
    }

    #[test]
    fn partitions_cut_between_groups_only() {
        let groups = vec![vec![1, 2], vec![3]];
        let both = cut_between(&groups, false);
        assert_eq!(both, BTreeSet::from([(1, 3), (2, 3), (3, 1), (3, 2)]));
        let one = cut_between(&groups, true);
        assert_eq!(one, BTreeSet::from([(1, 3), (2, 3)]));
        let mut rng = SimRng::new(9);
        for _ in 0..100 {
            let g = random_groups(&mut rng, &[1, 2, 3, 4, 5]);
            assert!(g.iter().all(|g| !g.is_empty()));
            assert_eq!(g.iter().map(Vec::len).sum::<usize>(), 5);
        }
    }
}
