//! Quorum safety, judged at every instant from the nodes' own verdicts.
//!
//! With majority quorum (expected votes fixed by a node list, or by the
//! highest total seen in a two-node cluster), the member sets of any two
//! quorate views intersect: each holds more than half of the votes. That
//! holds even for a stale view a node has not yet left, so two quorate
//! nodes whose member sets are disjoint at the same instant are two
//! partitions both allowed to act: split brain. With `two_node` each half
//! of a split is quorate on purpose; those are counted apart
//! ([`ViolationKind::SplitBrainByConfiguration`]).

use cohort_core::time::Instant;
use cohort_core::totem::NodeId;

use super::{Violation, ViolationKind};

/// One running node's quorum verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuorumView<'a> {
    pub node: NodeId,
    pub quorate: bool,
    /// The membership the verdict stands on (ascending).
    pub members: &'a [NodeId],
}

/// Watches the verdicts over time; reports each split-brain episode once.
#[derive(Debug, Clone, Default)]
pub struct QuorumWatch {
    unsafe_by_configuration: bool,
    split: bool,
}

impl QuorumWatch {
    pub fn new(unsafe_by_configuration: bool) -> QuorumWatch {
        QuorumWatch {
            unsafe_by_configuration,
            split: false,
        }
    }

    /// The verdicts of every running node at `at`; a violation when a
    /// split-brain episode begins.
    pub fn observe(&mut self, at: Instant, views: &[QuorumView<'_>]) -> Option<Violation> {
        let quorate: Vec<&QuorumView<'_>> = views.iter().filter(|v| v.quorate).collect();
        let pair = quorate.iter().enumerate().find_map(|(i, a)| {
            quorate[i + 1..]
                .iter()
                .find(|b| disjoint(a.members, b.members))
                .map(|b| (*a, *b))
        });
        let Some((a, b)) = pair else {
            self.split = false;
            return None;
        };
        if std::mem::replace(&mut self.split, true) {
            return None;
        }
        let kind = if self.unsafe_by_configuration {
            ViolationKind::SplitBrainByConfiguration
        } else {
            ViolationKind::SplitBrain
        };
        Some(Violation::new(
            kind,
            at,
            format!(
                "node {} quorate in {:?} and node {} quorate in {:?}",
                a.node, a.members, b.node, b.members
            ),
        ))
    }
}

/// Whether two ascending lists share no element.
fn disjoint(a: &[NodeId], b: &[NodeId]) -> bool {
    !a.iter().any(|x| b.binary_search(x).is_ok())
}
