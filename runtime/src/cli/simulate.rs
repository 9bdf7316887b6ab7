//! `cohort simulate`: crm_simulate's job. Schedules one transition for a CIB
//! file and prints it: the cluster status before, the transition summary and
//! the status after (default), the sorted `--placement` lines that
//! `pacemaker-placement.py` prints for the real scheduler, or with `--why RSC`
//! the chain of reasons behind a resource's actions.

use std::io::Write;

use cohort_core::cib::Cib;
use cohort_core::mon::{Options, Snapshot};
use cohort_core::policy::inject::{self, Injection, OpSpec};
use cohort_core::policy::report::{placement_report, score_lines, PlacementOptions};
use cohort_core::policy::{self, Transition};

use super::args::SimulateArgs;
use super::{exit, Io};

/// What to print.
enum Mode {
    Text,
    Placement(PlacementOptions),
    Why(String),
    Scores,
}

pub fn run(args: SimulateArgs, io: &mut Io<'_>) -> u8 {
    let opts = PlacementOptions {
        no_probes: args.no_probes,
        no_nodes: args.no_nodes,
        edges: args.edges,
    };
    // In crm_simulate's order: nodes up, down, failed, then operations.
    let mut injections: Vec<Injection> = Vec::new();
    injections.extend(args.node_up.into_iter().map(Injection::NodeUp));
    injections.extend(args.node_down.into_iter().map(Injection::NodeDown));
    injections.extend(args.node_fail.into_iter().map(Injection::NodeFail));
    let ops = args
        .op_inject
        .iter()
        .map(|s| (s, None))
        .chain(args.op_fail.iter().map(|s| (s, Some(1))));
    for (spec, default_rc) in ops {
        match OpSpec::parse(spec, default_rc) {
            Ok(op) => injections.push(Injection::Op(op)),
            Err(e) => {
                let _ = writeln!(io.err, "cohort simulate: {e}");
                return exit::USAGE;
            }
        }
    }
    let (why, placement, scores, file) = (args.why, args.placement, args.show_scores, args.file);
    let mode = match (why, placement) {
        (Some(r), _) => Mode::Why(r),
        (None, _) if scores => Mode::Scores,
        (None, true) => Mode::Placement(opts),
        (None, false) => Mode::Text,
    };
    let mut cib = match super::read_cib("simulate", file, io) {
        Ok(c) => c,
        Err(code) => return code,
    };
    if !injections.is_empty() {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        if let Err(e) = inject::apply(&mut cib, &injections, now) {
            let _ = writeln!(io.err, "cohort simulate: {e}");
            return exit::USAGE;
        }
    }
    if let Mode::Scores = mode {
        let text: String = score_lines(&cib).iter().map(|l| format!("{l}\n")).collect();
        let _ = io.out.write_all(text.as_bytes());
        return exit::OK;
    }
    if let Mode::Placement(opts) = mode {
        // The report needs only the transition, with its action names as
        // indexes: the CIB goes first, and the lines are made and written
        // one at a time, buffered.
        let t = policy::schedule_compact(&cib);
        drop(cib);
        let mut out = std::io::BufWriter::with_capacity(1 << 16, &mut *io.out);
        for l in placement_report(&t, opts) {
            let _ = writeln!(out, "{l}");
        }
        let _ = out.flush();
        return exit::OK;
    }
    let t = policy::schedule(&cib);
    let out = match mode {
        Mode::Scores | Mode::Placement(_) => unreachable!("printed above"),
        Mode::Why(rsc) => why_text(&t, &rsc),
        Mode::Text => summary_text(&cib, &t),
    };
    let _ = io.out.write_all(out.as_bytes());
    exit::OK
}

/// Every action of `rsc` with its reason, then the notes of its placement.
fn why_text(t: &Transition, rsc: &str) -> String {
    let mut out = String::new();
    let mine = |id: &str| id == rsc || id.split(':').next() == Some(rsc);
    for a in t
        .actions
        .iter()
        .filter(|a| a.rsc.as_deref().is_some_and(mine))
    {
        out.push_str(&format!(
            "{} {} on {}: {}\n",
            a.rsc.as_deref().unwrap_or(""),
            a.kind,
            a.node,
            a.reason
        ));
    }
    let notes: Vec<&(String, String)> = t.notes.iter().filter(|(r, _)| mine(r)).collect();
    if !notes.is_empty() {
        out.push_str("placement:\n");
        for (r, n) in notes {
            out.push_str(&format!("  {r}: {n}\n"));
        }
    }
    if out.is_empty() {
        out = format!("{rsc}: no actions and no placement notes\n");
    }
    out
}

/// crm_simulate shows every resource, active or not.
const FULL_LIST: Options = Options { inactive: true };

fn summary_text(cib: &Cib, t: &Transition) -> String {
    let mut out = String::from("Current cluster status:\n");
    out.push_str(&Snapshot::current(cib).render(FULL_LIST, 1));
    out.push_str("\nTransition Summary:\n");
    for l in cohort_core::mon::changes::lines(cib, t) {
        out.push_str(&l);
        out.push('\n');
    }
    out.push_str("\nExecuting Cluster Transition:\n");
    for a in &t.actions {
        match &a.rsc {
            Some(r) => out.push_str(&format!(
                "  * Resource action: {r:<15} {} on {}\n",
                a.kind, a.node
            )),
            None => out.push_str(&format!("  * Cluster action:  {} on {}\n", a.kind, a.node)),
        }
    }
    out.push_str("\nRevised Cluster Status:\n");
    out.push_str(&Snapshot::after(cib, t).render(FULL_LIST, 1));
    out
}
