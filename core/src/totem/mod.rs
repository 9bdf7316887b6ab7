//! Totem: a token-passing single ring that gives every member of a
//! configuration the same messages in the same order.
//!
//! Behaviour follows the Totem single-ring protocol as Corosync presents it
//! to its users (SPEC §3): agreed and safe total order, retransmission
//! through the token's rtr list, flow control by `window_size` and
//! `max_messages`, failure detection by token loss, membership by gather /
//! commit / recovery, ring ids that only grow, extended virtual synchrony,
//! merging partitions that can hear each other again and finding members
//! without a node list (every packet but the token is multicast).
//!
//! # Call order (DESIGN.md's sans-IO shape)
//! - [`Totem::new`] with the settings, this node's id, `now` and a seed.
//!   The node starts alone and gathers: it forms a one-member ring and then
//!   merges with whatever ring it hears.
//! - [`Totem::handle`] for every datagram, every due timeout and every
//!   application message to send.
//! - After every `handle`, drain [`Totem::poll_output`] until `None`, then
//!   sleep until [`Totem::poll_timeout`] and call `handle(Input::Timeout)`.
//!
//! Time never goes backwards between calls (asserted).
//!
//! # Timing, as a function of the configuration
//! - A member that crashes leaves the view about `token + join_wait` after
//!   the last token it forwarded, where
//!   `join_wait = min(consensus, 3·join + max_network_delay)` (200 ms with
//!   the defaults): live members notice token loss within `token`, all
//!   enter gather at once (a join from a ring mate pulls the others in),
//!   answer each other within a network delay, and wait only `join_wait`
//!   for the silent before declaring them failed. Corosync waits the whole
//!   `consensus` (1.2·token) there instead.
//! - Consensus itself is reached as soon as every live member sent the same
//!   sets; `consensus` is only the fallback for members that keep
//!   disagreeing.
//! - A restarted member forms a ring of its own at once, and is merged
//!   within about `merge + 4·join` plus a few rotations: see
//!   [`merge`](self) for the "everyone hears everyone" rule that keeps
//!   one-way links from churning.
//!
//! # Differences from Corosync worth knowing
//! - The token carries each member's aru by position instead of Corosync's
//!   single `aru`/`aru_addr`: the minimum is exact after one rotation.
//! - Merges start only when every member of both rings is heard by every
//!   member of the other (announced in merge-detect messages), so an
//!   asymmetric link settles into two stable rings instead of churning.
//! - A member that lacks messages the token numbered and receives none of
//!   them for `fail_recv_const` visits of the token in a row (its
//!   retransmission requests go unanswered: a link that lets tokens and
//!   joins through but loses data) leaves the ring, as corosync's "FAILED
//!   TO RECEIVE" does: it gathers with every ring mate in its fail set, so
//!   they form a ring without it at once and it forms one of its own.
//!   Like corosync, it will merge back when merge detection sees everyone
//!   hear everyone, and leave again if data still does not reach it.

mod delivery;
pub mod fragment;
pub(crate) mod fuzz;
mod membership;
mod merge;
pub(crate) mod message;
mod recovery;
mod retransmit;
mod timer;
mod token;

#[cfg(any(test, feature = "testgen"))]
pub mod harness;
#[cfg(test)]
mod tests;

use std::collections::VecDeque;
use std::time::Duration;

use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};

use crate::config::Config;
use crate::planted::PlantedBugs;
use crate::time::Instant;
use crate::wire::{
    AuthKey, Cipher, Codec, DropCounters, DropReason, Protection, SealKey, Sealer, SESSION_BYTES,
};

pub use crate::wire::RingId;
pub use fuzz::check_datagram;
pub use message::{MAX_MEMBERS, MAX_PAYLOAD_BYTES};

use delivery::Store;
use membership::Gather;
use merge::MergeState;
use message::Packet;
use recovery::Recovery;
use timer::{Timer, TimerTable};
use token::TokenState;

/// A node id as corosync numbers them.
pub type NodeId = u32;

/// Most application messages waiting for the token.
pub const MAX_PENDING_SENDS: usize = 1024;
/// Most outputs queued between two drains: one input's worth (an install
/// delivers at most a store's worth of old messages).
pub const MAX_QUEUED_OUTPUTS: usize = 2 * delivery::MAX_STORED_MESSAGES + 1024;
/// Highest ring seq accepted from a peer: a new ring is numbered one
/// above, so a peer must not push us to the end of the range.
pub const MAX_RING_SEQ: u64 = 1 << 48;
/// Largest window_size totem runs with (keeps stores bounded).
pub const MAX_WINDOW_SIZE: u32 = 512;

/// What totem runs with: corosync's effective timers and the cluster's
/// identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TotemConfig {
    pub cluster_name: String,
    pub token_ms: u32,
    pub token_retransmit_ms: u32,
    pub token_retransmits_before_loss_const: u32,
    pub hold_ms: u32,
    pub join_ms: u32,
    pub consensus_ms: u32,
    pub merge_ms: u32,
    pub seqno_unchanged_const: u32,
    /// Token visits in a row on which this member lacked messages the
    /// token had numbered and got none of them: then it leaves the ring
    /// (corosync's "FAILED TO RECEIVE").
    pub fail_recv_const: u32,
    pub max_messages: u32,
    pub window_size: u32,
    pub max_network_delay_ms: u32,
    /// The authkey's bytes when secauth/crypto is on.
    pub auth_key: Option<Vec<u8>>,
    /// With a key: encrypt with this cipher (corosync's effective
    /// `crypto_cipher`), or None to authenticate only (HMAC-SHA-256).
    pub cipher: Option<Cipher>,
    /// The highest ring seq this node saw in an earlier life (the runtime
    /// keeps [`Totem::max_ring_seq`] on disk, as corosync keeps
    /// `ringid_<node>`): a restarted node never reuses a ring id.
    pub ring_seq_floor: u64,
}

impl TotemConfig {
    /// The settings of a checked corosync.conf, with the key the runtime
    /// read from `totem.keyfile` (None when crypto is off).
    pub fn from_config(c: &Config, auth_key: Option<Vec<u8>>) -> TotemConfig {
        let t = c.effective_timers();
        let raw = &c.totem.timers;
        TotemConfig {
            cluster_name: c.totem.cluster_name.clone().unwrap_or_default(),
            token_ms: t.token_ms,
            token_retransmit_ms: t.token_retransmit_ms,
            token_retransmits_before_loss_const: raw.token_retransmits_before_loss_const,
            hold_ms: t.hold_ms,
            join_ms: t.join_ms,
            consensus_ms: t.consensus_ms,
            merge_ms: raw.merge_ms,
            seqno_unchanged_const: raw.seqno_unchanged_const,
            fail_recv_const: raw.fail_recv_const,
            max_messages: raw.max_messages,
            window_size: raw.window_size,
            max_network_delay_ms: raw.max_network_delay_ms,
            auth_key: if c.totem.crypto_enabled() {
                auth_key
            } else {
                None
            },
            cipher: Cipher::from_name(c.totem.crypto_cipher),
            ring_seq_floor: 0,
        }
    }

    /// corosync's defaults for a `token` timeout, derived the way corosync
    /// derives them (retransmit = token/4.2, hold, consensus = 1.2·token).
    pub fn with_token_ms(cluster_name: &str, token_ms: u32) -> TotemConfig {
        let token_retransmit_ms = (f64::from(token_ms) / 4.2) as u32;
        TotemConfig {
            cluster_name: cluster_name.to_string(),
            token_ms,
            token_retransmit_ms,
            token_retransmits_before_loss_const: 4,
            hold_ms: ((f64::from(token_retransmit_ms) * 0.8) as u32).saturating_sub(10),
            join_ms: 50,
            consensus_ms: (1.2 * f64::from(token_ms)) as u32,
            merge_ms: 200,
            seqno_unchanged_const: 30,
            fail_recv_const: 2500,
            max_messages: 17,
            window_size: 50,
            max_network_delay_ms: 50,
            auth_key: None,
            cipher: None,
            ring_seq_floor: 0,
        }
    }

    /// How long gather waits for a member that has not answered before it
    /// is declared failed: `min(consensus, 3·join + max_network_delay)`.
    /// Three join intervals let one lost join be resent twice.
    pub fn join_wait_ms(&self) -> u32 {
        self.consensus_ms.min(
            self.join_ms
                .saturating_mul(3)
                .saturating_add(self.max_network_delay_ms),
        )
    }

    /// How far the newest seq may run ahead of what every member holds:
    /// bounds every store.
    fn store_span(&self) -> u64 {
        2 * u64::from(self.window_size.clamp(1, MAX_WINDOW_SIZE))
    }
}

/// How this node's datagrams are protected. A sealing session is drawn
/// from its own stream of the node's seed, so turning encryption on does
/// not change the draws of the protocol's timers.
fn protection(config: &TotemConfig, seed: u64) -> Protection {
    let Some(key) = config.auth_key.as_deref() else {
        return Protection::None;
    };
    match config.cipher {
        None => Protection::Authenticated(AuthKey::new(key)),
        Some(cipher) => {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            rng.set_stream(WIRE_SESSION_STREAM);
            let mut session = [0u8; SESSION_BYTES];
            rng.fill_bytes(&mut session);
            Protection::Sealed(Sealer::new(SealKey::new(cipher, key), session))
        }
    }
}

/// The ChaCha stream of a node's seed that its sealing session comes
/// from (stream 0 is the protocol's).
const WIRE_SESSION_STREAM: u64 = 0x7769_7265;

/// One input to [`Totem::handle`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A datagram as received. `from` is the node the transport knows sent
    /// it, when it knows (a node list); a disagreeing envelope is dropped.
    Datagram {
        from: Option<NodeId>,
        bytes: Vec<u8>,
    },
    /// `now` reached [`Totem::poll_timeout`].
    Timeout,
    /// Send an application message to the ring. `safe`: deliver only once
    /// every member holds it.
    Send { payload: Vec<u8>, safe: bool },
}

/// One effect of totem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    /// To every node on the group (the sender does not need its copy).
    Multicast(Vec<u8>),
    /// To one node.
    Unicast {
        to: NodeId,
        bytes: Vec<u8>,
    },
    /// An application message, in the agreed order.
    Deliver {
        sender: NodeId,
        payload: Vec<u8>,
        /// The ring that ordered it.
        ring_id: RingId,
        seq: u64,
        safe: bool,
    },
    Event(TotemEvent),
}

/// What happened, for the layers above and for logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TotemEvent {
    /// A new configuration. A transitional one (the members that carry on
    /// together from the old ring) comes first, then the old ring's last
    /// messages, then the regular one.
    ViewChanged {
        ring_id: RingId,
        members: Vec<NodeId>,
        left: Vec<NodeId>,
        joined: Vec<NodeId>,
        transitional: bool,
    },
    /// A send was refused: the queue is full or the payload too large.
    SendRejected { len_bytes: usize, reason: SendError },
}

/// Why [`Input::Send`] was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// [`MAX_PENDING_SENDS`] messages already wait for the token.
    #[error("send queue full")]
    QueueFull,
    /// Larger than [`MAX_PAYLOAD_BYTES`].
    #[error("payload too large")]
    TooLarge,
}

/// A ring: its id and its members in ring order (ascending ids).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Ring {
    id: RingId,
    members: Vec<NodeId>,
}

impl Ring {
    fn position(&self, node: NodeId) -> Option<usize> {
        self.members.binary_search(&node).ok()
    }

    fn successor(&self, node: NodeId) -> NodeId {
        let i = self.position(node).expect("only members pass the token");
        self.members[(i + 1) % self.members.len()]
    }
}

/// A ring and the messages this node holds of it.
#[derive(Debug, Clone)]
struct RingState {
    ring: Ring,
    store: Store,
}

/// Where in the membership protocol this node is.
#[derive(Debug, Clone)]
enum Phase {
    /// Normal token passing in `last`.
    Operational,
    /// Agreeing on a new member set.
    Gather(Gather),
    /// The commit token is forming this ring.
    Commit(Ring),
    /// Bringing the old ring's messages across to `forming`.
    Recovery(Recovery),
}

/// One node's totem. See the module comment for the call order.
#[derive(Debug, Clone)]
pub struct Totem {
    config: TotemConfig,
    codec: Codec,
    id: NodeId,
    now: Instant,
    rng: ChaCha8Rng,
    phase: Phase,
    /// The last ring installed: the current one when operational, the old
    /// one while a new ring forms.
    last: RingState,
    /// The ring under recovery.
    forming: Option<RingState>,
    /// The highest ring seq seen anywhere: new rings are numbered above it.
    max_ring_seq: u64,
    pending: VecDeque<(Vec<u8>, bool)>,
    token: TokenState,
    merge: MergeState,
    timers: TimerTable,
    outputs: VecDeque<Output>,
    drops: DropCounters,
    /// Times this node left a ring for failing to receive its messages.
    failed_to_receive: u64,
    /// Deliberate bugs for the simulator to find ([`crate::planted`]).
    planted: PlantedBugs,
}

impl Totem {
    /// A node that has just started: alone, gathering.
    pub fn new(config: TotemConfig, node_id: NodeId, now: Instant, seed: u64) -> Totem {
        let mut totem = Totem {
            codec: Codec::with_protection(&config.cluster_name, protection(&config, seed)),
            id: node_id,
            now,
            rng: ChaCha8Rng::seed_from_u64(seed),
            phase: Phase::Operational,
            last: RingState {
                // A ring of its own that never ran: seq 0 is below every
                // real ring, and the rep keeps it apart from other nodes'.
                ring: Ring {
                    id: RingId {
                        seq: 0,
                        rep: node_id,
                    },
                    members: vec![node_id],
                },
                store: Store::default(),
            },
            forming: None,
            max_ring_seq: config.ring_seq_floor,
            pending: VecDeque::new(),
            token: TokenState::default(),
            merge: MergeState::default(),
            timers: TimerTable::default(),
            outputs: VecDeque::new(),
            drops: DropCounters::default(),
            failed_to_receive: 0,
            planted: PlantedBugs::NONE,
            config,
        };
        totem.enter_gather(&[]);
        totem
    }

    /// Plants deliberate bugs ([`crate::planted`]); only the simulator's
    /// and tests' builds have this.
    #[cfg(any(test, feature = "planted-bugs"))]
    pub fn plant(&mut self, bugs: PlantedBugs) {
        self.planted = bugs;
    }

    // ---- getters ----

    pub fn node_id(&self) -> NodeId {
        self.id
    }

    /// The ring this node last installed.
    pub fn ring_id(&self) -> RingId {
        self.last.ring.id
    }

    /// Members of the ring this node last installed.
    pub fn members(&self) -> &[NodeId] {
        &self.last.ring.members
    }

    /// Whether the node is passing a token in an installed ring.
    pub fn is_operational(&self) -> bool {
        matches!(self.phase, Phase::Operational)
    }

    /// A short name of the protocol state, for logs and tests.
    pub fn phase_name(&self) -> &'static str {
        match self.phase {
            Phase::Operational => "operational",
            Phase::Gather(_) => "gather",
            Phase::Commit(_) => "commit",
            Phase::Recovery(_) => "recovery",
        }
    }

    pub fn drop_counters(&self) -> DropCounters {
        self.drops
    }

    /// How often this node left its ring because it failed to receive
    /// the ring's messages (`fail_recv_const`).
    pub fn failed_to_receive_count(&self) -> u64 {
        self.failed_to_receive
    }

    /// The highest ring seq seen (every ring this node forms or joins is
    /// numbered at most this). Persist it and pass it back as
    /// [`TotemConfig::ring_seq_floor`] after a restart, as corosync keeps
    /// `ringid_<node>` in its state directory: after every `handle`, if it
    /// changed, write it durably *before* sending that input's outputs, so
    /// no ring id reaches the wire before it is on disk and a restarted
    /// node never numbers a ring with a seq it used before (even if the
    /// whole cluster restarts at once).
    pub fn max_ring_seq(&self) -> u64 {
        self.max_ring_seq
    }

    pub fn config(&self) -> &TotemConfig {
        &self.config
    }

    /// Application messages waiting for the token.
    pub fn pending_sends(&self) -> usize {
        self.pending.len()
    }

    // ---- inputs ----

    /// Feeds one input. Drain [`Totem::poll_output`] afterwards.
    pub fn handle(&mut self, now: Instant, input: Input) {
        assert!(now >= self.now, "time went backwards: {now} < {}", self.now);
        self.now = now;
        match input {
            Input::Datagram { from, bytes } => self.handle_datagram(from, &bytes),
            Input::Timeout => self.handle_timeouts(),
            Input::Send { payload, safe } => self.handle_send(payload, safe),
        }
        assert!(
            self.outputs.len() <= MAX_QUEUED_OUTPUTS,
            "output queue bound exceeded: outputs not drained"
        );
        assert!(self.pending.len() <= MAX_PENDING_SENDS);
    }

    fn handle_datagram(&mut self, from: Option<NodeId>, bytes: &[u8]) {
        let opened = match self.codec.open(bytes) {
            Ok(opened) => opened,
            Err(reason) => return self.drops.count(reason),
        };
        let header = opened.header;
        let packet = match opened.body::<Packet>() {
            Ok(packet) => packet,
            Err(reason) => return self.drops.count(reason),
        };
        if from.is_some_and(|f| f != header.sender) {
            return self.drops.count(DropReason::NotForUs);
        }
        if header.ring_id.seq > MAX_RING_SEQ {
            // Real ring seqs are nowhere near this; it would overflow.
            return self.drops.count(DropReason::Malformed);
        }
        if header.sender == self.id {
            // Our own multicast looped back: we hold our messages already.
            return;
        }
        self.note_heard(&header);
        self.token
            .note_from(header.sender, header.ring_id, &packet, &mut self.timers);
        match packet {
            Packet::Mcast(m) => self.on_mcast(&header, m),
            Packet::Token(t) => self.on_token(&header, t),
            Packet::Join(j) => self.on_join(&header, j),
            Packet::Commit(c) => self.on_commit(&header, c),
            Packet::MergeDetect(md) => self.on_merge_detect(&header, md),
        }
    }

    fn handle_timeouts(&mut self) {
        // Bounded: each firing clears its timer, and a handler re-arms a
        // timer only in the future (or Hold at `now`, which a one-member
        // ring re-arms at most once per message it sends).
        for _ in 0..64 {
            let Some(timer) = self.timers.take_expired(self.now) else {
                return;
            };
            match timer {
                Timer::TokenLoss => self.on_token_loss(),
                Timer::TokenRetransmit => self.on_token_retransmit(),
                Timer::Hold => self.release_held_token(),
                Timer::Join => self.on_join_timer(),
                Timer::Consensus => self.on_consensus_timer(),
                Timer::Merge => self.on_merge_timer(),
            }
        }
    }

    fn handle_send(&mut self, payload: Vec<u8>, safe: bool) {
        let len_bytes = payload.len();
        let refuse = if len_bytes > MAX_PAYLOAD_BYTES {
            Some(SendError::TooLarge)
        } else if self.pending.len() >= MAX_PENDING_SENDS {
            Some(SendError::QueueFull)
        } else {
            None
        };
        if let Some(reason) = refuse {
            self.emit(Output::Event(TotemEvent::SendRejected {
                len_bytes,
                reason,
            }));
            return;
        }
        self.pending.push_back((payload, safe));
        self.token.release_hold_early(self.now, &mut self.timers);
    }

    // ---- outputs ----

    /// The next effect, if any. Drain after every [`Totem::handle`].
    #[must_use]
    pub fn poll_output(&mut self) -> Option<Output> {
        self.outputs.pop_front()
    }

    /// When to call `handle(Input::Timeout)` next.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.timers.next()
    }

    fn emit(&mut self, output: Output) {
        self.outputs.push_back(output);
    }

    fn multicast(&mut self, ring_id: RingId, packet: &Packet) {
        let bytes = self.codec.encode(self.id, ring_id, packet);
        self.emit(Output::Multicast(bytes));
    }

    fn after_ms(&self, ms: u32) -> Instant {
        self.now + Duration::from_millis(u64::from(ms))
    }

    /// A little randomness on periodic timers so that nodes started
    /// together do not send in lockstep: up to a fifth of `ms`.
    fn jittered_ms(&mut self, ms: u32) -> Instant {
        let spread = (ms / 5).max(1);
        let extra = self.rng.next_u32() % spread;
        self.after_ms(ms.saturating_add(extra))
    }
}
