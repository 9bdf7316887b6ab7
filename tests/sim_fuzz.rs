//! The simulator driven by bytes instead of a seed: the `sim_world` fuzz
//! target's input format (cohort_sim::fuzz). Its seed corpus replays here
//! on stable Rust, the same bytes give the same run, and the planted bugs
//! are found through bytes as they are through seeds.
//!
//! Write the corpus again (when the format changes) with
//! `cargo test --test sim_fuzz write_sim_world_corpus -- --ignored`.

use std::path::PathBuf;

use cohort_core::planted::{PlantedBug, PlantedBugs};
use cohort_sim::checker::ViolationKind;
use cohort_sim::fuzz::{check_input, run_input, scenario_of, SCENARIOS};

fn corpus_dir() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fuzz/corpus/sim_world"
    ))
}

/// SplitMix64: the tests' own input generator, fixed by its definition.
struct Inputs(u64);

impl Inputs {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// An input for scenario number `scenario`: its byte, then `len`
    /// random ones.
    fn input(&mut self, scenario: u8, len: usize) -> Vec<u8> {
        let mut bytes = vec![scenario];
        bytes.extend((0..len).map(|_| self.next_u64() as u8));
        bytes
    }
}

fn scenario_index(name: &str) -> u8 {
    let i = SCENARIOS
        .iter()
        .position(|n| *n == name)
        .expect("a scenario");
    u8::try_from(i).expect("few scenarios")
}

/// Replays the fuzz corpus (seeds and any failing inputs added since) on
/// stable Rust, through the fuzz target's property.
#[test]
fn fuzz_corpus_replays() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus_dir())
        .expect("the sim_world corpus")
        .map(|e| e.expect("a corpus entry").path())
        .collect();
    files.sort();
    assert!(
        files.len() >= SCENARIOS.len(),
        "only {} inputs",
        files.len()
    );
    let mut scenarios = std::collections::BTreeSet::new();
    for path in &files {
        let input = std::fs::read(path).expect("a corpus file");
        scenarios.insert(scenario_of(&input).name);
        if let Err(e) = check_input(&input) {
            panic!("{}: {e}", path.display());
        }
    }
    // The corpus seeds the nine scenarios there were when it was written
    // (byte 0 is their index; scenarios added since are reached by the
    // fuzzer's mutations of it).
    assert!(scenarios.len() >= 9, "scenarios seeded: {scenarios:?}");
}

#[test]
fn the_same_bytes_give_the_same_run() {
    let mut gen = Inputs(5);
    for name in ["three-node", "failover"] {
        let input = gen.input(scenario_index(name), 512);
        let a = run_input(&input, PlantedBugs::NONE);
        let b = run_input(&input, PlantedBugs::NONE);
        assert_eq!(a.scenario, name);
        assert!(a.trace.events() > 1000, "{name}: a real run");
        assert_eq!(a.trace, b.trace, "{name}");
        assert_eq!(a.history.records(), b.history.records(), "{name}");
        assert_eq!(a.profile, b.profile, "{name}");
        let read = a.bytes_read.expect("drawn from bytes");
        assert!(read > 20, "{name}: the schedule reads the input ({read})");
        // One byte the run read, changed: another run.
        let mut mutated = input.clone();
        mutated[read / 2] ^= 0x5a;
        let c = run_input(&mutated, PlantedBugs::NONE);
        assert_ne!(a.trace, c.trace, "{name}: byte {} is a choice", read / 2);
    }
    // Shorter than the run needs, or empty: still a whole run, the same
    // each time (the draws go on from the bytes' hash).
    for input in [vec![scenario_index("reference")], vec![]] {
        let a = run_input(&input, PlantedBugs::NONE);
        let b = run_input(&input, PlantedBugs::NONE);
        assert!(a.trace.events() > 1000);
        assert!(a.heal_to_view.is_some(), "the run reached its heal");
        assert_eq!(a.trace, b.trace);
    }
}

/// What a planted bug shows as: split brain for a votequorum bug, a
/// broken delivery guarantee for totem's.
fn expected_violation(bug: PlantedBug) -> ViolationKind {
    if bug.is_totem() {
        ViolationKind::VirtualSynchrony
    } else {
        ViolationKind::SplitBrain
    }
}

/// Generated inputs per planted bug and scenario before giving up.
const PLANTED_INPUT_BUDGET: u64 = 1_000;

/// The bytes path finds every planted bug, as the seeds do
/// (tests/sim_reference.rs): among generated inputs of the majority
/// scenarios, some show the bug's violation, and the same input without
/// the bug is clean.
#[test]
fn every_planted_bug_is_found_through_bytes() {
    for bug in PlantedBug::ALL {
        let expected = expected_violation(bug);
        let planted = PlantedBugs::NONE.with(bug);
        for name in ["reference", "three-node", "five-node"] {
            let mut gen = Inputs(u64::from(scenario_index(name)) << 32);
            let found = (0..PLANTED_INPUT_BUDGET).find_map(|n| {
                let input = gen.input(scenario_index(name), 1024);
                let report = run_input(&input, planted);
                report
                    .violations
                    .counts()
                    .contains_key(&expected)
                    .then_some((n, input))
            });
            let Some((n, input)) = found else {
                panic!("{bug} not found in {name} within {PLANTED_INPUT_BUDGET} inputs");
            };
            println!("{bug} found in {name} by input {}", n + 1);
            let clean = run_input(&input, PlantedBugs::NONE);
            assert!(!clean.failed(), "{name}: {}", clean.violations.summary());
        }
    }
}

/// Writes the seed corpus: for every scenario its byte alone (every draw
/// from the fallback stream) and two random inputs longer than a run
/// reads, each checked clean first.
#[test]
#[ignore = "writes fuzz/corpus/sim_world; run by hand when the format changes"]
fn write_sim_world_corpus() {
    let dir = corpus_dir();
    std::fs::create_dir_all(&dir).expect("corpus dir");
    let mut gen = Inputs(2026);
    for (i, name) in SCENARIOS.iter().enumerate() {
        let i = u8::try_from(i).expect("few scenarios");
        let inputs = [vec![i], gen.input(i, 512), gen.input(i, 2048)];
        for (k, input) in inputs.iter().enumerate() {
            if let Err(e) = check_input(input) {
                panic!("{name} input {k} fails: {e}");
            }
            std::fs::write(dir.join(format!("{name}-{k}")), input).expect("write");
        }
    }
}
