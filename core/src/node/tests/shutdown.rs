//! A clean shutdown (`crm cluster stop` on a node): its resources move
//! away in order, the node exits, and nobody fences it, even with stonith.

use std::time::Duration;

use super::{all_on, configure_with, settle, two_nodes, SEED_CRM};
use crate::controller::ClusterEvent;
use crate::node::harness::{Cluster, Logged};
use crate::totem::NodeId;

fn stonith_crm() -> String {
    SEED_CRM.replace("stonith-enabled=false", "stonith-enabled=true")
        + "primitive fencer stonith:fence_dummy\ncommit\n"
}

/// The agent actions `node` ran from log index `from` on, as "rsc action".
fn actions_on(c: &Cluster, node: NodeId, from: usize) -> Vec<String> {
    c.log[from..]
        .iter()
        .filter(|e| e.node == node)
        .filter_map(|e| match &e.what {
            Logged::Exec { rsc, action } if action != "monitor" && rsc != "fencer" => {
                Some(format!("{rsc} {action}"))
            }
            _ => None,
        })
        .collect()
}

fn shut_down_active(seed: u64, crm: &str) -> (Cluster, NodeId) {
    let mut c = two_nodes(seed);
    configure_with(&mut c, crm);
    let active = c.where_runs("vip")[0];
    let other = 3 - active;
    let from = c.log.len();
    c.shutdown(active);
    let deadline = c.now() + Duration::from_secs(60);
    c.run_until_true(deadline, |c| c.node(active).is_none() && all_on(c, other))
        .expect("the node exits and the other runs everything");
    assert_eq!(
        actions_on(&c, active, from),
        ["mysqld stop", "mynfs stop", "vip stop"],
        "stopped in reverse order before exiting"
    );
    assert_eq!(
        actions_on(&c, other, from),
        ["vip start", "mynfs start", "mysqld start"],
    );
    let exited = c.log[from..]
        .iter()
        .position(|e| e.node == active && matches!(e.what, Logged::Exited))
        .expect("exited");
    let last_stop = c.log[from..]
        .iter()
        .rposition(|e| {
            e.node == active && matches!(&e.what, Logged::Exec { action, .. } if action == "stop")
        })
        .expect("stopped");
    assert!(last_stop < exited, "exits only once everything is stopped");
    (c, active)
}

#[test]
fn a_node_shut_down_cleanly_hands_its_services_over_and_is_not_fenced() {
    let (mut c, gone) = shut_down_active(380, &stonith_crm());
    c.run_for(Duration::from_secs(30));
    let fenced = c.log.iter().any(|e| {
        matches!(
            &e.what,
            Logged::Event(ClusterEvent::FenceRequested { .. }) | Logged::Fenced { .. }
        )
    });
    assert!(!fenced, "a clean shutdown is not a failure");
    assert!(c.where_runs("vip").iter().all(|n| *n != gone));
    // Back again: it joins, and stickiness keeps the services where they are.
    c.restart_from_disk(gone);
    settle(&mut c);
    c.run_for(Duration::from_secs(20));
    assert!(all_on(&c, 3 - gone));
    let fenced = c
        .log
        .iter()
        .any(|e| matches!(&e.what, Logged::Fenced { .. }));
    assert!(!fenced, "nor when it comes back");
}

#[test]
fn the_dc_shuts_down_cleanly_too() {
    // Node 1 is the DC and runs the services: it plans its own shutdown.
    let (c, gone) = shut_down_active(381, SEED_CRM);
    assert_eq!(gone, 1);
    assert_eq!(c.node(2).unwrap().dc(), Some(2));
}

/// `cohort status` on a running node shows its replica as crm_mon does:
/// after node 1 shuts down, node 2's view lists it offline and the
/// services started on node 2.
#[test]
fn a_node_shows_its_status_as_crm_mon_does() {
    let (mut c, gone) = shut_down_active(382, SEED_CRM);
    // The last start's result is on its way to the replicas.
    c.run_for(Duration::from_secs(2));
    let text = c.node(3 - gone).unwrap().status_text();
    let other = format!("node{}", 3 - gone);
    assert!(text.starts_with("Cluster Summary:\n"), "{text}");
    assert!(text.contains(&format!("  * Current DC: {other}")), "{text}");
    assert!(text.contains(&format!("  * Online: [ {other} ]")), "{text}");
    assert!(
        text.contains(&format!("  * OFFLINE: [ node{gone} ]")),
        "{text}"
    );
    for r in ["vip", "mynfs", "mysqld"] {
        let line = text
            .lines()
            .find(|l| l.starts_with(&format!("  * {r}\t")))
            .unwrap_or_else(|| panic!("{r} missing:\n{text}"));
        assert!(line.ends_with(&format!("Started {other}")), "{line}");
    }
}
