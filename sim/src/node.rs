//! What the world runs on each simulated machine.
//!
//! The world speaks to a node only through [`SimNode`], the sans-IO shape of
//! DESIGN.md with world-level input and output kinds. Today the one node
//! kind is [`MembershipNode`]: totem plus votequorum, which is everything of
//! a cohort node that exists. The cluster node of issue 6 (core's `Node`:
//! CIB, DC, executor, fencing) will be a second implementation; its extra
//! effects (`Exec`, `Fence`, `WriteDisk`) and completions (`OpDone`,
//! `FenceDone`, `DiskDone`) become new variants of [`NodeOutput`] and
//! [`NodeInput`], served by world components (agents, fence devices,
//! disks) that do not exist yet because nothing would exercise them.

use std::collections::VecDeque;

use cohort_core::planted::PlantedBugs;
use cohort_core::quorum::{QuorumEvent, VoteConfig, Votequorum};
use cohort_core::time::Instant;
use cohort_core::totem::{self, NodeId, RingId, Totem, TotemConfig, TotemEvent};

/// Most outputs a node may queue between two drains: one input's worth of
/// totem outputs plus the quorum events they cause.
pub const MAX_QUEUED_OUTPUTS: usize = totem::MAX_QUEUED_OUTPUTS + 64;

/// One input from the world.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NodeInput {
    /// A datagram off the network; `from` when the transport knows the
    /// sender (a node list), None with multicast discovery.
    Datagram {
        from: Option<NodeId>,
        bytes: Vec<u8>,
    },
    /// The node's clock reached [`SimNode::poll_timeout`].
    Timeout,
    /// The application on this node sends a message to the group.
    Send { payload: Vec<u8>, safe: bool },
}

/// One effect for the world.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NodeOutput {
    /// To every other node on the group.
    Multicast(Vec<u8>),
    Unicast {
        to: NodeId,
        bytes: Vec<u8>,
    },
    /// An application message delivered in agreed order.
    Deliver {
        sender: NodeId,
        payload: Vec<u8>,
        ring_id: RingId,
        seq: u64,
        safe: bool,
    },
    /// A configuration change (transitional first, then regular).
    View {
        ring_id: RingId,
        members: Vec<NodeId>,
        transitional: bool,
    },
    /// Quorum changed (or the membership it is judged on).
    Quorum {
        quorate: bool,
        members: Vec<NodeId>,
    },
    /// The last [`NodeInput::Send`] was refused.
    SendRejected,
}

/// What the checkers may look at inside a node, between inputs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeStatus {
    pub ring_id: RingId,
    /// Members of the last installed ring.
    pub members: Vec<NodeId>,
    pub operational: bool,
    pub quorate: bool,
    /// The membership quorum is judged on.
    pub quorum_members: Vec<NodeId>,
    /// Application messages not yet sent to the ring.
    pub pending_sends: usize,
}

/// A simulated machine's software, behind the sans-IO contract: after every
/// `handle`, the world drains `poll_output`, then sleeps until
/// `poll_timeout` (on the node's own clock).
pub trait SimNode {
    fn handle(&mut self, now: Instant, input: NodeInput);
    #[must_use]
    fn poll_output(&mut self) -> Option<NodeOutput>;
    #[must_use]
    fn poll_timeout(&self) -> Option<Instant>;
    fn status(&self) -> NodeStatus;
}

/// How to build a node; the world calls it at every (re)start.
#[derive(Debug, Clone)]
pub enum NodeKind {
    /// Totem and votequorum only (what exists of a node today).
    Membership {
        totem: TotemConfig,
        votes: VoteConfig,
    },
}

impl NodeKind {
    /// A fresh node: nothing survives a crash (no disk state is modelled
    /// yet, so nothing is lost either).
    pub fn start(
        &self,
        id: NodeId,
        now: Instant,
        seed: u64,
        planted: PlantedBugs,
    ) -> Box<dyn SimNode> {
        match self {
            NodeKind::Membership { totem, votes } => Box::new(MembershipNode::new(
                totem.clone(),
                votes.clone(),
                id,
                now,
                seed,
                planted,
            )),
        }
    }
}

/// Totem with votequorum on top: a regular view from totem is the
/// membership votequorum judges.
#[derive(Debug)]
pub struct MembershipNode {
    totem: Totem,
    quorum: Votequorum,
    outputs: VecDeque<NodeOutput>,
}

impl MembershipNode {
    pub fn new(
        totem: TotemConfig,
        votes: VoteConfig,
        id: NodeId,
        now: Instant,
        seed: u64,
        planted: PlantedBugs,
    ) -> MembershipNode {
        #[allow(unused_mut)]
        let mut quorum = Votequorum::new(votes, id, now);
        #[cfg(feature = "planted-bugs")]
        quorum.plant(planted);
        #[cfg(not(feature = "planted-bugs"))]
        assert!(
            planted.is_empty(),
            "planted bugs need the planted-bugs feature"
        );
        #[allow(unused_mut)]
        let mut totem = Totem::new(totem, id, now, seed);
        #[cfg(feature = "planted-bugs")]
        totem.plant(planted);
        let mut node = MembershipNode {
            totem,
            quorum,
            outputs: VecDeque::new(),
        };
        node.pump(now);
        node
    }

    /// Moves totem's outputs (and the quorum changes they cause) to ours.
    fn pump(&mut self, now: Instant) {
        while let Some(out) = self.totem.poll_output() {
            let mapped = match out {
                totem::Output::Multicast(bytes) => NodeOutput::Multicast(bytes),
                totem::Output::Unicast { to, bytes } => NodeOutput::Unicast { to, bytes },
                totem::Output::Deliver {
                    sender,
                    payload,
                    ring_id,
                    seq,
                    safe,
                } => NodeOutput::Deliver {
                    sender,
                    payload,
                    ring_id,
                    seq,
                    safe,
                },
                totem::Output::Event(TotemEvent::ViewChanged {
                    ring_id,
                    members,
                    transitional,
                    ..
                }) => {
                    if !transitional {
                        self.quorum.handle_membership(now, &members);
                    }
                    NodeOutput::View {
                        ring_id,
                        members,
                        transitional,
                    }
                }
                totem::Output::Event(TotemEvent::SendRejected { .. }) => NodeOutput::SendRejected,
            };
            let view = matches!(
                mapped,
                NodeOutput::View {
                    transitional: false,
                    ..
                }
            );
            self.push(mapped);
            if view {
                self.pump_quorum(true);
            }
        }
        self.pump_quorum(false);
    }

    /// Reports quorum after a change; after a regular view always, so the
    /// checkers know which membership the verdict stands on.
    fn pump_quorum(&mut self, after_view: bool) {
        let mut changed = after_view;
        while let Some(event) = self.quorum.poll_event() {
            changed |= matches!(event, QuorumEvent::Gained | QuorumEvent::Lost);
        }
        if changed {
            let members = self.quorum.members().iter().copied().collect();
            self.push(NodeOutput::Quorum {
                quorate: self.quorum.is_quorate(),
                members,
            });
        }
    }

    fn push(&mut self, output: NodeOutput) {
        self.outputs.push_back(output);
        assert!(
            self.outputs.len() <= MAX_QUEUED_OUTPUTS,
            "node outputs not drained"
        );
    }
}

impl SimNode for MembershipNode {
    fn handle(&mut self, now: Instant, input: NodeInput) {
        match input {
            NodeInput::Datagram { from, bytes } => self
                .totem
                .handle(now, totem::Input::Datagram { from, bytes }),
            NodeInput::Timeout => {
                self.totem.handle(now, totem::Input::Timeout);
                self.quorum.handle_timeout(now);
            }
            NodeInput::Send { payload, safe } => {
                self.totem.handle(now, totem::Input::Send { payload, safe })
            }
        }
        self.pump(now);
    }

    fn poll_output(&mut self) -> Option<NodeOutput> {
        self.outputs.pop_front()
    }

    fn poll_timeout(&self) -> Option<Instant> {
        let totem = self.totem.poll_timeout();
        let quorum = self.quorum.poll_timeout();
        totem.into_iter().chain(quorum).min()
    }

    fn status(&self) -> NodeStatus {
        NodeStatus {
            ring_id: self.totem.ring_id(),
            members: self.totem.members().to_vec(),
            operational: self.totem.is_operational(),
            quorate: self.quorum.is_quorate(),
            quorum_members: self.quorum.members().iter().copied().collect(),
            pending_sends: self.totem.pending_sends(),
        }
    }
}
