//! no-quorum-policy in a three-node cluster: a 2|1 partition leaves the
//! minority without quorum; it obeys the policy while the majority runs
//! the services; the heal merges the CIBs.

use std::time::Duration;

use super::{config, configure_with, SEED_CRM};
use crate::cib::xml::write_cib;
use crate::config::ExpectedVotes;
use crate::node::harness::Cluster;
use crate::totem::NodeId;

const RESOURCES: [&str; 3] = ["vip", "mynfs", "mysqld"];

fn three_nodes(seed: u64) -> Cluster {
    let configs = (1..=3)
        .map(|id| {
            let mut c = config(id);
            c.votes.expected = ExpectedVotes::Configured(3);
            c.votes.two_node = false;
            c
        })
        .collect();
    Cluster::new(configs, seed)
}

fn settled(c: &Cluster, members: &[NodeId]) -> bool {
    members.iter().all(|n| {
        c.node(*n)
            .is_some_and(|x| x.members().len() == members.len() && x.controller().is_synced())
    })
}

fn on(c: &Cluster, node: NodeId) -> usize {
    RESOURCES
        .iter()
        .filter(|r| c.where_runs(r).contains(&node))
        .count()
}

/// Configures with `policy`, isolates the node running the services, and
/// returns (minority, a majority node) after 15 s of partition.
fn partition(c: &mut Cluster, policy: &str) -> (NodeId, NodeId) {
    let crm = SEED_CRM.replace(
        "no-quorum-policy=ignore",
        &format!("no-quorum-policy={policy}"),
    );
    configure_with(c, &crm);
    let minority = c.where_runs("vip")[0];
    c.isolate(minority);
    c.run_for(Duration::from_secs(15));
    let majority = (1..=3).find(|n| *n != minority).expect("two others");
    assert!(!c.node(minority).unwrap().is_quorate());
    assert!(c.node(majority).unwrap().is_quorate());
    assert_eq!(
        c.node(minority).unwrap().cib().extra_attr("have-quorum"),
        Some("0")
    );
    (minority, majority)
}

fn heal_and_check(c: &mut Cluster) {
    c.heal();
    let deadline = c.now() + Duration::from_secs(20);
    c.run_until_true(deadline, |c| settled(c, &[1, 2, 3]))
        .expect("merged");
    c.run_for(Duration::from_secs(15));
    let cibs: Vec<String> = (1..=3)
        .map(|n| write_cib(c.node(n).unwrap().cib()))
        .collect();
    assert_eq!(cibs[0], cibs[1]);
    assert_eq!(cibs[1], cibs[2]);
    for r in RESOURCES {
        assert_eq!(c.where_runs(r).len(), 1, "{r}: {:?}", c.where_runs(r));
    }
}

#[test]
fn stop_the_minority_stops_its_resources_and_the_majority_runs_them() {
    for seed in 0..4 {
        let mut c = three_nodes(400 + seed);
        let (minority, majority) = partition(&mut c, "stop");
        assert_eq!(on(&c, minority), 0, "seed {seed}: the minority stopped all");
        let runner = c.where_runs("vip");
        assert_eq!(runner.len(), 1, "seed {seed}");
        assert_ne!(runner[0], minority);
        assert_eq!(on(&c, runner[0]), 3, "seed {seed}: colocated");
        assert!(c.node(majority).unwrap().is_quorate());
        heal_and_check(&mut c);
    }
}

#[test]
fn freeze_the_minority_keeps_what_it_runs_and_starts_nothing() {
    let mut c = three_nodes(410);
    let (minority, _) = partition(&mut c, "freeze");
    assert_eq!(on(&c, minority), 3, "frozen: still running");
    heal_and_check(&mut c);
}

#[test]
fn ignore_the_minority_keeps_running() {
    let mut c = three_nodes(420);
    let (minority, _) = partition(&mut c, "ignore");
    assert_eq!(on(&c, minority), 3);
    heal_and_check(&mut c);
}
