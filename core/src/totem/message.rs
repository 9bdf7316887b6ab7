//! What totem nodes send each other: the bodies of wire envelopes.
//!
//! Every list is decoded through [`bounded_vec`], so a datagram cannot
//! make a node allocate from a length it merely claims.

use serde::{Deserialize, Serialize};

use super::NodeId;
use crate::wire::{bounded_vec, Body, Kind, RingId};

/// Most members a ring can have (the recovery flags of a token are one
/// `u64` bitmap).
pub const MAX_MEMBERS: usize = 64;
/// Most retransmission requests a token carries.
pub const MAX_RTR: usize = 256;
/// Largest application payload one message carries.
pub const MAX_PAYLOAD_BYTES: usize = 60_000;

/// One datagram's body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Packet<'a> {
    #[serde(borrow)]
    Mcast(Mcast<'a>),
    Token(Token),
    Join(Join),
    Commit(CommitToken),
    MergeDetect(MergeDetect),
}

impl Body for Packet<'_> {
    fn kind(&self) -> Kind {
        match self {
            Packet::Mcast(_) => Kind::Mcast,
            Packet::Token(_) => Kind::Token,
            Packet::Join(_) => Kind::Join,
            Packet::Commit(_) => Kind::Commit,
            Packet::MergeDetect(_) => Kind::MergeDetect,
        }
    }
}

/// An ordered message of the ring named in the envelope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mcast<'a> {
    /// Its place in the ring's total order.
    pub seq: u64,
    /// The node whose application sent it (a retransmission comes from
    /// another node).
    pub origin: NodeId,
    /// Deliver only once every member holds it.
    pub safe: bool,
    /// During recovery: the old ring and seq of the message this one
    /// carries across to the new ring.
    pub recovered: Option<(RingId, u64)>,
    #[serde(borrow)]
    pub payload: &'a [u8],
}

/// The ordering token of a ring.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Token {
    /// Grows by one on every hop: a duplicate or retransmitted token is
    /// recognised and dropped.
    pub token_seq: u64,
    /// The highest message seq assigned in this ring.
    pub seq: u64,
    /// Each member's all-received-up-to, by position in the ring. Their
    /// minimum is what every member holds (safe delivery, freeing).
    #[serde(deserialize_with = "bounded_vec::<_, _, MAX_MEMBERS>")]
    pub arus: Vec<u64>,
    /// Messages each member sent on its last visit (flow control).
    #[serde(deserialize_with = "bounded_vec::<_, _, MAX_MEMBERS>")]
    pub sent: Vec<u32>,
    /// Seqs some member is missing.
    #[serde(deserialize_with = "bounded_vec::<_, _, MAX_RTR>")]
    pub rtr: Vec<u64>,
    /// Recovery: bit i set once member i sent every old message it holds.
    pub recovered_mask: u64,
    /// Recovery is over: every member holds every message up to this seq.
    pub install_seq: Option<u64>,
}

/// A gather-phase announcement: who the sender thinks is in and out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Join {
    /// Sorted.
    #[serde(deserialize_with = "bounded_vec::<_, _, MAX_MEMBERS>")]
    pub proc_set: Vec<NodeId>,
    /// Sorted.
    #[serde(deserialize_with = "bounded_vec::<_, _, MAX_MEMBERS>")]
    pub fail_set: Vec<NodeId>,
    /// The highest ring seq the sender has seen: a new ring is numbered
    /// above every member's, and a join older than a ring is recognised.
    pub max_ring_seq: u64,
}

/// What a member brings into a new ring (collected by the commit token).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberInfo {
    pub node: NodeId,
    /// The last ring it was operational in.
    pub old_ring: RingId,
    /// All received up to, in the old ring.
    pub aru: u64,
    /// The highest seq it holds of the old ring.
    pub high_seq: u64,
    /// The highest seq every old member was known to hold.
    pub safe_aru: u64,
}

/// The token that installs a new ring: one pass collects each member's
/// [`MemberInfo`], a second tells everyone the whole set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitToken {
    /// Sorted: the ring order.
    #[serde(deserialize_with = "bounded_vec::<_, _, MAX_MEMBERS>")]
    pub members: Vec<NodeId>,
    /// By position, filled on the first pass.
    #[serde(deserialize_with = "bounded_vec::<_, _, MAX_MEMBERS>")]
    pub info: Vec<MemberInfo>,
    /// Second pass.
    pub complete: bool,
}

/// "I am here, in this ring, and I hear these other nodes."
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MergeDetect {
    /// The sender's ring, sorted.
    #[serde(deserialize_with = "bounded_vec::<_, _, MAX_MEMBERS>")]
    pub members: Vec<NodeId>,
    /// Nodes outside its ring it heard recently, sorted.
    #[serde(deserialize_with = "bounded_vec::<_, _, MAX_MEMBERS>")]
    pub heard: Vec<NodeId>,
}
