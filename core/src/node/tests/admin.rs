//! Admin requests typed while the membership changes: every one is
//! answered, and none is acknowledged unless its change is in the CIB
//! every replica ends up with. A partition without quorum refuses changes
//! (its lower version would lose the merge; see `controller::writes`).

use std::time::Duration;

use super::{config, configure};
use crate::config::ExpectedVotes;
use crate::controller::{AdminCommand, AdminError};
use crate::node::harness::Cluster;

#[test]
fn requests_typed_across_view_changes_are_answered_and_never_lost_once_acknowledged() {
    let mut retries = 0;
    let mut refused = 0;
    for step in 0..24u64 {
        let configs = (1..=3)
            .map(|id| {
                let mut c = config(id);
                c.votes.expected = ExpectedVotes::Configured(3);
                c.votes.two_node = false;
                c
            })
            .collect();
        let mut c = Cluster::new(configs, 800 + step);
        configure(&mut c);
        // Node 3 drops out, then comes back; nodes 1 and 2 type meanwhile,
        // and node 3 once (alone, it has no quorum).
        c.isolate(3);
        c.run_for(Duration::from_millis(step * 97));
        let name = |n: u64| format!("p{step}_{n}");
        let mut reqs = Vec::new();
        for (i, node) in [1, 2, 3, 1].into_iter().enumerate() {
            let crm = format!("primitive {} ocf:heartbeat:Dummy\ncommit", name(i as u64));
            reqs.push((
                node,
                c.admin(node, AdminCommand::Configure { crm }),
                name(i as u64),
            ));
            c.run_for(Duration::from_millis(step * 53 % 700));
        }
        c.heal();
        c.run_for(Duration::from_secs(40));
        let final_cib = c.node(1).unwrap().cib().clone();
        for n in [2, 3] {
            assert_eq!(
                c.node(n).unwrap().cib().configuration,
                final_cib.configuration,
                "step {step}: replicas agree"
            );
        }
        for (node, req, rsc) in reqs {
            let (_, reply) = c
                .reply(req)
                .unwrap_or_else(|| panic!("step {step}: {rsc} never answered"));
            let present = final_cib.configuration.find_resource(&rsc).is_some();
            match reply {
                Ok(_) => assert!(present, "step {step}: {rsc} acknowledged but lost"),
                Err(AdminError::Retry) => retries += 1,
                // Typed on node 3 once it was alone (before it noticed,
                // the request waits for the ring and is answered Retry).
                Err(AdminError::NoQuorum) if node == 3 => {
                    assert!(!present, "step {step}: {rsc} refused but applied");
                    refused += 1;
                }
                Err(e) => panic!("step {step}: {rsc} typed on node {node}: {e:?}"),
            }
        }
    }
    eprintln!("{retries} requests answered Retry; {refused} refused without quorum");
    assert!(refused > 0, "node 3 alone never refused a change");
}

/// A two-node split with fencing: both halves are quorate (two_node), so
/// neither writes until it has fenced the other. The half that is fenced
/// never acknowledges anything; the survivor's change, made after its
/// fence, is what both nodes hold once the fenced node is back.
#[test]
fn in_a_two_node_split_only_the_half_that_fenced_writes() {
    let crm = super::SEED_CRM.replace("stonith-enabled=false", "stonith-enabled=true")
        + "primitive fencer stonith:fence_dummy\ncommit\n";
    let mut c = super::two_nodes(370);
    super::configure_with(&mut c, &crm);
    c.isolate(2);
    // Both halves noticed, neither has fenced yet: node 2 waits out its
    // split delay, node 1's device takes its time (a second here).
    let deadline = c.now() + Duration::from_secs(10);
    c.run_until_true(deadline, |c| {
        [1, 2].iter().all(|&n| {
            c.node(n)
                .is_some_and(|x| x.members().len() == 1 && x.controller().is_synced())
        })
    })
    .expect("both halves see themselves alone");
    let typed = |n: u64| AdminCommand::Configure {
        crm: format!("primitive early{n} ocf:heartbeat:Dummy\ncommit"),
    };
    let early1 = c.admin(1, typed(1));
    let early2 = c.admin(2, typed(2));
    c.run_for(Duration::from_secs(20));
    assert!(c.node(2).is_none(), "node 2 was fenced");
    let late = c.admin(
        1,
        AdminCommand::Configure {
            crm: "primitive late ocf:heartbeat:Dummy\ncommit".into(),
        },
    );
    c.run_for(Duration::from_secs(2));
    let answer = |req| c.reply(req).map(|(_, r)| r);
    assert_eq!(
        answer(early1),
        Some(Err(AdminError::FencePending("node2".into())))
    );
    // Node 2 never answers: it was powered off with its request waiting,
    // or it refused it.
    assert!(
        matches!(
            answer(early2),
            None | Some(Err(AdminError::FencePending(_)))
        ),
        "{:?}",
        answer(early2)
    );
    assert!(matches!(answer(late), Some(Ok(_))), "{:?}", answer(late));
    c.heal();
    c.restart_from_disk(2);
    c.run_for(Duration::from_secs(20));
    for n in [1, 2] {
        let cib = c.node(n).unwrap().cib();
        assert!(
            cib.configuration.find_resource("late").is_some(),
            "node {n}"
        );
        for gone in ["early1", "early2"] {
            assert!(cib.configuration.find_resource(gone).is_none(), "node {n}");
        }
    }
}
