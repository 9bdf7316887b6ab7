//! A swarm: a range of seeds of one scenario, on as many threads as asked,
//! summed up as if one thread had run them in order.
//!
//! Each seed's run is a pure function of its seed, so threads only change
//! which core computes it. The driver hands seeds out in order and takes
//! their outcomes back in seed order (a reorder window of
//! [`REORDER_WINDOW`] seeds bounds what waits), so what a sweep prints,
//! failing seeds and totals alike, is the same for any `--jobs`. Durations
//! are summed in whole nanoseconds, so totals do not depend on the order
//! of the additions either, and summaries of seed slices run on different
//! machines add up exactly ([`Totals::merge`]).

use std::collections::BTreeMap;
use std::sync::{mpsc, Condvar, Mutex};
use std::time::Duration;

use cohort_core::planted::PlantedBugs;

use crate::faults::FaultMode;
use crate::figures::{crash_to_failover, crash_to_view};
use crate::replay::{replay_command, run_seed};
use crate::scenario::Scenario;
use crate::world::RunReport;

/// How far ahead of the oldest unfinished seed the workers may run.
pub const REORDER_WINDOW: u64 = 4096;

/// What a sweep keeps of one seed's run.
#[derive(Debug, Clone, PartialEq)]
pub struct SeedOutcome {
    pub seed: u64,
    pub sim_time: Duration,
    /// Violations by kind (`kind=count`), tolerated kinds included.
    pub counts: Vec<(String, u64)>,
    /// For a failing seed: its summary line and first failure.
    pub failure: Option<Failure>,
    pub figures: Figures,
}

/// A failing seed, as `run` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// `kind=count ...`, the command that replays it.
    pub line: String,
    /// The first violation that fails the run.
    pub first: Option<String>,
}

/// Samples of the simulated-time figures, exact.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Figures {
    pub crash_to_view: Figure,
    pub heal_to_view: Figure,
    pub view_to_placement: Figure,
    pub failover_dc_died: Figure,
    pub failover_dc_survived: Figure,
    pub first_start_dc_died: Figure,
    pub first_start_dc_survived: Figure,
}

/// Count, sum and maximum of one figure's samples, in nanoseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Figure {
    pub n: u64,
    pub sum_ns: u128,
    pub max_ns: u64,
}

impl Figure {
    fn add(&mut self, d: Duration) {
        let ns = u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
        self.n += 1;
        self.sum_ns += u128::from(ns);
        self.max_ns = self.max_ns.max(ns);
    }

    pub fn merge(&mut self, other: &Figure) {
        self.n += other.n;
        self.sum_ns += other.sum_ns;
        self.max_ns = self.max_ns.max(other.max_ns);
    }

    /// `mean=M max=X n=N` in milliseconds, or `n=0`.
    pub fn describe(&self) -> String {
        if self.n == 0 {
            return "n=0".into();
        }
        let mean_ms = self.sum_ns as f64 / self.n as f64 / 1e6;
        let max_ms = self.max_ns as f64 / 1e6;
        format!("mean={mean_ms:.0} max={max_ms:.0} n={}", self.n)
    }
}

impl Figures {
    fn of(report: &RunReport) -> Figures {
        let mut f = Figures::default();
        let records = report.history.records();
        for d in crash_to_view(records, report.heal_at) {
            f.crash_to_view.add(d);
        }
        if let Some(d) = &report.heal_to_view {
            f.heal_to_view.add(*d);
        }
        if let Some(d) = &report.view_to_placement {
            f.view_to_placement.add(*d);
        }
        for fo in crash_to_failover(records, report.heal_at) {
            let (took, decided) = if fo.dc_died {
                (&mut f.failover_dc_died, &mut f.first_start_dc_died)
            } else {
                (&mut f.failover_dc_survived, &mut f.first_start_dc_survived)
            };
            took.add(fo.took);
            decided.add(fo.decided);
        }
        f
    }

    fn each_mut(&mut self) -> [&mut Figure; 7] {
        [
            &mut self.crash_to_view,
            &mut self.heal_to_view,
            &mut self.view_to_placement,
            &mut self.failover_dc_died,
            &mut self.failover_dc_survived,
            &mut self.first_start_dc_died,
            &mut self.first_start_dc_survived,
        ]
    }

    pub fn merge(&mut self, other: &Figures) {
        let mut theirs = other.clone();
        for (mine, theirs) in self.each_mut().into_iter().zip(theirs.each_mut()) {
            mine.merge(theirs);
        }
    }
}

impl SeedOutcome {
    /// What a sweep keeps of `report` (the history is dropped here).
    pub fn of(report: &RunReport) -> SeedOutcome {
        let failure = report.failed().then(|| Failure {
            line: format!(
                "{} | {}",
                report.violations.summary(),
                replay_command(report)
            ),
            first: report
                .violations
                .kept()
                .iter()
                .find(|v| v.kind.is_failure())
                .map(|v| v.to_string()),
        });
        SeedOutcome {
            seed: report.seed,
            sim_time: report.sim_time,
            counts: report
                .violations
                .counts()
                .iter()
                .map(|(k, n)| (k.to_string(), *n))
                .collect(),
            failure,
            figures: Figures::of(report),
        }
    }
}

/// A sweep's sums, in a form that adds up across threads and machines.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Totals {
    pub seeds: u64,
    pub failed: u64,
    pub sim_ns: u128,
    pub violations: BTreeMap<String, u64>,
    pub figures: Figures,
}

impl Totals {
    pub fn add(&mut self, o: &SeedOutcome) {
        self.seeds += 1;
        self.failed += u64::from(o.failure.is_some());
        self.sim_ns += o.sim_time.as_nanos();
        for (k, n) in &o.counts {
            *self.violations.entry(k.clone()).or_default() += n;
        }
        self.figures.merge(&o.figures);
    }

    pub fn merge(&mut self, other: &Totals) {
        self.seeds += other.seeds;
        self.failed += other.failed;
        self.sim_ns += other.sim_ns;
        for (k, n) in &other.violations {
            *self.violations.entry(k.clone()).or_default() += n;
        }
        self.figures.merge(&other.figures);
    }
}

impl Totals {
    /// One line that [`Totals::parse_line`] reads back exactly: how a
    /// sweep split over machines is summed up (`cohort-sim merge`).
    pub fn to_line(&self) -> String {
        let mut line = format!(
            "totals: seeds={} failed={} sim_ns={}",
            self.seeds, self.failed, self.sim_ns
        );
        for (k, n) in &self.violations {
            line.push_str(&format!(" v.{k}={n}"));
        }
        for (name, f) in FIGURE_NAMES.iter().zip(self.figures.clone().each_mut()) {
            line.push_str(&format!(" f.{name}={},{},{}", f.n, f.sum_ns, f.max_ns));
        }
        line
    }

    /// Reads a [`Totals::to_line`] line back; the error names the field.
    pub fn parse_line(line: &str) -> Result<Totals, String> {
        let rest = line
            .strip_prefix("totals: ")
            .ok_or_else(|| "not a totals line".to_string())?;
        let mut t = Totals::default();
        for field in rest.split_whitespace() {
            let (key, value) = field
                .split_once('=')
                .ok_or_else(|| format!("field {field:?} has no '='"))?;
            let bad = || format!("field {key}: bad value {value:?}");
            if let Some(kind) = key.strip_prefix("v.") {
                t.violations
                    .insert(kind.to_string(), value.parse().map_err(|_| bad())?);
            } else if let Some(name) = key.strip_prefix("f.") {
                let i = FIGURE_NAMES
                    .iter()
                    .position(|n| *n == name)
                    .ok_or_else(|| format!("unknown figure {name:?}"))?;
                let parts: Vec<&str> = value.split(',').collect();
                let [n, sum, max] = parts[..] else {
                    return Err(bad());
                };
                *t.figures.each_mut()[i] = Figure {
                    n: n.parse().map_err(|_| bad())?,
                    sum_ns: sum.parse().map_err(|_| bad())?,
                    max_ns: max.parse().map_err(|_| bad())?,
                };
            } else {
                match key {
                    "seeds" => t.seeds = value.parse().map_err(|_| bad())?,
                    "failed" => t.failed = value.parse().map_err(|_| bad())?,
                    "sim_ns" => t.sim_ns = value.parse().map_err(|_| bad())?,
                    _ => return Err(format!("unknown field {key:?}")),
                }
            }
        }
        Ok(t)
    }
}

/// The figures' names in [`Figures::each_mut`] order.
const FIGURE_NAMES: [&str; 7] = [
    "crash_to_view",
    "heal_to_view",
    "view_to_placement",
    "failover_dc_died",
    "failover_dc_survived",
    "first_start_dc_died",
    "first_start_dc_survived",
];

/// Runs seeds `from..to` of `scenario` on `jobs` threads and hands each
/// outcome to `each` in seed order, on the calling thread.
pub fn sweep(
    scenario: &Scenario,
    (from, to): (u64, u64),
    faults: FaultMode,
    planted: PlantedBugs,
    jobs: usize,
    mut each: impl FnMut(&SeedOutcome),
) {
    let run = |seed| SeedOutcome::of(&run_seed(scenario, seed, faults, planted));
    if jobs <= 1 || to - from <= 1 {
        for seed in from..to {
            each(&run(seed));
        }
        return;
    }
    // Seeds are handed out in order; a worker waits while its next seed
    // is a whole window ahead of the oldest one not yet handed to `each`.
    struct Hand {
        next: u64,
        done_below: u64,
    }
    let hand = Mutex::new(Hand {
        next: from,
        done_below: from,
    });
    let moved = Condvar::new();
    let (tx, rx) = mpsc::channel::<SeedOutcome>();
    std::thread::scope(|s| {
        for _ in 0..jobs {
            let tx = tx.clone();
            let (hand, moved, run) = (&hand, &moved, &run);
            s.spawn(move || loop {
                let seed = {
                    let mut h = hand.lock().expect("no worker panics holding it");
                    while h.next < to && h.next >= h.done_below + REORDER_WINDOW {
                        h = moved.wait(h).expect("no worker panics holding it");
                    }
                    if h.next >= to {
                        return;
                    }
                    h.next += 1;
                    h.next - 1
                };
                if tx.send(run(seed)).is_err() {
                    return;
                }
            });
        }
        drop(tx);
        let mut waiting: BTreeMap<u64, SeedOutcome> = BTreeMap::new();
        let mut expected = from;
        for o in rx {
            waiting.insert(o.seed, o);
            while let Some(o) = waiting.remove(&expected) {
                each(&o);
                expected += 1;
            }
            assert!(
                waiting.len() as u64 <= REORDER_WINDOW,
                "reorder window exceeded"
            );
            hand.lock().expect("no worker panics holding it").done_below = expected;
            moved.notify_all();
        }
        assert_eq!(expected, to, "every seed's outcome came back");
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcomes(jobs: usize) -> (Vec<SeedOutcome>, Totals) {
        let scenario = Scenario::builtin("partition-change").expect("builtin");
        let mut seen = Vec::new();
        let mut totals = Totals::default();
        sweep(
            &scenario,
            (40, 52),
            FaultMode::Swarm,
            PlantedBugs::default(),
            jobs,
            |o| {
                totals.add(o);
                seen.push(o.clone());
            },
        );
        (seen, totals)
    }

    #[test]
    fn threads_give_the_same_outcomes_in_the_same_order_as_one() {
        let (one, one_totals) = outcomes(1);
        let (three, three_totals) = outcomes(3);
        assert_eq!(
            one.iter().map(|o| o.seed).collect::<Vec<_>>(),
            (40..52).collect::<Vec<_>>()
        );
        assert_eq!(one, three);
        assert_eq!(one_totals, three_totals);
        assert!(one_totals.figures.heal_to_view.n > 0, "figures were taken");
    }

    #[test]
    fn totals_of_slices_merge_to_the_totals_of_the_whole() {
        let (all, whole) = outcomes(2);
        let (mut a, mut b) = (Totals::default(), Totals::default());
        for o in &all[..5] {
            a.add(o);
        }
        for o in &all[5..] {
            b.add(o);
        }
        a.merge(&b);
        assert_eq!(a, whole);
        assert_eq!(Totals::parse_line(&whole.to_line()), Ok(whole.clone()));
        assert!(Totals::parse_line("totals: seeds=x").is_err());
        assert!(Totals::parse_line("totals: f.nope=1,2,3").is_err());
    }
}
