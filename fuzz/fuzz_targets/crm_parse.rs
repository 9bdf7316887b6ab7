//! crm text → parse + apply on an empty CIB must never panic; when it
//! succeeds, `show` → parse → apply must reproduce the same configuration
//! (cohort_core::cib::crm::check_round_trip).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Err(e) = cohort_core::cib::crm::check_round_trip(&text) {
        panic!("{e}");
    }
});
