//! Writes the `wire_decode` fuzz target's seed corpus: real datagrams of
//! every kind from a small cluster (plain, authenticated and sealed
//! with the corpus key), plus broken ones. Run by hand when the format changes:
//! `cargo test -p cohort-core write_wire_corpus -- --ignored`.
//
// Tests may write files; core's own code may not.
#![allow(clippy::disallowed_methods)]

use std::cell::RefCell;
use std::collections::BTreeMap;

use super::*;
use crate::totem::fuzz::{fuzz_protections, FUZZ_CLUSTER, FUZZ_KEY};
use crate::totem::message::Packet;
use crate::wire::{Cipher, Codec, Kind, Protection};

fn kind_of(codec: &Codec, bytes: &[u8]) -> Option<Kind> {
    let opened = codec.open(bytes).ok()?;
    opened.body::<Packet>().ok()?;
    Some(opened.header.kind)
}

/// Datagrams of a small cluster protected as `protection` (one of
/// [`fuzz_protections`]) says.
fn collect(cipher: Option<Cipher>, protection: Protection) -> BTreeMap<String, Vec<u8>> {
    let keyed = !matches!(protection, Protection::None);
    let config = TotemConfig {
        auth_key: keyed.then(|| FUZZ_KEY.to_vec()),
        cipher,
        ..TotemConfig::with_token_ms(FUZZ_CLUSTER, 1000)
    };
    let codec = Codec::with_protection(FUZZ_CLUSTER, protection);
    let mut c = Cluster::new(config, &ids(3), 11);
    let found: RefCell<BTreeMap<String, Vec<u8>>> = RefCell::default();
    // Look at the packets in flight after every event.
    let look = |c: &Cluster| {
        let mut found = found.borrow_mut();
        for bytes in c.in_flight() {
            if let Some(kind) = kind_of(&codec, bytes) {
                let prefix = format!("{kind:?}");
                let n = found.keys().filter(|k| k.starts_with(&prefix)).count();
                if n < 2 && !found.values().any(|b| b == bytes) {
                    found.insert(format!("{prefix}-{n}"), bytes.to_vec());
                }
            }
        }
        false
    };
    for step in 0..40 {
        c.send(1 + step % 3, step % 2 == 0);
        if step == 20 {
            c.crash(3);
        }
        c.run_until_true(c.now() + Duration::from_millis(100), look);
    }
    c.start(3);
    c.run_until_true(c.now() + secs(2), look);
    found.into_inner()
}

#[test]
#[ignore]
fn write_wire_corpus() {
    let dir = std::path::PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../fuzz/corpus/wire_decode"
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let mut all = BTreeMap::new();
    for ((cipher, protection), kind) in fuzz_protections()
        .into_iter()
        .zip(["plain", "signed", "sealed"])
    {
        for (name, bytes) in collect(cipher, protection) {
            all.insert(format!("{kind}-{name}"), bytes);
        }
    }
    let token = all.get("plain-Token-0").cloned().expect("a token was seen");
    all.insert("broken-empty".into(), Vec::new());
    all.insert("broken-magic-only".into(), b"CHRT".to_vec());
    all.insert(
        "broken-truncated-token".into(),
        token[..token.len() / 2].to_vec(),
    );
    let mut long = token.clone();
    long.extend([0xff; 16]);
    all.insert("broken-trailing-token".into(), long);
    for (name, bytes) in &all {
        std::fs::write(dir.join(format!("{name}.bin")), bytes).unwrap();
    }
    println!("{} seeds: {:?}", all.len(), all.keys().collect::<Vec<_>>());
}
