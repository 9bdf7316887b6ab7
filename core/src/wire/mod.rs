//! The datagram format every cohort node speaks: one versioned envelope.
//!
//! ```text
//! +-------------------------------------------------------------------+
//! | header: magic "CHRT" | version | cluster hash | sender | ring id | kind |
//! | body:   the kind's message (bincode 2.0 of a serde type)          |
//! | tag:    HMAC-SHA-256 over header + body (only with a cluster key) |
//! +-------------------------------------------------------------------+
//! ```
//!
//! serde + bincode (pinned to 2.0.x) are used through this module only, so
//! the codec can change without touching the protocol code.
//!
//! # Decoding is hostile-input safe
//! - A datagram longer than [`MAX_DATAGRAM_BYTES`] is dropped before any
//!   decoding.
//! - Bodies are decoded by borrowing from the datagram: a byte string is
//!   checked against the bytes really present before it is copied, and
//!   every list goes through [`bounded_vec`], which never reserves from a
//!   length the sender claims (only from elements really read, each of
//!   which costs at least one byte of the datagram) and refuses more than
//!   its bound. bincode's limit (the datagram bound) caps any other claim.
//!   So the memory a datagram can make us allocate is proportional to its
//!   real length, never to what it says.
//! - Nothing panics: every failure is a [`DropReason`], which the caller
//!   counts in [`DropCounters`].
//!
//! # Authentication and encryption
//! What protects a datagram follows corosync's effective crypto settings
//! (`secauth: on` means aes256 + sha256, as in corosync):
//! - `crypto_cipher` set: the body is encrypted and the whole datagram
//!   authenticated with AES-GCM ([`seal`]); the header stays readable (it
//!   only names cluster, sender, ring and kind) but is authenticated.
//! - only `crypto_hash` set: every datagram ends with an HMAC-SHA-256 tag
//!   over everything before it, checked in constant time before the body
//!   is decoded ([`AuthKey`]).
//! - neither: nothing; anyone on the group can speak.
//!
//! Either way a datagram that does not check (another key, tampered,
//! truncated) is [`DropReason::Unauthenticated`] before its body is read.

mod auth;
mod bounded;
pub mod frame;
mod payload;
pub mod seal;
#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};

pub use auth::{AuthKey, TAG_BYTES};
pub use bounded::bounded_vec;
pub use payload::{decode_message, decode_payload, encode_payload, MAX_MESSAGE_BYTES};

/// SHA-256 of `bytes` as lowercase hex: the digest kept beside a file
/// the runtime writes, to tell a torn write at start.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
pub use seal::{Cipher, SealKey, Sealer, SEAL_OVERHEAD_BYTES, SESSION_BYTES};

use std::borrow::Cow;

/// The first four bytes of every cohort datagram.
pub const MAGIC: [u8; 4] = *b"CHRT";
/// The envelope version this build speaks.
pub const VERSION: u8 = 1;
/// The largest datagram we send or accept (a UDP payload fits under it).
pub const MAX_DATAGRAM_BYTES: usize = 65_000;

/// The bincode settings of every envelope: varints, and no claim (string or
/// byte length) beyond a datagram's size.
fn codec() -> impl bincode::config::Config {
    bincode::config::standard().with_limit::<MAX_DATAGRAM_BYTES>()
}

/// A ring's identity: its representative (lowest member) and a sequence
/// number that only grows. Ordered by sequence first.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
pub struct RingId {
    pub seq: u64,
    pub rep: u32,
}

impl std::fmt::Display for RingId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.rep, self.seq)
    }
}

/// What the body of a datagram is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Kind {
    /// An ordered message (new or retransmitted) of a ring.
    Mcast,
    /// The ring's ordering token.
    Token,
    /// A membership join (gather phase).
    Join,
    /// The commit token that installs a new ring.
    Commit,
    /// A periodic announcement so that partitions find each other.
    MergeDetect,
}

/// The fixed part of every datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    pub magic: [u8; 4],
    pub version: u8,
    /// [`cluster_hash`] of the cluster name: clusters sharing a multicast
    /// group ignore each other.
    pub cluster_hash: u32,
    /// The node that sent this datagram (not necessarily the author of a
    /// retransmitted message).
    pub sender: u32,
    /// The sender's ring when it sent this.
    pub ring_id: RingId,
    pub kind: Kind,
}

/// A message type that can travel in an envelope.
pub trait Body {
    /// The kind written in the header; decoding checks that they agree.
    fn kind(&self) -> Kind;
}

/// Why a datagram was dropped. Each one is counted, none is an error of
/// ours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DropReason {
    /// Longer than [`MAX_DATAGRAM_BYTES`].
    #[error("datagram longer than {MAX_DATAGRAM_BYTES} bytes")]
    Oversize,
    /// Header or body do not decode, or bytes are left over.
    #[error("malformed datagram")]
    Malformed,
    /// Not a cohort datagram.
    #[error("bad magic")]
    BadMagic,
    /// A cohort datagram of another envelope version.
    #[error("unsupported envelope version")]
    BadVersion,
    /// Another cluster's datagram on the same group.
    #[error("datagram of another cluster")]
    WrongCluster,
    /// Missing or wrong HMAC tag (a node with another key, or forged).
    #[error("authentication failed")]
    Unauthenticated,
    /// Authentic but out of date: an old ring, an old token.
    #[error("stale datagram")]
    Stale,
    /// Authentic and current, but sent to a node that it does not concern.
    #[error("datagram not for this node")]
    NotForUs,
}

/// How many datagrams were dropped, by reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DropCounters {
    pub oversize: u64,
    pub malformed: u64,
    pub bad_magic: u64,
    pub bad_version: u64,
    pub wrong_cluster: u64,
    pub unauthenticated: u64,
    pub stale: u64,
    pub not_for_us: u64,
}

impl DropCounters {
    pub fn count(&mut self, reason: DropReason) {
        let slot = match reason {
            DropReason::Oversize => &mut self.oversize,
            DropReason::Malformed => &mut self.malformed,
            DropReason::BadMagic => &mut self.bad_magic,
            DropReason::BadVersion => &mut self.bad_version,
            DropReason::WrongCluster => &mut self.wrong_cluster,
            DropReason::Unauthenticated => &mut self.unauthenticated,
            DropReason::Stale => &mut self.stale,
            DropReason::NotForUs => &mut self.not_for_us,
        };
        *slot = slot.saturating_add(1);
    }

    /// All drops together.
    pub fn total(&self) -> u64 {
        [
            self.oversize,
            self.malformed,
            self.bad_magic,
            self.bad_version,
            self.wrong_cluster,
            self.unauthenticated,
            self.stale,
            self.not_for_us,
        ]
        .iter()
        .fold(0u64, |a, b| a.saturating_add(*b))
    }
}

/// The 32-bit FNV-1a hash of a cluster name: stable across builds and
/// platforms, unlike std's hasher.
pub fn cluster_hash(cluster_name: &str) -> u32 {
    cluster_name.bytes().fold(0x811c_9dc5u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}

/// How datagrams are protected (see the module comment).
#[derive(Debug, Clone)]
pub enum Protection {
    /// Neither cipher nor hash: plain datagrams.
    None,
    /// `crypto_hash` only: an HMAC-SHA-256 tag.
    Authenticated(AuthKey),
    /// `crypto_cipher` set: AES-GCM.
    Sealed(Sealer),
}

/// What a node needs to write and check envelopes: its cluster and key.
#[derive(Debug, Clone)]
pub struct Codec {
    pub cluster_hash: u32,
    protection: Protection,
}

/// A datagram whose header checked and whose body is authentic (and
/// decrypted): decode the body with [`Opened::body`], which may borrow
/// from it.
#[derive(Debug, Clone)]
pub struct Opened<'a> {
    pub header: Header,
    body: Cow<'a, [u8]>,
}

impl Opened<'_> {
    /// The body as `B`; it must fill the body exactly and be of the kind
    /// the header names.
    pub fn body<'b, B: Deserialize<'b> + Body>(&'b self) -> Result<B, DropReason> {
        let (body, body_len): (B, usize) =
            bincode::serde::borrow_decode_from_slice(&self.body, codec())
                .map_err(|_| DropReason::Malformed)?;
        if body_len != self.body.len() || body.kind() != self.header.kind {
            return Err(DropReason::Malformed);
        }
        Ok(body)
    }
}

/// The header of a datagram, unchecked (not authenticated): for a test
/// network that treats packets by kind, never for a protocol decision.
pub fn peek_header(datagram: &[u8]) -> Option<Header> {
    let (header, _): (Header, usize) =
        bincode::serde::borrow_decode_from_slice(datagram, codec()).ok()?;
    (header.magic == MAGIC).then_some(header)
}

impl Codec {
    /// Plain (`key` None) or HMAC-authenticated datagrams.
    pub fn new(cluster_name: &str, key: Option<AuthKey>) -> Codec {
        Codec::with_protection(
            cluster_name,
            key.map_or(Protection::None, Protection::Authenticated),
        )
    }

    pub fn with_protection(cluster_name: &str, protection: Protection) -> Codec {
        Codec {
            cluster_hash: cluster_hash(cluster_name),
            protection,
        }
    }

    pub fn protection(&self) -> &Protection {
        &self.protection
    }

    /// One datagram. Panics (an invariant of ours, not a peer's fault) if
    /// the body does not encode or the result exceeds the datagram bound:
    /// callers bound what they put in a body.
    pub fn encode<B: Serialize + Body>(
        &mut self,
        sender: u32,
        ring_id: RingId,
        body: &B,
    ) -> Vec<u8> {
        let header = Header {
            magic: MAGIC,
            version: VERSION,
            cluster_hash: self.cluster_hash,
            sender,
            ring_id,
            kind: body.kind(),
        };
        let mut bytes =
            bincode::serde::encode_to_vec(header, codec()).expect("a header always encodes");
        let header_len = bytes.len();
        let body_bytes = bincode::serde::encode_to_vec(body, codec())
            .expect("bodies are bounded by their makers");
        bytes.extend_from_slice(&body_bytes);
        match &mut self.protection {
            Protection::None => {}
            Protection::Authenticated(key) => {
                let tag = key.tag(&bytes);
                bytes.extend_from_slice(&tag);
            }
            Protection::Sealed(sealer) => sealer.seal(sender, header_len, &mut bytes),
        }
        assert!(
            bytes.len() <= MAX_DATAGRAM_BYTES,
            "encoded datagram of {} bytes exceeds the bound",
            bytes.len()
        );
        bytes
    }

    /// Checks one datagram's header and authenticity (decrypting it when
    /// sealed); the body is decoded from the result.
    pub fn open<'a>(&self, datagram: &'a [u8]) -> Result<Opened<'a>, DropReason> {
        if datagram.len() > MAX_DATAGRAM_BYTES {
            return Err(DropReason::Oversize);
        }
        if datagram.get(..MAGIC.len()) != Some(&MAGIC[..]) {
            return Err(DropReason::BadMagic);
        }
        let (header, header_len): (Header, usize) =
            bincode::serde::borrow_decode_from_slice(datagram, codec())
                .map_err(|_| DropReason::Malformed)?;
        if header.version != VERSION {
            return Err(DropReason::BadVersion);
        }
        if header.cluster_hash != self.cluster_hash {
            return Err(DropReason::WrongCluster);
        }
        let body = match &self.protection {
            Protection::None => Cow::Borrowed(&datagram[header_len..]),
            Protection::Authenticated(key) => {
                let signed = key.verify(datagram)?;
                Cow::Borrowed(signed.get(header_len..).ok_or(DropReason::Malformed)?)
            }
            Protection::Sealed(sealer) => {
                Cow::Owned(sealer.key().open(header.sender, header_len, datagram)?)
            }
        };
        Ok(Opened { header, body })
    }
}
