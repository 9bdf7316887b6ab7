//! Rings over sealed (AES-GCM) and authenticated (HMAC) datagrams, and
//! nodes with the wrong key kept out.

use super::*;
use crate::totem::harness::{settled, Link};
use crate::totem::{Input, Totem};
use crate::wire::Cipher;

fn keyed_config(key: &[u8], cipher: Option<Cipher>) -> TotemConfig {
    TotemConfig {
        auth_key: Some(key.to_vec()),
        cipher,
        ..config(1000)
    }
}

#[test]
fn sealed_and_authenticated_rings_order_and_survive_loss() {
    for cipher in [
        None,
        Some(Cipher::Aes128),
        Some(Cipher::Aes192),
        Some(Cipher::Aes256),
    ] {
        let mut c = Cluster::new(keyed_config(&[0x42; 256], cipher), &ids(4), 21);
        c.run_until_true(Instant::from_millis(20_000), settled)
            .expect("a keyed cluster forms one ring");
        c.set_default_link(Link {
            drop_per_million: 50_000,
            delay_max_us: 2_000,
            ..Link::default()
        });
        let since = c.now();
        for round in 0..20 {
            for node in 1..=4 {
                c.send(node, round % 3 == 0);
            }
            c.run_for(Duration::from_millis(30));
        }
        c.set_default_link(Link::default());
        c.run_until_true(c.now() + secs(20), settled)
            .expect("settles once the loss stops");
        c.run_for(secs(3));
        c.check_safety().unwrap();
        c.check_delivered(since).unwrap();
        for node in 1..=4 {
            let drops = c.node(node).unwrap().drop_counters();
            assert_eq!(drops.unauthenticated, 0, "{cipher:?}: node {node}");
        }
    }
}

/// Feeds every datagram a cluster with `their` settings sends to a node
/// with `ours`, and returns that node after the feed.
fn outsider(ours: TotemConfig, theirs: TotemConfig) -> (Totem, u64) {
    let mut c = Cluster::new(theirs, &ids(3), 22);
    let mut node = Totem::new(ours, 9, Instant::ZERO, 5);
    while node.poll_output().is_some() {}
    let mut fed = 0u64;
    let mut feed = |c: &Cluster| {
        let now = c.now();
        for bytes in c.in_flight() {
            node.handle(
                now,
                Input::Datagram {
                    from: None,
                    bytes: bytes.to_vec(),
                },
            );
            while node.poll_output().is_some() {}
            fed += 1;
        }
        false
    };
    for node in 1..=3 {
        c.send(node, false);
    }
    c.run_until_true(Instant::from_millis(5_000), &mut feed);
    assert!(fed > 100, "only {fed} datagrams seen");
    (node, fed)
}

#[test]
fn a_node_with_another_key_or_cipher_hears_nothing() {
    let right = keyed_config(b"the cluster's key", Some(Cipher::Aes256));
    let cases = [
        (
            "another key",
            keyed_config(b"another key", Some(Cipher::Aes256)),
        ),
        (
            "another cipher",
            keyed_config(b"the cluster's key", Some(Cipher::Aes128)),
        ),
        ("HMAC only", keyed_config(b"the cluster's key", None)),
        ("no key", config(1000)),
    ];
    for (what, theirs) in cases {
        let (node, fed) = outsider(right.clone(), theirs);
        let drops = node.drop_counters();
        assert_eq!(drops.unauthenticated, fed, "{what}: {drops:?}");
        assert_eq!(node.members(), [9], "{what}: joined a ring");
    }
    // The control: the same feed with the right settings is heard.
    let (node, _) = outsider(right.clone(), right);
    assert_eq!(node.drop_counters().unauthenticated, 0);
}
