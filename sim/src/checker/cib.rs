//! CIB copies in the settled view: every running node holds the same
//! configuration, and none holds less than the highest configuration a
//! running node held at the heal (the one that must win the merge).
//!
//! The status section and `num_updates` (which counts status changes) are
//! each replica's derived view, a message apart at any instant; the
//! configuration and its epochs must agree.

use cohort_core::cib::xml::write_cib;
use std::collections::BTreeMap;

use cohort_core::cib::Cib;
use cohort_core::totem::{NodeId, RingId};

/// The disagreements among `copies` (node, its CIB; in node order), and
/// any copy below `winning` (admin_epoch, epoch), described.
pub fn disagreements(copies: &[(NodeId, &Cib)], winning: Option<(u64, u64)>) -> Vec<String> {
    let mut out = Vec::new();
    let mut configs: Vec<(NodeId, String)> = Vec::new();
    for (id, cib) in copies {
        let v = (cib.version.admin_epoch, cib.version.epoch);
        if let Some(w) = winning.filter(|w| *w > v) {
            out.push(format!(
                "node {id} holds configuration {v:?}, below {w:?} held at the heal"
            ));
        }
        configs.push((*id, config_text(cib)));
    }
    if let Some((first, xml)) = configs.first() {
        for (id, other) in &configs[1..] {
            if other != xml {
                out.push(format!(
                    "node {id}'s configuration differs from node {first}'s"
                ));
            }
        }
    }
    out
}

/// Replicas of one synced view: every member adopted the same
/// configuration at the view's sync and applies the same changes in agreed
/// order, so two copies at the same version in the same synced view must
/// be the same configuration, at any instant (not only once settled).
#[derive(Debug, Default)]
pub struct SyncedCopies {
    /// (view, admin_epoch, epoch) -> the first node seen there, and a hash
    /// of its configuration.
    seen: BTreeMap<(RingId, u64, u64), (NodeId, u64)>,
}

impl SyncedCopies {
    /// `node`'s copy now, in synced view `ring`: a description of the
    /// disagreement when another member held a different configuration at
    /// the same version in the same view.
    pub fn observe(&mut self, node: NodeId, ring: RingId, cib: &Cib) -> Option<String> {
        let key = (ring, cib.version.admin_epoch, cib.version.epoch);
        // The configuration only: the <cib> element's have-quorum and
        // dc-uuid are each node's own verdict, set at its sync.
        let mut config = Cib::empty();
        config.configuration = cib.configuration.clone();
        let hash = fnv1a(write_cib(&config).as_bytes());
        let (first, first_hash) = *self.seen.entry(key).or_insert((node, hash));
        (first_hash != hash).then(|| {
            format!(
                "in view {}.{} at epoch {}:{}, node {node}'s configuration differs from node {first}'s",
                ring.rep, ring.seq, key.1, key.2
            )
        })
    }
}

fn config_text(cib: &Cib) -> String {
    let mut config = cib.clone();
    config.status = Default::default();
    config.version.num_updates = 0;
    write_cib(&config)
}

/// FNV-1a, 64 bits: a stable fingerprint (not a defence against anyone).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use cohort_core::policy::inject::{self, Injection};

    fn cib(crm: &str) -> Cib {
        let mut c = Cib::empty();
        cohort_core::cib::crm::run(&mut c, crm).unwrap();
        c
    }

    const BASE: &str = "node node1\nnode node2\nprimitive a ocf:heartbeat:Dummy\ncommit\n";

    #[test]
    fn copies_differing_only_in_status_agree() {
        let one = cib(BASE);
        let mut two = one.clone();
        inject::apply(&mut two, &[Injection::NodeUp("node2".into())], 5).unwrap();
        two.version.num_updates += 7;
        assert_ne!(one, two);
        let v = (one.version.admin_epoch, one.version.epoch);
        assert!(disagreements(&[(1, &one), (2, &two)], Some(v)).is_empty());
    }

    #[test]
    fn a_different_configuration_or_one_below_the_winner_fires() {
        let one = cib(BASE);
        let two = cib(&format!(
            "{BASE}rsc_defaults resource-stickiness=50\ncommit\n"
        ));
        let found = disagreements(&[(1, &one), (2, &two)], None);
        assert_eq!(found, ["node 2's configuration differs from node 1's"]);
        // Both the same, but the heal saw a higher epoch: it was lost.
        let w = (two.version.admin_epoch, two.version.epoch + 1);
        let found = disagreements(&[(1, &two), (3, &two)], Some(w));
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(
            found[0].starts_with("node 1 holds configuration"),
            "{found:?}"
        );
    }

    #[test]
    fn copies_of_one_view_at_one_version_must_agree() {
        let one = cib(BASE);
        let mut two = cib(&format!(
            "{BASE}rsc_defaults resource-stickiness=50\ncommit\n"
        ));
        two.version = one.version;
        let (r1, r2) = (RingId { seq: 4, rep: 1 }, RingId { seq: 5, rep: 1 });
        let mut copies = SyncedCopies::default();
        assert_eq!(copies.observe(1, r1, &one), None);
        assert_eq!(copies.observe(2, r1, &one), None);
        // Another view may hold another lineage at the same epoch.
        assert_eq!(copies.observe(3, r2, &two), None);
        let found = copies.observe(3, r1, &two).expect("fires");
        assert!(
            found.contains("node 3's configuration differs from node 1's"),
            "{found}"
        );
    }
}
