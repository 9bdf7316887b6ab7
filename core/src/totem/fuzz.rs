//! What the `wire_decode` fuzz target checks (also replayed on stable by
//! the wire tests): no datagram makes a node panic, and whatever decodes
//! encodes to bytes that decode to the same thing.

use super::message::Packet;
use super::{Input, Totem, TotemConfig};
use crate::time::Instant;
use crate::wire::{AuthKey, Codec};

/// The cluster name the fuzz corpus is written for.
pub const FUZZ_CLUSTER: &str = "fuzz";
/// The key of the corpus's authenticated datagrams.
pub const FUZZ_KEY: &[u8] = b"cohort fuzz corpus key, not a secret";

/// Decodes `bytes` without and with the corpus key, checks that what
/// decodes re-encodes identically, and feeds it to a running node (every
/// phase-independent check and handler runs). Err describes a broken
/// round trip; a panic is the other failure the fuzzer finds.
pub fn check_datagram(bytes: &[u8]) -> Result<(), String> {
    for key in [None, Some(AuthKey::new(FUZZ_KEY))] {
        let codec = Codec::new(FUZZ_CLUSTER, key.clone());
        if let Ok((header, packet)) = codec.decode::<Packet>(bytes) {
            // bincode accepts non-minimal varints, so compare values, not
            // bytes: what we write reads back as what we read.
            let again = codec.encode(header.sender, header.ring_id, &packet);
            match codec.decode::<Packet>(&again) {
                Ok((h, p)) if h == header && p == packet => {}
                other => return Err(format!("{packet:?} re-reads as {other:?}")),
            }
        }
        let config = TotemConfig {
            auth_key: key.is_some().then(|| FUZZ_KEY.to_vec()),
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
