//! Whether a view may change the configuration.
//!
//! A change acknowledged to an administrator must survive every merge. The
//! merge keeps the highest version, so a change made in a partition that
//! later loses the merge would be gone after having been acknowledged. The
//! rule that prevents it: only a view that is certain to win may write.
//!
//! - A view holding a majority of the expected votes may write: no other
//!   partition can hold one at the same time.
//! - A view that is quorate without a majority (two_node, last man standing,
//!   auto tie-breaker) may write only once every node that left it uncleanly
//!   is fenced: until then the other half may be the one that survives (in a
//!   two-node split each side is quorate and each is about to fence the
//!   other; the side that writes is the side that fenced).
//! - A view without quorum may not write.
//!
//! The decision is taken when the change is delivered, from agreed state
//! only (each member's verdict as its hello and later [`Message::Quorum`]
//! reported it, and the lost nodes the sync agreed on), so every replica
//! accepts or refuses the same change. Cleanups write nothing in the
//! configuration and are always allowed.
//!
//! What an accepted change may promise depends on how it was delivered.
//! Totem delivers a safe message in a regular configuration only once
//! every member holds it, so every member of a majority view applies it
//! (or crashes) and any later majority shares a member that has it. The
//! old ring's last messages, delivered after it broke, come in a
//! transitional configuration (extended virtual synchrony): only the
//! transitional members are certain to hold them, and the members that
//! left may form the partition that wins. Replicas still apply such a
//! change as the verdicts say (the same everywhere it is delivered), but
//! the node that sent it does not acknowledge it: it answers
//! [`AdminError::Unconfirmed`], may or may not.
//!
//! Left as configured: without fencing, a two-node split has two quorate
//! halves and nothing decides which will win; both write, and one side's
//! changes are lost at the merge, as with Pacemaker. Such a cluster has
//! given up safety already (the simulator counts it as unsafe by
//! configuration).
//!
//! [`Message::Quorum`]: super::Message::Quorum

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::totem::NodeId;

use super::admin::AdminError;
use super::status::Membership;

/// One member's quorum verdict, as votequorum gave it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuorumState {
    pub quorate: bool,
    /// The members hold more than half of the expected votes.
    pub majority: bool,
}

/// Every member's last reported verdict, in agreed order.
pub type Verdicts = BTreeMap<NodeId, QuorumState>;

/// Whether the view may change the configuration now; `fencing`: stonith
/// is enabled (without it a lost node is never fenced, and nothing but the
/// verdicts can decide).
pub fn permitted(view: &Membership, verdicts: &Verdicts, fencing: bool) -> Result<(), AdminError> {
    let reported = || {
        verdicts
            .iter()
            .filter(|(id, _)| view.members.contains_key(id))
            .map(|(_, v)| *v)
    };
    if reported().any(|v| v.quorate && v.majority) {
        return Ok(());
    }
    if !reported().any(|v| v.quorate) {
        return Err(AdminError::NoQuorum);
    }
    match view.lost.keys().next() {
        Some(node) if fencing => Err(AdminError::FencePending(node.clone())),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(members: &[(NodeId, &str)], lost: &[&str]) -> Membership {
        Membership {
            members: members.iter().map(|(i, u)| (*i, u.to_string())).collect(),
            lost: lost
                .iter()
                .map(|u| (u.to_string(), Default::default()))
                .collect(),
            seen: Default::default(),
            leaving: Default::default(),
        }
    }

    fn verdicts(v: &[(NodeId, bool, bool)]) -> Verdicts {
        v.iter()
            .map(|&(id, quorate, majority)| (id, QuorumState { quorate, majority }))
            .collect()
    }

    #[test]
    fn a_majority_writes_even_with_lost_nodes_unfenced() {
        let v = view(&[(1, "a"), (2, "b")], &["c"]);
        let both = verdicts(&[(1, true, true), (2, true, true)]);
        assert_eq!(permitted(&v, &both, true), Ok(()));
    }

    #[test]
    fn a_partition_without_quorum_may_not_write() {
        let v = view(&[(3, "c")], &[]);
        assert_eq!(
            permitted(&v, &verdicts(&[(3, false, false)]), false),
            Err(AdminError::NoQuorum)
        );
        // A verdict of a node outside the view does not count.
        assert_eq!(
            permitted(&v, &verdicts(&[(1, true, true), (3, false, false)]), true),
            Err(AdminError::NoQuorum)
        );
    }

    #[test]
    fn half_of_a_two_node_cluster_writes_only_after_fencing_the_other() {
        let before = view(&[(1, "a")], &["b"]);
        let two_node = verdicts(&[(1, true, false)]);
        assert_eq!(
            permitted(&before, &two_node, true),
            Err(AdminError::FencePending("b".into()))
        );
        let after = view(&[(1, "a")], &[]);
        assert_eq!(permitted(&after, &two_node, true), Ok(()));
        // Without fencing nothing will ever settle it: both halves write.
        assert_eq!(permitted(&before, &two_node, false), Ok(()));
    }
}
