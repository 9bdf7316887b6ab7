//! Encryption of whole datagrams (corosync's `crypto_cipher`): AES-GCM
//! under a key derived from the authkey, one key per sender and session.
//!
//! ```text
//! header (clear) | session (16) | counter (8, LE) | ciphertext | GCM tag (16)
//! \____________ associated data ____________/
//! ```
//!
//! # Keys
//! `key = HKDF-SHA-256(ikm = authkey, salt = KDF_SALT)
//!          .expand(info = cipher name | sender id | session)`, so an
//! authkey of any length (corosync's 128..=4096 bytes) gives a key of the
//! cipher's size, and every (sender, session) pair has a key of its own.
//!
//! # Why a nonce is never used twice under one key
//! The GCM nonce is the datagram's counter (96 bits: four zero bytes and
//! the counter big-endian). A sealer starts it at 0 and adds one per
//! datagram, and refuses to go past `u64::MAX` (at a million datagrams a
//! second, half a million years), so one (sender, session) never repeats
//! a nonce. Another node derives another key (its id is in the info), and
//! so does the same node in another life: each [`Sealer`] draws its
//! 128-bit session from the node's seeded generator, so two lives share a
//! key only if they share a seed (the runtime seeds every start from the
//! operating system) or draw the same 128 bits (chance 2^-128 per pair).

use aes::{Aes128, Aes192, Aes256};
use aes_gcm::aead::consts::U12;
use aes_gcm::aead::{AeadInPlace, KeyInit};
use aes_gcm::{AesGcm, Nonce, Tag};
use hkdf::Hkdf;
use sha2::Sha256;

use super::DropReason;

/// Bytes of the random session id each datagram carries.
pub const SESSION_BYTES: usize = 16;
const COUNTER_BYTES: usize = 8;
const GCM_TAG_BYTES: usize = 16;
/// What sealing adds to a datagram.
pub const SEAL_OVERHEAD_BYTES: usize = SESSION_BYTES + COUNTER_BYTES + GCM_TAG_BYTES;
/// HKDF's salt: separates these keys from any other use of the authkey.
const KDF_SALT: &[u8] = b"cohort wire v1 datagram keys";

/// The ciphers corosync's `crypto_cipher` names (`none` is no cipher).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cipher {
    Aes128,
    Aes192,
    Aes256,
}

impl Cipher {
    /// From corosync's spelling; None for `none` (or anything else).
    pub fn from_name(name: &str) -> Option<Cipher> {
        match name {
            "aes128" => Some(Cipher::Aes128),
            "aes192" => Some(Cipher::Aes192),
            "aes256" => Some(Cipher::Aes256),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Cipher::Aes128 => "aes128",
            Cipher::Aes192 => "aes192",
            Cipher::Aes256 => "aes256",
        }
    }

    fn key_bytes(self) -> usize {
        match self {
            Cipher::Aes128 => 16,
            Cipher::Aes192 => 24,
            Cipher::Aes256 => 32,
        }
    }
}

/// One ready AES-GCM key.
#[derive(Clone)]
enum Gcm {
    Aes128(Box<AesGcm<Aes128, U12>>),
    Aes192(Box<AesGcm<Aes192, U12>>),
    Aes256(Box<AesGcm<Aes256, U12>>),
}

impl Gcm {
    fn seal(&self, nonce: &Nonce<U12>, aad: &[u8], buf: &mut [u8]) -> Tag {
        let sealed = match self {
            Gcm::Aes128(g) => g.encrypt_in_place_detached(nonce, aad, buf),
            Gcm::Aes192(g) => g.encrypt_in_place_detached(nonce, aad, buf),
            Gcm::Aes256(g) => g.encrypt_in_place_detached(nonce, aad, buf),
        };
        sealed.expect("GCM seals any datagram under the size bound")
    }

    fn open(&self, nonce: &Nonce<U12>, aad: &[u8], buf: &mut [u8], tag: &Tag) -> bool {
        match self {
            Gcm::Aes128(g) => g.decrypt_in_place_detached(nonce, aad, buf, tag),
            Gcm::Aes192(g) => g.decrypt_in_place_detached(nonce, aad, buf, tag),
            Gcm::Aes256(g) => g.decrypt_in_place_detached(nonce, aad, buf, tag),
        }
        .is_ok()
    }
}

fn nonce(counter: u64) -> Nonce<U12> {
    let mut n = [0u8; 12];
    n[4..].copy_from_slice(&counter.to_be_bytes());
    n.into()
}

/// The cluster key, ready to derive per-sender keys.
#[derive(Clone)]
pub struct SealKey {
    cipher: Cipher,
    kdf: Hkdf<Sha256>,
}

impl std::fmt::Debug for SealKey {
    /// Never prints the key.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SealKey({}, ..)", self.cipher.name())
    }
}

impl SealKey {
    /// From the authkey's bytes (any length; the runtime enforces
    /// corosync's 128..=4096).
    pub fn new(cipher: Cipher, authkey: &[u8]) -> SealKey {
        SealKey {
            cipher,
            kdf: Hkdf::<Sha256>::new(Some(KDF_SALT), authkey),
        }
    }

    pub fn cipher(&self) -> Cipher {
        self.cipher
    }

    fn derive(&self, sender: u32, session: &[u8; SESSION_BYTES]) -> Gcm {
        let mut info = Vec::with_capacity(6 + 4 + SESSION_BYTES);
        info.extend_from_slice(self.cipher.name().as_bytes());
        info.extend_from_slice(&sender.to_be_bytes());
        info.extend_from_slice(session);
        let mut key = [0u8; 32];
        let key = &mut key[..self.cipher.key_bytes()];
        self.kdf
            .expand(&info, key)
            .expect("HKDF-SHA-256 gives up to 8160 bytes");
        let gcm = match self.cipher {
            Cipher::Aes128 => {
                Gcm::Aes128(Box::new(AesGcm::new_from_slice(key).expect("16-byte key")))
            }
            Cipher::Aes192 => {
                Gcm::Aes192(Box::new(AesGcm::new_from_slice(key).expect("24-byte key")))
            }
            Cipher::Aes256 => {
                Gcm::Aes256(Box::new(AesGcm::new_from_slice(key).expect("32-byte key")))
            }
        };
        key.fill(0);
        gcm
    }
}

/// One node's sealing state: its key, its session and the next counter.
#[derive(Clone)]
pub struct Sealer {
    key: SealKey,
    session: [u8; SESSION_BYTES],
    next_counter: u64,
    /// The derived key of the last sender sealed for (a node seals as
    /// itself, so this is derived once).
    sending: Option<(u32, Gcm)>,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Sealer({:?}, next counter {})",
            self.key, self.next_counter
        )
    }
}

impl Sealer {
    /// `session` must be fresh for every life of a node: draw it from the
    /// node's seeded generator (see the module comment).
    pub fn new(key: SealKey, session: [u8; SESSION_BYTES]) -> Sealer {
        Sealer {
            key,
            session,
            next_counter: 0,
            sending: None,
        }
    }

    pub fn key(&self) -> &SealKey {
        &self.key
    }

    /// Encrypts `bytes[clear..]` in place and appends session, counter and
    /// tag (session and counter go between the clear part and the
    /// ciphertext).
    pub fn seal(&mut self, sender: u32, clear: usize, bytes: &mut Vec<u8>) {
        let counter = self.next_counter;
        // Never wraps: a wrapped counter would reuse nonces.
        self.next_counter = counter
            .checked_add(1)
            .expect("datagram counter exhausted (2^64 datagrams in one life)");
        if self.sending.as_ref().is_none_or(|(s, _)| *s != sender) {
            self.sending = Some((sender, self.key.derive(sender, &self.session)));
        }
        let (_, gcm) = self.sending.as_ref().expect("derived above");
        let body = bytes.split_off(clear);
        bytes.extend_from_slice(&self.session);
        bytes.extend_from_slice(&counter.to_le_bytes());
        let aad_len = bytes.len();
        bytes.extend_from_slice(&body);
        let (aad, buf) = bytes.split_at_mut(aad_len);
        let tag = gcm.seal(&nonce(counter), aad, buf);
        bytes.extend_from_slice(&tag);
    }
}

impl SealKey {
    /// The plaintext body of a sealed datagram whose clear header is
    /// `datagram[..clear]`, if it is authentic.
    pub fn open(&self, sender: u32, clear: usize, datagram: &[u8]) -> Result<Vec<u8>, DropReason> {
        let after_header = datagram.get(clear..).ok_or(DropReason::Malformed)?;
        if after_header.len() < SEAL_OVERHEAD_BYTES {
            return Err(DropReason::Unauthenticated);
        }
        let aad_len = clear + SESSION_BYTES + COUNTER_BYTES;
        let (aad, rest) = datagram.split_at(aad_len);
        let (ciphertext, tag) = rest.split_at(rest.len() - GCM_TAG_BYTES);
        let session: [u8; SESSION_BYTES] = aad[clear..clear + SESSION_BYTES]
            .try_into()
            .expect("sliced to size");
        let counter = u64::from_le_bytes(
            aad[clear + SESSION_BYTES..]
                .try_into()
                .expect("sliced to size"),
        );
        let gcm = self.derive(sender, &session);
        let mut plain = ciphertext.to_vec();
        if gcm.open(&nonce(counter), aad, &mut plain, Tag::from_slice(tag)) {
            Ok(plain)
        } else {
            Err(DropReason::Unauthenticated)
        }
    }
}
