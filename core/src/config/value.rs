//! Typed reading of key values, with corosync's integer rules
//! (`coroparse.c`, `safe_atoq`: `strtoll` base 10, the whole value must be
//! the number, then a range check for the key's cmap type).

use super::error::ConfigError;
use super::parse::KeyValue;

/// The cmap integer types corosync stores config numbers in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntType {
    U8,
    U16,
    U32,
}

impl IntType {
    fn max(self) -> i64 {
        match self {
            IntType::U8 => u8::MAX.into(),
            IntType::U16 => u16::MAX.into(),
            IntType::U32 => u32::MAX.into(),
        }
    }
}

/// Reads `kv` as an integer of type `ty`; `cmap_key` names it in the error.
pub fn int(kv: &KeyValue, cmap_key: &str, ty: IntType) -> Result<u32, ConfigError> {
    let bad = || ConfigError::NotInteger {
        line: kv.line,
        key: cmap_key.to_string(),
        min: 0,
        max: ty.max(),
        value: kv.value.clone(),
    };
    // strtoll skips leading blanks and takes one sign; the value is already
    // trimmed of trailing blanks by the parser, so the rest must be digits.
    let s = kv
        .value
        .trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (negative, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let magnitude: i64 = digits.parse().map_err(|_| bad())?;
    let n = if negative { -magnitude } else { magnitude };
    if n < 0 || n > ty.max() {
        return Err(bad());
    }
    Ok(u32::try_from(n).expect("range-checked against u32::MAX"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kv(value: &str) -> KeyValue {
        KeyValue {
            key: "token".into(),
            value: value.into(),
            line: 7,
        }
    }

    #[test]
    fn integers_follow_strtoll_and_range() {
        assert_eq!(int(&kv("3000"), "totem.token", IntType::U32), Ok(3000));
        assert_eq!(int(&kv("+5"), "totem.token", IntType::U32), Ok(5));
        assert_eq!(
            int(&kv("4294967295"), "totem.token", IntType::U32),
            Ok(u32::MAX)
        );
        let e = int(&kv("abc"), "totem.token", IntType::U32).unwrap_err();
        assert_eq!(e.line(), 7);
        assert_eq!(
            e.to_string(),
            "Value of key \"totem.token\" is expected to be integer in range (0..4294967295), but \"abc\" was given"
        );
        for bad in ["", "-1", "1x", "0x10", "4294967296", "99999999999999999999"] {
            assert!(int(&kv(bad), "k", IntType::U32).is_err(), "{bad:?}");
        }
        assert!(int(&kv("256"), "k", IntType::U8).is_err());
        assert_eq!(
            int(&kv("70000"), "totem.interface.mcastport", IntType::U16)
                .unwrap_err()
                .to_string(),
            "Value of key \"totem.interface.mcastport\" is expected to be integer in range (0..65535), but \"70000\" was given"
        );
    }
}
