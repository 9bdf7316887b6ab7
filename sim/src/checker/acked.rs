//! Acknowledged changes survive: every administrator command the cluster
//! answered with success is in the configuration every node ends with.
//!
//! A command is present when applying it again to the final CIB changes
//! nothing. A command that would change it again is lost, unless another
//! acknowledged command undoes it (an `online` after a `standby`): agreed
//! order is not in the history, so a change overwritten by a later one
//! counts as present. Scenarios that test merges type non-overlapping
//! changes on each side, so a lost one cannot hide behind another.

use cohort_core::cib::Cib;
use cohort_core::controller::admin::{self, AdminCommand, Change};
use cohort_core::totem::NodeId;

/// The acknowledged commands missing from `last`, described.
pub fn lost(last: &Cib, acked: &[(NodeId, AdminCommand)]) -> Vec<String> {
    let changes = |cib: &Cib, cmd: &AdminCommand| {
        let mut work = cib.clone();
        matches!(admin::apply(&mut work, cmd), Ok(Change::Configuration)).then_some(work)
    };
    acked
        .iter()
        .enumerate()
        .filter(|(_, (_, cmd))| cmd.writes_configuration())
        .filter_map(|(i, (node, cmd))| {
            let again = changes(last, cmd)?;
            let undone = acked
                .iter()
                .enumerate()
                .any(|(j, (_, other))| j != i && changes(&again, other).is_some());
            (!undone).then(|| {
                format!(
                    "node {node}: {cmd:?} was acknowledged but is not in the final configuration"
                )
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cib(crm: &str) -> Cib {
        let mut c = Cib::empty();
        cohort_core::cib::crm::run(&mut c, crm).unwrap();
        c
    }

    fn configure(crm: &str) -> AdminCommand {
        AdminCommand::Configure { crm: crm.into() }
    }

    const BASE: &str = "node node1\nnode node2\nprimitive a ocf:heartbeat:Dummy\ncommit\n";

    #[test]
    fn a_change_the_final_configuration_lacks_is_reported() {
        let last = cib(BASE);
        let acked = vec![(2, configure("rsc_defaults migration-threshold=4\ncommit"))];
        let found = lost(&last, &acked);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].starts_with("node 2:"), "{found:?}");
    }

    #[test]
    fn changes_present_or_undone_later_are_not() {
        let last = cib(&format!(
            "{BASE}rsc_defaults resource-stickiness=200\ncommit\n"
        ));
        let standby = AdminCommand::Standby {
            node: "node1".into(),
        };
        let online = AdminCommand::Online {
            node: "node1".into(),
        };
        let acked = vec![
            (1, configure("rsc_defaults resource-stickiness=200\ncommit")),
            (1, standby),
            (2, online),
            (
                1,
                AdminCommand::Cleanup {
                    rsc: "a".into(),
                    node: None,
                },
            ),
        ];
        assert_eq!(lost(&last, &acked), Vec::<String>::new());
    }
}
