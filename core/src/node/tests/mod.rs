//! The reference two-node scenario (tests/reference/01-seed.crm) through the
//! in-memory harness: replication, ordered starts, standby, failover.

use std::collections::BTreeMap;
use std::time::Duration;

use super::harness::{Cluster, Logged};
use super::NodeConfig;
use crate::cib::xml::write_cib;
use crate::config::ExpectedVotes;
use crate::controller::{AdminCommand, ClusterEvent};
use crate::quorum::VoteConfig;
use crate::time::Instant;
use crate::totem::{NodeId, TotemConfig};

mod admin;
mod failures;
mod fencing;
mod large;
mod quorum;
mod restart;
mod shutdown;

const SEED_CRM: &str = include_str!("../../../../tests/reference/01-seed.crm");
const TOKEN_MS: u32 = 1000;

fn config(id: NodeId) -> NodeConfig {
    NodeConfig {
        node_id: id,
        uname: format!("node{id}"),
        totem: TotemConfig::with_token_ms("reference", TOKEN_MS),
        votes: VoteConfig {
            expected: ExpectedVotes::Configured(2),
            votes: BTreeMap::new(),
            two_node: true,
            wait_for_all: false,
            last_man_standing: false,
            last_man_standing_window: Duration::from_secs(10),
            auto_tie_breaker: None,
            allow_downscale: false,
        },
        cib: None,
        peers: Vec::new(),
        epoch_at_start_s: 1_700_000_000,
        max_message_bytes: crate::node::DEFAULT_MAX_MESSAGE_BYTES,
    }
}

fn two_nodes(seed: u64) -> Cluster {
    Cluster::new(vec![config(1), config(2)], seed)
}

fn secs(s: u64) -> Instant {
    Instant::from_millis(s * 1000)
}

/// Every node in one view with its sync done.
fn settle(c: &mut Cluster) -> Instant {
    let deadline = c.now() + Duration::from_secs(10);
    let ids = c.ids();
    c.run_until_true(deadline, |c| {
        ids.iter().all(|n| {
            c.node(*n)
                .is_some_and(|x| x.members().len() == ids.len() && x.controller().is_synced())
        })
    })
    .expect("the nodes form one view")
}

/// Configures the reference resources through node 1 and waits until all
/// three run.
fn configure(c: &mut Cluster) -> Instant {
    configure_with(c, SEED_CRM)
}

/// Configures `crm` through node 1 and waits until vip, mynfs and mysqld run.
fn configure_with(c: &mut Cluster, crm: &str) -> Instant {
    settle(c);
    let req = c.admin(
        1,
        AdminCommand::Configure {
            crm: crm.to_string(),
        },
    );
    let deadline = c.now() + Duration::from_secs(30);
    c.run_until_true(deadline, |c| c.reply(req).is_some())
        .expect("the admin gets an answer");
    assert!(c.reply(req).unwrap().1.is_ok(), "{:?}", c.reply(req));
    let deadline = c.now() + Duration::from_secs(30);
    c.run_until_true(deadline, |c| {
        ["vip", "mynfs", "mysqld"]
            .iter()
            .all(|r| c.where_runs(r).len() == 1)
    })
    .expect("all three start")
}

fn starts_and_stops(c: &Cluster, node: NodeId) -> Vec<String> {
    c.execs(node)
        .into_iter()
        .filter(|(_, a)| a == "start" || a == "stop")
        .map(|(r, a)| format!("{a} {r}"))
        .collect()
}

#[test]
fn two_nodes_agree_on_a_view_and_a_dc() {
    let mut c = two_nodes(1);
    let at = settle(&mut c);
    assert!(at < secs(5), "settled at {at}");
    let dcs: Vec<_> = [1, 2].iter().map(|n| c.node(*n).unwrap().dc()).collect();
    assert_eq!(dcs, [Some(1), Some(1)], "the lowest id, nobody knew a DC");
    let cibs: Vec<String> = [1, 2]
        .iter()
        .map(|n| write_cib(c.node(*n).unwrap().cib()))
        .collect();
    assert_eq!(cibs[0], cibs[1]);
    assert!(cibs[0].contains("uname=\"node2\""), "{}", cibs[0]);
}

#[test]
fn the_reference_configuration_reaches_both_replicas_and_disks() {
    let mut c = two_nodes(2);
    settle(&mut c);
    let req = c.admin(
        1,
        AdminCommand::Configure {
            crm: SEED_CRM.to_string(),
        },
    );
    let deadline = c.now() + Duration::from_secs(10);
    let replied = c
        .run_until_true(deadline, |c| c.reply(req).is_some())
        .unwrap();
    let version = c.reply(req).unwrap().1.expect("applied");
    // The reply came only after node 1's disk acknowledged a write that
    // holds this version.
    let durable_at = c
        .log
        .iter()
        .filter(|e| e.node == 1 && matches!(e.what, Logged::DiskDone { .. }))
        .map(|e| e.at)
        .next_back()
        .unwrap();
    assert!(durable_at <= replied);
    c.run_for(Duration::from_secs(10));
    let one = c.node(1).unwrap().cib();
    let two = c.node(2).unwrap().cib();
    assert_eq!(write_cib(one), write_cib(two), "identical replicas");
    assert_eq!(one.version.epoch, two.version.epoch);
    assert!(one.version.epoch >= version.epoch);
    assert!(one.configuration.find_resource("mysqld").is_some());
    for n in [1, 2] {
        let disk = String::from_utf8(c.disk(n, "cib.xml").unwrap().to_vec()).unwrap();
        assert!(disk.contains("mysqld_after_mynfs_after_vip"), "node {n}");
        assert!(!disk.contains("<node_state"), "status is never written");
    }
}

#[test]
fn the_dc_starts_vip_mynfs_mysqld_in_order_on_one_node() {
    let mut c = two_nodes(3);
    let running_at = configure(&mut c);
    let active = c.where_runs("vip")[0];
    for r in ["mynfs", "mysqld"] {
        assert_eq!(c.where_runs(r), [active], "{r} colocated with vip");
    }
    assert_eq!(
        starts_and_stops(&c, active),
        ["start vip", "start mynfs", "start mysqld"]
    );
    let other = 3 - active;
    assert!(starts_and_stops(&c, other).is_empty());
    // Each start began only after the previous one's result.
    let mut last_done = Instant::ZERO;
    for rsc in ["vip", "mynfs", "mysqld"] {
        let started = c
            .log
            .iter()
            .find(|e| matches!(&e.what, Logged::Exec { rsc: r, action } if r == rsc && action == "start"))
            .unwrap()
            .at;
        assert!(
            started >= last_done,
            "{rsc} started at {started} before {last_done}"
        );
        last_done = c
            .log
            .iter()
            .find(|e| matches!(&e.what, Logged::OpDone { rsc: r, action, .. } if r == rsc && action == "start"))
            .unwrap()
            .at;
    }
    eprintln!("configured services running at {running_at}");
}

/// The `(rsc, action)` ops of `node` at or after `from`.
fn ops_since(c: &Cluster, node: NodeId, from: Instant) -> Vec<String> {
    c.log
        .iter()
        .filter(|e| e.node == node && e.at >= from)
        .filter_map(|e| match &e.what {
            Logged::Exec { rsc, action } if action != "monitor" => Some(format!("{action} {rsc}")),
            _ => None,
        })
        .collect()
}

fn all_on(c: &Cluster, node: NodeId) -> bool {
    ["vip", "mynfs", "mysqld"]
        .iter()
        .all(|r| c.where_runs(r) == [node])
}

#[test]
fn standby_stops_in_reverse_order_and_starts_in_order_on_the_other_node() {
    let mut c = two_nodes(4);
    configure(&mut c);
    let active = c.where_runs("vip")[0];
    let other = 3 - active;
    let asked = c.now();
    let req = c.admin(
        other,
        AdminCommand::Standby {
            node: format!("node{active}"),
        },
    );
    let deadline = asked + Duration::from_secs(30);
    let moved = c
        .run_until_true(deadline, |c| all_on(c, other))
        .expect("moved");
    assert!(c.reply(req).unwrap().1.is_ok());
    assert_eq!(
        ops_since(&c, active, asked),
        ["stop mysqld", "stop mynfs", "stop vip"]
    );
    assert_eq!(
        ops_since(&c, other, asked),
        ["start vip", "start mynfs", "start mysqld"]
    );
    // Nothing ever ran twice at once.
    let first_start = c
        .log
        .iter()
        .find(|e| {
            e.node == other
                && e.at >= asked
                && matches!(&e.what, Logged::Exec { action, .. } if action == "start")
        })
        .unwrap()
        .at;
    let last_stop_done = c
        .log
        .iter()
        .filter(|e| {
            e.node == active
                && e.at >= asked
                && matches!(&e.what, Logged::OpDone { action, .. } if action == "stop")
        })
        .map(|e| e.at)
        .next_back()
        .unwrap();
    assert!(
        last_stop_done <= first_start,
        "vip started before mysqld... stopped"
    );
    let took = moved.saturating_since(asked);
    eprintln!("standby: services moved in {took:?} (6 ops of 500 ms)");
    assert!(took < Duration::from_millis(6 * 500 + 500), "{took:?}");
}

#[test]
fn a_crash_of_the_active_node_moves_the_services_to_the_survivor() {
    for seed in 0..8 {
        let mut c = two_nodes(100 + seed);
        configure(&mut c);
        let active = c.where_runs("vip")[0];
        let survivor = 3 - active;
        c.run_for(Duration::from_millis(137 * seed));
        let crashed = c.now();
        c.crash(active);
        let deadline = crashed + Duration::from_secs(30);
        let recovered = c
            .run_until_true(deadline, |c| all_on(c, survivor))
            .expect("the survivor runs everything");
        let took = recovered.saturating_since(crashed);
        eprintln!(
            "seed {seed}: node{active} (DC {}) crashed; services on node{survivor} after {took:?}",
            active == 1
        );
        // Detection (token + join wait) + sync + three 500 ms starts.
        let bound = Duration::from_millis(u64::from(TOKEN_MS) + 200 + 3 * 500 + 300);
        assert!(took <= bound, "seed {seed}: {took:?} > {bound:?}");
        assert_eq!(c.node(survivor).unwrap().dc(), Some(survivor));
        let dc_events = c
            .log
            .iter()
            .filter(|e| e.node == survivor && e.at >= crashed)
            .filter(|e| matches!(e.what, Logged::Event(ClusterEvent::DcChanged { .. })))
            .count();
        assert_eq!(dc_events, usize::from(active == 1), "seed {seed}");
    }
}

#[test]
fn the_same_seed_gives_byte_identical_outputs() {
    let run = |seed| {
        let mut c = two_nodes(seed);
        configure(&mut c);
        let active = c.where_runs("vip")[0];
        c.admin(
            1,
            AdminCommand::Standby {
                node: format!("node{active}"),
            },
        );
        c.run_for(Duration::from_secs(5));
        c.crash(3 - active);
        c.run_for(Duration::from_secs(5));
        c.trace
    };
    let a = run(7);
    assert!(a.len() > 100);
    assert_eq!(a, run(7));
    assert_ne!(a, run(8), "the seed matters");
}

#[test]
fn a_crash_of_a_non_dc_active_node_recovers_within_the_same_bound() {
    let mut c = two_nodes(9);
    configure(&mut c);
    // Move everything to node 2 (not the DC), then crash node 2.
    let req = c.admin(
        1,
        AdminCommand::Move {
            rsc: "vip".into(),
            node: "node2".into(),
        },
    );
    let deadline = c.now() + Duration::from_secs(30);
    c.run_until_true(deadline, |c| all_on(c, 2)).expect("moved");
    assert!(c.reply(req).unwrap().1.is_ok());
    assert_eq!(c.node(1).unwrap().dc(), Some(1));
    let crashed = c.now();
    c.crash(2);
    let deadline = crashed + Duration::from_secs(30);
    let recovered = c
        .run_until_true(deadline, |c| all_on(c, 1))
        .expect("back on node 1");
    let took = recovered.saturating_since(crashed);
    eprintln!("DC survived: services on node1 after {took:?}");
    let bound = Duration::from_millis(u64::from(TOKEN_MS) + 200 + 3 * 500 + 300);
    assert!(took <= bound, "{took:?}");
}

#[test]
fn online_after_standby_moves_nothing_back() {
    let mut c = two_nodes(11);
    configure(&mut c);
    let active = c.where_runs("vip")[0];
    let other = 3 - active;
    let node = format!("node{active}");
    c.admin(1, AdminCommand::Standby { node: node.clone() });
    let deadline = c.now() + Duration::from_secs(30);
    c.run_until_true(deadline, |c| all_on(c, other))
        .expect("moved");
    let back = c.now();
    let req = c.admin(2, AdminCommand::Online { node });
    c.run_for(Duration::from_secs(10));
    assert!(c.reply(req).unwrap().1.is_ok());
    assert!(all_on(&c, other), "resource-stickiness=100 keeps them");
    assert!(ops_since(&c, active, back).is_empty());
    assert!(ops_since(&c, other, back).is_empty());
}

#[test]
fn a_bad_command_is_refused_and_changes_nothing() {
    let mut c = two_nodes(12);
    configure(&mut c);
    c.run_for(Duration::from_secs(1));
    let before = c.node(1).unwrap().cib().clone();
    assert_eq!(before.extra_attr("have-quorum"), Some("1"));
    let parse_error = c.admin(
        2,
        AdminCommand::Configure {
            crm: "primitive".into(),
        },
    );
    let unknown = c.admin(
        1,
        AdminCommand::Standby {
            node: "node9".into(),
        },
    );
    let undefined = c.admin(
        2,
        AdminCommand::Configure {
            crm: "colocation c inf: vip nosuch".into(),
        },
    );
    c.run_for(Duration::from_secs(2));
    for req in [parse_error, unknown, undefined] {
        assert!(c.reply(req).unwrap().1.is_err(), "{:?}", c.reply(req));
    }
    for n in [1, 2] {
        let cib = c.node(n).unwrap().cib();
        assert_eq!(cib.configuration, before.configuration);
        assert_eq!(cib.version, before.version, "not even num_updates moved");
    }
}

#[test]
fn after_a_partition_heals_the_higher_version_wins_on_both_nodes() {
    let mut c = two_nodes(13);
    configure(&mut c);
    c.isolate(2);
    c.run_for(Duration::from_secs(5));
    // Two commits on node 1's side, none on node 2's.
    let req = c.admin(
        1,
        AdminCommand::Configure {
            crm: "property cluster-recheck-interval=5min\ncommit\nprimitive extra ocf:heartbeat:Dummy\ncommit".into(),
        },
    );
    c.run_for(Duration::from_secs(5));
    assert!(c.reply(req).unwrap().1.is_ok());
    let winner = c.node(1).unwrap().cib().version;
    assert!(winner > c.node(2).unwrap().cib().version);
    c.heal();
    let deadline = c.now() + Duration::from_secs(20);
    c.run_until_true(deadline, |c| {
        [1, 2].iter().all(|n| {
            c.node(*n)
                .is_some_and(|x| x.members().len() == 2 && x.controller().is_synced())
        })
    })
    .expect("merged");
    c.run_for(Duration::from_secs(15));
    let one = c.node(1).unwrap().cib();
    let two = c.node(2).unwrap().cib();
    assert_eq!(write_cib(one), write_cib(two));
    assert!(one.configuration.find_resource("extra").is_some());
    assert!(one.version.epoch >= winner.epoch);
    // Without fencing both halves ran the services; after the merge the DC
    // leaves each running exactly once.
    for r in ["vip", "mynfs", "mysqld", "extra"] {
        assert_eq!(c.where_runs(r).len(), 1, "{r}: {:?}", c.where_runs(r));
    }
}
