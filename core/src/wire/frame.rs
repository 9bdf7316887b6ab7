//! Length-prefixed frames on a byte stream (the admin socket between the
//! `cohort` CLI and `cohortd`): a 4-byte big-endian length, then one value
//! in the same bincode settings as datagrams, bounded by
//! [`MAX_FRAME_BYTES`] instead of a datagram's size.

use serde::{de::DeserializeOwned, Serialize};

use super::DropReason;

/// The largest frame body: a whole CIB as XML travels in one.
pub const MAX_FRAME_BYTES: usize = 64 << 20;
/// The length prefix.
pub const FRAME_HEADER_BYTES: usize = 4;

fn codec() -> impl bincode::config::Config {
    bincode::config::standard().with_limit::<MAX_FRAME_BYTES>()
}

/// One value as a frame: length prefix and body. Panics (our invariant)
/// if the value does not encode or exceeds [`MAX_FRAME_BYTES`].
pub fn encode_frame<T: Serialize>(value: &T) -> Vec<u8> {
    let body = bincode::serde::encode_to_vec(value, codec()).expect("frames are plain data");
    assert!(body.len() <= MAX_FRAME_BYTES, "frame bound exceeded");
    let mut out = Vec::with_capacity(FRAME_HEADER_BYTES + body.len());
    out.extend_from_slice(&(body.len() as u32).to_be_bytes());
    out.extend_from_slice(&body);
    out
}

/// Collects bytes from a stream and cuts them into frames.
#[derive(Debug, Default)]
pub struct FrameReader {
    buf: Vec<u8>,
}

impl FrameReader {
    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// The next whole frame's value, `Ok(None)` while it is incomplete.
    /// A length over [`MAX_FRAME_BYTES`] or a body that does not decode is
    /// an error: the stream cannot be resynchronised, close it.
    pub fn next_frame<T: DeserializeOwned>(&mut self) -> Result<Option<T>, DropReason> {
        let Some(prefix) = self.buf.get(..FRAME_HEADER_BYTES) else {
            return Ok(None);
        };
        let len = u32::from_be_bytes(prefix.try_into().expect("four bytes")) as usize;
        if len > MAX_FRAME_BYTES {
            return Err(DropReason::Oversize);
        }
        let Some(body) = self.buf.get(FRAME_HEADER_BYTES..FRAME_HEADER_BYTES + len) else {
            return Ok(None);
        };
        let (value, used): (T, usize) =
            bincode::serde::decode_from_slice(body, codec()).map_err(|_| DropReason::Malformed)?;
        if used != len {
            return Err(DropReason::Malformed);
        }
        self.buf.drain(..FRAME_HEADER_BYTES + len);
        Ok(Some(value))
    }

    /// Bytes held that are not a whole frame yet.
    pub fn pending(&self) -> usize {
        self.buf.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_cut_at_any_byte_come_back_whole() {
        let values = vec![String::from("status"), "x".repeat(70_000), String::new()];
        let bytes: Vec<u8> = values.iter().flat_map(encode_frame).collect();
        for step in [1, 3, 4096] {
            let mut r = FrameReader::default();
            let mut got = Vec::new();
            for chunk in bytes.chunks(step) {
                r.push(chunk);
                while let Some(v) = r.next_frame::<String>().unwrap() {
                    got.push(v);
                }
            }
            assert_eq!(got, values);
            assert_eq!(r.pending(), 0);
        }
    }

    #[test]
    fn an_oversized_or_malformed_frame_is_an_error() {
        let mut r = FrameReader::default();
        r.push(&u32::MAX.to_be_bytes());
        assert_eq!(r.next_frame::<String>(), Err(DropReason::Oversize));
        let mut r = FrameReader::default();
        // A string whose length says more than the frame holds.
        r.push(&[0, 0, 0, 2, 200, 1]);
        assert_eq!(r.next_frame::<String>(), Err(DropReason::Malformed));
    }
}
