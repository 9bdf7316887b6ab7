//! Who is DC: a pure function of what every member agreed on, so there is
//! no election round trip (SPEC §10 describes the election this replaces).
//!
//! The rule, evaluated by every member when a view's sync completes (the
//! inputs are the members and the DC each member's hello named, all
//! delivered in agreed order, so every member computes the same answer):
//! 1. If some member's hello names a DC that is still a member, that DC
//!    stays (the lowest such id if two partitions merge, each with its own):
//!    a surviving DC keeps its role and its knowledge.
//! 2. Otherwise the member with the lowest node id becomes DC.
//!
//! The DC dying therefore costs no more than the DC surviving: in both cases
//! the new view's sync is the only round before the DC schedules.

use std::collections::BTreeSet;

use crate::totem::NodeId;

/// The DC of a view with `members` (ascending or not), given the DCs the
/// members' hellos named.
pub fn choose(members: &[NodeId], previous: impl IntoIterator<Item = Option<NodeId>>) -> NodeId {
    let members: BTreeSet<NodeId> = members.iter().copied().collect();
    let lowest = *members.first().expect("a view has at least this node");
    previous
        .into_iter()
        .flatten()
        .filter(|dc| members.contains(dc))
        .min()
        .unwrap_or(lowest)
}

#[cfg(test)]
mod tests {
    use super::choose;

    #[test]
    fn a_surviving_dc_stays_otherwise_the_lowest_member() {
        // The DC (2) survives the loss of node 1: it stays.
        assert_eq!(choose(&[2, 3], [Some(2), Some(2)]), 2);
        // The DC (1) is gone: the lowest member.
        assert_eq!(choose(&[3, 2], [Some(1), Some(1)]), 2);
        // A fresh cluster: nobody knew a DC.
        assert_eq!(choose(&[4, 5], [None, None]), 4);
        // Two partitions merge, each with its DC: the lower DC stays.
        assert_eq!(choose(&[1, 2, 3], [Some(3), Some(2), Some(3)]), 2);
        // A node that knew no DC (restarted) does not disturb a live one.
        assert_eq!(choose(&[1, 2], [None, Some(2)]), 2);
    }
}
