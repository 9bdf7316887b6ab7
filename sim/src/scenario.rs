//! Built-in scenarios: a cluster's configuration and how long to torture it.
//!
//! Membership scenarios run totem and votequorum per node with an
//! application sending raw messages; cluster scenarios run core's whole
//! node with a CIB every disk already holds (as if configured before the
//! run) and a script of administrator actions and deliberate faults.

use std::time::Duration;

use cohort_core::cib::{is_true, Cib};
use cohort_core::config::{self, Config, Discovery};
use cohort_core::controller::admin;
use cohort_core::controller::AdminCommand;
use cohort_core::quorum::VoteConfig;
use cohort_core::totem::{NodeId, TotemConfig};

use crate::admin::{Script, Step, Target};
use crate::node::NodeKind;

/// The reference cluster's corosync.conf (two nodes, multicast discovery,
/// secauth, no quorum section).
const SEED_COROSYNC_CONF: &str = include_str!("../../../shared/seed/corosync.conf");
/// The reference cluster's resources: vip, mynfs, mysqld, ordered and
/// colocated; stonith disabled, no-quorum-policy ignore, stickiness 100.
pub const SEED_CONFIGURE_CRM: &str = include_str!("../../../shared/seed/configure.crm");

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
    /// Resources and a script: a cluster scenario.
    pub cluster: Option<ClusterSetup>,
}

/// What a cluster scenario adds to a membership one.
#[derive(Debug, Clone)]
pub struct ClusterSetup {
    /// The crm text whose configuration every disk holds at time zero.
    pub crm: String,
    pub script: Script,
}

impl ClusterSetup {
    /// The CIB the crm text makes.
    pub fn cib(&self) -> Cib {
        let mut cib = Cib::empty();
        admin::apply(
            &mut cib,
            &AdminCommand::Configure {
                crm: self.crm.clone(),
            },
        )
        .expect("built-in crm text applies");
        cib
    }
}

/// The built-in scenario names, in `list` order.
pub const NAMES: [&str; 10] = [
    "reference",
    "two-node",
    "three-node",
    "five-node",
    "failover",
    "quorum-three",
    "fencing-two-node",
    "failing-monitor",
    "partition-change",
    "maintenance",
];

/// The seed's resources on two nodes with stonith enabled, a fence device
/// per node (never run on the node it fences) and no-quorum-policy=stop.
fn two_node_fencing_crm() -> String {
    seed_crm_with(
        &[("stonith-enabled", "true"), ("no-quorum-policy", "stop")],
        "primitive fence1 stonith:fence_dummy params pcmk_host_list=node1\nprimitive fence2 stonith:fence_dummy params pcmk_host_list=node2\nlocation fence1_not_on_node1 fence1 -inf: node1\nlocation fence2_not_on_node2 fence2 -inf: node2\n",
    )
}

/// The seed's crm text with `property NAME=...` lines replaced or added.
fn seed_crm_with(properties: &[(&str, &str)], extra: &str) -> String {
    let mut out = String::new();
    for line in SEED_CONFIGURE_CRM.lines() {
        let replaced = properties
            .iter()
            .any(|(k, _)| line.trim_start().starts_with(&format!("property {k}=")));
        if !replaced {
            out.push_str(line);
            out.push('\n');
        }
    }
    for (k, v) in properties {
        out.push_str(&format!("property {k}={v}\n"));
    }
    out.push_str(extra);
    out.push_str("commit\n");
    out
}

fn at(secs: u64, step: Step) -> (Duration, Step) {
    (Duration::from_secs(secs), step)
}

fn running(rsc: &str) -> Target {
    Target::Running(rsc.to_string())
}

fn marked(name: &'static str) -> Target {
    Target::Marked(name)
}

impl Scenario {
    pub fn builtin(name: &str) -> Option<Scenario> {
        if let Some(s) = Scenario::cluster_builtin(name) {
            return Some(s);
        }
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
            cluster: None,
        })
    }

    /// The cluster scenarios of issue 6.
    fn cluster_builtin(name: &str) -> Option<Scenario> {
        let (about, conf, crm, script, fault_s): (&str, String, String, Script, u64) = match name {
            "failover" => (
                "the seed's corosync.conf and configure.crm (vip, mynfs, mysqld): standby, online, crash and return of the active node",
                SEED_COROSYNC_CONF.to_string(),
                SEED_CONFIGURE_CRM.to_string(),
                vec![
                    at(40, Step::Mark { name: "A", target: running("mysqld") }),
                    at(40, Step::Standby { target: marked("A") }),
                    at(70, Step::Online { target: marked("A") }),
                    at(100, Step::Mark { name: "B", target: running("mysqld") }),
                    at(100, Step::Crash { target: marked("B") }),
                    at(130, Step::Boot { target: marked("B") }),
                ],
                160,
            ),
            "quorum-three" => (
                "3 nodes, the seed's resources with no-quorum-policy=stop: the active node is cut off (2|1), the majority takes over, the heal merges",
                nodelist_conf("three", 3, ""),
                seed_crm_with(&[("no-quorum-policy", "stop")], ""),
                vec![
                    at(30, Step::Mark { name: "A", target: running("mysqld") }),
                    at(30, Step::Isolate { target: marked("A") }),
                    at(70, Step::HealNetwork),
                ],
                100,
            ),
            "fencing-two-node" => (
                "2 nodes, two_node: 1, stonith enabled (a fence device per node), no-quorum-policy=stop: a split, exactly one survivor fences the other",
                nodelist_conf("pair", 2, "\ttwo_node: 1\n"),
                // no-quorum-policy=stop, as two-node clusters are set up
                // today: two_node implies wait_for_all, so a node rebooted
                // into a still-cut network waits instead of fencing back.
                two_node_fencing_crm(),
                vec![
                    at(40, Step::Mark { name: "A", target: running("mysqld") }),
                    at(40, Step::Isolate { target: marked("A") }),
                    at(80, Step::HealNetwork),
                ],
                110,
            ),
            "failing-monitor" => (
                "2 nodes, mysqld monitored every 5 s, migration-threshold 3, failure-timeout 60 s, preferring node1: its agent breaks there, it restarts then moves, and returns once repaired and expired",
                nodelist_conf("pair", 2, "\ttwo_node: 1\n"),
                "property stonith-enabled=false\nproperty no-quorum-policy=ignore\nrsc_defaults resource-stickiness=0\nprimitive mysqld ocf:heartbeat:Dummy op monitor interval=5s timeout=20s meta migration-threshold=3 failure-timeout=60s\nlocation mysqld_prefers_node1 mysqld 100: node1\ncommit\n".to_string(),
                vec![
                    at(30, Step::BreakAgent { target: Target::Node(1), rsc: "mysqld".into() }),
                    at(90, Step::RepairAgent { target: Target::Node(1), rsc: "mysqld".into() }),
                ],
                200,
            ),
            "partition-change" => (
                "3 nodes, the seed's resources: configuration changes typed on both sides of a 1|2 partition (the side without quorum refuses its own); after the heal every node holds the winning CIB, with every acknowledged change",
                nodelist_conf("three", 3, ""),
                seed_crm_with(&[("no-quorum-policy", "stop")], ""),
                vec![
                    at(30, Step::Isolate { target: Target::Node(1) }),
                    at(40, Step::Admin { on: Target::Node(1), cmd: AdminCommand::Configure { crm: "rsc_defaults migration-threshold=4\ncommit\n".into() } }),
                    at(45, Step::Admin { on: Target::Node(2), cmd: AdminCommand::Configure { crm: "rsc_defaults resource-stickiness=200\ncommit\nproperty cluster-recheck-interval=5min\ncommit\n".into() } }),
                    at(60, Step::HealNetwork),
                ],
                80,
            ),
            "maintenance" => (
                "2 nodes, two_node: 1, stonith enabled: `crm cluster stop` on the active node (its services move, nobody fences it), it returns, then the same on the other",
                nodelist_conf("pair", 2, "\ttwo_node: 1\n"),
                two_node_fencing_crm(),
                vec![
                    at(40, Step::Mark { name: "A", target: running("mysqld") }),
                    at(40, Step::Shutdown { target: marked("A") }),
                    at(70, Step::Boot { target: marked("A") }),
                    at(100, Step::Mark { name: "B", target: running("mysqld") }),
                    at(100, Step::Shutdown { target: marked("B") }),
                    at(130, Step::Boot { target: marked("B") }),
                ],
                160,
            ),
            _ => return None,
        };
        let name = NAMES.into_iter().find(|n| *n == name)?;
        let config = config::load(&conf).expect("built-in configurations are valid");
        let nodes = if config.nodes.is_empty() {
            vec![1, 2]
        } else {
            config.nodes.iter().map(|n| n.nodeid).collect()
        };
        let setup = ClusterSetup { crm, script };
        let _ = setup.cib();
        Some(Scenario {
            name,
            about,
            config,
            nodes,
            fault_phase: Duration::from_secs(fault_s),
            cluster: Some(setup),
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
        let (totem, votes) = (self.totem_config(), self.vote_config());
        match self.cluster {
            Some(_) => NodeKind::Cluster {
                totem,
                votes,
                peers: if self.transport_knows_sender() {
                    self.nodes
                        .iter()
                        .map(|&id| (id, crate::node::uname_of(id)))
                        .collect()
                } else {
                    Vec::new()
                },
            },
            None => NodeKind::Membership { totem, votes },
        }
    }

    pub fn is_cluster(&self) -> bool {
        self.cluster.is_some()
    }

    /// Whether a resource may run twice by configuration: stonith disabled
    /// and a partition allowed to act without quorum (no-quorum-policy
    /// ignore, or two_node where both halves keep quorum).
    pub fn runs_twice_by_configuration(&self) -> bool {
        let Some(setup) = &self.cluster else {
            return false;
        };
        let cib = setup.cib();
        let prop = |n: &str| cib.configuration.property(n).map(str::to_string);
        let stonith = prop("stonith-enabled").as_deref().is_none_or(is_true);
        let ignore = prop("no-quorum-policy").as_deref() == Some("ignore");
        !stonith && (ignore || self.config.quorum.two_node)
    }

    /// How long after the single view every resource must be where the
    /// policy engine puts it: a few transitions of starts and stops (each
    /// op at most a few seconds), a failure-timeout recheck, the DC's sync.
    pub fn placement_bound(&self) -> Duration {
        Duration::from_secs(120)
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
    /// With fencing, a fence asked for just before the heal still lands
    /// after it: the victim is down for the fence's delay (split delay and
    /// device) and its reboot before it can join, so that is added.
    pub fn liveness_bound(&self) -> Duration {
        let t = self.totem_config();
        let mut ms = 3 * u64::from(t.token_ms)
            + u64::from(t.consensus_ms)
            + 10 * u64::from(t.merge_ms)
            + 2_000;
        if self.fences() {
            ms += crate::fencer::WORST_FENCE_TO_BOOT_MS;
        }
        Duration::from_millis(ms)
    }

    /// Stonith is enabled in the cluster's configuration.
    pub fn fences(&self) -> bool {
        self.cluster.as_ref().is_some_and(|setup| {
            setup
                .cib()
                .configuration
                .property("stonith-enabled")
                .is_none_or(is_true)
        })
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
        let f = Scenario::builtin("failover").unwrap();
        assert!(f.is_cluster() && f.runs_twice_by_configuration());
        let cib = f.cluster.as_ref().unwrap().cib();
        assert!(cib.configuration.find_resource("mysqld").is_some());
        let q = Scenario::builtin("quorum-three").unwrap();
        assert!(!q.runs_twice_by_configuration());
        assert_eq!(crate::node::uname_of(3), "node3");
        assert!(Scenario::builtin("nope").is_none());
    }
}
