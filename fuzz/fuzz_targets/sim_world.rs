//! A whole simulated run whose random choices are the input's bytes: byte
//! 0 picks a built-in scenario, the rest are read in order by the world's
//! draws (the swarm's fault profile, then the fault schedule and the
//! timing of starts, agents, disks and fences; packets' latencies come
//! from a stream seeded by the input's hash), so coverage guidance steers
//! toward rare interleavings. Panics when any checker reports a violation
//! (cohort_sim::fuzz::check_input). A run simulates a few minutes at
//! most, tens of milliseconds of wall time. Replay an input with
//! `cohort-sim replay --fuzz-input FILE [--timeline out.html]`; the stable
//! test suite replays the corpus (tests/sim_fuzz.rs).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(e) = cohort_sim::fuzz::check_input(data) {
        panic!("{e}");
    }
});
