//! What happened in a run, in order: the material of the checkers, the
//! figures and the timeline.
//!
//! The world appends a [`Record`] for everything a checker or a reader may
//! ask about: nodes starting and crashing, application sends, deliveries,
//! views, quorum, and every fault it injected. Packets are not recorded
//! (the trace hash covers them); there are too many to draw.

use cohort_core::controller::ClusterEvent;
use cohort_core::time::Instant;
use cohort_core::totem::{NodeId, RingId};

/// Most records a run may keep: a run that produces more is broken (a
/// delivery storm), and is stopped rather than eating the machine.
pub const MAX_RECORDS: usize = 4_000_000;

/// A node's life between a start and a crash.
pub type Incarnation = (NodeId, u32);

/// A fault the world injected (or undid), for the timeline and figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// The network splits: `to` stops hearing `from` for each cut pair.
    Partition {
        /// Directed pairs (from, to) that are cut, ascending.
        cuts: Vec<(NodeId, NodeId)>,
        one_way: bool,
    },
    /// Every cut is mended.
    HealNetwork,
    /// A link holds its packets until `release_at`.
    Clog {
        from: NodeId,
        to: NodeId,
        release_at: Instant,
    },
    /// The node stops running (a stopped VM, a long GC) until `until`.
    Pause {
        node: NodeId,
        until: Instant,
    },
    Resume {
        node: NodeId,
    },
    /// The node's clock jumps forward by `jump_ms`.
    ClockJump {
        node: NodeId,
        jump_ms: u64,
    },
    /// The fault phase is over: everything healed, crashed nodes restarted.
    HealAll,
    /// A resource agent on `node` breaks: every instance of `rsc` started
    /// there dies at its next monitor, until [`Fault::RepairAgent`].
    BreakAgent {
        node: NodeId,
        rsc: String,
    },
    RepairAgent {
        node: NodeId,
        rsc: String,
    },
}

/// Why a resource instance started or stopped really running.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// A start op (successful, or timed out half way).
    Start,
    /// A successful stop op.
    Stop,
    /// The instance died by itself (found by a monitor).
    Died,
    /// Its machine crashed or was fenced.
    NodeDown,
}

/// One thing that happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record {
    Started {
        node: NodeId,
        incarnation: u32,
        at: Instant,
    },
    Crashed {
        node: NodeId,
        at: Instant,
    },
    /// The node's process stopped after a clean shutdown (its machine and
    /// anything still running there stay up).
    Exited {
        node: NodeId,
        at: Instant,
    },
    /// The application on `node` sent `payload` (unique in the run).
    Sent {
        node: NodeId,
        incarnation: u32,
        at: Instant,
        payload: Vec<u8>,
        safe: bool,
    },
    /// The node refused the send just recorded (queue full).
    Rejected {
        node: NodeId,
        incarnation: u32,
        at: Instant,
        payload: Vec<u8>,
    },
    Delivered {
        node: NodeId,
        incarnation: u32,
        at: Instant,
        sender: NodeId,
        payload: Vec<u8>,
        ring_id: RingId,
        seq: u64,
        safe: bool,
    },
    View {
        node: NodeId,
        incarnation: u32,
        at: Instant,
        ring_id: RingId,
        members: Vec<NodeId>,
        transitional: bool,
    },
    Quorum {
        node: NodeId,
        incarnation: u32,
        at: Instant,
        quorate: bool,
        members: Vec<NodeId>,
    },
    Fault {
        at: Instant,
        fault: Fault,
    },
    /// The node asked its agent to run `action` of `rsc`.
    Exec {
        node: NodeId,
        at: Instant,
        rsc: String,
        action: String,
        interval_ms: u64,
    },
    /// One run of an op ended (a recurring monitor reports every run).
    OpDone {
        node: NodeId,
        at: Instant,
        rsc: String,
        action: String,
        interval_ms: u64,
        rc: i32,
        /// 0 done, 2 timed out.
        op_status: i32,
    },
    /// Ground truth: `rsc` really runs on `node` from now (`up`) or not.
    Instance {
        node: NodeId,
        at: Instant,
        rsc: String,
        up: bool,
        cause: Cause,
    },
    /// `by` asked its fence device to power `target` off (or reboot it).
    FenceAsked {
        by: NodeId,
        at: Instant,
        target: String,
    },
    /// The device finished: `ok` when the target is now down.
    FenceDone {
        by: NodeId,
        at: Instant,
        target: String,
        ok: bool,
    },
    /// A scripted administrator typed `cmd` on `node`.
    Admin {
        node: NodeId,
        at: Instant,
        req: u64,
        cmd: String,
    },
    /// The node answered request `req`.
    Reply {
        node: NodeId,
        at: Instant,
        req: u64,
        ok: bool,
        text: String,
    },
    /// What a cluster node reported (DC, transitions, actions, syncs).
    Cluster {
        node: NodeId,
        incarnation: u32,
        at: Instant,
        event: ClusterEvent,
    },
}

impl Record {
    pub fn at(&self) -> Instant {
        match self {
            Record::Started { at, .. }
            | Record::Crashed { at, .. }
            | Record::Exited { at, .. }
            | Record::Sent { at, .. }
            | Record::Rejected { at, .. }
            | Record::Delivered { at, .. }
            | Record::View { at, .. }
            | Record::Quorum { at, .. }
            | Record::Fault { at, .. }
            | Record::Exec { at, .. }
            | Record::OpDone { at, .. }
            | Record::Instance { at, .. }
            | Record::FenceAsked { at, .. }
            | Record::FenceDone { at, .. }
            | Record::Admin { at, .. }
            | Record::Reply { at, .. }
            | Record::Cluster { at, .. } => *at,
        }
    }
}

/// The run's records, bounded.
#[derive(Debug, Clone, Default)]
pub struct History {
    records: Vec<Record>,
}

impl History {
    pub fn from_records(records: Vec<Record>) -> History {
        assert!(records.len() <= MAX_RECORDS);
        History { records }
    }

    /// Appends a record; false (and nothing kept) once the bound is hit.
    pub fn push(&mut self, record: Record) -> bool {
        if self.records.len() >= MAX_RECORDS {
            return false;
        }
        self.records.push(record);
        true
    }

    pub fn records(&self) -> &[Record] {
        &self.records
    }

    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }
}
