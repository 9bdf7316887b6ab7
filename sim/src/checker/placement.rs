//! Liveness after the heal: every resource really runs where the policy
//! engine puts it for the healed cluster, and nowhere else.
//!
//! The world asks once the nodes agree on an idle DC, with the DC's CIB
//! and the DC's notion of now (so expired failures count as expired), and
//! keeps asking until the bound; what is still missing or extra then is
//! the violation.

use std::collections::BTreeSet;

use cohort_core::cib::Cib;
use cohort_core::policy::schedule_at;
use cohort_core::totem::NodeId;

use crate::node::id_of_uname;

/// What keeps `running` (the ground truth: node, resource) from the
/// placement `policy::schedule_at(cib, now_epoch_s)` computes, or None
/// when they are the same.
pub fn gap(cib: &Cib, now_epoch_s: i64, running: &BTreeSet<(NodeId, String)>) -> Option<String> {
    let want: BTreeSet<(NodeId, String)> = schedule_at(cib, now_epoch_s)
        .placement
        .iter()
        .filter_map(|p| {
            let node = id_of_uname(p.node.as_deref()?)?;
            Some((node, p.rsc.clone()))
        })
        .collect();
    if &want == running {
        return None;
    }
    let missing: Vec<_> = want.difference(running).collect();
    let extra: Vec<_> = running.difference(&want).collect();
    Some(format!("missing {missing:?}, extra {extra:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use cohort_core::policy::inject::{self, Injection, OpSpec};

    /// Two online nodes, vip started on node1 (as the controller records
    /// it), mysqld configured after vip and with it; quorum ignored (the
    /// hand-made status has no quorum flag).
    fn cluster() -> Cib {
        let mut cib = Cib::empty();
        cohort_core::cib::crm::run(
            &mut cib,
            "node node1\nnode node2\nproperty stonith-enabled=false\nproperty no-quorum-policy=ignore\nrsc_defaults resource-stickiness=100\nprimitive vip ocf:heartbeat:IPaddr2 params ip=10.0.0.9\nprimitive mysqld ocf:heartbeat:Dummy\ncolocation db_with_vip inf: mysqld vip\norder vip_first Mandatory: vip mysqld\ncommit\n",
        )
        .unwrap();
        let up = |n: &str| Injection::NodeUp(n.into());
        let started = Injection::Op(OpSpec::parse("vip_start_0@node1=0", None).unwrap());
        inject::apply(&mut cib, &[up("node1"), up("node2"), started], 1_000).unwrap();
        cib
    }

    fn running(pairs: &[(NodeId, &str)]) -> BTreeSet<(NodeId, String)> {
        pairs.iter().map(|(n, r)| (*n, r.to_string())).collect()
    }

    #[test]
    fn the_policy_placement_is_no_gap() {
        let cib = cluster();
        let placed = running(&[(1, "vip"), (1, "mysqld")]);
        assert_eq!(gap(&cib, 1_000, &placed), None);
    }

    #[test]
    fn a_resource_missing_elsewhere_or_extra_fires() {
        let cib = cluster();
        let missing = gap(&cib, 1_000, &running(&[(1, "vip")])).expect("mysqld down");
        assert!(missing.contains("(1, \"mysqld\")"), "{missing}");
        // vip has moved against its stickiness: both a missing and an
        // extra instance.
        let moved = gap(&cib, 1_000, &running(&[(2, "vip"), (1, "mysqld")])).expect("moved");
        assert!(moved.starts_with("missing [(1, \"vip\")]"), "{moved}");
        assert!(moved.ends_with("extra [(2, \"vip\")]"), "{moved}");
        let twice = running(&[(1, "vip"), (2, "vip"), (1, "mysqld")]);
        assert!(gap(&cib, 1_000, &twice).is_some(), "an extra copy");
    }
}
