//! What the `wire_decode` fuzz target checks (also replayed on stable by
//! the wire tests): no datagram makes a node panic, and whatever decodes
//! encodes to bytes that decode to the same thing.

use super::message::Packet;
use super::{Input, Totem, TotemConfig};
use crate::time::Instant;
use crate::wire::{AuthKey, Cipher, Codec, Protection, SealKey, Sealer};

/// The cluster name the fuzz corpus is written for.
pub const FUZZ_CLUSTER: &str = "fuzz";
/// The key of the corpus's authenticated and sealed datagrams.
pub const FUZZ_KEY: &[u8] = b"cohort fuzz corpus key, not a secret";

/// The protections the corpus and the check use: plain, HMAC, AES-256-GCM.
pub fn fuzz_protections() -> [(Option<Cipher>, Protection); 3] {
    [
        (None, Protection::None),
        (None, Protection::Authenticated(AuthKey::new(FUZZ_KEY))),
        (
            Some(Cipher::Aes256),
            Protection::Sealed(Sealer::new(SealKey::new(Cipher::Aes256, FUZZ_KEY), [7; 16])),
        ),
    ]
}

/// Decodes `bytes` plain, with the corpus key's HMAC and sealed with it,
/// checks that what decodes re-encodes to bytes that decode to the same
/// values, and feeds it to a running node of each kind (every
/// phase-independent check and handler runs). Err describes a broken
/// round trip; a panic is the other failure the fuzzer finds.
pub fn check_datagram(bytes: &[u8]) -> Result<(), String> {
    for (cipher, protection) in fuzz_protections() {
        let keyed = !matches!(protection, Protection::None);
        let mut codec = Codec::with_protection(FUZZ_CLUSTER, protection);
        if let Some(err) = round_trip(&mut codec, bytes) {
            return Err(err);
        }
        let config = TotemConfig {
            auth_key: keyed.then(|| FUZZ_KEY.to_vec()),
            cipher,
            ..TotemConfig::with_token_ms(FUZZ_CLUSTER, 1000)
        };
        let mut node = Totem::new(config, 1, Instant::ZERO, 0);
        while node.poll_output().is_some() {}
        node.handle(
            Instant::from_millis(1),
            Input::Datagram {
                from: None,
                bytes: bytes.to_vec(),
            },
        );
        while node.poll_output().is_some() {}
    }
    Ok(())
}

/// What decodes re-encodes to bytes that decode to the same values
/// (bincode accepts non-minimal varints and sealing draws a new nonce, so
/// values are compared, not bytes); Some(what broke) if not.
fn round_trip(codec: &mut Codec, bytes: &[u8]) -> Option<String> {
    let opened = codec.open(bytes).ok()?;
    let packet = opened.body::<Packet>().ok()?;
    let header = opened.header;
    let again = codec.encode(header.sender, header.ring_id, &packet);
    let reopened = codec.open(&again);
    match reopened.as_ref().map(|o| (o.header, o.body::<Packet>())) {
        Ok((h, Ok(p))) if h == header && p == packet => None,
        other => Some(format!("{packet:?} re-reads as {other:?}")),
    }
}
