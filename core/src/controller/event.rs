//! What the cluster reports: the runtime logs these, the simulator draws
//! them. Each says what happened and, for actions, why.

use crate::cib::Version;
use crate::totem::{NodeId, RingId};

use super::message::TransitionId;

/// One thing that happened on this node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClusterEvent {
    /// A regular view was installed.
    ViewChanged {
        ring_id: RingId,
        members: Vec<NodeId>,
        joined: Vec<NodeId>,
        left: Vec<NodeId>,
    },
    /// votequorum's verdict changed.
    QuorumChanged { quorate: bool },
    /// The view's sync completed: every member holds `version`, taken from
    /// `from` (the member with the highest version).
    CibSynced { version: Version, from: NodeId },
    /// The DC of the view changed.
    DcChanged { dc: NodeId },
    /// An administrator's command was applied here (every member reports it).
    AdminApplied { origin: NodeId, version: Version },
    /// The DC started carrying out a transition.
    TransitionStarted { id: TransitionId, actions: usize },
    /// Every action of the transition is done.
    TransitionCompleted { id: TransitionId },
    /// Something changed underneath: nothing more is dispatched, and the DC
    /// reschedules once the actions in flight reported.
    TransitionAborted { id: TransitionId, reason: String },
    /// The DC sent an action to its node (or settled it itself).
    ActionStarted {
        transition: TransitionId,
        action: usize,
        rsc: Option<String>,
        op: String,
        node: String,
        reason: String,
    },
    /// An action's result reached the DC.
    ActionFinished {
        transition: TransitionId,
        action: usize,
        rsc: Option<String>,
        op: String,
        node: String,
        rc: Option<i32>,
        ok: bool,
        reason: String,
    },
    /// This node asked its runtime to fence `target` (after `delay_ms`,
    /// the split delay; see `controller::fencing`).
    FenceRequested {
        target: String,
        device: String,
        by: NodeId,
        delay_ms: u64,
    },
    /// `target` is certainly down: `by` fenced it (every member reports it).
    FenceConfirmed { target: String, by: NodeId },
    /// Every member agreed that `node` shuts down: it leaves without being
    /// fenced.
    NodeLeaving { node: String },
    /// A fence of `target` failed (or could not start); the DC retries.
    FenceFailed {
        target: String,
        by: NodeId,
        reason: String,
    },
    /// This node's executor started an op the DC asked for.
    OpStarted { rsc: String, op: String },
    /// A peer's message did not decode, or could not be sent.
    MessageDropped { reason: String },
}
