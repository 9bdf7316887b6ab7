//! Any datagram: the wire decoder and a running totem node never panic,
//! and whatever decodes re-encodes to bytes that decode the same
//! (cohort_core::totem::check_datagram). Seeds: real datagrams of every
//! kind, plain, authenticated and sealed with the corpus key, and broken
//! ones.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(e) = cohort_core::totem::check_datagram(data) {
        panic!("{e}");
    }
});
