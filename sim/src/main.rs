//! `cohort-sim`: run the deterministic simulator from the command line.
//!
//! ```text
//! cohort-sim demo
//! cohort-sim list
//! cohort-sim run --scenario NAME --seeds A..B [--jobs N] [--faults swarm|none|crashes] [--planted BUG]
//! cohort-sim merge RUN_OUTPUT...
//! cohort-sim replay --scenario NAME --seed S [--faults MODE] [--planted BUG] [--timeline out.html] [--all]
//! cohort-sim replay --fuzz-input FILE [--planted BUG] [--timeline out.html] [--all]
//! ```
//! `run` prints one line per failing seed with the command that replays it,
//! the violations by kind, the simulated-time figures, a `totals:` line of
//! exact sums, and as its last line
//! `seeds=N failed=F sim_seconds=S wall_seconds=W ratio=R`; it exits 1 when
//! any seed failed. `--jobs N` (default:
//! every core) runs seeds on N threads and prints the same as one thread.
//! `merge` adds up the outputs of runs over slices of one sweep (one per
//! machine, say) into one summary. The wall clock is read only for `wall_seconds`, the
//! ratio and the progress line, never inside the world.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use cohort_core::planted::{PlantedBug, PlantedBugs};
use cohort_sim::faults::FaultMode;
use cohort_sim::replay::run_seed;
use cohort_sim::scenario::Scenario;
use cohort_sim::sweep::{sweep, Totals};
use cohort_sim::timeline;
use cohort_sim::world::RunReport;

/// What is wrong with a command line.
#[derive(Debug, thiserror::Error)]
enum UsageError {
    /// No subcommand, or an unknown one.
    #[error("usage: cohort-sim demo | list | run --scenario NAME --seeds A..B [--jobs N] [--faults swarm|none|crashes] [--planted BUG] | merge RUN_OUTPUT... | replay (--scenario NAME --seed S [--faults MODE] | --fuzz-input FILE) [--planted BUG] [--timeline out.html] [--all]")]
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
    #[error("bad --jobs {0:?}: want a whole number of threads, 1 or more")]
    Jobs(String),
    #[error("merge: {0}")]
    Merge(String),
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
    jobs: Option<usize>,
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
            "--jobs" | "-j" => {
                let v = value()?;
                o.jobs = Some(
                    v.parse()
                        .ok()
                        .filter(|&n| n > 0)
                        .ok_or(UsageError::Jobs(v))?,
                );
            }
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
            let jobs = o
                .jobs
                .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
            Ok(run(
                &scenario,
                seeds,
                o.faults.unwrap_or(FaultMode::Swarm),
                o.planted,
                jobs,
            ))
        }
        "merge" if !rest.is_empty() => merge(rest),
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
    jobs: usize,
) -> ExitCode {
    #[allow(clippy::disallowed_methods)] // wall time for the ratio only
    let wall = std::time::Instant::now();
    let mut last_progress = wall;
    let mut totals = Totals::default();
    let stderr = std::io::stderr();
    sweep(scenario, (from, to), faults, planted, jobs, |o| {
        totals.add(o);
        if let Some(f) = &o.failure {
            println!("FAIL seed={} {}", o.seed, f.line);
            if let Some(first) = &f.first {
                println!("  first: {first}");
            }
        }
        let last = o.seed + 1 == to;
        if last_progress.elapsed() >= Duration::from_secs(1) || last {
            #[allow(clippy::disallowed_methods)] // progress only
            let now = std::time::Instant::now();
            last_progress = now;
            let mut e = stderr.lock();
            let _ = write!(
                e,
                "\rseeds {}/{} failed {}",
                o.seed + 1 - from,
                to - from,
                totals.failed
            );
            if last {
                let _ = writeln!(e);
            }
        }
    });
    print_totals(scenario.is_cluster(), &totals, wall.elapsed().as_secs_f64());
    if totals.failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// The summary lines of a sweep: the `totals:` line that `cohort-sim
/// merge` adds up, then `seeds=...` last.
fn print_totals(cluster: bool, totals: &Totals, wall_s: f64) {
    if !totals.violations.is_empty() {
        let list: Vec<String> = totals
            .violations
            .iter()
            .map(|(k, n)| format!("{k}={n}"))
            .collect();
        println!("violations: {}", list.join(" "));
    }
    let f = &totals.figures;
    println!(
        "figures: crash_to_view_ms {} heal_to_view_ms {}",
        f.crash_to_view.describe(),
        f.heal_to_view.describe()
    );
    if cluster {
        println!(
            "figures: crash_to_failover_ms dc_died {} dc_survived {} view_to_placement_ms {}",
            f.failover_dc_died.describe(),
            f.failover_dc_survived.describe(),
            f.view_to_placement.describe()
        );
        println!(
            "figures: crash_to_first_start_ms dc_died {} dc_survived {}",
            f.first_start_dc_died.describe(),
            f.first_start_dc_survived.describe()
        );
    }
    // The exact sums for `cohort-sim merge`, then the summary, last.
    println!("{}", totals.to_line());
    let sim_s = totals.sim_ns as f64 / 1e9;
    println!(
        "seeds={} failed={} sim_seconds={sim_s:.1} wall_seconds={wall_s:.3} ratio={:.0}",
        totals.seeds,
        totals.failed,
        sim_s / wall_s.max(1e-9)
    );
}

/// Adds up the outputs of `run` over slices of one sweep (for example one
/// per machine): failing seeds in order, then the summary of the whole.
/// `wall_seconds` is the longest slice's, as when the slices ran at once.
fn merge(paths: &[String]) -> Result<ExitCode, UsageError> {
    let mut totals = Totals::default();
    let mut failures: Vec<(u64, Vec<String>)> = Vec::new();
    let (mut wall_s, mut cluster) = (0f64, false);
    for path in paths {
        let text = std::fs::read_to_string(path).map_err(|e| UsageError::Input(path.clone(), e))?;
        let mut found = false;
        for (i, line) in text.lines().enumerate() {
            let at = |msg: String| UsageError::Merge(format!("{path}:{}: {msg}", i + 1));
            if let Some(rest) = line.strip_prefix("FAIL seed=") {
                let seed = rest.split_whitespace().next().unwrap_or_default();
                let seed = seed.parse().map_err(|_| at(format!("bad seed {seed:?}")))?;
                failures.push((seed, vec![line.to_string()]));
            } else if line.starts_with("  first: ") {
                if let Some(last) = failures.last_mut() {
                    last.1.push(line.to_string());
                }
            } else if line.starts_with("figures: crash_to_failover_ms") {
                cluster = true;
            } else if let Some(rest) = line.strip_prefix("seeds=") {
                let w = rest
                    .split_whitespace()
                    .find_map(|f| f.strip_prefix("wall_seconds="))
                    .and_then(|w| w.parse::<f64>().ok())
                    .ok_or_else(|| at("no wall_seconds".into()))?;
                wall_s = wall_s.max(w);
            } else if line.starts_with("totals: ") {
                totals.merge(&Totals::parse_line(line).map_err(at)?);
                found = true;
            }
        }
        if !found {
            return Err(UsageError::Merge(format!(
                "{path}: no totals line (is it the output of `cohort-sim run`?)"
            )));
        }
    }
    failures.sort_by_key(|(seed, _)| *seed);
    for (_, lines) in &failures {
        for l in lines {
            println!("{l}");
        }
    }
    print_totals(cluster, &totals, wall_s);
    Ok(if totals.failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
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
