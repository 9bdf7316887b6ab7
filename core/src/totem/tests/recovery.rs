//! Recovery: members that carry on together from an old ring deliver the
//! same set of its messages, however late its last messages arrive.

use super::*;
use crate::planted::{PlantedBug, PlantedBugs};

/// The shape of the simulator's five-node seed 1518: node 4 multicasts a
/// message and stops right after (a pause), the others lose it, and node
/// 5's copy sits in a slow queue until node 5 has already told the commit
/// token what it holds of the old ring. The copy then lands during commit
/// or recovery. Nobody else can have it, so node 5 must not deliver it in
/// the old ring either (it was counted in no member's high mark, and no
/// one carries it across).
#[test]
fn an_old_message_arriving_after_commit_is_not_delivered_by_one_member_alone() {
    for seed in 0..20 {
        late_old_message_in_recovery(seed);
    }
}

fn late_old_message_in_recovery(seed: u64) {
    let mut c = settled_cluster(5, 1000, seed);
    c.run_for(Duration::from_millis(300));
    c.send(4, false).expect("node 4 is up");
    let sent = c.run_until_true(c.now() + secs(5), |c| {
        c.node(4).is_some_and(|t| t.pending_sends() == 0)
    });
    assert!(sent.is_some(), "seed {seed}: node 4 never got the token");
    // Node 4 has just multicast its message and forwarded the token.
    for other in [1, 2, 3] {
        c.drop_in_flight(4, other);
    }
    c.hold_in_flight(4, 5);
    for other in [1, 2, 3, 5] {
        c.cut(4, other);
    }
    let committed = c.run_until_true(c.now() + secs(5), |c| {
        c.node(5)
            .is_some_and(|t| matches!(t.phase_name(), "commit" | "recovery"))
    });
    assert!(
        committed.is_some(),
        "seed {seed}: the survivors never commit"
    );
    c.release_held();
    c.run_until_true(c.now() + secs(10), |c| {
        [1, 2, 3, 5].iter().all(|n| {
            c.node(*n)
                .is_some_and(|t| t.is_operational() && t.members() == [1, 2, 3, 5])
        })
    })
    .unwrap_or_else(|| panic!("seed {seed}: the survivors never form [1, 2, 3, 5]"));
    c.run_for(secs(1));
    if let Err(e) = c.check_safety() {
        panic!("seed {seed}: {e}");
    }
}

/// Node 3 multicasts a message and crashes; only node 2 received it, and
/// the token that would have made node 1 ask for it is lost too. In
/// recovery node 2 carries it across, so both deliver it in the old ring.
/// With recovery's retransmission planted away, node 1 never gets it and
/// the checker sees the two move together with different sets.
#[test]
fn a_message_only_one_survivor_holds_is_carried_to_the_others() {
    for seed in 0..10 {
        assert_eq!(only_one_survivor_holds(seed, PlantedBugs::NONE), Ok(()));
        let planted = PlantedBugs::NONE.with(PlantedBug::TotemSkipsRecoveryRetransmission);
        let broken = only_one_survivor_holds(seed, planted);
        assert!(
            broken
                .as_ref()
                .is_err_and(|e| e.contains("virtual synchrony")),
            "seed {seed}: the planted bug went unseen: {broken:?}"
        );
    }
}

fn only_one_survivor_holds(seed: u64, planted: PlantedBugs) -> Result<(), String> {
    let mut c = settled_cluster(3, 1000, seed);
    c.plant(planted);
    c.run_for(Duration::from_millis(300));
    c.send(3, false).expect("node 3 is up");
    c.run_until_true(c.now() + secs(5), |c| {
        c.node(3).is_some_and(|t| t.pending_sends() == 0)
    })
    .expect("node 3 gets the token");
    c.drop_in_flight(3, 1);
    c.crash(3);
    c.run_until_true(c.now() + secs(10), |c| {
        [1, 2].iter().all(|n| {
            c.node(*n)
                .is_some_and(|t| t.is_operational() && t.members() == [1, 2])
        })
    })
    .expect("the survivors form [1, 2]");
    c.run_for(secs(1));
    c.check_safety()
}
