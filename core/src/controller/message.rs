//! What controllers say to each other over the ring. Every message travels
//! with safe delivery, so every member applies it in the same order.

use serde::{Deserialize, Serialize};

use crate::executor::{AgentSpec, OpRecord, OpSpec};
use crate::totem::{NodeId, RingId};

use super::admin::AdminCommand;
use super::writes::QuorumState;

/// A transition's identity: the DC that computed it, its counter there, and
/// the view it was computed in. A node carries out an action only in that
/// view: one that reaches it later (sent just before a view change, it
/// waited in the send queue) belongs to a plan made on an older picture.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
pub struct TransitionId {
    pub dc: NodeId,
    pub seq: u64,
    pub ring: RingId,
}

impl std::fmt::Display for TransitionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.dc, self.seq)
    }
}

/// Which action of which transition an op or result serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ActionTag {
    pub transition: TransitionId,
    pub action: u32,
}

/// `(admin_epoch, epoch, num_updates)` on the wire.
pub type WireVersion = (u64, u64, u64);

/// One controller message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Message {
    /// Sent by every member when a regular view is installed: its CIB
    /// version, the DC it knew and its own operation history.
    Hello(Hello),
    /// The configuration of the member whose hello had the highest
    /// version: every member adopts it.
    Sync { ring: RingId, cib_xml: String },
    /// An administrator's change, typed on `origin`.
    Admin {
        origin: NodeId,
        req: u64,
        cmd: AdminCommand,
    },
    /// The DC asks `target` to do something.
    Action {
        tag: ActionTag,
        target: NodeId,
        work: Work,
    },
    /// `node`'s history changed (an op finished, a cleanup, a cancel).
    Result {
        node: NodeId,
        tag: Option<ActionTag>,
        change: HistoryChange,
    },
    /// The DC clears `rsc`'s fail-counts on `node` (a clear_failcount
    /// action): every replica forgets them.
    ClearFailcount {
        tag: ActionTag,
        node: String,
        rsc: String,
    },
    /// The DC saw no result of `tag` within the action's timeout plus
    /// cluster-delay: `target` gives up on the op and reports it as timed
    /// out, as its executor would have.
    TimedOut { tag: ActionTag, target: NodeId },
    /// The sender is shutting down (its `shutdown` attribute, epoch
    /// seconds).
    ShuttingDown { since_s: i64 },
    /// The sender's quorum verdict changed within the view `ring`. Totem
    /// carries a message the old ring never ordered into the next one, so
    /// a verdict names the view it was formed in: a stale one must not
    /// stand for the new view (whose hellos carry its verdicts).
    Quorum { ring: RingId, state: QuorumState },
    /// A fence request of the sender finished: on `ok`, `target` is
    /// certainly down (see [`super::fencing`]).
    Fenced {
        tag: Option<ActionTag>,
        target: String,
        ok: bool,
        reason: String,
    },
}

impl Message {
    /// Whether the message means anything after the view it was sent in:
    /// hellos, syncs, quorum verdicts and actions name their view and are
    /// ignored in any later one, so a node need not send them once a new
    /// view is installed (see `totem::fragment`).
    pub fn outlives_its_view(&self) -> bool {
        !matches!(
            self,
            Message::Hello(_)
                | Message::Sync { .. }
                | Message::Quorum { .. }
                | Message::Action { .. }
        )
    }
}

/// See [`Message::Hello`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hello {
    pub ring: RingId,
    pub uname: String,
    pub version: WireVersion,
    pub dc: Option<NodeId>,
    /// The members of the last view this node completed a sync in.
    pub last_members: Vec<NodeId>,
    pub history: Vec<OpRecord>,
    /// With fencing: nodes that left uncleanly and are not fenced yet, by
    /// name, with the history they last had (what they may still run).
    pub lost: Vec<(String, Vec<OpRecord>)>,
    /// This node's transient attributes (fail-counts).
    pub attrs: Vec<(String, String)>,
    /// The nodes whose state this node knows (see `status::Membership::seen`).
    pub seen: Vec<String>,
    /// This node's quorum verdict when it said hello.
    pub quorum: QuorumState,
    /// Nodes whose clean shutdown was agreed (see `status::Membership`).
    pub leaving: Vec<String>,
}

/// What an action asks of its node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Work {
    /// Run an agent action.
    Exec(OpSpec),
    /// Stop a recurring op.
    Cancel {
        rsc: String,
        task: String,
        interval_ms: u64,
    },
    /// Forget a resource's history.
    Forget { rsc: String },
    /// Leave the cluster: every member now expects the node to go, so it
    /// is not fenced when it does.
    Shutdown,
    /// Fence `target` through `device` (see [`super::fencing`]): wait
    /// `delay_ms` first (the split delay), then allow `timeout_ms`.
    Fence {
        target: String,
        target_id: Option<NodeId>,
        /// Power off rather than reboot (stonith-action=off).
        off: bool,
        device: String,
        agent: AgentSpec,
        params: Vec<(String, String)>,
        timeout_ms: u64,
        delay_ms: u64,
    },
}

/// A change to one node's operation history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum HistoryChange {
    /// Records written (an op's own, and its `_last_failure_0`).
    Records(Vec<OpRecord>),
    /// The resource's records are gone.
    Forget { rsc: String },
    /// A recurring op was cancelled: its record is gone.
    Cancelled { rsc: String, record_id: String },
}
