//! Restarts from disk, and results that never come back.

use std::time::Duration;

use super::{all_on, configure, settle, two_nodes};
use crate::cib::xml::{parse_cib, write_cib};
use crate::controller::{AdminCommand, ClusterEvent};
use crate::node::harness::Logged;
use crate::time::Instant;

#[test]
fn a_node_restarted_from_its_disk_rejoins_with_the_newer_configuration() {
    let mut c = two_nodes(600);
    configure(&mut c);
    let active = c.where_runs("vip")[0];
    let other = 3 - active;
    c.crash(other);
    c.run_for(Duration::from_secs(5));
    // A change the crashed node misses.
    let req = c.admin(
        active,
        AdminCommand::Configure {
            crm: "primitive extra ocf:heartbeat:Dummy\ncommit".into(),
        },
    );
    c.run_for(Duration::from_secs(5));
    let reply = c.reply(req).unwrap().1;
    assert!(reply.is_ok(), "{reply:?}");
    let on_disk = String::from_utf8(c.disk(other, "cib.xml").unwrap().to_vec()).unwrap();
    let old = parse_cib(&on_disk).unwrap();
    assert!(old.configuration.find_resource("mysqld").is_some());
    assert!(old.configuration.find_resource("extra").is_none());
    c.restart_from_disk(other);
    let restarted = c.node(other).unwrap().cib();
    assert_eq!(
        restarted.version.epoch, old.version.epoch,
        "starts from its copy"
    );
    settle(&mut c);
    c.run_for(Duration::from_secs(10));
    let a = c.node(active).unwrap().cib();
    let b = c.node(other).unwrap().cib();
    assert_eq!(write_cib(a), write_cib(b));
    assert!(b.configuration.find_resource("extra").is_some());
    assert!(all_on(&c, active), "stickiness keeps the services");
    assert_eq!(c.where_runs("extra").len(), 1);
}

#[test]
fn the_whole_cluster_restarted_from_disk_keeps_its_configuration_and_runs_it() {
    let mut c = two_nodes(610);
    configure(&mut c);
    let before = c.node(1).unwrap().cib().configuration.clone();
    c.crash(1);
    c.crash(2);
    assert!(c.running.is_empty(), "the machines are off");
    c.run_for(Duration::from_secs(1));
    c.restart_from_disk(2);
    c.restart_from_disk(1);
    settle(&mut c);
    let deadline = c.now() + Duration::from_secs(30);
    c.run_until_true(deadline, |c| {
        ["vip", "mynfs", "mysqld"]
            .iter()
            .all(|r| c.where_runs(r).len() == 1)
    })
    .expect("the services start again");
    for n in [1, 2] {
        let cib = c.node(n).unwrap().cib();
        assert_eq!(cib.configuration.resources, before.resources, "node {n}");
        assert_eq!(cib.configuration.constraints, before.constraints);
    }
}

/// A start whose result never comes back: after its timeout plus
/// cluster-delay the DC tells the node to give it up, the node reports it
/// timed out (a start failure, so a fail-count of INFINITY there), and the
/// services start on the other node.
#[test]
fn an_action_whose_result_never_comes_back_fails_after_its_timeout_and_recovers_elsewhere() {
    let mut c = two_nodes(620);
    settle(&mut c);
    // The scheduler places vip on node 1 first (equal scores: the first
    // node); its start is lost.
    c.swallow_op(1, "vip", "start");
    let asked = c.now();
    c.admin(
        1,
        AdminCommand::Configure {
            crm: super::SEED_CRM.into(),
        },
    );
    let deadline = asked + Duration::from_secs(400);
    let running = c
        .run_until_true(deadline, |c| c.where_runs("mysqld").len() == 1)
        .expect("the services start after the lost result");
    let failed: Vec<(Instant, String, Option<i32>)> = c
        .log
        .iter()
        .filter_map(|e| match &e.what {
            Logged::Event(ClusterEvent::ActionFinished {
                rsc: Some(r),
                op,
                ok: false,
                node,
                rc,
                ..
            }) if r == "vip" && op == "start" => Some((e.at, node.clone(), *rc)),
            _ => None,
        })
        .collect();
    assert!(!failed.is_empty(), "the DC counted the start as failed");
    // Default op timeout 20 s plus cluster-delay 60 s.
    let (at, lost_on, rc) = failed[0].clone();
    let waited = at.saturating_since(asked);
    assert!(waited >= Duration::from_secs(80), "{waited:?}");
    assert!(running > at);
    assert_eq!(lost_on, "node1");
    assert_eq!(rc, Some(1), "reported by the node as a timed-out start");
    let cib = c.node(1).unwrap().cib();
    let state = cib
        .status
        .node_states
        .iter()
        .find(|s| s.uname == lost_on)
        .expect("node state");
    let timed_out = state
        .lrm
        .iter()
        .flat_map(|l| l.resources.iter())
        .filter(|r| r.id == "vip")
        .flat_map(|r| r.ops.iter())
        .any(|op| op.operation == "start" && op.op_status == 2 && op.rc_code == 1);
    assert!(
        timed_out,
        "a timed-out start is in the status of node {lost_on}"
    );
    let (vip, mysqld) = (c.where_runs("vip"), c.where_runs("mysqld"));
    assert_eq!(vip, mysqld);
    assert_eq!(vip, vec![2], "recovered away from the failed start");
}

#[test]
fn a_change_not_yet_durable_that_a_merge_overwrites_is_never_acknowledged() {
    let mut c = two_nodes(630);
    configure(&mut c);
    c.isolate(2);
    c.run_for(Duration::from_secs(5));
    let winner = c.admin(
        1,
        AdminCommand::Configure {
            crm: "primitive one ocf:heartbeat:Dummy\ncommit\nprimitive two ocf:heartbeat:Dummy\ncommit"
                .into(),
        },
    );
    c.run_for(Duration::from_secs(2));
    assert!(c.reply(winner).unwrap().1.is_ok());
    // Node 2's disk is slow: its change is applied but not durable when
    // the partition heals and node 1's higher version wins.
    c.disk_ms = 8_000;
    let loser = c.admin(
        2,
        AdminCommand::Configure {
            crm: "primitive lost ocf:heartbeat:Dummy\ncommit".into(),
        },
    );
    c.run_for(Duration::from_millis(200));
    assert!(c.reply(loser).is_none(), "not durable yet");
    c.heal();
    c.run_for(Duration::from_secs(30));
    let merged = c.node(2).unwrap().cib();
    assert!(merged.configuration.find_resource("two").is_some());
    let kept = merged.configuration.find_resource("lost").is_some();
    let answer = c.reply(loser).expect("answered").1;
    assert!(
        kept || answer.is_err(),
        "acknowledged a change the merge dropped: {answer:?}"
    );
    assert!(!kept, "the higher version wins");
}

/// A fresh node that starts alone, knowing no other node (the seed's
/// corosync.conf lists none): it waits dc-deadtime (20 s) instead of
/// starting everything, so when its peer arrives a few seconds later the
/// services start once. (The seed's configuration gives up safety, so
/// nothing else would keep both from running them.)
#[test]
fn a_node_that_starts_alone_waits_dc_deadtime_before_starting_anything() {
    let mut c = two_nodes(640);
    c.crash(2);
    let first = c.now();
    let req = c.admin(
        1,
        AdminCommand::Configure {
            crm: super::SEED_CRM.into(),
        },
    );
    c.run_for(Duration::from_secs(8));
    assert!(
        c.where_runs("vip").is_empty(),
        "started before dc-deadtime: {:?}",
        c.where_runs("vip")
    );
    assert!(
        matches!(c.reply(req), Some((_, Ok(_)))),
        "{:?}",
        c.reply(req)
    );
    c.start(2);
    let mut twice = false;
    for _ in 0..600 {
        c.run_for(Duration::from_millis(50));
        twice |= ["vip", "mynfs", "mysqld"]
            .iter()
            .any(|r| c.where_runs(r).len() > 1);
        if all_on(&c, 1) || all_on(&c, 2) {
            break;
        }
    }
    assert!(
        all_on(&c, 1) || all_on(&c, 2),
        "the services start once both are up"
    );
    assert!(!twice, "a resource ran twice");
    assert!(
        c.now() < first + Duration::from_secs(20),
        "no need to wait once the peer is here"
    );

    // Alone for good: after dc-deadtime it starts everything itself.
    let mut c = two_nodes(641);
    c.crash(2);
    let alone = c.now();
    c.admin(
        1,
        AdminCommand::Configure {
            crm: super::SEED_CRM.into(),
        },
    );
    let deadline = alone + Duration::from_secs(40);
    let started = c
        .run_until_true(deadline, |c| all_on(c, 1))
        .expect("starts alone after dc-deadtime");
    assert!(started >= alone + Duration::from_secs(20), "{started}");
}
