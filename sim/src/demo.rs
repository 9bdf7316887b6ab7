//! `cohort-sim demo`: the reference cluster fails over, in simulation.
//!
//! Runs the `failover` scenario (the seed's corosync.conf and
//! configure.crm on two nodes) on a healthy network, and tells its story:
//! the status before the active node crashes and after, as `crm_mon -1`
//! lays it out, the failover time, and where the HTML timeline went.

use std::collections::BTreeMap;
use std::fmt::Write;

use cohort_core::cib::Cib;
use cohort_core::controller::ClusterEvent;
use cohort_core::mon;
use cohort_core::planted::PlantedBugs;
use cohort_core::policy::{NodeMode, RunRole};
use cohort_core::time::Instant;
use cohort_core::totem::NodeId;

use crate::admin::Step;
use crate::faults::FaultMode;
use crate::figures::crash_to_failover;
use crate::history::Record;
use crate::node::uname_of;
use crate::replay::run_seed;
use crate::scenario::Scenario;
use crate::world::RunReport;

/// The seed the demo runs. As in most seeds, the two nodes boot seconds
/// apart and the first one up starts the resources alone before they
/// meet, so vip briefly runs on both: stonith disabled and
/// no-quorum-policy=ignore allow it, and the checks count it apart.
pub const DEMO_SEED: u64 = 1;

/// The demo's run and its text; the caller writes the timeline.
pub fn run() -> (RunReport, String) {
    let scenario = Scenario::builtin("failover").expect("built-in");
    let by_config = |r: &RunReport| {
        r.violations
            .counts()
            .get(&crate::checker::ViolationKind::RunsTwiceByConfiguration)
            .copied()
            .unwrap_or(0)
    };
    let seed = DEMO_SEED;
    let report = run_seed(&scenario, seed, FaultMode::None, PlantedBugs::NONE);
    let cib = scenario.cluster.as_ref().expect("cluster").cib();
    let crash_at = scenario
        .cluster
        .as_ref()
        .expect("cluster")
        .script
        .iter()
        .find(|(_, s)| matches!(s, Step::Crash { .. }))
        .map(|(at, _)| Instant::ZERO + *at)
        .expect("the failover script crashes a node");
    let mut out = String::new();
    let _ = writeln!(
        out,
        "cohort-sim demo: the reference two-node cluster (../shared/seed: vip, mynfs, mysqld) \
         in simulation (`cohort-sim replay --scenario failover --seed {seed} --faults none`)\n"
    );
    for r in report.history.records() {
        if let Some(line) = story_line(r) {
            let _ = writeln!(out, "{:>10} {line}", r.at().to_string());
        }
    }
    let before = Instant::from_nanos(crash_at.as_nanos() - 1);
    let _ = writeln!(out, "\nBefore the crash ({before}):");
    out.push_str(&status_at(&report, &cib, before));
    let end = Instant::ZERO + report.sim_time;
    let _ = writeln!(out, "\nAfter ({end}):");
    out.push_str(&status_at(&report, &cib, end));
    for f in crash_to_failover(report.history.records(), report.heal_at) {
        let _ = writeln!(
            out,
            "\nFailover: {} ms of simulated time from the crash to all three started on the \
             survivor (detection + decision + start; {}).",
            f.took.as_millis(),
            if f.dc_died {
                "the DC died"
            } else {
                "the DC survived"
            }
        );
    }
    let by_config = by_config(&report);
    let _ = writeln!(
        out,
        "Checks: {} (no resource ran twice where the configuration forbids it, orders and \
         colocations held, every node holds the same CIB; ran twice as the configuration \
         allows: {by_config}).",
        if report.failed() {
            format!("FAILED: {}", report.violations.summary())
        } else {
            "all passed".to_string()
        }
    );
    (report, out)
}

/// The lines of the story: admin commands, crashes and boots, resources
/// starting and stopping for real.
fn story_line(r: &Record) -> Option<String> {
    Some(match r {
        Record::Admin { node, cmd, .. } => format!("admin on {}: crm {cmd}", uname_of(*node)),
        Record::Crashed { node, .. } => format!("{} CRASHES", uname_of(*node)),
        Record::Started {
            node, incarnation, ..
        } if *incarnation > 1 => format!("{} boots again", uname_of(*node)),
        Record::Instance { node, rsc, up, .. } => format!(
            "{rsc} {} on {}",
            if *up { "started" } else { "stopped" },
            uname_of(*node)
        ),
        _ => return None,
    })
}

/// The cluster at `at` as `crm_mon -1` lays it out, from the ground
/// truth and what the nodes reported.
pub fn status_at(report: &RunReport, cib: &Cib, at: Instant) -> String {
    let mut up: Vec<NodeId> = Vec::new();
    let mut dc: Option<NodeId> = None;
    let mut running: Vec<(String, NodeId)> = Vec::new();
    for r in report.history.records().iter().take_while(|r| r.at() <= at) {
        match r {
            Record::Started { node, .. } => up.push(*node),
            Record::Crashed { node, .. } => up.retain(|n| n != node),
            Record::Cluster {
                event: ClusterEvent::DcChanged { dc: d },
                ..
            } => dc = Some(*d),
            Record::Instance { node, rsc, up, .. } => {
                running.retain(|(r, n)| !(r == rsc && n == node));
                if *up {
                    running.push((rsc.clone(), *node));
                }
            }
            _ => {}
        }
    }
    up.sort();
    up.dedup();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "  * Current DC: {}",
        dc.filter(|d| up.contains(d))
            .map_or("NONE".to_string(), uname_of)
    );
    let _ = writeln!(out, "  * {} nodes configured", report.nodes.len());
    // The node list and resources in crm_mon's own words (core::mon),
    // filled from the ground truth rather than from any node's belief.
    let nodes = report
        .nodes
        .iter()
        .map(|n| mon::NodeView {
            name: uname_of(*n),
            mode: if up.contains(n) {
                NodeMode::Online
            } else {
                NodeMode::Offline
            },
            online: up.contains(n),
            pending: false,
            standby: false,
            maintenance: false,
            seen: true,
        })
        .collect();
    let mut active: BTreeMap<String, Vec<mon::Active>> = BTreeMap::new();
    for (rsc, node) in &running {
        active.entry(rsc.clone()).or_default().push(mon::Active {
            node: uname_of(*node),
            role: RunRole::Started,
            failed: false,
            blocked: false,
            pending: None,
            failure_ignored: false,
        });
    }
    let snapshot = mon::Snapshot { cib, nodes, active };
    out.push_str(&snapshot.render(mon::Options { inactive: true }, 0));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_fails_over_and_every_check_passes() {
        let (report, text) = run();
        assert!(!report.failed(), "{text}");
        assert!(text.contains("CRASHES"), "{text}");
        let after = text.split("After (").nth(1).expect("after");
        let started: Vec<&str> = after.lines().filter(|l| l.contains("Started")).collect();
        assert_eq!(started.len(), 3, "{after}");
        assert!(after.contains("OFFLINE") || after.contains("Online: [ node1 node2 ]"));
        assert!(text.contains("Failover: "), "{text}");
    }
}
