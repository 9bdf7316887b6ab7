//! A run is a function of its seed: the same seed twice gives the same
//! trace hash, the same history and the same timeline, byte for byte.

use cohort_core::planted::PlantedBugs;
use cohort_sim::faults::FaultMode;
use cohort_sim::replay::run_seed;
use cohort_sim::scenario::Scenario;
use cohort_sim::timeline;

#[test]
fn the_same_seed_gives_byte_identical_traces() {
    for name in ["reference", "three-node", "five-node"] {
        let scenario = Scenario::builtin(name).unwrap();
        for seed in [3, 11] {
            let a = run_seed(&scenario, seed, FaultMode::Swarm, PlantedBugs::NONE);
            let b = run_seed(&scenario, seed, FaultMode::Swarm, PlantedBugs::NONE);
            assert!(a.trace.events() > 1000, "{name}/{seed}: a real run");
            assert_eq!(a.trace, b.trace, "{name}/{seed}");
            assert_eq!(a.history.records(), b.history.records(), "{name}/{seed}");
            assert_eq!(timeline::text(&a), timeline::text(&b));
            assert_eq!(timeline::html(&a), timeline::html(&b));
        }
    }
}

#[test]
fn different_seeds_and_modes_give_different_runs() {
    let scenario = Scenario::builtin("three-node").unwrap();
    let a = run_seed(&scenario, 1, FaultMode::Swarm, PlantedBugs::NONE);
    let b = run_seed(&scenario, 2, FaultMode::Swarm, PlantedBugs::NONE);
    let c = run_seed(&scenario, 1, FaultMode::None, PlantedBugs::NONE);
    assert_ne!(a.trace, b.trace);
    assert_ne!(a.trace, c.trace);
}

#[test]
fn the_timeline_shows_lanes_views_and_the_heal() {
    let scenario = Scenario::builtin("three-node").unwrap();
    let r = run_seed(&scenario, 5, FaultMode::Crashes, PlantedBugs::NONE);
    let text = timeline::text(&r);
    assert!(text.contains("node 1 starts (incarnation 1)"), "{text}");
    assert!(text.contains("HEAL"), "{text}");
    assert!(text.contains(&format!("trace={}", r.trace)), "{text}");
    let html = timeline::html(&r);
    assert!(html.starts_with("<!DOCTYPE html>"));
    for lane in ["node 1", "node 2", "node 3", "network"] {
        assert!(html.contains(&format!(">{lane}</text>")), "{lane}");
    }
    assert!(html.contains("<title>ring "), "views are drawn");
    assert!(!html.contains("<script"), "self-contained, static");
}
