//! The CIB XML importer never panics; whatever it accepts, it writes back in
//! a form it reads again as the same CIB
//! (cohort_core::cib::xml::check_round_trip).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Err(e) = cohort_core::cib::xml::check_round_trip(text) {
        panic!("{e}");
    }
});
