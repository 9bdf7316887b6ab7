//! Built-in scenarios: a cluster's configuration and how long to torture it.
//!
//! Membership-level for now (totem and votequorum per node); the resource
//! scenarios of issue 6 join once the cluster node exists.

use std::time::Duration;

use cohort_core::config::{self, Config, Discovery};
use cohort_core::quorum::VoteConfig;
use cohort_core::totem::{NodeId, TotemConfig};

use crate::node::NodeKind;

/// The reference cluster's corosync.conf (two nodes, multicast discovery,
/// secauth, no quorum section).
const SEED_COROSYNC_CONF: &str = include_str!("../../../shared/seed/corosync.conf");

/// A corosync 3 style file: a nodelist of `nodes` nodes, `token` 1000 ms,
/// and `quorum_extra` lines in the quorum section.
fn nodelist_conf(cluster_name: &str, nodes: u32, quorum_extra: &str) -> String {
    let mut text = format!(
        "totem {{\n\tversion: 2\n\tcluster_name: {cluster_name}\n\ttoken: 1000\n}}\nnodelist {{\n"
    );
    for id in 1..=nodes {
        text.push_str(&format!(
            "\tnode {{\n\t\tring0_addr: 10.0.0.{id}\n\t\tnodeid: {id}\n\t}}\n"
        ));
    }
    text.push_str(&format!(
        "}}\nquorum {{\n\tprovider: corosync_votequorum\n{quorum_extra}}}\n"
    ));
    text
}

/// One built-in scenario.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub name: &'static str,
    pub about: &'static str,
    pub config: Config,
    pub nodes: Vec<NodeId>,
    /// How long faults are injected before the heal.
    pub fault_phase: Duration,
}

/// The built-in scenario names, in `list` order.
pub const NAMES: [&str; 4] = ["reference", "two-node", "three-node", "five-node"];

impl Scenario {
    pub fn builtin(name: &str) -> Option<Scenario> {
        let (about, text, node_count) = match name {
            "reference" => (
                "the seed's corosync.conf: 2 nodes, multicast discovery, secauth, token 3000 ms, expected votes = highest seen",
                SEED_COROSYNC_CONF.to_string(),
                2,
            ),
            // Both halves of a split stay quorate by configuration
            // (fencing is what keeps such a cluster safe).
            "two-node" => (
                "2 nodes, nodelist, two_node: 1 (a split leaves both halves quorate: unsafe by configuration)",
                nodelist_conf("pair", 2, "\ttwo_node: 1\n"),
                2,
            ),
            "three-node" => (
                "3 nodes, nodelist, token 1000 ms (1650 ms effective), votequorum majority",
                nodelist_conf("three", 3, ""),
                3,
            ),
            "five-node" => (
                "5 nodes, nodelist, token 1000 ms (2950 ms effective), votequorum majority",
                nodelist_conf("five", 5, ""),
                5,
            ),
            _ => return None,
        };
        let name = NAMES.into_iter().find(|n| *n == name)?;
        let config = config::load(&text).expect("built-in configurations are valid");
        let nodes = if config.nodes.is_empty() {
            (1..=node_count).collect()
        } else {
            config.nodes.iter().map(|n| n.nodeid).collect()
        };
        let token_ms = u64::from(config.effective_timers().token_ms);
        Some(Scenario {
            name,
            about,
            config,
            nodes,
            // Twelve token timeouts: from a couple of faults (the slowest
            // swarm rate) to a few dozen per seed. Many short runs explore
            // more than a few long ones, and keep CI fast.
            fault_phase: Duration::from_millis(12 * token_ms.max(1500)),
        })
    }

    pub fn all() -> Vec<Scenario> {
        NAMES
            .iter()
            .map(|n| Scenario::builtin(n).expect("built-in"))
            .collect()
    }

    pub fn totem_config(&self) -> TotemConfig {
        // Not a secret: the simulator's nodes share a fixed key so that
        // secauth scenarios authenticate every datagram as they would.
        let key = (0..128u8).map(|i| i.wrapping_mul(37) ^ 0x5a).collect();
        TotemConfig::from_config(&self.config, Some(key))
    }

    pub fn vote_config(&self) -> VoteConfig {
        VoteConfig::from_config(&self.config)
    }

    pub fn node_kind(&self) -> NodeKind {
        NodeKind::Membership {
            totem: self.totem_config(),
            votes: self.vote_config(),
        }
    }

    /// Whether the transport knows who sent a datagram (a node list):
    /// without one, members find each other by multicast and only the
    /// envelope names the sender.
    pub fn transport_knows_sender(&self) -> bool {
        self.config.discovery == Discovery::Nodelist
    }

    /// A split where both halves are quorate is allowed by configuration.
    pub fn unsafe_by_configuration(&self) -> bool {
        self.config.quorum.two_node
    }

    pub fn token_ms(&self) -> u64 {
        u64::from(self.totem_config().token_ms)
    }

    /// How long after the heal every node must be in one quorate view.
    /// Totem's own worst case (a token loss still pending, a consensus
    /// timeout for a deaf member, a failed commit, a merge round of a few
    /// `merge` periods; see totem's tests) is `2·token + consensus +
    /// 5·merge + 1 s`; nodes restarted at the heal add their own start and
    /// one more merge round, hence doubled merge and one more `token`.
    pub fn liveness_bound(&self) -> Duration {
        let t = self.totem_config();
        let ms = 3 * u64::from(t.token_ms)
            + u64::from(t.consensus_ms)
            + 10 * u64::from(t.merge_ms)
            + 2_000;
        Duration::from_millis(ms)
    }

    /// How long after one view forms every message sent in it must be
    /// delivered everywhere: a few token rotations with retransmissions.
    pub fn delivery_bound(&self) -> Duration {
        Duration::from_millis(2 * self.token_ms() + 2_000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtins_load_with_their_shape() {
        let r = Scenario::builtin("reference").unwrap();
        assert_eq!(r.nodes, [1, 2]);
        assert!(!r.transport_knows_sender());
        assert_eq!(r.token_ms(), 3000);
        assert!(
            r.totem_config().auth_key.is_some(),
            "the seed has secauth on"
        );
        assert!(!r.unsafe_by_configuration());
        let two = Scenario::builtin("two-node").unwrap();
        assert!(two.unsafe_by_configuration());
        assert_eq!(
            Scenario::builtin("five-node").unwrap().nodes,
            [1, 2, 3, 4, 5]
        );
        assert_eq!(Scenario::all().len(), NAMES.len());
        assert!(Scenario::builtin("nope").is_none());
    }
}
