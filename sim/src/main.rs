//! `cohort-sim`: run the deterministic simulator from the command line.
//!
//! ```text
//! cohort-sim demo
//! cohort-sim list
//! cohort-sim run --scenario NAME --seeds A..B [--faults swarm|none|crashes] [--planted BUG]
//! cohort-sim replay --scenario NAME --seed S [--faults MODE] [--planted BUG] [--timeline out.html] [--all]
//! cohort-sim replay --fuzz-input FILE [--planted BUG] [--timeline out.html] [--all]
//! ```
//! `run` prints one line per failing seed with the command that replays it,
//! the violations by kind, the simulated-time figures, and as its last line
//! `seeds=N failed=F sim_seconds=S wall_seconds=W ratio=R`; it exits 1 when
//! any seed failed. The wall clock is read only for `wall_seconds`, the
//! ratio and the progress line, never inside the world.

use std::collections::BTreeMap;
use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use cohort_core::planted::{PlantedBug, PlantedBugs};
use cohort_sim::faults::FaultMode;
use cohort_sim::figures::{crash_to_failover, crash_to_view, mean_max_ms};
use cohort_sim::replay::{replay_command, run_seed};
use cohort_sim::scenario::Scenario;
use cohort_sim::timeline;
use cohort_sim::world::RunReport;

/// What is wrong with a command line.
#[derive(Debug, thiserror::Error)]
enum UsageError {
    /// No subcommand, or an unknown one.
    #[error("usage: cohort-sim demo | list | run --scenario NAME --seeds A..B [--faults swarm|none|crashes] [--planted BUG] | replay (--scenario NAME --seed S [--faults MODE] | --fuzz-input FILE) [--planted BUG] [--timeline out.html] [--all]")]
    Usage,
    /// An option this subcommand does not take, or one without its value.
    #[error("unexpected argument {0:?}")]
    Unexpected(String),
    #[error("missing --{0}")]
    Missing(&'static str),
    #[error("unknown scenario {0:?}; `cohort-sim list` names them")]
    Scenario(String),
    #[error("bad seed range {0:?}: want A..B (B excluded) or A..=B")]
    Seeds(String),
    #[error("bad seed {0:?}")]
    Seed(String),
    #[error("reading {0}: {1}")]
    Input(String, std::io::Error),
    #[error("{0}")]
    Faults(String),
    #[error("unknown planted bug {0:?} (known: {1})")]
    Planted(String, String),
    /// Planted bugs need the simulator built with them.
    #[error("planted bugs need a build with `--features planted-bugs`")]
    NoPlantedBugs,
}

#[derive(Debug, Default)]
struct Options {
    scenario: Option<Scenario>,
    seeds: Option<(u64, u64)>,
    seed: Option<u64>,
    faults: Option<FaultMode>,
    planted: PlantedBugs,
    timeline: Option<String>,
    every_record: bool,
    fuzz_input: Option<String>,
}

fn parse_options(args: &[String]) -> Result<Options, UsageError> {
    let mut o = Options::default();
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let mut value = || {
            it.next()
                .cloned()
                .ok_or_else(|| UsageError::Unexpected(flag.clone()))
        };
        match flag.as_str() {
            "--scenario" => {
                let v = value()?;
                o.scenario = Some(Scenario::builtin(&v).ok_or(UsageError::Scenario(v))?);
            }
            "--seeds" => o.seeds = Some(parse_range(&value()?)?),
            "--seed" => {
                let v = value()?;
                o.seed = Some(v.parse().map_err(|_| UsageError::Seed(v))?);
            }
            "--faults" => o.faults = Some(value()?.parse().map_err(UsageError::Faults)?),
            "--planted" => {
                let v = value()?;
                let known = PlantedBug::ALL.map(|b| b.name()).join(", ");
                let bug = PlantedBug::from_name(&v).ok_or(UsageError::Planted(v, known))?;
                if !cfg!(feature = "planted-bugs") {
                    return Err(UsageError::NoPlantedBugs);
                }
                o.planted = o.planted.with(bug);
            }
            "--timeline" => o.timeline = Some(value()?),
            "--fuzz-input" => o.fuzz_input = Some(value()?),
            "--all" => o.every_record = true,
            other => return Err(UsageError::Unexpected(other.to_string())),
        }
    }
    Ok(o)
}

fn parse_range(text: &str) -> Result<(u64, u64), UsageError> {
    let bad = || UsageError::Seeds(text.to_string());
    let (a, b, inclusive) = match text.split_once("..=") {
        Some((a, b)) => (a, b, true),
        None => {
            let (a, b) = text.split_once("..").ok_or_else(bad)?;
            (a, b, false)
        }
    };
    let a: u64 = a.parse().map_err(|_| bad())?;
    let b: u64 = b.parse().map_err(|_| bad())?;
    let end = if inclusive {
        b.checked_add(1).ok_or_else(bad)?
    } else {
        b
    };
    if end < a {
        return Err(bad());
    }
    Ok((a, end))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match dispatch(&args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("cohort-sim: {e}");
            ExitCode::from(2)
        }
    }
}

fn dispatch(args: &[String]) -> Result<ExitCode, UsageError> {
    let (cmd, rest) = args.split_first().ok_or(UsageError::Usage)?;
    match cmd.as_str() {
        "demo" if rest.is_empty() => Ok(demo()),
        "list" => {
            for s in Scenario::all() {
                println!("{:<12} {} nodes: {}", s.name, s.nodes.len(), s.about);
            }
            Ok(ExitCode::SUCCESS)
        }
        "run" => {
            let o = parse_options(rest)?;
            let scenario = o.scenario.ok_or(UsageError::Missing("scenario"))?;
            let seeds = o.seeds.ok_or(UsageError::Missing("seeds"))?;
            Ok(run(
                &scenario,
                seeds,
                o.faults.unwrap_or(FaultMode::Swarm),
                o.planted,
            ))
        }
        "replay" => {
            let o = parse_options(rest)?;
            let report = match &o.fuzz_input {
                // A fuzz input names its scenario and holds its draws.
                Some(path) => {
                    let bytes =
                        std::fs::read(path).map_err(|e| UsageError::Input(path.clone(), e))?;
                    cohort_sim::fuzz::run_input(&bytes, o.planted)
                }
                None => {
                    let scenario = o.scenario.ok_or(UsageError::Missing("scenario"))?;
                    let seed = o.seed.ok_or(UsageError::Missing("seed"))?;
                    let faults = o.faults.unwrap_or(FaultMode::Swarm);
                    run_seed(&scenario, seed, faults, o.planted)
                }
            };
            Ok(replay(&report, o.timeline.as_deref(), o.every_record))
        }
        _ => Err(UsageError::Usage),
    }
}

fn run(
    scenario: &Scenario,
    (from, to): (u64, u64),
    faults: FaultMode,
    planted: PlantedBugs,
) -> ExitCode {
    #[allow(clippy::disallowed_methods)] // wall time for the ratio only
    let wall = std::time::Instant::now();
    let mut last_progress = wall;
    let mut failed = 0u64;
    let mut sim = Duration::ZERO;
    let mut totals: BTreeMap<String, u64> = BTreeMap::new();
    let (mut crash_samples, mut heal_samples) = (Vec::new(), Vec::new());
    let (mut dc_died, mut dc_survived, mut placed) = (Vec::new(), Vec::new(), Vec::new());
    // Crash to the first start on a survivor: detection and decision.
    let (mut decided_dc_died, mut decided_dc_survived) = (Vec::new(), Vec::new());
    let stderr = std::io::stderr();
    for seed in from..to {
        let report = run_seed(scenario, seed, faults, planted);
        sim += report.sim_time;
        for (kind, n) in report.violations.counts() {
            *totals.entry(kind.to_string()).or_default() += n;
        }
        crash_samples.extend(crash_to_view(report.history.records(), report.heal_at));
        heal_samples.extend(report.heal_to_view);
        placed.extend(report.view_to_placement);
        for f in crash_to_failover(report.history.records(), report.heal_at) {
            if f.dc_died {
                dc_died.push(f.took);
                decided_dc_died.push(f.decided);
            } else {
                dc_survived.push(f.took);
                decided_dc_survived.push(f.decided);
            }
        }
        if report.failed() {
            failed += 1;
            println!(
                "FAIL seed={seed} {} | {}",
                report.violations.summary(),
                replay_command(&report)
            );
            if let Some(first) = report
                .violations
                .kept()
                .iter()
                .find(|v| v.kind.is_failure())
            {
                println!("  first: {first}");
            }
        }
        if last_progress.elapsed() >= Duration::from_secs(1) || seed + 1 == to {
            last_progress = std::time::Instant::now();
            let mut e = stderr.lock();
            let _ = write!(
                e,
                "\rseeds {}/{} failed {failed}",
                seed + 1 - from,
                to - from
            );
            if seed + 1 == to {
                let _ = writeln!(e);
            }
        }
    }
    let wall_s = wall.elapsed().as_secs_f64();
    if !totals.is_empty() {
        let list: Vec<String> = totals.iter().map(|(k, n)| format!("{k}={n}")).collect();
        println!("violations: {}", list.join(" "));
    }
    println!(
        "figures: crash_to_view_ms {} heal_to_view_ms {}",
        describe(&crash_samples),
        describe(&heal_samples)
    );
    if scenario.is_cluster() {
        println!(
            "figures: crash_to_failover_ms dc_died {} dc_survived {} view_to_placement_ms {}",
            describe(&dc_died),
            describe(&dc_survived),
            describe(&placed)
        );
        println!(
            "figures: crash_to_first_start_ms dc_died {} dc_survived {}",
            describe(&decided_dc_died),
            describe(&decided_dc_survived)
        );
    }
    let sim_s = sim.as_secs_f64();
    println!(
        "seeds={} failed={failed} sim_seconds={sim_s:.1} wall_seconds={wall_s:.3} ratio={:.0}",
        to - from,
        sim_s / wall_s.max(1e-9)
    );
    if failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// The reference failover in simulation: the story, the status before
/// and after, and the timeline (written to the temporary directory).
fn demo() -> ExitCode {
    let (report, text) = cohort_sim::demo::run();
    print!("{text}");
    let path = std::env::temp_dir().join("cohort-demo-timeline.html");
    match std::fs::write(&path, timeline::html(&report)) {
        Ok(()) => println!("Timeline: {}", path.display()),
        Err(e) => {
            eprintln!("cohort-sim: writing {}: {e}", path.display());
            return ExitCode::from(2);
        }
    }
    if report.failed() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn describe(samples: &[Duration]) -> String {
    match mean_max_ms(samples) {
        Some((mean, max)) => format!("mean={mean:.0} max={max:.0} n={}", samples.len()),
        None => "n=0".into(),
    }
}

fn replay(report: &RunReport, html: Option<&str>, every_record: bool) -> ExitCode {
    print!("{}", timeline::text_with(report, every_record));
    if let Some(path) = html {
        if let Err(e) = std::fs::write(path, timeline::html(report)) {
            eprintln!("cohort-sim: writing {path}: {e}");
            return ExitCode::from(2);
        }
        println!("timeline: {path}");
    }
    if report.failed() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_ranges_parse_both_ways() {
        assert_eq!(parse_range("0..200").unwrap(), (0, 200));
        assert_eq!(parse_range("5..=5").unwrap(), (5, 6));
        assert!(parse_range("9..3").is_err());
        assert!(parse_range("x..3").is_err());
        let o = parse_options(&[
            "--scenario".into(),
            "three-node".into(),
            "--faults".into(),
            "none".into(),
        ])
        .unwrap();
        assert_eq!(o.faults, Some(FaultMode::None));
        assert!(parse_options(&["--scenario".into(), "nope".into()]).is_err());
        assert_eq!(cohort_sim::scenario::NAMES.len(), Scenario::all().len());
    }
}
