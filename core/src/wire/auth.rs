//! HMAC-SHA-256 over a whole datagram with the cluster key.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::DropReason;

/// Length of the tag at the end of an authenticated datagram.
pub const TAG_BYTES: usize = 32;

/// The cluster key (corosync's authkey), ready to tag and verify.
#[derive(Clone)]
pub struct AuthKey {
    mac: Hmac<Sha256>,
}

impl std::fmt::Debug for AuthKey {
    /// Never prints the key.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuthKey(..)")
    }
}

impl AuthKey {
    /// A key from the authkey file's bytes. HMAC takes any length; the
    /// runtime enforces corosync's 128..=4096 byte rule when reading it.
    pub fn new(key: &[u8]) -> AuthKey {
        AuthKey {
            mac: Hmac::<Sha256>::new_from_slice(key).expect("HMAC accepts keys of any length"),
        }
    }

    pub fn tag(&self, signed: &[u8]) -> [u8; TAG_BYTES] {
        let mut mac = self.mac.clone();
        mac.update(signed);
        mac.finalize().into_bytes().into()
    }

    /// The signed part of `datagram` if its trailing tag is right (compared
    /// in constant time).
    pub fn verify<'a>(&self, datagram: &'a [u8]) -> Result<&'a [u8], DropReason> {
        let split = datagram
            .len()
            .checked_sub(TAG_BYTES)
            .ok_or(DropReason::Unauthenticated)?;
        let (signed, tag) = datagram.split_at(split);
        let mut mac = self.mac.clone();
        mac.update(signed);
        mac.verify_slice(tag)
            .map_err(|_| DropReason::Unauthenticated)?;
        Ok(signed)
    }
}
