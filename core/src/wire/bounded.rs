//! Lists in datagram bodies, decoded without trusting their length prefix.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{Deserialize, Deserializer, SeqAccess, Visitor};

/// serde `deserialize_with` for a `Vec<T>` of at most `MAX` elements.
///
/// serde's own `Vec` visitor reserves up to a megabyte from the length a
/// datagram claims; this one starts empty and grows only with elements
/// actually decoded, so a lying prefix costs nothing, and a list longer
/// than `MAX` is refused.
pub fn bounded_vec<'de, D, T, const MAX: usize>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    deserializer.deserialize_seq(BoundedVisitor::<T, MAX>(PhantomData))
}

struct BoundedVisitor<T, const MAX: usize>(PhantomData<T>);

impl<'de, T: Deserialize<'de>, const MAX: usize> Visitor<'de> for BoundedVisitor<T, MAX> {
    type Value = Vec<T>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "a list of at most {MAX} elements")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
        if seq.size_hint().is_some_and(|n| n > MAX) {
            return Err(serde::de::Error::invalid_length(
                seq.size_hint().unwrap_or(0),
                &self,
            ));
        }
        let mut out = Vec::new();
        while let Some(item) = seq.next_element()? {
            if out.len() == MAX {
                return Err(serde::de::Error::invalid_length(MAX + 1, &self));
            }
            out.push(item);
        }
        Ok(out)
    }
}
