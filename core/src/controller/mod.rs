//! The controller: this node's CIB replica, the DC role when the agreed view
//! makes this node DC, and the local executor, over controller messages
//! that travel through totem with safe delivery.
//!
//! # Call order (sans-IO, like every layer)
//! - every `handle_*` takes `now`; time never goes backwards (asserted);
//! - [`Controller::handle_view`] for every regular view (after telling it
//!   the quorum verdict through [`Controller::handle_quorum`]);
//! - [`Controller::handle_transitional`] when totem installs a transitional
//!   configuration (the old ring's last messages follow it);
//! - [`Controller::handle_deliver`] for every totem delivery, in order;
//! - [`Controller::handle_admin`], [`Controller::handle_op_done`],
//!   [`Controller::handle_disk_done`], [`Controller::handle_fence_done`] as
//!   those inputs arrive;
//! - [`Controller::handle_timeout`] once `now` reaches
//!   [`Controller::poll_timeout`];
//! - after each, drain [`Controller::poll_effect`] until `None`.
//!
//! # How a view settles (the sync)
//! 1. At a regular view every member broadcasts a [`Hello`]: its CIB
//!    version, the DC it knew and its own op history.
//! 2. When every member's hello is delivered, every member knows the same
//!    winner: the highest `(admin_epoch, epoch, num_updates)`, ties to the
//!    lowest node id. The winner broadcasts its configuration ([`Message::Sync`]).
//! 3. On that sync every member adopts the configuration, adds new members to
//!    `<nodes>`, derives the status section from the hellos, picks the DC
//!    ([`dc`]) and applies the messages it held back meanwhile, in order.
//!
//! Admin changes, actions and results delivered while a sync is open are
//! held back and applied after it, so they land on the agreed copy. A sync
//! cut short by another view change loses the held-back messages; this
//! node's own admin requests among them are answered [`AdminError::Retry`].
//! So is a request applied here but not yet durable when a sync adopts
//! another member's configuration (the change may be gone with it).
//!
//! # The rest of the DC's work, by file
//! - `run`: schedule (at this node's epoch seconds, so failure-timeout
//!   expires), dispatch, collect results, abort; [`timer`]: recheck at the
//!   earliest failure expiry or cluster-recheck-interval, action timeouts
//!   (timeout + cluster-delay), fence retries and split delays; a node
//!   that just started waits up to dc-deadtime for peers nobody knows.
//! - [`fencing`]: device and fencing node, retries, the two-node split rule.
//! - [`attrs`]: fail-counts and last-failure times, counted by every
//!   replica from the op results in agreed order.

pub mod admin;
mod apply;
pub mod attrs;
pub mod dc;
pub mod event;
pub mod fence;
pub mod fencing;
pub mod message;
pub mod replica;
mod run;
pub mod status;
mod sync;
pub mod timer;
pub mod transition;
pub mod work;
pub mod writes;

use std::collections::{BTreeMap, VecDeque};

use crate::cib::{Cib, Version};
use crate::executor::{Executor, OpId, OpOutcome, OpRequest};
use crate::time::Instant;
use crate::totem::{NodeId, RingId};
use crate::wire::{decode_message, encode_payload};

pub use admin::{AdminCommand, AdminError, AdminReply};
pub use event::ClusterEvent;
pub use fence::{FenceId, FenceRequest};
pub use message::{ActionTag, Hello, Message, TransitionId};
pub use replica::{Write, WriteToken};
pub use writes::QuorumState;

use status::{History, Membership};
use timer::{Clock, Timer, Timers};
use transition::Run;

/// Most admin requests of this node waiting for their answer.
pub const MAX_PENDING_REQUESTS: usize = 64;
/// Most messages held back during one sync.
pub const MAX_HELD_MESSAGES: usize = 4096;
/// Most effects queued between two drains.
pub const MAX_QUEUED_EFFECTS: usize = 16 * 1024;
/// Transitions one change may chain (each started because the previous one
/// completed) before the DC stops and waits for a new change: a policy that
/// keeps asking for the same action must not spin the cluster.
pub const MAX_CHAINED_TRANSITIONS: u32 = 32;

/// One effect of the controller; the node turns them into outputs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// To every member, in agreed order (safe delivery); `view_scoped`:
    /// worthless once a new view is installed
    /// ([`message::Message::outlives_its_view`]).
    Broadcast {
        payload: Vec<u8>,
        view_scoped: bool,
    },
    Exec(OpRequest),
    Cancel(OpId),
    /// Fence a node (see [`fence`]).
    Fence(FenceRequest),
    Write(Write),
    Reply {
        req: u64,
        reply: AdminReply,
    },
    Event(ClusterEvent),
    /// The DC's shutdown action for this node was agreed: stop the node.
    Exit,
}

/// An admin request of this node, until answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pending {
    /// Sent to the ring, not delivered yet.
    Sent,
    /// Applied; answered once this version is durable.
    Durable(Version),
}

/// A sync in progress (see the module comment).
#[derive(Debug, Clone)]
struct Syncing {
    ring: RingId,
    hellos: BTreeMap<NodeId, Hello>,
    winner: Option<NodeId>,
    held: Vec<(NodeId, Message)>,
}

/// One node's controller.
#[derive(Debug, Clone)]
pub struct Controller {
    id: NodeId,
    uname: String,
    replica: replica::Replica,
    executor: Executor<Option<ActionTag>>,
    members: Vec<NodeId>,
    /// None once the view's sync completed.
    sync: Option<Syncing>,
    /// The view whose sync completed here (None while one is open).
    view_ring: Option<RingId>,
    view: Membership,
    /// Members of the last view whose sync completed here.
    last_members: Vec<NodeId>,
    histories: BTreeMap<NodeId, History>,
    /// Every member's transient attributes (fail-counts), in agreed order.
    node_attrs: BTreeMap<NodeId, attrs::Attrs>,
    dc: Option<NodeId>,
    /// This node's quorum verdict.
    quorum: QuorumState,
    /// Every member's verdict as agreed (see [`writes`]).
    verdicts: writes::Verdicts,
    /// Totem is delivering the old ring's last messages in a transitional
    /// configuration: they reach only its members (see [`writes`]).
    transitional: bool,
    run: Option<Run>,
    next_transition: u64,
    chained: u32,
    pending: BTreeMap<u64, Pending>,
    effects: VecDeque<Effect>,
    clock: Clock,
    timers: Timers,
    /// Fence requests of this node, until they finish.
    fences: BTreeMap<FenceId, fencing::InFlight>,
    next_fence: u64,
}

impl Controller {
    /// `persisted`: the CIB the runtime read from disk, if any;
    /// `epoch_at_start_s`: wall-clock epoch seconds at `now`.
    pub fn new(
        id: NodeId,
        uname: &str,
        persisted: Option<Cib>,
        now: Instant,
        epoch_at_start_s: i64,
    ) -> Controller {
        Controller {
            id,
            uname: uname.to_string(),
            replica: replica::Replica::new(persisted),
            executor: Executor::default(),
            members: vec![id],
            view_ring: None,
            sync: Some(Syncing {
                ring: RingId::default(),
                hellos: BTreeMap::new(),
                winner: None,
                held: Vec::new(),
            }),
            view: Membership::default(),
            last_members: Vec::new(),
            histories: BTreeMap::new(),
            node_attrs: BTreeMap::new(),
            dc: None,
            quorum: QuorumState::default(),
            verdicts: writes::Verdicts::new(),
            transitional: false,
            run: None,
            next_transition: 1,
            chained: 0,
            pending: BTreeMap::new(),
            effects: VecDeque::new(),
            clock: Clock {
                start: now,
                epoch_at_start_s,
                now,
            },
            timers: Timers::default(),
            fences: BTreeMap::new(),
            next_fence: 1,
        }
    }

    // ---- getters ----

    pub fn cib(&self) -> &Cib {
        self.replica.cib()
    }

    /// The DC, once the view's sync completed.
    pub fn dc(&self) -> Option<NodeId> {
        self.sync.is_none().then_some(self.dc).flatten()
    }

    pub fn is_dc(&self) -> bool {
        self.dc() == Some(self.id)
    }

    /// The view whose sync completed here, None while one is open.
    pub fn synced_ring(&self) -> Option<RingId> {
        self.view_ring
    }

    /// A member's name as its hello gave it (the last synced view).
    pub fn member_name(&self, id: NodeId) -> Option<String> {
        self.view.members.get(&id).cloned()
    }

    pub fn is_synced(&self) -> bool {
        self.sync.is_none()
    }

    /// A transition is being carried out here.
    pub fn transition_in_progress(&self) -> bool {
        self.run.is_some()
    }

    pub fn ops_running(&self) -> usize {
        self.executor.running()
    }

    /// Wall-clock epoch seconds now, as this node reckons it.
    pub fn epoch_s(&self) -> i64 {
        self.clock.epoch_s()
    }

    // ---- inputs ----

    /// votequorum's verdict: at every regular view (before
    /// [`Controller::handle_view`]) and whenever it changes in between.
    pub fn handle_quorum(&mut self, now: Instant, state: QuorumState) {
        self.tick(now);
        if self.quorum.quorate != state.quorate {
            self.event(ClusterEvent::QuorumChanged {
                quorate: state.quorate,
            });
        }
        if self.quorum != state {
            self.quorum = state;
            // The members decide from agreed verdicts whether this view
            // may write (see `writes`); a hello carries the verdict of a
            // view's start, this one its changes within the view.
            let ring = match &self.sync {
                Some(s) => s.ring,
                None => self.view_ring.unwrap_or_default(),
            };
            self.broadcast(&Message::Quorum { ring, state });
        }
    }

    /// A delivered controller message from `sender`.
    /// Totem installed a transitional configuration: until the next regular
    /// view, what it delivers has reached only `members` (of the old ring),
    /// so a change applied now is not certain to survive (see [`writes`]).
    pub fn handle_transitional(&mut self, now: Instant, members: &[NodeId]) {
        self.tick(now);
        debug_assert!(
            members.contains(&self.id),
            "a transitional configuration holds its own node"
        );
        self.transitional = true;
    }

    pub fn handle_deliver(&mut self, now: Instant, sender: NodeId, payload: &[u8]) {
        self.tick(now);
        let msg: Message = match decode_message(payload) {
            Ok(m) => m,
            Err(reason) => {
                return self.event(ClusterEvent::MessageDropped {
                    reason: format!("from {sender}: {reason}"),
                })
            }
        };
        match msg {
            Message::Hello(h) => self.on_hello(sender, h),
            Message::Sync { ring, cib_xml } => self.on_sync(sender, ring, &cib_xml),
            other => match &mut self.sync {
                Some(s) if s.held.len() < MAX_HELD_MESSAGES => s.held.push((sender, other)),
                Some(_) => self.event(ClusterEvent::MessageDropped {
                    reason: "too many messages held back during a sync".into(),
                }),
                None => self.apply(sender, other),
            },
        }
        self.check_bounds();
    }

    /// An administrator's command typed on this node.
    pub fn handle_admin(&mut self, now: Instant, req: u64, cmd: AdminCommand) {
        self.tick(now);
        if self.pending.len() >= MAX_PENDING_REQUESTS || self.pending.contains_key(&req) {
            return self.reply(req, Err(AdminError::Busy));
        }
        if let AdminCommand::Configure { crm } = &cmd {
            // Refuse text that cannot parse here, before it costs a round.
            if let Err(e) = crate::cib::crm::parse(crm) {
                return self.reply(req, Err(AdminError::Crm(e.to_string())));
            }
        }
        self.pending.insert(req, Pending::Sent);
        self.broadcast(&Message::Admin {
            origin: self.id,
            req,
            cmd,
        });
        self.check_bounds();
    }

    pub fn handle_op_done(&mut self, now: Instant, op: OpId, outcome: &OpOutcome) {
        self.tick(now);
        self.report_op(op, outcome);
        self.check_bounds();
    }

    /// Records how `op` ended and tells every member.
    fn report_op(&mut self, op: OpId, outcome: &OpOutcome) {
        let Some((records, tag)) = self.executor.complete(op, outcome) else {
            return; // unknown, or a recurring op answering as before
        };
        self.broadcast(&Message::Result {
            node: self.id,
            tag,
            change: message::HistoryChange::Records(records),
        });
    }

    /// The administrator stops the cluster on this node: every replica
    /// sets its `shutdown` attribute, so the scheduler moves its resources
    /// away and plans its shutdown (see `apply`).
    pub fn handle_shutdown(&mut self, now: Instant) {
        self.tick(now);
        self.broadcast(&Message::ShuttingDown {
            since_s: self.clock.epoch_s(),
        });
        self.check_bounds();
    }

    /// A fence request finished: `ok` means the target is certainly down.
    pub fn handle_fence_done(&mut self, now: Instant, id: FenceId, ok: bool) {
        self.tick(now);
        self.fence_done(id, ok);
        self.check_bounds();
    }

    pub fn handle_disk_done(&mut self, now: Instant, token: WriteToken) {
        self.tick(now);
        if let Some(w) = self.replica.disk_done(token) {
            self.effects.push_back(Effect::Write(w));
        }
        self.answer_durable();
        self.check_bounds();
    }

    /// `now` reached [`Controller::poll_timeout`]: fires every due timer.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.tick(now);
        for t in self.timers.take_due(now) {
            self.on_timer(t);
        }
        self.check_bounds();
    }

    // ---- outputs ----

    #[must_use]
    pub fn poll_effect(&mut self) -> Option<Effect> {
        self.effects.pop_front()
    }

    /// The earliest armed timer.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.timers.next()
    }

    // ---- helpers ----

    fn tick(&mut self, now: Instant) {
        assert!(
            now >= self.clock.now,
            "time went backwards: {now} < {}",
            self.clock.now
        );
        self.clock.now = now;
    }

    fn on_timer(&mut self, t: Timer) {
        match t {
            Timer::Recheck => {
                self.chained = 0;
                self.reschedule("the recheck timer expired");
            }
            Timer::ActionTimeout(tag) => self.on_action_timeout(tag),
            Timer::FenceRetry(tag) => self.on_fence_retry(tag),
            Timer::FenceDelay(id) => self.on_fence_delay(id),
        }
    }

    fn event(&mut self, e: ClusterEvent) {
        self.effects.push_back(Effect::Event(e));
    }

    fn broadcast(&mut self, msg: &Message) {
        self.effects.push_back(Effect::Broadcast {
            payload: encode_payload(msg),
            view_scoped: !msg.outlives_its_view(),
        });
    }

    fn reply(&mut self, req: u64, reply: AdminReply) {
        self.pending.remove(&req);
        self.effects.push_back(Effect::Reply { req, reply });
    }

    fn persist(&mut self) {
        if let Some(w) = self.replica.persist() {
            self.effects.push_back(Effect::Write(w));
        }
    }

    /// Answers the requests whose change reached the disk.
    fn answer_durable(&mut self) {
        let ready: Vec<(u64, Version)> = self
            .pending
            .iter()
            .filter_map(|(req, p)| match p {
                Pending::Durable(v) if self.replica.is_durable(*v) => Some((*req, *v)),
                _ => None,
            })
            .collect();
        for (req, v) in ready {
            self.reply(req, Ok(v));
        }
    }

    fn check_bounds(&self) {
        assert!(
            self.effects.len() <= MAX_QUEUED_EFFECTS,
            "controller effects not drained"
        );
        assert!(self.pending.len() <= MAX_PENDING_REQUESTS);
    }
}

#[cfg(test)]
mod tests;
