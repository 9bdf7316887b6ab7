//! Liveness after the heal, membership part: every node runs (not down,
//! not paused) and is operational in one ring of all the nodes, and
//! quorate. Until this holds the run is not settled; when the heal's
//! bound passes without it, the run fails with no single view.

use cohort_core::totem::NodeId;

use crate::node::NodeStatus;

/// Whether `statuses` (one per node of `all`, in order; None for a node
/// down or paused) form the single quorate view of every node. Stops at
/// the first node that is not there yet (the world asks after every event
/// of the healing phase, and builds a status only when asked).
pub fn single_view(all: &[NodeId], statuses: impl IntoIterator<Item = Option<NodeStatus>>) -> bool {
    let mut ring = None;
    let mut seen = 0;
    let in_view = statuses.into_iter().all(|st| {
        seen += 1;
        let Some(st) = st else {
            return false;
        };
        let same = *ring.get_or_insert(st.ring_id) == st.ring_id;
        same && st.operational && st.quorate && st.members == all
    });
    in_view && seen == all.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use cohort_core::totem::RingId;

    fn status(seq: u64, members: &[NodeId]) -> Option<NodeStatus> {
        Some(NodeStatus {
            ring_id: RingId { seq, rep: 1 },
            members: members.to_vec(),
            operational: true,
            quorate: true,
            quorum_members: members.to_vec(),
            pending_sends: 0,
        })
    }

    #[test]
    fn one_quorate_ring_of_all_is_the_single_view() {
        let all = [1, 2, 3];
        let st = status(8, &all);
        assert!(single_view(&all, [st.clone(), st.clone(), st]));
    }

    #[test]
    fn a_node_down_apart_unquorate_or_still_gathering_is_not() {
        let all = [1, 2, 3];
        let st = status(8, &all);
        let down = [st.clone(), None, st.clone()];
        assert!(!single_view(&all, down), "node 2 down or paused");
        let apart = [st.clone(), st.clone(), status(9, &all)];
        assert!(!single_view(&all, apart), "two rings");
        let short = [status(8, &[1, 2]), status(8, &[1, 2]), status(8, &[1, 2])];
        assert!(!single_view(&all, short), "a ring without node 3");
        let mut unquorate = st.clone();
        unquorate.as_mut().unwrap().quorate = false;
        let mut gathering = st.clone();
        gathering.as_mut().unwrap().operational = false;
        for odd in [unquorate, gathering] {
            assert!(!single_view(&all, [st.clone(), odd, st.clone()]));
        }
        assert!(!single_view(&all, [st.clone(), st]), "a status missing");
    }
}
