//! CIB copies in the settled view: every running node holds the same
//! configuration, and none holds less than the highest configuration a
//! running node held at the heal (the one that must win the merge).
//!
//! The status section and `num_updates` (which counts status changes) are
//! each replica's derived view, a message apart at any instant; the
//! configuration and its epochs must agree.

use cohort_core::cib::xml::write_cib;
use cohort_core::cib::Cib;
use cohort_core::totem::NodeId;

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
        let mut config = (*cib).clone();
        config.status = Default::default();
        config.version.num_updates = 0;
        configs.push((*id, write_cib(&config)));
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
}
