//! The controller alone, over an in-memory bus that delivers every
//! broadcast to the chosen members in one agreed order, as totem would.

use std::collections::BTreeMap;

use super::writes::QuorumState;
use super::{AdminCommand, AdminError, AdminReply, Controller, Effect};
use crate::time::Instant;
use crate::totem::{NodeId, RingId};

struct Bus {
    nodes: BTreeMap<NodeId, Controller>,
    replies: BTreeMap<u64, AdminReply>,
    now: Instant,
}

impl Bus {
    /// Controllers `ids`, in one regular view whose members all hold a
    /// majority, synced.
    fn majority_view(ids: &[NodeId]) -> Bus {
        let now = Instant::from_millis(1_000);
        let mut bus = Bus {
            nodes: ids
                .iter()
                .map(|&id| (id, Controller::new(id, &format!("node{id}"), None, now, 0)))
                .collect(),
            replies: BTreeMap::new(),
            now,
        };
        let ring = RingId {
            seq: 4,
            rep: ids[0],
        };
        for c in bus.nodes.values_mut() {
            c.handle_quorum(
                now,
                QuorumState {
                    quorate: true,
                    majority: true,
                },
            );
            c.handle_view(now, ring, ids, ids, &[]);
        }
        bus.pump(ids);
        assert!(bus.nodes.values().all(Controller::is_synced));
        bus
    }

    /// Drains every controller's effects until all are quiet: broadcasts
    /// go to `reach` in order, writes complete at once, replies are kept.
    fn pump(&mut self, reach: &[NodeId]) {
        loop {
            let mut sent = Vec::new();
            let ids: Vec<NodeId> = self.nodes.keys().copied().collect();
            for id in ids {
                while let Some(e) = self.nodes.get_mut(&id).unwrap().poll_effect() {
                    match e {
                        Effect::Broadcast { payload, .. } => sent.push((id, payload)),
                        Effect::Write(w) => self
                            .nodes
                            .get_mut(&id)
                            .unwrap()
                            .handle_disk_done(self.now, w.token),
                        Effect::Reply { req, reply } => {
                            self.replies.insert(req, reply);
                        }
                        _ => {}
                    }
                }
            }
            if sent.is_empty() {
                return;
            }
            for (from, payload) in sent {
                for to in reach {
                    self.nodes
                        .get_mut(to)
                        .unwrap()
                        .handle_deliver(self.now, from, &payload);
                }
            }
        }
    }

    /// `cmd` typed on `node`: its broadcast, not yet delivered.
    fn typed(&mut self, node: NodeId, req: u64, cmd: AdminCommand) -> Vec<u8> {
        let c = self.nodes.get_mut(&node).unwrap();
        c.handle_admin(self.now, req, cmd);
        match c.poll_effect() {
            Some(Effect::Broadcast { payload, .. }) => payload,
            other => panic!("expected the request's broadcast, got {other:?}"),
        }
    }
}

fn threshold() -> AdminCommand {
    AdminCommand::Configure {
        crm: "rsc_defaults migration-threshold=4\ncommit".into(),
    }
}

fn has_threshold(c: &Controller) -> bool {
    c.cib()
        .configuration
        .rsc_defaults
        .iter()
        .flatten()
        .flat_map(|set| set.pairs.iter())
        .any(|a| a.name == "migration-threshold")
}

/// Delivered in the regular configuration of a majority view, a change
/// has reached every member: it is acknowledged.
#[test]
fn a_change_delivered_in_a_regular_majority_view_is_acknowledged() {
    let mut bus = Bus::majority_view(&[1, 3]);
    let m = bus.typed(1, 7, threshold());
    for id in [1, 3] {
        bus.nodes
            .get_mut(&id)
            .unwrap()
            .handle_deliver(bus.now, 1, &m);
    }
    bus.pump(&[1, 3]);
    assert!(
        matches!(bus.replies.get(&7), Some(Ok(_))),
        "{:?}",
        bus.replies
    );
    assert!(bus.nodes.values().all(has_threshold));
}

/// Seed 508165 of partition-change, reduced: node 1 is in view [1, 3]
/// (a majority of three) when its change is delivered after the ring
/// broke, in the transitional configuration [1]. Node 3 never has it, and
/// a partition of nodes 2 and 3 may win the merge: node 1 applies it, as
/// every replica that delivers it does, but must not say "ok".
#[test]
fn a_change_delivered_in_a_transitional_configuration_is_not_acknowledged() {
    let mut bus = Bus::majority_view(&[1, 3]);
    let m = bus.typed(1, 7, threshold());
    bus.nodes
        .get_mut(&1)
        .unwrap()
        .handle_transitional(bus.now, &[1]);
    bus.nodes
        .get_mut(&1)
        .unwrap()
        .handle_deliver(bus.now, 1, &m);
    bus.pump(&[1]);
    assert_eq!(bus.replies.get(&7), Some(&Err(AdminError::Unconfirmed)));
    assert!(AdminError::Unconfirmed.may_have_applied());
    assert!(has_threshold(&bus.nodes[&1]), "applied as the verdicts say");
    assert!(!has_threshold(&bus.nodes[&3]));
}

/// Seed 516844 of partition-change, reduced: a quorum verdict sent in one
/// view but ordered in the next (totem carries unsent messages across)
/// must not stand for the new view, whose hellos carry its verdicts.
#[test]
fn a_verdict_of_an_older_view_does_not_let_a_new_view_write() {
    let mut bus = Bus::majority_view(&[1, 3]);
    let (lost, majority) = (
        QuorumState::default(),
        QuorumState {
            quorate: true,
            majority: true,
        },
    );
    let c1 = bus.nodes.get_mut(&1).unwrap();
    // Within view [1, 3] node 1's verdict flaps back to a majority; the
    // ring breaks before that message is ordered.
    c1.handle_quorum(bus.now, lost);
    c1.handle_quorum(bus.now, majority);
    let mut stale = None;
    while let Some(e) = c1.poll_effect() {
        if let Effect::Broadcast { payload: p, .. } = e {
            stale = Some(p);
        }
    }
    let stale = stale.expect("the verdict was broadcast");
    // Node 1 alone, without quorum, in a view of its own.
    c1.handle_quorum(bus.now, lost);
    c1.handle_view(bus.now, RingId { seq: 8, rep: 1 }, &[1], &[], &[3]);
    bus.nodes.remove(&3);
    bus.pump(&[1]);
    assert!(bus.nodes[&1].is_synced());
    // The old view's verdict is ordered in the new ring, then the change.
    let m = bus.typed(1, 9, threshold());
    let c1 = bus.nodes.get_mut(&1).unwrap();
    c1.handle_deliver(bus.now, 1, &stale);
    c1.handle_deliver(bus.now, 1, &m);
    bus.pump(&[1]);
    assert_eq!(bus.replies.get(&9), Some(&Err(AdminError::NoQuorum)));
    assert!(!has_threshold(&bus.nodes[&1]));
}

/// Hellos, syncs, verdicts and actions name their view; an
/// administrator's command does not, and must outlive a view change.
#[test]
fn only_commands_and_results_outlive_their_view() {
    use super::message::Message;
    let admin = Message::Admin {
        origin: 1,
        req: 3,
        cmd: threshold(),
    };
    let verdict = Message::Quorum {
        ring: RingId { seq: 4, rep: 1 },
        state: QuorumState::default(),
    };
    assert!(admin.outlives_its_view());
    assert!(!verdict.outlives_its_view());
    let mut bus = Bus::majority_view(&[1]);
    let c = bus.nodes.get_mut(&1).unwrap();
    c.handle_admin(bus.now, 5, threshold());
    assert!(matches!(
        c.poll_effect(),
        Some(Effect::Broadcast {
            view_scoped: false,
            ..
        })
    ));
}
