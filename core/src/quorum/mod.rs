//! votequorum: who may act, given the agreed membership.
//!
//! A pure port of corosync 3.1.7's `exec/votequorum.c` for one node's view
//! of its partition. The arithmetic (`calculate_quorum`, `are_we_quorate`,
//! `check_auto_tie_breaker`, the last-man-standing timer) follows the C
//! function by function; comments name the function each rule comes from.
//!
//! # Call order (the sans-IO shape of DESIGN.md)
//! - [`Votequorum::new`] with the settings, this node's id and `now`; the
//!   view starts as this node alone.
//! - [`Votequorum::handle_membership`] whenever totem agrees on a new
//!   regular configuration (votequorum's `sync_init` + `sync_activate`).
//! - [`Votequorum::handle_timeout`] once `now` reaches
//!   [`Votequorum::poll_timeout`] (the last-man-standing window).
//! - Drain [`Votequorum::poll_event`] after every input.
//!
//! Time never goes backwards between calls.
//!
//! # What is not modelled
//! Members are assumed to report the same settings as this node and to
//! arrive non-quorate (a fresh node, or one rejoining after a failure): a
//! joiner's expected votes then follow ours (`message_handler_req_exec_
//! votequorum_nodeinfo`: "node->expected_votes = us->expected_votes").
//! Merging two partitions that were both quorate, quorum devices,
//! `allow_downscale`'s leave messages and `corosync-quorumtool -e/-v` are
//! left to the layer that carries votequorum's messages.

mod render;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::time::Duration;

use crate::config::{Config, ExpectedVotes, TieBreaker};
use crate::planted::{PlantedBug, PlantedBugs};
use crate::time::Instant;

pub use render::{render_status, status_exit_code, StatusView};

/// A node id as totem and corosync.conf number it.
pub type NodeId = u32;

/// votequorum's settings, as it runs with them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoteConfig {
    pub expected: ExpectedVotes,
    /// Votes of the configured nodes; any other node has 1.
    pub votes: BTreeMap<NodeId, u32>,
    pub two_node: bool,
    pub wait_for_all: bool,
    pub last_man_standing: bool,
    pub last_man_standing_window: Duration,
    pub auto_tie_breaker: Option<TieBreaker>,
    pub allow_downscale: bool,
}

impl VoteConfig {
    /// The settings of a checked corosync.conf.
    pub fn from_config(c: &Config) -> VoteConfig {
        let q = &c.quorum;
        VoteConfig {
            expected: c.expected_votes(),
            votes: c.nodes.iter().map(|n| (n.nodeid, n.quorum_votes)).collect(),
            two_node: q.two_node,
            wait_for_all: q.wait_for_all,
            last_man_standing: q.last_man_standing,
            last_man_standing_window: Duration::from_millis(q.last_man_standing_window_ms.into()),
            auto_tie_breaker: q.auto_tie_breaker.clone(),
            allow_downscale: q.allow_downscale,
        }
    }

    fn votes_of(&self, node: NodeId) -> u32 {
        self.votes.get(&node).copied().unwrap_or(1)
    }
}

/// What changed, for the layers above (the controller stops resources on
/// `Lost` according to no-quorum-policy).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuorumEvent {
    /// The partition became quorate.
    Gained,
    /// The partition lost quorum.
    Lost,
    /// Expected votes changed (up with new votes, down by LMS).
    ExpectedVotes(u32),
}

/// At most this many events wait between two drains: one membership change
/// or timeout produces at most two.
const MAX_QUEUED_EVENTS: usize = 64;

/// One node's votequorum state. See the module comment for the call order.
#[derive(Debug, Clone)]
pub struct Votequorum {
    config: VoteConfig,
    local: NodeId,
    /// `us->expected_votes`: every member's expected votes in this model.
    expected_votes: u32,
    quorum: u32,
    quorate: bool,
    /// `wait_for_all_status`: still waiting to see all votes together.
    waiting_for_all: bool,
    members: BTreeSet<NodeId>,
    previous_members: BTreeSet<NodeId>,
    /// `lowest_node_id` / `highest_node_id`: taken whenever the partition
    /// is quorate by votes, so after a split they name the old cluster's.
    lowest_node_id: NodeId,
    highest_node_id: NodeId,
    lms_deadline: Option<Instant>,
    events: VecDeque<QuorumEvent>,
    /// Deliberate bugs for the simulator to find (test builds only).
    planted: PlantedBugs,
}

impl Votequorum {
    /// votequorum at start-up (`votequorum_exec_init_fn`): this node alone.
    pub fn new(config: VoteConfig, local: NodeId, _now: Instant) -> Votequorum {
        let own = config.votes_of(local);
        let mut vq = Votequorum {
            expected_votes: config.expected.initial(own),
            waiting_for_all: config.wait_for_all,
            config,
            local,
            quorum: 0,
            quorate: false,
            members: BTreeSet::from([local]),
            previous_members: BTreeSet::new(),
            lowest_node_id: local,
            highest_node_id: local,
            lms_deadline: None,
            events: VecDeque::new(),
            planted: PlantedBugs::NONE,
        };
        vq.recalculate(false, false);
        vq.events.clear();
        vq
    }

    /// Plants deliberate bugs ([`crate::planted`]); only the simulator's
    /// self-test calls this.
    #[cfg(any(test, feature = "planted-bugs"))]
    pub fn plant(&mut self, bugs: PlantedBugs) {
        self.planted = bugs;
    }

    // ---- getters ----

    pub fn is_quorate(&self) -> bool {
        self.quorate
    }
    pub fn quorum(&self) -> u32 {
        self.quorum
    }
    pub fn expected_votes(&self) -> u32 {
        self.expected_votes
    }
    /// Votes of the current members.
    pub fn total_votes(&self) -> u32 {
        let members = self.members.iter();
        // Planted bug: the members that just left still vote.
        let departed = self
            .previous_members
            .difference(&self.members)
            .filter(|_| self.planted.has(PlantedBug::QuorumCountsDeparted));
        members
            .chain(departed)
            .map(|n| self.config.votes_of(*n))
            .fold(0, u32::saturating_add)
    }
    pub fn members(&self) -> &BTreeSet<NodeId> {
        &self.members
    }
    pub fn local(&self) -> NodeId {
        self.local
    }
    pub fn votes_of(&self, node: NodeId) -> u32 {
        self.config.votes_of(node)
    }
    pub fn config(&self) -> &VoteConfig {
        &self.config
    }
    /// Whether the partition still waits for all votes (wait_for_all).
    pub fn is_waiting_for_all(&self) -> bool {
        self.config.wait_for_all && self.waiting_for_all
    }

    // ---- inputs ----

    /// A new agreed membership (`votequorum_sync_init`, then the members'
    /// nodeinfo, then `votequorum_sync_activate`).
    pub fn handle_membership(&mut self, now: Instant, members: &[NodeId]) {
        let new: BTreeSet<NodeId> = members.iter().copied().collect();
        assert!(!new.is_empty(), "a membership holds at least this node");
        let left = self.members.difference(&new).next().is_some();
        if self.config.last_man_standing {
            // `votequorum_sync_init`: arm (or re-arm) the window when nodes
            // left a partition still holding quorum by count, or when ATB
            // may carry a half that holds the old lowest node.
            let count = u32::try_from(new.len()).unwrap_or(u32::MAX);
            let by_count = count >= self.quorum && left;
            let by_atb = count <= self.quorum
                && self.config.auto_tie_breaker.is_some()
                && new.contains(&self.lowest_node_id);
            if by_count || by_atb {
                self.lms_deadline = Some(now + self.config.last_man_standing_window);
            }
        }
        self.previous_members = std::mem::replace(&mut self.members, new);
        self.recalculate(false, false);
    }

    /// Fires the last-man-standing window if it is due
    /// (`votequorum_last_man_standing_timer_fn`).
    pub fn handle_timeout(&mut self, now: Instant) {
        match self.lms_deadline {
            Some(deadline) if deadline <= now => {
                self.lms_deadline = None;
                if self.quorate {
                    self.recalculate(true, true);
                }
            }
            _ => {}
        }
    }

    // ---- outputs ----

    /// The next deadline: the last-man-standing window, when armed.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.lms_deadline
    }

    /// The next event, in the order they happened.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<QuorumEvent> {
        self.events.pop_front()
    }

    // ---- the arithmetic ----

    fn push(&mut self, event: QuorumEvent) {
        self.events.push_back(event);
        assert!(
            self.events.len() <= MAX_QUEUED_EVENTS,
            "votequorum events are not drained"
        );
    }

    fn set_expected(&mut self, expected: u32) {
        if expected != self.expected_votes {
            self.expected_votes = expected;
            self.push(QuorumEvent::ExpectedVotes(expected));
        }
    }

    /// `recalculate_quorum(allow_decrease, by_current_nodes)`.
    fn recalculate(&mut self, allow_decrease: bool, by_current_nodes: bool) {
        let total = self.total_votes();
        let count = u32::try_from(self.members.len()).unwrap_or(u32::MAX);
        // "Keep expected_votes at the highest number of votes in the cluster".
        if total > self.expected_votes {
            self.set_expected(total);
        }
        self.quorum = self.calculate_quorum(
            allow_decrease,
            if by_current_nodes { count } else { 0 },
            total,
        );
        if by_current_nodes {
            // `update_node_expected_votes`: LMS makes the member count the
            // new expected votes.
            self.set_expected(count);
        }
        self.are_we_quorate(total);
    }

    /// `calculate_quorum`: q = max(E/2+1, T/2+1) (the OpenVMS rule), never
    /// lower than before unless allowed, and 1 for two_node with ≤ 2 members.
    fn calculate_quorum(&self, allow_decrease: bool, max_expected: u32, total: u32) -> u32 {
        let highest_expected = if max_expected > 0 {
            max_expected
        } else {
            self.expected_votes
        };
        let mut q = (highest_expected / 2 + 1).max(total / 2 + 1);
        if !allow_decrease {
            q = q.max(self.quorum);
        }
        if self.config.two_node && self.members.len() <= 2 {
            q = 1;
        }
        q
    }

    /// `are_we_quorate`.
    fn are_we_quorate(&mut self, total: u32) {
        if self.config.wait_for_all && self.waiting_for_all {
            if total != self.expected_votes {
                // "Waiting for all cluster members. Current votes: T
                // expected_votes: E" — and the status stays waiting.
                self.set_quorate(false);
                return;
            }
            self.waiting_for_all = false;
        }
        let mut quorate = self.quorum <= total || self.planted.has(PlantedBug::QuorumIgnored);
        if quorate {
            self.lowest_node_id = *self.members.first().expect("never empty");
            self.highest_node_id = *self.members.last().expect("never empty");
        }
        // ATB applies to an exact half (or half − 1 of an odd E) split, and
        // only when the other side cannot hold quorum by itself.
        let left = self
            .previous_members
            .len()
            .saturating_sub(self.members.len());
        if self.config.auto_tie_breaker.is_some()
            && total == self.expected_votes / 2
            && u32::try_from(left).unwrap_or(u32::MAX) < self.quorum
            && self.tie_breaker_is_here()
        {
            quorate = true;
        }
        self.set_quorate(quorate);
        if self.config.wait_for_all {
            self.waiting_for_all = !quorate;
        }
    }

    /// `check_auto_tie_breaker`.
    fn tie_breaker_is_here(&self) -> bool {
        match &self.config.auto_tie_breaker {
            None => false,
            Some(TieBreaker::Lowest) => self.members.contains(&self.lowest_node_id),
            Some(TieBreaker::Highest) => self.members.contains(&self.highest_node_id),
            Some(TieBreaker::List(ids)) => {
                // The first listed node present here decides, unless a node
                // listed before it was in the old partition: that one may be
                // in the other half, so we cannot claim the tie.
                match ids.iter().position(|id| self.members.contains(id)) {
                    None => false,
                    Some(i) => !ids[..i].iter().any(|id| self.previous_members.contains(id)),
                }
            }
        }
    }

    fn set_quorate(&mut self, quorate: bool) {
        if quorate != self.quorate {
            self.quorate = quorate;
            self.push(if quorate {
                QuorumEvent::Gained
            } else {
                QuorumEvent::Lost
            });
        }
    }
}
