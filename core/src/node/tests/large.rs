//! Messages larger than one totem message (issue 14): a configure script
//! and a CIB of hundreds of kilobytes travel in fragments, and a node that
//! was away receives the whole CIB in the sync of the view it joins.

use std::time::Duration;

use super::{config, settle};
use crate::cib::xml::write_cib;
use crate::controller::AdminCommand;
use crate::node::harness::Cluster;
use crate::totem::MAX_PAYLOAD_BYTES;

/// `n` stopped Dummy primitives with a few parameters each.
fn many_primitives(n: usize) -> String {
    let mut crm = String::from("property stonith-enabled=false\n");
    for i in 0..n {
        crm.push_str(&format!(
            "primitive p{i:04} ocf:heartbeat:Dummy params state=/run/p{i:04}.state \
             fake=a-fairly-long-value-{i:04} meta target-role=Stopped \
             op monitor interval=30s timeout=20s\n"
        ));
    }
    crm.push_str("commit\n");
    crm
}

#[test]
fn a_cib_larger_than_one_message_is_configured_and_synced_to_a_late_node() {
    let mut c = Cluster::new(vec![config(1), config(2)], 4242);
    settle(&mut c);
    let crm = many_primitives(700);
    assert!(
        crm.len() > MAX_PAYLOAD_BYTES,
        "the script itself is fragmented"
    );
    let req = c.admin(1, AdminCommand::Configure { crm });
    let deadline = c.now() + Duration::from_secs(60);
    c.run_until_true(deadline, |c| c.reply(req).is_some())
        .expect("the change is answered");
    assert!(c.reply(req).unwrap().1.is_ok(), "{:?}", c.reply(req));
    let xml = write_cib(c.node(1).unwrap().cib());
    assert!(
        xml.len() > 3 * MAX_PAYLOAD_BYTES,
        "CIB of {} bytes",
        xml.len()
    );
    assert_eq!(
        c.node(2).unwrap().cib().configuration,
        c.node(1).unwrap().cib().configuration
    );
    // Node 2 is away while node 1 changes the CIB again, then rejoins
    // with its older copy: the sync sends it the whole large CIB.
    c.isolate(2);
    c.run_for(Duration::from_secs(10));
    let req = c.admin(
        1,
        AdminCommand::Configure {
            crm: "primitive late ocf:heartbeat:Dummy meta target-role=Stopped\ncommit".into(),
        },
    );
    let deadline = c.now() + Duration::from_secs(30);
    c.run_until_true(deadline, |c| c.reply(req).is_some())
        .expect("answered");
    assert!(c.reply(req).unwrap().1.is_ok(), "{:?}", c.reply(req));
    c.heal();
    let deadline = c.now() + Duration::from_secs(60);
    c.run_until_true(deadline, |c| {
        c.node(2)
            .is_some_and(|n| n.cib().configuration.find_resource("late").is_some())
    })
    .expect("node 2 receives the large CIB");
    assert_eq!(
        c.node(2).unwrap().cib().configuration,
        c.node(1).unwrap().cib().configuration
    );
}
