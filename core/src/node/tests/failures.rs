//! Recurring monitors and failures: a failing monitor restarts its resource
//! in place until migration-threshold, then it moves; failure-timeout lets
//! it come back; an op past its timeout counts as failed.

use std::time::Duration;

use super::{settle, two_nodes};
use crate::controller::AdminCommand;
use crate::node::harness::{Cluster, Logged};
use crate::time::Instant;
use crate::totem::NodeId;

const DB_CRM: &str = "property stonith-enabled=false
property no-quorum-policy=ignore
rsc_defaults resource-stickiness=100
primitive db ocf:heartbeat:Dummy op monitor interval=10s meta migration-threshold=3 failure-timeout=60s
location db_prefers_node1 db 200: node1
commit
";

fn configure_db(c: &mut Cluster, crm: &str) {
    settle(c);
    let req = c.admin(1, AdminCommand::Configure { crm: crm.into() });
    let deadline = c.now() + Duration::from_secs(30);
    c.run_until_true(deadline, |c| c.where_runs("db") == [1])
        .expect("db starts on node1");
    assert!(c.reply(req).unwrap().1.is_ok());
}

/// Each replica's value of `name` in `node`'s transient attributes.
fn attr(c: &Cluster, replica: NodeId, node: &str, name: &str) -> Option<String> {
    let cib = c.node(replica)?.cib();
    let state = cib.status.node(node)?;
    let t = state.transient_attributes.as_ref()?;
    t.sets.iter().find_map(|s| s.get(name)).map(str::to_string)
}

/// db's ops on `node` since `from`, monitors included.
fn db_ops(c: &Cluster, node: NodeId, from: Instant) -> Vec<String> {
    c.log
        .iter()
        .filter(|e| e.node == node && e.at >= from)
        .filter_map(|e| match &e.what {
            Logged::Exec { rsc, action } if rsc == "db" => Some(action.clone()),
            _ => None,
        })
        .collect()
}

/// Kills db on node1 and waits until it runs again somewhere: where.
fn kill_and_wait(c: &mut Cluster) -> NodeId {
    c.kill(1, "db");
    let deadline = c.now() + Duration::from_secs(30);
    c.run_until_true(deadline, |c| !c.where_runs("db").is_empty())
        .expect("db recovered");
    // Let the new monitor report.
    c.run_for(Duration::from_secs(2));
    c.where_runs("db")[0]
}

#[test]
fn a_failing_monitor_restarts_in_place_until_the_threshold_then_moves_and_comes_back() {
    let mut c = two_nodes(500);
    configure_db(&mut c, DB_CRM);
    c.run_for(Duration::from_secs(1));
    let from = c.now();
    assert_eq!(
        kill_and_wait(&mut c),
        1,
        "first failure: restarted in place"
    );
    assert_eq!(kill_and_wait(&mut c), 1, "second failure: in place");
    for r in [1, 2] {
        assert_eq!(
            attr(&c, r, "node1", "fail-count-db#monitor_10000").as_deref(),
            Some("2"),
            "replica {r}"
        );
    }
    let w = kill_and_wait(&mut c);
    assert_eq!(w, 2, "third failure reaches the threshold");
    assert_eq!(
        db_ops(&c, 1, from),
        ["stop", "start", "monitor", "stop", "start", "monitor", "stop"]
    );
    assert_eq!(db_ops(&c, 2, from), ["start", "monitor"]);
    let last_failure: i64 = attr(&c, 1, "node1", "last-failure-db#monitor_10000")
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(
        attr(&c, 2, "node1", "last-failure-db#monitor_10000"),
        Some(last_failure.to_string()),
        "every replica agrees"
    );
    // The failures expire 60 s after the last one; then node1's 200 beats
    // the stickiness of 100 on node2, and the recheck timer notices.
    let moved_back = c
        .run_until_true(c.now() + Duration::from_secs(120), |c| {
            c.where_runs("db") == [1]
        })
        .expect("db comes back to node1 after failure-timeout");
    let at_s = c.epoch_s_at_zero + i64::try_from(moved_back.as_nanos() / 1_000_000_000).unwrap();
    assert!(
        at_s > last_failure + 60,
        "back at {at_s}, failed at {last_failure}"
    );
    assert!(at_s <= last_failure + 63, "the timer fired late: {at_s}");
}

#[test]
fn with_stickiness_above_the_preference_it_stays_after_the_failures_expire() {
    let mut c = two_nodes(510);
    let crm = DB_CRM.replace("resource-stickiness=100", "resource-stickiness=500");
    configure_db(&mut c, &crm);
    c.run_for(Duration::from_secs(1));
    for _ in 0..3 {
        kill_and_wait(&mut c);
    }
    assert_eq!(c.where_runs("db"), [2]);
    // Before expiry node1 is banned: standby of node2 leaves db nowhere.
    let req = c.admin(
        1,
        AdminCommand::Standby {
            node: "node2".into(),
        },
    );
    c.run_for(Duration::from_secs(10));
    assert!(c.reply(req).unwrap().1.is_ok());
    assert!(c.where_runs("db").is_empty(), "{:?}", c.where_runs("db"));
    c.admin(
        1,
        AdminCommand::Online {
            node: "node2".into(),
        },
    );
    c.run_until_true(c.now() + Duration::from_secs(20), |c| {
        c.where_runs("db") == [2]
    })
    .expect("back on node2");
    c.run_for(Duration::from_secs(70));
    assert_eq!(c.where_runs("db"), [2], "stickiness 500 keeps it");
    // After expiry node1 may run it again.
    c.admin(
        1,
        AdminCommand::Standby {
            node: "node2".into(),
        },
    );
    c.run_until_true(c.now() + Duration::from_secs(20), |c| {
        c.where_runs("db") == [1]
    })
    .expect("node1 is allowed again");
}

#[test]
fn a_start_past_its_timeout_fails_and_the_resource_moves() {
    let mut c = two_nodes(520);
    c.slow_op(1, "db", "start", 100_000);
    settle(&mut c);
    c.admin(1, AdminCommand::Configure { crm: DB_CRM.into() });
    let deadline = c.now() + Duration::from_secs(60);
    let moved = c
        .run_until_true(deadline, |c| c.where_runs("db") == [2])
        .expect("db runs on node2");
    let timed_out = c.log.iter().find(|e| {
        e.node == 1 && matches!(&e.what, Logged::OpDone { rsc, action, .. } if rsc == "db" && action == "start")
    });
    let timed_out = timed_out.expect("node1's start reported").at;
    assert!(timed_out < moved);
    for r in [1, 2] {
        assert_eq!(
            attr(&c, r, "node1", "fail-count-db#start_0").as_deref(),
            Some("INFINITY"),
            "start-failure-is-fatal, replica {r}"
        );
    }
}

#[test]
fn a_cleanup_clears_the_fail_counts_everywhere_and_lifts_the_ban() {
    let mut c = two_nodes(530);
    let crm = DB_CRM.replace("failure-timeout=60s", "failure-timeout=0");
    configure_db(&mut c, &crm);
    c.run_for(Duration::from_secs(1));
    for _ in 0..3 {
        kill_and_wait(&mut c);
    }
    assert_eq!(c.where_runs("db"), [2]);
    c.run_for(Duration::from_secs(120));
    assert_eq!(c.where_runs("db"), [2], "failures without a timeout stay");
    let req = c.admin(
        2,
        AdminCommand::Cleanup {
            rsc: "db".into(),
            node: None,
        },
    );
    let back = c
        .run_until_true(c.now() + Duration::from_secs(30), |c| {
            c.where_runs("db") == [1]
        })
        .expect("node1's preference wins again");
    assert!(c.reply(req).unwrap().1.is_ok());
    assert!(back >= c.reply(req).unwrap().0, "moved back by the cleanup");
    for r in [1, 2] {
        assert_eq!(attr(&c, r, "node1", "fail-count-db#monitor_10000"), None);
        assert_eq!(attr(&c, r, "node1", "last-failure-db#monitor_10000"), None);
    }
}

/// Kills at seeded moments on both nodes: db never runs twice, every
/// replica counts the same failures, and db ends up running.
/// `cargo test -p cohort-core --lib sweep_failures -- --ignored`.
#[test]
#[ignore = "a sweep: run on demand"]
fn sweep_failures() {
    for seed in 0..100u64 {
        let mut c = two_nodes(20_000 + seed);
        configure_db(&mut c, DB_CRM);
        for k in 0..(seed % 5 + 1) {
            c.run_for(Duration::from_millis(700 + (seed * 131 + k * 977) % 12_000));
            if let Some(&n) = c.where_runs("db").first() {
                c.kill(n, "db");
            }
            let twice = c.run_until_true(c.now() + Duration::from_secs(3), |c| {
                c.where_runs("db").len() > 1
            });
            assert_eq!(twice, None, "seed {seed}");
        }
        c.run_until_true(c.now() + Duration::from_secs(90), |c| {
            c.where_runs("db").len() == 1
        })
        .unwrap_or_else(|| panic!("seed {seed}: db runs again"));
        c.run_for(Duration::from_secs(15));
        let s1 = c.node(1).unwrap().cib().status.clone();
        let s2 = c.node(2).unwrap().cib().status.clone();
        assert_eq!(s1, s2, "seed {seed}: replicas agree on the status");
        assert_eq!(c.where_runs("db").len(), 1, "seed {seed}");
    }
}
