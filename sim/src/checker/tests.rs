//! Each checker fed a history that breaks its property, by hand, and a
//! clean history that breaks none.

use std::collections::BTreeMap;

use cohort_core::time::Instant;
use cohort_core::totem::{NodeId, RingId};

use super::*;
use crate::history::Record;

/// A hand-written history; every node is in incarnation 1 unless restarted.
#[derive(Default)]
struct H {
    records: Vec<Record>,
    incarnation: BTreeMap<NodeId, u32>,
    now_ms: u64,
}

fn ring(rep: NodeId, seq: u64) -> RingId {
    RingId { seq, rep }
}

impl H {
    fn at(&mut self) -> Instant {
        self.now_ms += 1;
        Instant::from_millis(self.now_ms)
    }

    fn inc(&self, node: NodeId) -> u32 {
        self.incarnation[&node]
    }

    fn start(&mut self, node: NodeId) -> &mut Self {
        let incarnation = *self
            .incarnation
            .entry(node)
            .and_modify(|i| *i += 1)
            .or_insert(1);
        let at = self.at();
        self.records.push(Record::Started {
            node,
            incarnation,
            at,
        });
        self
    }

    fn crash(&mut self, node: NodeId) -> &mut Self {
        let at = self.at();
        self.records.push(Record::Crashed { node, at });
        self
    }

    /// The transitional view, then the regular one.
    fn view(&mut self, node: NodeId, ring_id: RingId, members: &[NodeId]) -> &mut Self {
        self.view_only(node, ring_id, members, true);
        self.view_only(node, ring_id, members, false)
    }

    fn view_only(
        &mut self,
        node: NodeId,
        ring_id: RingId,
        members: &[NodeId],
        transitional: bool,
    ) -> &mut Self {
        let (incarnation, at) = (self.inc(node), self.at());
        self.records.push(Record::View {
            node,
            incarnation,
            at,
            ring_id,
            members: members.to_vec(),
            transitional,
        });
        self
    }

    fn send(&mut self, node: NodeId, payload: &str) -> &mut Self {
        let (incarnation, at) = (self.inc(node), self.at());
        self.records.push(Record::Sent {
            node,
            incarnation,
            at,
            payload: payload.into(),
            safe: false,
        });
        self
    }

    fn deliver(&mut self, node: NodeId, ring_id: RingId, seq: u64, payload: &str) -> &mut Self {
        self.deliver_as(node, ring_id, seq, payload, false)
    }

    fn deliver_as(
        &mut self,
        node: NodeId,
        ring_id: RingId,
        seq: u64,
        payload: &str,
        safe: bool,
    ) -> &mut Self {
        let (incarnation, at) = (self.inc(node), self.at());
        self.records.push(Record::Delivered {
            node,
            incarnation,
            at,
            sender: 1,
            payload: payload.into(),
            ring_id,
            seq,
            safe,
        });
        self
    }

    fn kinds(&self) -> Vec<ViolationKind> {
        let mut kinds: Vec<ViolationKind> =
            check_safety(&History::from_records(self.records.clone()))
                .into_iter()
                .map(|v| v.kind)
                .collect();
        kinds.sort();
        kinds.dedup();
        kinds
    }
}

/// Two nodes in ring 1.1, both deliver a and b in order.
fn two_in_one_ring() -> H {
    let mut h = H::default();
    h.start(1).start(2);
    h.view(1, ring(1, 1), &[1, 2]).view(2, ring(1, 1), &[1, 2]);
    h.send(1, "a").send(2, "b");
    h.deliver(1, ring(1, 1), 1, "a")
        .deliver(1, ring(1, 1), 2, "b");
    h.deliver(2, ring(1, 1), 1, "a")
        .deliver(2, ring(1, 1), 2, "b");
    h
}

#[test]
fn a_clean_history_breaks_nothing() {
    let mut h = two_in_one_ring();
    h.view(1, ring(1, 2), &[1, 2]).view(2, ring(1, 2), &[1, 2]);
    assert_eq!(h.kinds(), []);
}

#[test]
fn agreed_order_fires_when_members_disagree_on_a_place() {
    let mut h = H::default();
    h.start(1).start(2);
    h.view(1, ring(1, 1), &[1, 2]).view(2, ring(1, 1), &[1, 2]);
    h.send(1, "a").send(2, "b");
    h.deliver(1, ring(1, 1), 1, "a")
        .deliver(1, ring(1, 1), 2, "b");
    h.deliver(2, ring(1, 1), 1, "b")
        .deliver(2, ring(1, 1), 2, "a");
    assert_eq!(h.kinds(), [ViolationKind::AgreedOrder]);
}

#[test]
fn agreed_order_fires_when_a_member_goes_backwards() {
    let mut h = H::default();
    h.start(1)
        .view(1, ring(1, 1), &[1])
        .send(1, "a")
        .send(1, "b");
    h.deliver(1, ring(1, 1), 2, "b")
        .deliver(1, ring(1, 1), 1, "a");
    assert_eq!(h.kinds(), [ViolationKind::AgreedOrder]);
}

#[test]
fn duplicates_and_invented_messages_fire() {
    let mut h = two_in_one_ring();
    h.deliver(2, ring(1, 1), 3, "a");
    assert_eq!(h.kinds(), [ViolationKind::Duplicate]);
    let mut h = two_in_one_ring();
    h.deliver(2, ring(1, 1), 3, "never sent");
    assert_eq!(h.kinds(), [ViolationKind::Invented]);
    // Delivered before it was sent is invented too.
    let mut h = H::default();
    h.start(1)
        .view(1, ring(1, 1), &[1])
        .deliver(1, ring(1, 1), 1, "x")
        .send(1, "x");
    assert_eq!(h.kinds(), [ViolationKind::Invented]);
}

#[test]
fn virtual_synchrony_fires_when_movers_delivered_different_sets() {
    let mut h = H::default();
    h.start(1).start(2).start(3);
    for n in 1..=3 {
        h.view(n, ring(1, 1), &[1, 2, 3]);
    }
    h.send(1, "a").send(1, "b");
    h.deliver(1, ring(1, 1), 1, "a")
        .deliver(1, ring(1, 1), 2, "b");
    h.deliver(2, ring(1, 1), 1, "a");
    // 1 and 2 move on together to 1.2, but 2 never delivered b.
    h.view(1, ring(1, 2), &[1, 2]).view(2, ring(1, 2), &[1, 2]);
    assert_eq!(h.kinds(), [ViolationKind::VirtualSynchrony]);
}

#[test]
fn virtual_synchrony_fires_on_a_regular_view_without_its_transitional_one() {
    let mut h = H::default();
    h.start(1).view(1, ring(1, 1), &[1]);
    h.view_only(1, ring(1, 2), &[1], false);
    assert_eq!(h.kinds(), [ViolationKind::VirtualSynchrony]);
}

#[test]
fn safe_delivery_fires_when_a_member_left_without_the_safe_message() {
    let mut h = H::default();
    h.start(1).start(2);
    h.view(1, ring(1, 1), &[1, 2]).view(2, ring(1, 1), &[1, 2]);
    h.send(1, "s");
    h.deliver_as(1, ring(1, 1), 1, "s", true);
    // 2 leaves 1.1 for a ring of its own without s; 1 crashes.
    h.view(2, ring(2, 2), &[2]);
    h.crash(1);
    assert!(
        h.kinds().contains(&ViolationKind::SafeDelivery),
        "{:?}",
        h.kinds()
    );
}

#[test]
fn ring_ids_must_grow_and_views_must_hold_their_node() {
    let mut h = H::default();
    h.start(1)
        .view(1, ring(1, 5), &[1])
        .view(1, ring(1, 3), &[1]);
    assert_eq!(h.kinds(), [ViolationKind::RingId]);
    let mut h = H::default();
    h.start(1).view(1, ring(2, 1), &[2]);
    assert_eq!(h.kinds(), [ViolationKind::RingId]);
}

#[test]
fn a_restarted_node_reusing_a_ring_id_is_counted_not_confused_with_its_past() {
    let mut h = H::default();
    h.start(1)
        .view(1, ring(1, 1), &[1])
        .send(1, "a")
        .deliver(1, ring(1, 1), 1, "a");
    h.crash(1).start(1);
    h.view(1, ring(1, 1), &[1])
        .send(1, "b")
        .deliver(1, ring(1, 1), 1, "b");
    // Same (ring, seq) with another payload, but another configuration.
    assert_eq!(h.kinds(), [ViolationKind::RingIdReused]);
    assert!(!ViolationKind::RingIdReused.is_failure());
}

#[test]
fn quorum_watch_fires_once_per_split_brain_episode() {
    let mut w = QuorumWatch::new(false);
    let at = Instant::from_millis(1);
    let q = |node, quorate, members: &'static [NodeId]| QuorumView {
        node,
        quorate,
        members,
    };
    // A stale view that still overlaps the new majority is fine.
    assert_eq!(
        w.observe(at, &[q(1, true, &[1, 2]), q(3, true, &[1, 2, 3])]),
        None
    );
    // A quorate minority disjoint from a quorate majority is split brain.
    let split = [q(1, true, &[1, 2]), q(2, true, &[1, 2]), q(3, true, &[3])];
    let v = w.observe(at, &split).expect("fires");
    assert_eq!(v.kind, ViolationKind::SplitBrain);
    assert_eq!(w.observe(at, &split), None, "one report per episode");
    assert_eq!(
        w.observe(at, &[q(3, false, &[3]), q(1, true, &[1, 2])]),
        None
    );
    assert!(w.observe(at, &split).is_some(), "a new episode");
    // two_node: the same split is allowed by configuration.
    let mut w = QuorumWatch::new(true);
    let v = w
        .observe(at, &[q(1, true, &[1]), q(2, true, &[2])])
        .unwrap();
    assert_eq!(v.kind, ViolationKind::SplitBrainByConfiguration);
    assert!(!v.kind.is_failure());
}

#[test]
fn liveness_demands_delivery_after_the_view_and_by_the_sender_before() {
    let mut h = two_in_one_ring();
    let live = BTreeMap::from([(1, 1), (2, 1)]);
    let records = h.records.clone();
    let t = |ms| Instant::from_millis(ms);
    assert_eq!(check_delivered(&records, &live, t(0), t(100)), []);
    // Sent after the single view formed, delivered by the sender only.
    h.send(2, "late").deliver(2, ring(1, 1), 3, "late");
    let since = t(0);
    let found = check_delivered(&h.records, &live, since, t(100));
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].kind, ViolationKind::NotDelivered);
    // Sent before the view formed: the sender's own delivery is enough.
    assert_eq!(check_delivered(&h.records, &live, t(1000), t(2000)), []);
    // ...but the sender must have it.
    h.send(1, "lost");
    let found = check_delivered(&h.records, &live, t(1000), t(2000));
    assert_eq!(found.len(), 1, "{found:?}");
    // A node that crashed since is not asked about its messages.
    let only_2 = BTreeMap::from([(2, 1)]);
    assert_eq!(check_delivered(&h.records, &only_2, t(1000), t(2000)), []);
}

#[test]
fn violations_keep_the_first_and_count_all() {
    let mut vs = Violations::default();
    for i in 0..(MAX_VIOLATIONS as u64 + 10) {
        vs.push(Violation::new(
            ViolationKind::Duplicate,
            Instant::from_millis(i),
            "x",
        ));
    }
    vs.push(Violation::new(
        ViolationKind::RingIdReused,
        Instant::ZERO,
        "y",
    ));
    assert_eq!(vs.kept().len(), MAX_VIOLATIONS);
    assert_eq!(
        vs.counts()[&ViolationKind::Duplicate],
        MAX_VIOLATIONS as u64 + 10
    );
    assert!(vs.failed());
    assert_eq!(
        vs.summary(),
        format!("duplicate={} ring-id-reused=1", MAX_VIOLATIONS + 10)
    );
}
