//! Drawing a run: a text timeline for the terminal and a self-contained
//! HTML/SVG page with one lane per node (views, quorum, up/down, pauses,
//! clock jumps) and a network lane (partitions, clogs, heals).
//!
//! Both are functions of the report alone, so a replay draws the same
//! picture every time.

use std::collections::BTreeMap;
use std::fmt::Write;

use cohort_core::controller::ClusterEvent;
use cohort_core::time::Instant;
use cohort_core::totem::{NodeId, RingId};

use crate::figures::{crash_to_failover, crash_to_view, mean_max_ms};
use crate::history::{Fault, Record};
use crate::world::RunReport;

/// The run as text: what happened (deliveries counted, not listed), the
/// violations, the figures, and the trace hash.
pub fn text(report: &RunReport) -> String {
    text_with(report, false)
}

/// The text timeline; with `every_record`, sends, deliveries and
/// transitional views are listed too (for chasing a violation).
pub fn text_with(report: &RunReport, every_record: bool) -> String {
    let mut out = String::new();
    let p = &report.profile;
    let _ = writeln!(
        out,
        "scenario={} seed={} faults={} nodes={:?}",
        report.scenario, report.seed, report.faults, report.nodes
    );
    let _ = writeln!(
        out,
        "profile: loss_ppm={} dup_ppm={} spread_max_us={} slow_ppm={} fault_interval_ms={} weights={:?} drift_max_ppm={} send_interval_ms={}",
        p.loss_ppm,
        p.duplicate_ppm,
        p.spread_max_us,
        p.slow_ppm,
        p.fault_interval_ms,
        p.weights,
        p.drift_max_ppm,
        p.send_interval_ms
    );
    let (mut sent, mut delivered) = (0u64, 0u64);
    for r in report.history.records() {
        if every_record {
            if let Some(line) = describe_all(r) {
                let _ = writeln!(out, "{:>10} {line}", r.at().to_string());
                continue;
            }
        }
        match r {
            Record::Sent { .. } => sent += 1,
            Record::Delivered { .. } => delivered += 1,
            other => {
                if let Some(line) = describe(other) {
                    let _ = writeln!(out, "{:>10} {line}", other.at().to_string());
                }
            }
        }
    }
    let _ = writeln!(out, "messages: sent={sent} delivered={delivered}");
    for v in report.violations.kept() {
        let _ = writeln!(out, "VIOLATION {v}");
    }
    let crash = crash_to_view(report.history.records(), report.heal_at);
    if let Some((mean, max)) = mean_max_ms(&crash) {
        let _ = writeln!(
            out,
            "crash_to_view_ms mean={mean:.0} max={max:.0} n={}",
            crash.len()
        );
    }
    if let Some(d) = report.heal_to_view {
        let _ = writeln!(out, "heal_to_view_ms {}", d.as_millis());
    }
    for f in crash_to_failover(report.history.records(), report.heal_at) {
        let _ = writeln!(
            out,
            "crash_to_failover_ms {} ({})",
            f.took.as_millis(),
            if f.dc_died {
                "the DC died"
            } else {
                "the DC survived"
            }
        );
    }
    if let Some(d) = report.view_to_placement {
        let _ = writeln!(out, "view_to_placement_ms {}", d.as_millis());
    }
    let _ = writeln!(
        out,
        "result={} trace={} events={} sim_seconds={:.3}",
        if report.failed() { "FAILED" } else { "ok" },
        report.trace,
        report.trace.events(),
        report.sim_time.as_secs_f64()
    );
    out
}

fn describe(r: &Record) -> Option<String> {
    Some(match r {
        Record::Started {
            node, incarnation, ..
        } => format!("node {node} starts (incarnation {incarnation})"),
        Record::Crashed { node, .. } => format!("node {node} CRASHES"),
        Record::Rejected { node, .. } => format!("node {node} refuses a send (queue full)"),
        Record::View {
            node,
            ring_id,
            members,
            transitional: false,
            ..
        } => format!("node {node} view {ring_id} {members:?}"),
        Record::Quorum {
            node,
            quorate,
            members,
            ..
        } => format!(
            "node {node} {} in {members:?}",
            if *quorate { "quorate" } else { "NOT quorate" }
        ),
        Record::Fault { fault, .. } => describe_fault(fault),
        Record::Exec {
            node,
            rsc,
            action,
            interval_ms: 0,
            ..
        } => format!("node {node} exec {action} {rsc}"),
        Record::OpDone {
            node,
            rsc,
            action,
            interval_ms,
            rc,
            op_status,
            ..
        } if *interval_ms == 0 || *rc != 0 || *op_status != 0 => format!(
            "node {node} {action} {rsc} -> rc={rc}{}",
            if *op_status == 2 { " TIMED OUT" } else { "" }
        ),
        Record::Instance {
            node,
            rsc,
            up,
            cause,
            ..
        } => format!(
            "node {node} {rsc} {} ({cause:?})",
            if *up { "UP" } else { "DOWN" }
        ),
        Record::FenceAsked { by, target, .. } => format!("node {by} FENCES {target}"),
        Record::FenceDone { by, target, ok, .. } => format!(
            "node {by}: fencing {target} {}",
            if *ok { "succeeded" } else { "FAILED" }
        ),
        Record::Admin { node, req, cmd, .. } => format!("admin on node {node} #{req}: {cmd}"),
        Record::Reply {
            node, req, text, ..
        } => format!("node {node} replies #{req}: {text}"),
        Record::Cluster { node, event, .. } => describe_event(*node, event)?,
        _ => return None,
    })
}

/// The cluster events worth a line: DC, syncs, transitions, admin.
fn describe_event(node: NodeId, e: &ClusterEvent) -> Option<String> {
    Some(match e {
        ClusterEvent::DcChanged { dc } => format!("node {node}: DC is node {dc}"),
        ClusterEvent::CibSynced { version, from } => {
            format!("node {node}: CIB synced at {version:?} from node {from}")
        }
        ClusterEvent::AdminApplied { origin, version } => {
            format!("node {node}: applies node {origin}'s change -> {version:?}")
        }
        ClusterEvent::TransitionStarted { id, actions } => {
            format!("node {node}: transition {id:?} starts ({actions} actions)")
        }
        ClusterEvent::TransitionCompleted { id } => {
            format!("node {node}: transition {id:?} complete")
        }
        ClusterEvent::TransitionAborted { id, reason } => {
            format!("node {node}: transition {id:?} aborted: {reason}")
        }
        _ => return None,
    })
}

/// The records [`describe`] leaves out.
fn describe_all(r: &Record) -> Option<String> {
    Some(match r {
        Record::Sent {
            node,
            incarnation,
            payload,
            safe,
            ..
        } => format!(
            "node {node}/{incarnation} sends {:?}{}",
            String::from_utf8_lossy(payload),
            if *safe { " (safe)" } else { "" }
        ),
        Record::Delivered {
            node,
            incarnation,
            payload,
            ring_id,
            seq,
            ..
        } => format!(
            "node {node}/{incarnation} delivers {:?} ring {ring_id} seq {seq}",
            String::from_utf8_lossy(payload)
        ),
        Record::View {
            node,
            incarnation,
            ring_id,
            members,
            transitional: true,
            ..
        } => format!("node {node}/{incarnation} transitional {ring_id} {members:?}"),
        _ => return None,
    })
}

fn describe_fault(f: &Fault) -> String {
    match f {
        Fault::Partition { cuts, one_way } => format!(
            "network: {} partition, cut {}",
            if *one_way { "one-way" } else { "symmetric" },
            cuts.iter()
                .map(|(a, b)| format!("{a}->{b}"))
                .collect::<Vec<_>>()
                .join(" ")
        ),
        Fault::HealNetwork => "network: every cut mended".into(),
        Fault::Clog {
            from,
            to,
            release_at,
        } => format!("network: link {from}->{to} clogged until {release_at}"),
        Fault::Pause { node, until } => format!("node {node} paused until {until}"),
        Fault::Resume { node } => format!("node {node} resumes"),
        Fault::ClockJump { node, jump_ms } => format!("node {node} clock jumps +{jump_ms} ms"),
        Fault::HealAll => "HEAL: network healthy, nodes resumed and restarted".into(),
        Fault::BreakAgent { node, rsc } => format!("node {node}: the {rsc} agent breaks"),
        Fault::RepairAgent { node, rsc } => format!("node {node}: the {rsc} agent is repaired"),
    }
}

// ---- HTML/SVG ----

const WIDTH_PX: f64 = 1400.0;
const LEFT_PX: f64 = 90.0;
const LANE_PX: f64 = 46.0;

struct Scale {
    end_ns: f64,
}

impl Scale {
    fn x(&self, t: Instant) -> f64 {
        LEFT_PX + (t.as_nanos() as f64 / self.end_ns.max(1.0)) * (WIDTH_PX - LEFT_PX - 10.0)
    }
}

/// A colour per ring, stable across runs.
fn ring_colour(ring: RingId) -> String {
    let h = (ring.seq.wrapping_mul(2_654_435_761) ^ u64::from(ring.rep).wrapping_mul(40_503)) % 360;
    format!("hsl({h},55%,70%)")
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Per node lane: spans (from, to, kind) to draw.
#[derive(Default)]
struct Lane {
    up: Vec<(Instant, Instant)>,
    views: Vec<(Instant, Instant, RingId, Vec<NodeId>)>,
    quorum: Vec<(Instant, Instant, bool)>,
    pauses: Vec<(Instant, Instant)>,
    marks: Vec<(Instant, &'static str, String)>,
    /// When this node believed itself the DC.
    dc: Vec<(Instant, Instant)>,
    /// Ground truth: when each resource really ran here.
    resources: BTreeMap<String, Vec<(Instant, Instant)>>,
}

/// Every resource any node ever ran, for one row each in every lane.
fn resource_names(report: &RunReport) -> Vec<String> {
    let mut names: Vec<String> = report
        .history
        .records()
        .iter()
        .filter_map(|r| match r {
            Record::Instance { rsc, .. } => Some(rsc.clone()),
            _ => None,
        })
        .collect();
    names.sort();
    names.dedup();
    names
}

/// A row of a resource in a node lane.
const RSC_ROW_PX: f64 = 9.0;

fn lanes(report: &RunReport, end: Instant) -> BTreeMap<NodeId, Lane> {
    let mut lanes: BTreeMap<NodeId, Lane> =
        report.nodes.iter().map(|n| (*n, Lane::default())).collect();
    let mut up_since: BTreeMap<NodeId, Instant> = BTreeMap::new();
    let mut view: BTreeMap<NodeId, (Instant, RingId, Vec<NodeId>)> = BTreeMap::new();
    let mut quorum: BTreeMap<NodeId, (Instant, bool)> = BTreeMap::new();
    let mut dc_since: BTreeMap<NodeId, Instant> = BTreeMap::new();
    let mut rsc_since: BTreeMap<(NodeId, String), Instant> = BTreeMap::new();
    let close = |lane: &mut Lane,
                 node: NodeId,
                 at: Instant,
                 view: &mut BTreeMap<NodeId, (Instant, RingId, Vec<NodeId>)>,
                 quorum: &mut BTreeMap<NodeId, (Instant, bool)>| {
        if let Some((from, ring, members)) = view.remove(&node) {
            lane.views.push((from, at, ring, members));
        }
        if let Some((from, q)) = quorum.remove(&node) {
            lane.quorum.push((from, at, q));
        }
    };
    for r in report.history.records() {
        let at = r.at();
        match r {
            Record::Started { node, .. } => {
                up_since.insert(*node, at);
                quorum.insert(*node, (at, false));
                let lane = lanes.get_mut(node).expect("known");
                lane.marks
                    .push((at, "start", format!("node {node} starts")));
            }
            Record::Crashed { node, .. } => {
                let lane = lanes.get_mut(node).expect("known");
                if let Some(from) = up_since.remove(node) {
                    lane.up.push((from, at));
                }
                close(lane, *node, at, &mut view, &mut quorum);
                if let Some(from) = dc_since.remove(node) {
                    lane.dc.push((from, at));
                }
                lane.marks
                    .push((at, "crash", format!("node {node} crashes")));
            }
            Record::Instance { node, rsc, up, .. } => {
                let key = (*node, rsc.clone());
                if *up {
                    rsc_since.entry(key).or_insert(at);
                } else if let Some(from) = rsc_since.remove(&key) {
                    let lane = lanes.get_mut(node).expect("known");
                    lane.resources
                        .entry(rsc.clone())
                        .or_default()
                        .push((from, at));
                }
            }
            Record::Exec {
                node,
                rsc,
                action,
                interval_ms: 0,
                ..
            } if action != "monitor" => {
                let lane = lanes.get_mut(node).expect("known");
                lane.marks
                    .push((at, "action", format!("node {node}: {action} {rsc}")));
            }
            Record::FenceAsked { by, target, .. } => {
                let lane = lanes.get_mut(by).expect("known");
                lane.marks
                    .push((at, "fence", format!("node {by} fences {target}")));
            }
            Record::FenceDone { by, target, ok, .. } => {
                let lane = lanes.get_mut(by).expect("known");
                let how = if *ok { "done" } else { "FAILED" };
                lane.marks
                    .push((at, "fence", format!("fencing {target}: {how}")));
            }
            Record::Cluster {
                node,
                event: ClusterEvent::DcChanged { dc },
                ..
            } => {
                let lane = lanes.get_mut(node).expect("known");
                if dc == node {
                    dc_since.entry(*node).or_insert(at);
                } else if let Some(from) = dc_since.remove(node) {
                    lane.dc.push((from, at));
                }
            }
            Record::View {
                node,
                ring_id,
                members,
                transitional: false,
                ..
            } => {
                let lane = lanes.get_mut(node).expect("known");
                if let Some((from, ring, m)) = view.insert(*node, (at, *ring_id, members.clone())) {
                    lane.views.push((from, at, ring, m));
                }
            }
            Record::Quorum { node, quorate, .. } => {
                let lane = lanes.get_mut(node).expect("known");
                if let Some((from, q)) = quorum.insert(*node, (at, *quorate)) {
                    lane.quorum.push((from, at, q));
                }
            }
            Record::Fault {
                fault: Fault::Pause { node, until },
                ..
            } => {
                let lane = lanes.get_mut(node).expect("known");
                lane.pauses.push((at, *until));
            }
            Record::Fault {
                fault: Fault::ClockJump { node, jump_ms },
                ..
            } => {
                let lane = lanes.get_mut(node).expect("known");
                lane.marks
                    .push((at, "jump", format!("node {node} clock +{jump_ms} ms")));
            }
            _ => {}
        }
    }
    for ((node, rsc), from) in rsc_since {
        let lane = lanes.get_mut(&node).expect("known");
        lane.resources.entry(rsc).or_default().push((from, end));
    }
    for (node, lane) in lanes.iter_mut() {
        if let Some(from) = dc_since.remove(node) {
            lane.dc.push((from, end));
        }
        if let Some(from) = up_since.remove(node) {
            lane.up.push((from, end));
        }
        close(lane, *node, end, &mut view, &mut quorum);
    }
    lanes
}

/// The network's spans: partitions (until replaced or mended) and clogs.
fn network_spans(
    report: &RunReport,
    end: Instant,
) -> Vec<(Instant, Instant, String, &'static str)> {
    let mut spans = Vec::new();
    let mut open: Option<(Instant, String)> = None;
    for r in report.history.records() {
        let Record::Fault { at, fault } = r else {
            continue;
        };
        match fault {
            Fault::Partition { .. } => {
                if let Some((from, label)) = open.take() {
                    spans.push((from, *at, label, "#e07070"));
                }
                open = Some((*at, describe_fault(fault)));
            }
            Fault::HealNetwork | Fault::HealAll => {
                if let Some((from, label)) = open.take() {
                    spans.push((from, *at, label, "#e07070"));
                }
            }
            Fault::Clog { release_at, .. } => {
                spans.push((*at, *release_at, describe_fault(fault), "#e0b060"));
            }
            _ => {}
        }
    }
    if let Some((from, label)) = open {
        spans.push((from, end, label, "#e07070"));
    }
    spans
}

/// The run as one self-contained HTML page (inline SVG, no scripts).
pub fn html(report: &RunReport) -> String {
    let end = Instant::ZERO + report.sim_time;
    let scale = Scale {
        end_ns: end.as_nanos() as f64,
    };
    let lanes = lanes(report, end);
    let rscs = resource_names(report);
    let lane_px = LANE_PX + RSC_ROW_PX * rscs.len() as f64;
    let height = 60.0 + LANE_PX + lane_px * lanes.len() as f64 + 30.0;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH_PX}" height="{height}" font-family="monospace" font-size="11">"#
    );
    // Time axis: a tick every tenth of the run.
    for i in 0..=10u64 {
        let t = Instant::from_nanos(end.as_nanos() / 10 * i);
        let x = scale.x(t);
        let _ = write!(
            svg,
            r##"<line x1="{x:.1}" y1="20" x2="{x:.1}" y2="{:.1}" stroke="#ddd"/><text x="{x:.1}" y="14" text-anchor="middle">{t}</text>"##,
            height - 20.0
        );
    }
    let mut y = 30.0;
    let _ = write!(svg, r#"<text x="4" y="{:.1}">network</text>"#, y + 20.0);
    for (from, to, label, colour) in network_spans(report, end) {
        let (x0, x1) = (scale.x(from), scale.x(to));
        let _ = write!(
            svg,
            r#"<rect x="{x0:.1}" y="{:.1}" width="{:.1}" height="14" fill="{colour}" opacity="0.7"><title>{from}..{to} {}</title></rect>"#,
            y + 8.0,
            (x1 - x0).max(1.0),
            escape(&label)
        );
    }
    y += LANE_PX;
    for (node, lane) in &lanes {
        let _ = write!(svg, r#"<text x="4" y="{:.1}">node {node}</text>"#, y + 20.0);
        for (from, to) in &lane.up {
            let (x0, x1) = (scale.x(*from), scale.x(*to));
            let _ = write!(
                svg,
                r##"<rect x="{x0:.1}" y="{:.1}" width="{:.1}" height="30" fill="#f4f4f4" stroke="#bbb"/>"##,
                y + 2.0,
                (x1 - x0).max(1.0)
            );
        }
        for (from, to, ring, members) in &lane.views {
            let (x0, x1) = (scale.x(*from), scale.x(*to));
            let _ = write!(
                svg,
                r#"<rect x="{x0:.1}" y="{:.1}" width="{:.1}" height="18" fill="{}"><title>ring {ring} {members:?} {from}..{to}</title></rect>"#,
                y + 4.0,
                (x1 - x0).max(1.0),
                ring_colour(*ring)
            );
        }
        for (from, to, quorate) in &lane.quorum {
            let (x0, x1) = (scale.x(*from), scale.x(*to));
            let colour = if *quorate { "#3a3" } else { "#c33" };
            let _ = write!(
                svg,
                r#"<rect x="{x0:.1}" y="{:.1}" width="{:.1}" height="6" fill="{colour}"><title>{} {from}..{to}</title></rect>"#,
                y + 24.0,
                (x1 - x0).max(1.0),
                if *quorate { "quorate" } else { "not quorate" }
            );
        }
        for (from, to) in &lane.pauses {
            let (x0, x1) = (scale.x(*from), scale.x(*to));
            let _ = write!(
                svg,
                r##"<rect x="{x0:.1}" y="{:.1}" width="{:.1}" height="30" fill="#555" opacity="0.35"><title>paused {from}..{to}</title></rect>"##,
                y + 2.0,
                (x1 - x0).max(1.0)
            );
        }
        for (from, to) in &lane.dc {
            let (x0, x1) = (scale.x(*from), scale.x(*to));
            let _ = write!(
                svg,
                r##"<rect x="{x0:.1}" y="{:.1}" width="{:.1}" height="3" fill="#000"><title>DC {from}..{to}</title></rect>"##,
                y + 34.0,
                (x1 - x0).max(1.0)
            );
        }
        for (row, rsc) in rscs.iter().enumerate() {
            let ry = y + 40.0 + RSC_ROW_PX * row as f64;
            let _ = write!(
                svg,
                r##"<text x="14" y="{:.1}" font-size="8">{}</text>"##,
                ry + 7.0,
                escape(rsc)
            );
            for (from, to) in lane.resources.get(rsc).into_iter().flatten() {
                let (x0, x1) = (scale.x(*from), scale.x(*to));
                let _ = write!(
                    svg,
                    r##"<rect x="{x0:.1}" y="{ry:.1}" width="{:.1}" height="7" fill="#47a"><title>{} runs {from}..{to}</title></rect>"##,
                    (x1 - x0).max(1.0),
                    escape(rsc)
                );
            }
        }
        for (at, kind, label) in &lane.marks {
            let x = scale.x(*at);
            let colour = match *kind {
                "crash" => "#c00",
                "start" => "#06c",
                "action" => "#888",
                "fence" => "#808",
                _ => "#a60",
            };
            let _ = write!(
                svg,
                r#"<line x1="{x:.1}" y1="{:.1}" x2="{x:.1}" y2="{:.1}" stroke="{colour}" stroke-width="2"><title>{at} {}</title></line>"#,
                y,
                y + 34.0,
                escape(label)
            );
        }
        y += lane_px;
    }
    let heal = scale.x(report.heal_at);
    let _ = write!(
        svg,
        r##"<line x1="{heal:.1}" y1="20" x2="{heal:.1}" y2="{y:.1}" stroke="#080" stroke-dasharray="4"><title>heal at {}</title></line>"##,
        report.heal_at
    );
    for v in report.violations.kept() {
        let x = scale.x(v.at);
        let _ = write!(
            svg,
            r##"<line x1="{x:.1}" y1="20" x2="{x:.1}" y2="{y:.1}" stroke="#f00" stroke-width="2"><title>{}</title></line>"##,
            escape(&v.to_string())
        );
    }
    svg.push_str("</svg>");
    format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>cohort-sim {} seed {}</title></head>\n<body style=\"font-family:sans-serif\">\n<h2>cohort-sim: {} seed {} ({} faults)</h2>\n<p>Lanes: grey = node up; coloured = regular view (one colour per ring; hover for members); thin bar = quorum (green quorate, red not); dark = paused; blue/red/orange ticks = start/crash/clock jump; grey ticks = agent actions (start/stop), purple = fencing; black bar = this node is the DC; one row per resource, filled where it really runs (ground truth). Network lane: red = partition, orange = clogged link. Dashed green = heal; red lines = violations.</p>\n{svg}\n<pre>{}</pre>\n</body></html>\n",
        report.scenario,
        report.seed,
        report.scenario,
        report.seed,
        report.faults,
        escape(&text(report))
    )
}
