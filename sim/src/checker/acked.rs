//! Acknowledged changes survive: every administrator command the cluster
//! answered with success is in the configuration every node ends with.
//!
//! A command is present when applying it again to the final CIB changes
//! nothing. A command that would change it again is lost, unless another
//! command that may have been applied undoes it (applied after it, it
//! takes its effect away: an `online` after a `standby`): agreed order is not in the history, so a change overwritten
//! by a later one counts as present. Commands that may have been applied
//! are the acknowledged ones and the unsure ones: sent but never answered
//! (the node crashed first), or answered with an error that leaves them
//! maybe applied (caught by a membership change). An unsure command may
//! undo an acknowledged one; it is never itself required. Scenarios that
//! test merges type non-overlapping changes on each side, so a lost one
//! cannot hide behind another.

use cohort_core::cib::Cib;
use cohort_core::controller::admin::{self, AdminCommand, Change};
use cohort_core::totem::NodeId;

/// The acknowledged commands missing from `last`, described; `unsure`:
/// the commands that may or may not have been applied.
pub fn lost(
    last: &Cib,
    acked: &[(NodeId, AdminCommand)],
    unsure: &[(NodeId, AdminCommand)],
) -> Vec<String> {
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
            // `other` undoes `cmd` when, applied after it, it takes its
            // effect away again (an `online` after a `standby`).
            let undoes = |other: &AdminCommand| {
                changes(&again, other).is_some_and(|after| changes(&after, cmd).is_some())
            };
            let undone_by_acked = acked
                .iter()
                .enumerate()
                .any(|(j, (_, other))| j != i && undoes(other));
            let undone_by_unsure = unsure.iter().any(|(_, other)| undoes(other));
            (!undone_by_acked && !undone_by_unsure).then(|| {
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
        let found = lost(&last, &acked, &[]);
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
        assert_eq!(lost(&last, &acked, &[]), Vec::<String>::new());
    }

    /// Seed 500959 of failover: an acknowledged `standby node1` undone by
    /// an `online node1` the cluster applied but never answered (its node
    /// crashed before the reply). That is no loss.
    #[test]
    fn an_acked_change_undone_by_an_unanswered_command_is_not_lost() {
        let last = cib(BASE); // node1 online: the standby is undone
        let acked = vec![(
            2,
            AdminCommand::Standby {
                node: "node1".into(),
            },
        )];
        let unsure = vec![(
            1,
            AdminCommand::Online {
                node: "node1".into(),
            },
        )];
        assert_eq!(lost(&last, &acked, &unsure), Vec::<String>::new());
        // Without the unanswered command nothing explains it.
        assert_eq!(lost(&last, &acked, &[]).len(), 1);
    }

    #[test]
    fn an_unsure_command_that_cannot_undo_the_change_does_not_hide_its_loss() {
        let last = cib(BASE);
        let acked = vec![(1, configure("rsc_defaults migration-threshold=4\ncommit"))];
        let unsure = vec![
            // Unrelated: applied or not, the threshold would still be there.
            (2, configure("rsc_defaults resource-stickiness=200\ncommit")),
            (
                3,
                AdminCommand::Standby {
                    node: "node2".into(),
                },
            ),
        ];
        let found = lost(&last, &acked, &unsure);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("migration-threshold"), "{found:?}");
        // An unsure command is never required itself.
        assert_eq!(lost(&last, &[], &unsure), Vec::<String>::new());
    }
}
