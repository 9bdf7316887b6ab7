//! Application payloads carried inside totem messages (the controller's
//! messages), in the same bincode settings as the envelope, so that bincode
//! stays behind this module.

use serde::{de::DeserializeOwned, Serialize};

use super::{codec, DropReason};

/// Encodes one payload. Panics (our invariant) if it does not encode:
/// payload types are plain data.
pub fn encode_payload<T: Serialize>(value: &T) -> Vec<u8> {
    bincode::serde::encode_to_vec(value, codec()).expect("payloads are plain, bounded data")
}

/// Decodes one payload; trailing bytes or a bad encoding are `Malformed`.
pub fn decode_payload<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, DropReason> {
    let (value, used): (T, usize) =
        bincode::serde::decode_from_slice(bytes, codec()).map_err(|_| DropReason::Malformed)?;
    if used != bytes.len() {
        return Err(DropReason::Malformed);
    }
    Ok(value)
}

/// The largest payload [`decode_message`] takes: a controller message put
/// back together from fragments (a whole CIB).
pub const MAX_MESSAGE_BYTES: usize = 256 << 20;

/// Decodes a payload that may span many datagrams (bounded by
/// [`MAX_MESSAGE_BYTES`] instead of a datagram's size).
pub fn decode_message<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, DropReason> {
    let config = bincode::config::standard().with_limit::<MAX_MESSAGE_BYTES>();
    let (value, used): (T, usize) =
        bincode::serde::decode_from_slice(bytes, config).map_err(|_| DropReason::Malformed)?;
    if used != bytes.len() {
        return Err(DropReason::Malformed);
    }
    Ok(value)
}
