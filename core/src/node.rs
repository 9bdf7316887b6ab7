//! A cohort cluster node: totem, votequorum, the CIB replica, the controller
//! (DC role included) and the local executor behind one sans-IO contract.
//!
//! Nothing here reaches a socket, a process or a disk: datagrams, agent
//! calls, disk writes and admin replies leave as [`Output`]s; their
//! completions come back as [`Input`]s.

#[cfg(any(test, feature = "testgen"))]
pub mod harness;
#[cfg(test)]
mod tests;

use std::collections::VecDeque;

use crate::cib::Cib;
use crate::controller::{
    AdminCommand, AdminReply, ClusterEvent, Controller, Effect, FenceId, FenceRequest, QuorumState,
    WriteToken, MAX_QUEUED_EFFECTS,
};
use crate::executor::{OpId, OpOutcome, OpRequest};
use crate::quorum::{QuorumEvent, VoteConfig, Votequorum};
use crate::time::Instant;
use crate::totem::fragment::Fragmenter;
pub use crate::totem::fragment::DEFAULT_MAX_MESSAGE_BYTES;
use crate::totem::{self, NodeId, Totem, TotemConfig, TotemEvent};

/// Most outputs queued between two drains: one input's worth of totem
/// outputs plus the controller's effects.
pub const MAX_QUEUED_OUTPUTS: usize = totem::MAX_QUEUED_OUTPUTS + MAX_QUEUED_EFFECTS;

/// What a node runs with.
#[derive(Debug, Clone)]
pub struct NodeConfig {
    pub node_id: NodeId,
    /// The node's name (`uname`), as the CIB and crm commands name it.
    pub uname: String,
    pub totem: TotemConfig,
    pub votes: VoteConfig,
    /// The CIB the runtime read from disk at start (None: a fresh node).
    pub cib: Option<Cib>,
    /// The cluster's members as corosync's nodelist names them (id, name);
    /// empty when members find each other by multicast. They enter the
    /// CIB's `<nodes>` at start, so a peer that never joins is still known
    /// (with fencing, it is fenced before anything starts).
    pub peers: Vec<(NodeId, String)>,
    /// Wall-clock epoch seconds at the `now` given to [`Node::new`]: the
    /// node reckons `last-rc-change`, `last-failure` and failure-timeout
    /// from it and its monotonic clock, so core never reads a clock.
    pub epoch_at_start_s: i64,
    /// The largest controller message (a CIB sync, a configuration
    /// change): larger ones travel in fragments (see
    /// [`crate::totem::fragment`]); [`DEFAULT_MAX_MESSAGE_BYTES`] unless set.
    pub max_message_bytes: usize,
}

/// Names an admin request; its [`Output::Reply`] carries it back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RequestId(pub u64);

/// Where a datagram goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Destination {
    /// Every other node on the group (multicast).
    Group,
    Node(NodeId),
}

/// One input to [`Node::handle`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A datagram as received; `from` when the transport knows the sender.
    Datagram {
        from: Option<NodeId>,
        bytes: Vec<u8>,
    },
    /// `now` reached [`Node::poll_timeout`].
    Timeout,
    /// An administrator's command typed on this node.
    Admin { req: RequestId, cmd: AdminCommand },
    /// An [`Output::Exec`] finished.
    OpDone { op: OpId, outcome: OpOutcome },
    /// An [`Output::WriteDisk`] is durable (written and synced).
    DiskDone { token: WriteToken },
    /// An [`Output::Fence`] finished: `ok` when the target is certainly
    /// down (powered off, or rebooted and so without its old state).
    FenceDone { id: FenceId, ok: bool },
    /// The administrator stops the cluster on this node (`crm cluster
    /// stop`): its resources move away, then [`Output::Exit`] says it may
    /// leave, and the others do not fence it.
    Shutdown,
}

/// One effect of the node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    Send {
        to: Destination,
        bytes: Vec<u8>,
    },
    /// Run a resource agent action; answer with [`Input::OpDone`].
    Exec(OpRequest),
    /// Stop an op in flight (a recurring monitor).
    Cancel(OpId),
    /// Power a node off or reboot it through a stonith device; answer with
    /// [`Input::FenceDone`].
    Fence(FenceRequest),
    /// Write `bytes` under `key` atomically and durably; answer with
    /// [`Input::DiskDone`].
    WriteDisk {
        key: String,
        bytes: Vec<u8>,
        token: WriteToken,
    },
    /// The answer to [`Input::Admin`], sent only once the change is durable
    /// here.
    Reply {
        req: RequestId,
        reply: AdminReply,
    },
    Event(ClusterEvent),
    /// After [`Input::Shutdown`]: the resources here are stopped and every
    /// member agreed that this node leaves cleanly; stop the node.
    Exit,
}

/// One cluster node.
///
/// # Call order
/// - [`Node::new`] with the configuration, `now` and a seed.
/// - [`Node::handle`] for every input: datagrams, due timeouts, admin
///   commands, op and disk completions.
/// - After every `handle` (and after `new`), drain [`Node::poll_output`]
///   until `None`, then sleep until [`Node::poll_timeout`] and call
///   `handle(now, Input::Timeout)`.
/// - Getters ([`Node::cib`], [`Node::dc`], ...) any time between calls.
///
/// Time never goes backwards between calls (asserted). The outputs depend
/// only on the inputs, their times and the seed.
#[derive(Debug, Clone)]
pub struct Node {
    id: NodeId,
    now: Instant,
    totem: Totem,
    quorum: Votequorum,
    controller: Controller,
    /// Controller messages in and out of totem, cut to size.
    fragments: Fragmenter,
    outputs: VecDeque<Output>,
}

impl Node {
    pub fn new(config: NodeConfig, now: Instant, seed: u64) -> Node {
        let id = config.node_id;
        let mut node = Node {
            id,
            now,
            totem: Totem::new(config.totem, id, now, seed),
            quorum: Votequorum::new(config.votes, id, now),
            controller: Controller::new(
                id,
                &config.uname,
                config.cib,
                now,
                config.epoch_at_start_s,
            ),
            fragments: Fragmenter::new(id, config.max_message_bytes),
            outputs: VecDeque::new(),
        };
        node.controller.know_peers(&config.peers);
        node.pump();
        node
    }

    // ---- getters ----

    pub fn id(&self) -> NodeId {
        self.id
    }

    /// This node's replica of the CIB (configuration and derived status).
    /// `crm_mon -1 -r` of this node's replica, as `cohort status` on this
    /// node prints it ("Last updated" at the node's own clock).
    pub fn status_text(&self) -> String {
        crate::mon::oneshot::render(
            self.cib(),
            crate::mon::oneshot::OneShot {
                options: crate::mon::Options { inactive: true },
                now_s: Some(self.controller.epoch_s()),
                failures: true,
            },
        )
    }

    pub fn cib(&self) -> &Cib {
        self.controller.cib()
    }

    /// The DC of the current view, once its sync completed.
    pub fn dc(&self) -> Option<NodeId> {
        self.controller.dc()
    }

    pub fn is_quorate(&self) -> bool {
        self.quorum.is_quorate()
    }

    /// Members of the ring totem runs in.
    pub fn members(&self) -> &[NodeId] {
        self.totem.members()
    }

    pub fn controller(&self) -> &Controller {
        &self.controller
    }

    /// The ring protocol: its ring id, phase and drop counters (`cohort
    /// ring`), and the highest ring seq to keep on disk.
    pub fn totem(&self) -> &Totem {
        &self.totem
    }

    /// votequorum: votes and expected votes (`cohort quorum`).
    pub fn quorum(&self) -> &Votequorum {
        &self.quorum
    }

    // ---- inputs ----

    /// Feeds one input. Drain [`Node::poll_output`] afterwards.
    /// Plants deliberate bugs ([`crate::planted`]) in totem and votequorum;
    /// only the simulator's test builds can.
    #[cfg(any(test, feature = "planted-bugs"))]
    pub fn plant(&mut self, bugs: crate::planted::PlantedBugs) {
        self.totem.plant(bugs);
        self.quorum.plant(bugs);
    }

    pub fn handle(&mut self, now: Instant, input: Input) {
        assert!(now >= self.now, "time went backwards: {now} < {}", self.now);
        self.now = now;
        match input {
            Input::Datagram { from, bytes } => self
                .totem
                .handle(now, totem::Input::Datagram { from, bytes }),
            Input::Timeout => {
                self.totem.handle(now, totem::Input::Timeout);
                if self.quorum.poll_timeout().is_some_and(|t| t <= now) {
                    self.quorum.handle_timeout(now);
                }
                if self.controller.poll_timeout().is_some_and(|t| t <= now) {
                    self.controller.handle_timeout(now);
                }
            }
            Input::Admin { req, cmd } => self.controller.handle_admin(now, req.0, cmd),
            Input::OpDone { op, outcome } => self.controller.handle_op_done(now, op, &outcome),
            Input::DiskDone { token } => self.controller.handle_disk_done(now, token),
            Input::FenceDone { id, ok } => self.controller.handle_fence_done(now, id, ok),
            Input::Shutdown => self.controller.handle_shutdown(now),
        }
        self.pump();
    }

    /// Moves everything the layers have to say until all are quiet:
    /// totem's deliveries feed the controller, whose broadcasts feed totem.
    fn pump(&mut self) {
        loop {
            let mut busy = false;
            while let Some(out) = self.totem.poll_output() {
                busy = true;
                self.on_totem(out);
            }
            while let Some(e) = self.quorum.poll_event() {
                busy = true;
                self.on_quorum(e);
            }
            while let Some(effect) = self.controller.poll_effect() {
                busy = true;
                self.on_effect(effect);
            }
            while let Some(piece) = self.fragments.next_piece(self.totem.pending_sends()) {
                busy = true;
                self.totem.handle(
                    self.now,
                    totem::Input::Send {
                        payload: piece,
                        safe: true,
                    },
                );
            }
            if !busy {
                break;
            }
        }
        assert!(
            self.outputs.len() <= MAX_QUEUED_OUTPUTS,
            "output queue bound exceeded: outputs not drained"
        );
    }

    fn on_totem(&mut self, out: totem::Output) {
        match out {
            totem::Output::Multicast(bytes) => self.emit(Output::Send {
                to: Destination::Group,
                bytes,
            }),
            totem::Output::Unicast { to, bytes } => self.emit(Output::Send {
                to: Destination::Node(to),
                bytes,
            }),
            totem::Output::Deliver {
                sender, payload, ..
            } => match self.fragments.deliver(sender, &payload) {
                Ok(Some(whole)) => self.controller.handle_deliver(self.now, sender, &whole),
                Ok(None) => {}
                Err(reason) => self.emit(Output::Event(ClusterEvent::MessageDropped {
                    reason: format!("from {sender}: {reason}"),
                })),
            },
            totem::Output::Event(TotemEvent::ViewChanged {
                ring_id,
                members,
                left,
                joined,
                transitional: false,
            }) => {
                // Messages still in fragments are dropped at every member
                // alike; ours go again in this view, and what was queued
                // for the old view only is not sent at all.
                self.fragments.regular_view();
                self.quorum.handle_membership(self.now, &members);
                while let Some(e) = self.quorum.poll_event() {
                    self.on_quorum(e);
                }
                // The verdict itself, not only its changes: votequorum
                // reports none for a state it started in.
                self.controller.handle_quorum(self.now, self.quorum_state());
                self.controller
                    .handle_view(self.now, ring_id, &members, &joined, &left);
            }
            // The old ring's last messages follow a transitional view: the
            // controller keeps its view, but knows they reach only these
            // members.
            totem::Output::Event(TotemEvent::ViewChanged {
                members,
                transitional: true,
                ..
            }) => self.controller.handle_transitional(self.now, &members),
            totem::Output::Event(TotemEvent::SendRejected { len_bytes, reason }) => {
                self.emit(Output::Event(ClusterEvent::MessageDropped {
                    reason: format!("totem refused a {len_bytes}-byte message: {reason}"),
                }))
            }
        }
    }

    fn quorum_state(&self) -> QuorumState {
        let q = &self.quorum;
        QuorumState {
            quorate: q.is_quorate(),
            majority: 2 * u64::from(q.total_votes()) > u64::from(q.expected_votes()),
        }
    }

    fn on_quorum(&mut self, e: QuorumEvent) {
        match e {
            QuorumEvent::Gained | QuorumEvent::Lost | QuorumEvent::ExpectedVotes(_) => {
                self.controller.handle_quorum(self.now, self.quorum_state())
            }
        }
    }

    fn on_effect(&mut self, effect: Effect) {
        match effect {
            Effect::Broadcast {
                payload,
                view_scoped,
            } => {
                if let Err(len) = self.fragments.send(payload, view_scoped) {
                    self.emit(Output::Event(ClusterEvent::MessageDropped {
                        reason: format!(
                            "a {len}-byte message is over the bound or the queue is full"
                        ),
                    }));
                }
            }
            Effect::Exec(req) => self.emit(Output::Exec(req)),
            Effect::Cancel(op) => self.emit(Output::Cancel(op)),
            Effect::Fence(req) => self.emit(Output::Fence(req)),
            Effect::Write(w) => self.emit(Output::WriteDisk {
                key: w.key,
                bytes: w.bytes,
                token: w.token,
            }),
            Effect::Reply { req, reply } => self.emit(Output::Reply {
                req: RequestId(req),
                reply,
            }),
            Effect::Event(e) => self.emit(Output::Event(e)),
            Effect::Exit => self.emit(Output::Exit),
        }
    }

    fn emit(&mut self, out: Output) {
        self.outputs.push_back(out);
    }

    // ---- outputs ----

    /// The next effect, if any. Drain after every [`Node::handle`].
    #[must_use]
    pub fn poll_output(&mut self) -> Option<Output> {
        self.outputs.pop_front()
    }

    /// When to call `handle(Input::Timeout)` next.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        [
            self.totem.poll_timeout(),
            self.quorum.poll_timeout(),
            self.controller.poll_timeout(),
        ]
        .into_iter()
        .flatten()
        .min()
    }
}
