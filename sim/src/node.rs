//! What the world runs on each simulated machine.
//!
//! The world speaks to a node only through [`SimNode`], the sans-IO shape of
//! DESIGN.md with world-level input and output kinds. Two kinds exist:
//! [`MembershipNode`] (totem plus votequorum, with an application sending
//! raw messages, for the delivery checkers) and [`ClusterNode`] (core's
//! whole `Node`: CIB replica, DC, executor, fencing), whose agent calls,
//! disk writes and fence requests the world's components serve
//! ([`crate::agents`], [`crate::disk`], [`crate::fencer`]).

use std::collections::VecDeque;

use cohort_core::cib::Cib;
use cohort_core::controller::{
    AdminCommand, AdminReply, ClusterEvent, FenceId, FenceRequest, WriteToken,
};
use cohort_core::executor::{OpId, OpOutcome, OpRequest};
use cohort_core::node::{self, Destination, Node, NodeConfig, RequestId};
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
    /// The application on this node sends a message to the group
    /// (membership nodes only).
    Send { payload: Vec<u8>, safe: bool },
    /// An administrator types a command on this node (cluster nodes only).
    Admin { req: RequestId, cmd: AdminCommand },
    /// An [`NodeOutput::Exec`] finished (a recurring monitor: one run).
    OpDone { op: OpId, outcome: OpOutcome },
    /// A [`NodeOutput::WriteDisk`] is durable.
    DiskDone { token: WriteToken },
    /// A [`NodeOutput::Fence`] finished.
    FenceDone { id: FenceId, ok: bool },
    /// `crm cluster stop` on this node (cluster nodes only).
    Shutdown,
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
    /// Run a resource agent action (repeatedly when `interval_ms` > 0).
    Exec(OpRequest),
    /// Stop an op: a recurring monitor stops repeating.
    Cancel(OpId),
    Fence(FenceRequest),
    /// A clean shutdown finished: the node's process stops (the machine
    /// and whatever still runs on it stay up).
    Exit,
    WriteDisk {
        key: String,
        bytes: Vec<u8>,
        token: WriteToken,
    },
    Reply {
        req: RequestId,
        reply: AdminReply,
    },
    /// Anything else the cluster node reports (DC, transitions, actions).
    Event(ClusterEvent),
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
    /// The highest ring seq this node has seen: kept across a restart, as
    /// cohortd keeps it on disk (written before anything is sent in a
    /// new ring), so a restarted node never numbers a ring it knew.
    fn max_ring_seq(&self) -> u64;
    /// The whole cluster node, for checkers that read its CIB or DC.
    fn cluster(&self) -> Option<&Node> {
        None
    }
}

/// How to build a node; the world calls it at every (re)start.
#[derive(Debug, Clone)]
pub enum NodeKind {
    /// Totem and votequorum only (what exists of a node today).
    Membership {
        totem: TotemConfig,
        votes: VoteConfig,
    },
    /// core's whole cluster node; `uname` is `node<ID>`.
    Cluster {
        totem: TotemConfig,
        votes: VoteConfig,
        /// The nodelist's members (empty with multicast discovery).
        peers: Vec<(NodeId, String)>,
    },
}

/// The name a simulated node has in the CIB.
pub fn uname_of(id: NodeId) -> String {
    format!("node{id}")
}

/// The node id a simulated node's name stands for.
pub fn id_of_uname(uname: &str) -> Option<NodeId> {
    uname.strip_prefix("node")?.parse().ok()
}

impl NodeKind {
    /// A node starting with `persisted` (the CIB its disk durably holds;
    /// a membership node keeps nothing) and `ring_seq_floor` (the highest
    /// ring seq it saw before) at wall-clock `epoch_s`.
    #[allow(clippy::too_many_arguments)]
    pub fn start(
        &self,
        id: NodeId,
        now: Instant,
        seed: u64,
        planted: PlantedBugs,
        persisted: Option<Cib>,
        ring_seq_floor: u64,
        epoch_s: i64,
    ) -> Box<dyn SimNode> {
        match self {
            NodeKind::Cluster {
                totem,
                votes,
                peers,
            } => {
                #[cfg(not(feature = "planted-bugs"))]
                assert!(
                    planted.is_empty(),
                    "planted bugs need the planted-bugs feature"
                );
                let config = NodeConfig {
                    node_id: id,
                    uname: uname_of(id),
                    totem: TotemConfig {
                        ring_seq_floor,
                        ..totem.clone()
                    },
                    votes: votes.clone(),
                    cib: persisted,
                    peers: peers.clone(),
                    epoch_at_start_s: epoch_s,
                    max_message_bytes: cohort_core::node::DEFAULT_MAX_MESSAGE_BYTES,
                };
                #[cfg_attr(not(feature = "planted-bugs"), allow(unused_mut))]
                let mut node = ClusterNode::new(config, now, seed);
                #[cfg(feature = "planted-bugs")]
                node.node.plant(planted);
                Box::new(node)
            }
            NodeKind::Membership { totem, votes } => Box::new(MembershipNode::new(
                TotemConfig {
                    ring_seq_floor,
                    ..totem.clone()
                },
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
            // No controller, executor or disk: nothing asks for these.
            NodeInput::Admin { .. }
            | NodeInput::OpDone { .. }
            | NodeInput::DiskDone { .. }
            | NodeInput::FenceDone { .. }
            | NodeInput::Shutdown => {}
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

    fn max_ring_seq(&self) -> u64 {
        self.totem.max_ring_seq()
    }
}

/// core's cluster node. Its regular views and quorum verdicts are reported
/// as [`NodeOutput::View`] and [`NodeOutput::Quorum`] too, so the quorum
/// and ring checkers judge it as they judge a membership node.
#[derive(Debug)]
pub struct ClusterNode {
    node: Node,
    ring_id: RingId,
    outputs: VecDeque<NodeOutput>,
}

impl ClusterNode {
    pub fn new(config: NodeConfig, now: Instant, seed: u64) -> ClusterNode {
        let mut n = ClusterNode {
            node: Node::new(config, now, seed),
            ring_id: RingId::default(),
            outputs: VecDeque::new(),
        };
        n.pump();
        n
    }

    fn pump(&mut self) {
        while let Some(out) = self.node.poll_output() {
            match out {
                node::Output::Send {
                    to: Destination::Group,
                    bytes,
                } => self.push(NodeOutput::Multicast(bytes)),
                node::Output::Send {
                    to: Destination::Node(to),
                    bytes,
                } => self.push(NodeOutput::Unicast { to, bytes }),
                node::Output::Exec(req) => self.push(NodeOutput::Exec(req)),
                node::Output::Cancel(op) => self.push(NodeOutput::Cancel(op)),
                node::Output::Fence(req) => self.push(NodeOutput::Fence(req)),
                node::Output::Exit => self.push(NodeOutput::Exit),
                node::Output::WriteDisk { key, bytes, token } => {
                    self.push(NodeOutput::WriteDisk { key, bytes, token })
                }
                node::Output::Reply { req, reply } => self.push(NodeOutput::Reply { req, reply }),
                node::Output::Event(ClusterEvent::ViewChanged {
                    ring_id, members, ..
                }) => {
                    self.ring_id = ring_id;
                    self.push(NodeOutput::View {
                        ring_id,
                        members: members.clone(),
                        transitional: false,
                    });
                    self.push(NodeOutput::Quorum {
                        quorate: self.node.is_quorate(),
                        members,
                    });
                }
                node::Output::Event(ClusterEvent::QuorumChanged { quorate }) => {
                    self.push(NodeOutput::Quorum {
                        quorate,
                        members: self.node.members().to_vec(),
                    })
                }
                node::Output::Event(e) => self.push(NodeOutput::Event(e)),
            }
        }
    }

    fn push(&mut self, output: NodeOutput) {
        self.outputs.push_back(output);
        assert!(
            self.outputs.len() <= node::MAX_QUEUED_OUTPUTS,
            "node outputs not drained"
        );
    }
}

impl SimNode for ClusterNode {
    fn handle(&mut self, now: Instant, input: NodeInput) {
        let input = match input {
            NodeInput::Datagram { from, bytes } => node::Input::Datagram { from, bytes },
            NodeInput::Timeout => node::Input::Timeout,
            // A cluster node's messages are its controller's.
            NodeInput::Send { .. } => return,
            NodeInput::Admin { req, cmd } => node::Input::Admin { req, cmd },
            NodeInput::OpDone { op, outcome } => node::Input::OpDone { op, outcome },
            NodeInput::DiskDone { token } => node::Input::DiskDone { token },
            NodeInput::FenceDone { id, ok } => node::Input::FenceDone { id, ok },
            NodeInput::Shutdown => node::Input::Shutdown,
        };
        self.node.handle(now, input);
        self.pump();
    }

    fn poll_output(&mut self) -> Option<NodeOutput> {
        self.outputs.pop_front()
    }

    fn poll_timeout(&self) -> Option<Instant> {
        self.node.poll_timeout()
    }

    fn status(&self) -> NodeStatus {
        let members = self.node.members().to_vec();
        NodeStatus {
            ring_id: self.ring_id,
            // Operational once the view's CIB sync is done: the
            // controller is what acts, and it acts from then on.
            operational: self.node.controller().is_synced() && members.contains(&self.node.id()),
            quorate: self.node.is_quorate(),
            quorum_members: members.clone(),
            members,
            pending_sends: 0,
        }
    }

    fn max_ring_seq(&self) -> u64 {
        self.node.totem().max_ring_seq()
    }

    fn cluster(&self) -> Option<&Node> {
        Some(&self.node)
    }
}
