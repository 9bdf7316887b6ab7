//! CIBs generated from seeds for the differential test of the scheduler
//! (tests/policy_generated.rs): small clusters (2 to 5 nodes, 2 to 8
//! top-level resources) drawn over the constructs the policy engine covers,
//! with a status section in which things have gone wrong.
//!
//! Configuration: primitives, groups, anonymous clones (of a primitive or a
//! group), promotable clones, a fencing device; meta attributes
//! (stickiness, target-role, is-managed, migration-threshold, priority,
//! clone-max, clone-node-max, interleave, promoted-max); rsc_defaults;
//! cluster options (stonith-enabled, no-quorum-policy, symmetric-cluster,
//! start-failure-is-fatal, placement-strategy with utilization); node
//! attributes, standby and maintenance nodes; location constraints (scores,
//! rules, roles), colocations (scores, roles), orders (kinds, symmetrical,
//! first/then actions) and resource sets of both.
//!
//! Status: nodes online, cleanly down, or unclean (expected up but gone);
//! resources running where they were placed, in odd places (banned nodes,
//! two nodes at once), or not at all; failed monitors, starts and stops
//! with their fail-counts; promoted and unpromoted instances with
//! promotion scores; probes already done on some nodes.
//!
//! Primitives have no parameters, so every op-digest in the history is one
//! of two constants (a wrong or missing digest reads as a definition change
//! and restarts the resource).
//!
//! Every draw comes from one xorshift64* state seeded from the seed, so a
//! seed is one CIB forever (the ratchet lists seeds). [`Generated::features`]
//! names the constructs a CIB uses, for the per-feature agreement rates.

use std::collections::BTreeSet;
use std::fmt::Write;

struct Draw(u64);

impl Draw {
    fn new(seed: u64) -> Draw {
        // splitmix64 of the seed, so neighbouring seeds start far apart.
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Draw((z ^ (z >> 31)) | 1)
    }

    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        ((self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33) as usize) % n.max(1)
    }

    /// True with probability `percent`/100.
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// An index by weight.
    fn weighted(&mut self, weights: &[usize]) -> usize {
        let mut x = self.below(weights.iter().sum());
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                return i;
            }
            x -= w;
        }
        weights.len() - 1
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Primitive,
    Group,
    Clone,
    CloneOfGroup,
    Promotable,
}

/// A top-level resource and the primitives under it.
struct Top {
    id: String,
    kind: Kind,
    prims: Vec<String>,
}

#[derive(Clone, Copy, PartialEq)]
enum NodeState {
    Online,
    Down,
    Unclean,
}

/// One generated CIB.
pub struct Generated {
    pub xml: String,
    pub features: BTreeSet<&'static str>,
}

const SCORES: &[&str] = &["INFINITY", "-INFINITY", "100", "50", "10", "-50", "0"];
const COLOC_SCORES: &[&str] = &["INFINITY", "-INFINITY", "INFINITY", "200", "-200", "0"];

/// The families of constructs one CIB may use. Each seed enables each
/// family with the same chance, 15% to 80% by seed, so many CIBs are small
/// enough that a disagreement points at one construct.
struct Families {
    groups: bool,
    clones: bool,
    promotable: bool,
    location: bool,
    colocation: bool,
    order: bool,
    sets: bool,
    meta: bool,
    stickiness: bool,
    failures: bool,
    odd_places: bool,
    node_trouble: bool,
    fencing: bool,
    quorum: bool,
    utilization: bool,
}

impl Families {
    fn draw(d: &mut Draw) -> Families {
        let p = *d.pick(&[15, 30, 50, 80]);
        let mut on = || d.chance(p);
        Families {
            groups: on(),
            clones: on(),
            promotable: on(),
            location: on(),
            colocation: on(),
            order: on(),
            sets: on(),
            meta: on(),
            stickiness: on(),
            failures: on(),
            odd_places: on(),
            node_trouble: on(),
            fencing: on(),
            quorum: on(),
            utilization: on(),
        }
    }
}

pub fn cib(seed: u64) -> Generated {
    let mut d = Draw::new(seed);
    let mut f: BTreeSet<&'static str> = BTreeSet::new();
    let fam = Families::draw(&mut d);
    let n_nodes = 2 + d.below(4);
    let nodes: Vec<String> = (1..=n_nodes).map(|i| format!("node{i}")).collect();

    // Cluster options.
    let stonith = fam.fencing && d.chance(70);
    let have_quorum = !(fam.quorum && d.chance(60));
    let nqp = *d.pick(&["stop", "stop", "ignore", "freeze", "demote"]);
    let symmetric = !(fam.location && d.chance(15));
    let utilization = fam.utilization;
    let mut props = vec![("stonith-enabled", stonith.to_string())];
    if stonith {
        f.insert("stonith-enabled");
    }
    if fam.quorum && d.chance(70) {
        props.push(("no-quorum-policy", nqp.to_string()));
    }
    if !have_quorum {
        f.insert("no-quorum");
    }
    if !symmetric {
        props.push(("symmetric-cluster", "false".into()));
        f.insert("asymmetric");
    }
    if utilization {
        let s = *d.pick(&["utilization", "balanced", "minimal"]);
        props.push(("placement-strategy", s.into()));
        f.insert("utilization");
    }
    if fam.failures && d.chance(15) {
        props.push(("start-failure-is-fatal", "false".into()));
        f.insert("start-failure-is-fatal");
    }
    if fam.meta && d.chance(4) {
        props.push(("maintenance-mode", "true".into()));
        f.insert("maintenance-mode");
    }

    let mut x = String::new();
    let _ = writeln!(
        x,
        "<cib crm_feature_set=\"3.16.1\" validate-with=\"pacemaker-3.9\" epoch=\"1\" \
         num_updates=\"0\" admin_epoch=\"0\" have-quorum=\"{}\" dc-uuid=\"node1\">",
        u8::from(have_quorum)
    );
    x.push_str(
        "<configuration>\n<crm_config>\n<cluster_property_set id=\"cib-bootstrap-options\">\n",
    );
    for (name, value) in &props {
        let _ = writeln!(
            x,
            "<nvpair id=\"opt-{name}\" name=\"{name}\" value=\"{value}\"/>"
        );
    }
    x.push_str("</cluster_property_set>\n</crm_config>\n<nodes>\n");

    // Nodes: attributes for rules, standby, maintenance, capacity.
    for (i, n) in nodes.iter().enumerate() {
        let _ = writeln!(x, "<node id=\"{n}\" uname=\"{n}\">");
        let _ = writeln!(x, "<instance_attributes id=\"{n}-attrs\">");
        let _ = writeln!(
            x,
            "<nvpair id=\"{n}-rack\" name=\"rack\" value=\"{}\"/>",
            if i % 2 == 0 { "a" } else { "b" }
        );
        if fam.node_trouble && d.chance(15) {
            f.insert("standby");
            let _ = writeln!(
                x,
                "<nvpair id=\"{n}-standby\" name=\"standby\" value=\"on\"/>"
            );
        } else if fam.node_trouble && d.chance(4) {
            f.insert("node-maintenance");
            let _ = writeln!(
                x,
                "<nvpair id=\"{n}-maintenance\" name=\"maintenance\" value=\"true\"/>"
            );
        }
        x.push_str("</instance_attributes>\n");
        if utilization {
            let _ = writeln!(
                x,
                "<utilization id=\"{n}-utilization\"><nvpair id=\"{n}-cpu\" name=\"cpu\" value=\"{}\"/></utilization>",
                2 + d.below(4)
            );
        }
        x.push_str("</node>\n");
    }
    x.push_str("</nodes>\n<resources>\n");

    // Resources.
    let mut tops: Vec<Top> = Vec::new();
    if stonith || (fam.fencing && d.chance(30)) {
        f.insert("fencing-device");
        x.push_str("<primitive id=\"fencer\" class=\"stonith\" type=\"fence_xvm\"/>\n");
    }
    let n_tops = 2 + d.below(7);
    for t in 0..n_tops {
        let weights = [
            45,
            if fam.groups { 18 } else { 0 },
            if fam.clones { 12 } else { 0 },
            if fam.clones && fam.groups { 5 } else { 0 },
            if fam.promotable { 12 } else { 0 },
        ];
        let kind = match d.weighted(&weights) {
            0 => Kind::Primitive,
            1 => Kind::Group,
            2 => Kind::Clone,
            3 => Kind::CloneOfGroup,
            _ => Kind::Promotable,
        };
        let util = |d: &mut Draw, id: &str| -> String {
            if utilization {
                format!(
                    "<utilization id=\"{id}-utilization\"><nvpair id=\"{id}-util-cpu\" name=\"cpu\" value=\"{}\"/></utilization>",
                    1 + d.below(3)
                )
            } else {
                String::new()
            }
        };
        let primitive = |d: &mut Draw, f: &mut BTreeSet<&'static str>, id: &str, x: &mut String| {
            let meta = primitive_meta(d, f, id, &fam);
            let u = util(d, id);
            let on_fail = if fam.failures && d.chance(10) {
                f.insert("on-fail");
                let v = d.pick(&["stop", "block", "ignore", "restart", "fence", "standby"]);
                format!(" on-fail=\"{v}\"")
            } else {
                String::new()
            };
            let _ = writeln!(
                x,
                "<primitive id=\"{id}\" class=\"ocf\" provider=\"pacemaker\" type=\"Dummy\">{meta}{u}\
                 <operations><op id=\"{id}-monitor-10s\" name=\"monitor\" interval=\"10s\"{on_fail}/></operations></primitive>"
            );
        };
        match kind {
            Kind::Primitive => {
                let id = format!("r{t}");
                primitive(&mut d, &mut f, &id, &mut x);
                tops.push(Top {
                    prims: vec![id.clone()],
                    id,
                    kind,
                });
            }
            Kind::Group | Kind::CloneOfGroup => {
                f.insert("group");
                let (gid, top_id) = if kind == Kind::Group {
                    (format!("g{t}"), format!("g{t}"))
                } else {
                    f.insert("clone");
                    (format!("cg{t}"), format!("cg{t}-clone"))
                };
                if kind == Kind::CloneOfGroup {
                    let meta = clone_meta(&mut d, &mut f, &top_id, n_nodes, false, &fam);
                    let _ = writeln!(x, "<clone id=\"{top_id}\">{meta}");
                }
                let _ = writeln!(x, "<group id=\"{gid}\">");
                if fam.meta && d.chance(10) {
                    f.insert("target-role");
                    let _ = writeln!(
                        x,
                        "<meta_attributes id=\"{gid}-meta\"><nvpair id=\"{gid}-meta-target-role\" name=\"target-role\" value=\"Stopped\"/></meta_attributes>"
                    );
                }
                let members: Vec<String> = (0..2 + d.below(2))
                    .map(|m| format!("{gid}-{}", ["a", "b", "c"][m]))
                    .collect();
                for m in &members {
                    primitive(&mut d, &mut f, m, &mut x);
                }
                x.push_str("</group>\n");
                if kind == Kind::CloneOfGroup {
                    x.push_str("</clone>\n");
                }
                tops.push(Top {
                    id: top_id,
                    kind,
                    prims: members,
                });
            }
            Kind::Clone => {
                f.insert("clone");
                let id = format!("c{t}-clone");
                let prim = format!("c{t}");
                let meta = clone_meta(&mut d, &mut f, &id, n_nodes, false, &fam);
                let _ = writeln!(x, "<clone id=\"{id}\">{meta}");
                primitive(&mut d, &mut f, &prim, &mut x);
                x.push_str("</clone>\n");
                tops.push(Top {
                    id,
                    kind,
                    prims: vec![prim],
                });
            }
            Kind::Promotable => {
                f.insert("promotable");
                let id = format!("ms{t}-clone");
                let prim = format!("ms{t}");
                let meta = clone_meta(&mut d, &mut f, &id, n_nodes, true, &fam);
                let _ = writeln!(x, "<clone id=\"{id}\">{meta}");
                let _ = writeln!(
                    x,
                    "<primitive id=\"{prim}\" class=\"ocf\" provider=\"pacemaker\" type=\"Stateful\">\
                     <operations><op id=\"{prim}-monitor-10s\" name=\"monitor\" interval=\"10s\" role=\"Promoted\"/>\
                     <op id=\"{prim}-monitor-11s\" name=\"monitor\" interval=\"11s\" role=\"Unpromoted\"/></operations></primitive>"
                );
                x.push_str("</clone>\n");
                tops.push(Top {
                    id,
                    kind,
                    prims: vec![prim],
                });
            }
        }
    }
    x.push_str("</resources>\n<constraints>\n");
    constraints(&mut d, &mut f, &mut x, &tops, &nodes, &fam);
    x.push_str("</constraints>\n");
    if fam.stickiness && d.chance(70) {
        f.insert("stickiness");
        let s = *d.pick(&["1", "100", "INFINITY", "0"]);
        let _ = writeln!(
            x,
            "<rsc_defaults><meta_attributes id=\"rsc-options\"><nvpair id=\"rsc-options-stickiness\" name=\"resource-stickiness\" value=\"{s}\"/></meta_attributes></rsc_defaults>"
        );
    }
    x.push_str("</configuration>\n<status>\n");
    status(&mut d, &mut f, &mut x, &tops, &nodes, &fam);
    x.push_str("</status>\n</cib>\n");
    Generated {
        xml: x,
        features: f,
    }
}

fn primitive_meta(
    d: &mut Draw,
    f: &mut BTreeSet<&'static str>,
    id: &str,
    fam: &Families,
) -> String {
    let mut pairs: Vec<(&str, String)> = Vec::new();
    if fam.stickiness && d.chance(20) {
        f.insert("stickiness");
        pairs.push((
            "resource-stickiness",
            d.pick(&["0", "50", "200", "INFINITY"]).to_string(),
        ));
    }
    if fam.meta && d.chance(8) {
        f.insert("target-role");
        pairs.push(("target-role", "Stopped".into()));
    }
    if fam.meta && d.chance(6) {
        f.insert("unmanaged");
        pairs.push(("is-managed", "false".into()));
    }
    if fam.failures && d.chance(25) {
        f.insert("migration-threshold");
        pairs.push(("migration-threshold", (1 + d.below(3)).to_string()));
    }
    if fam.meta && d.chance(15) {
        f.insert("priority");
        pairs.push(("priority", (1 + d.below(10)).to_string()));
    }
    meta(id, &pairs)
}

fn clone_meta(
    d: &mut Draw,
    f: &mut BTreeSet<&'static str>,
    id: &str,
    n_nodes: usize,
    promotable: bool,
    fam: &Families,
) -> String {
    let mut pairs: Vec<(&str, String)> = Vec::new();
    if promotable {
        pairs.push(("promotable", "true".into()));
        if fam.meta && d.chance(20) {
            pairs.push(("promoted-max", "2".into()));
        }
    }
    if fam.meta && d.chance(30) {
        f.insert("clone-max");
        pairs.push(("clone-max", (1 + d.below(n_nodes)).to_string()));
    }
    if fam.meta && d.chance(8) {
        f.insert("clone-node-max");
        pairs.push(("clone-node-max", "2".into()));
    }
    if fam.meta && d.chance(30) {
        f.insert("interleave");
        pairs.push(("interleave", "true".into()));
    }
    if fam.meta && d.chance(8) {
        f.insert("target-role");
        let role = if promotable && d.chance(50) {
            "Unpromoted"
        } else {
            "Stopped"
        };
        pairs.push(("target-role", role.into()));
    }
    meta(id, &pairs)
}

fn meta(id: &str, pairs: &[(&str, String)]) -> String {
    if pairs.is_empty() {
        return String::new();
    }
    let mut s = format!("<meta_attributes id=\"{id}-meta\">");
    for (n, v) in pairs {
        let _ = write!(
            s,
            "<nvpair id=\"{id}-meta-{n}\" name=\"{n}\" value=\"{v}\"/>"
        );
    }
    s.push_str("</meta_attributes>");
    s
}

fn constraints(
    d: &mut Draw,
    f: &mut BTreeSet<&'static str>,
    x: &mut String,
    tops: &[Top],
    nodes: &[String],
    fam: &Families,
) {
    for (i, t) in tops.iter().enumerate() {
        if fam.location && d.chance(50) {
            f.insert("location");
            let n = d.pick(nodes);
            let s = d.pick(SCORES);
            let role = if t.kind == Kind::Promotable && d.chance(40) {
                f.insert("location-role");
                " role=\"Promoted\""
            } else {
                ""
            };
            let _ = writeln!(
                x,
                "<rsc_location id=\"loc-{i}\" rsc=\"{}\" node=\"{n}\" score=\"{s}\"{role}/>",
                t.id
            );
        }
        if fam.location && d.chance(15) {
            f.insert("location-rule");
            let s = d.pick(&["INFINITY", "-INFINITY", "100", "-100"]);
            let rack = d.pick(&["a", "b"]);
            let _ = writeln!(
                x,
                "<rsc_location id=\"rule-loc-{i}\" rsc=\"{}\"><rule id=\"rule-loc-{i}-rule\" score=\"{s}\">\
                 <expression id=\"rule-loc-{i}-expr\" attribute=\"rack\" operation=\"eq\" value=\"{rack}\"/></rule></rsc_location>",
                t.id
            );
        }
    }
    if tops.len() < 2 {
        return;
    }
    let pair = |d: &mut Draw| -> (usize, usize) {
        let a = d.below(tops.len());
        let mut b = d.below(tops.len() - 1);
        if b >= a {
            b += 1;
        }
        (a, b)
    };
    for c in 0..if fam.colocation { 1 + d.below(3) } else { 0 } {
        f.insert("colocation");
        let (a, b) = pair(d);
        let s = d.pick(COLOC_SCORES);
        let mut roles = String::new();
        if tops[a].kind == Kind::Promotable && d.chance(50) {
            f.insert("colocation-role");
            roles.push_str(" rsc-role=\"Promoted\"");
        }
        if tops[b].kind == Kind::Promotable && d.chance(50) {
            f.insert("colocation-role");
            roles.push_str(" with-rsc-role=\"Promoted\"");
        }
        let _ = writeln!(
            x,
            "<rsc_colocation id=\"col-{c}\" rsc=\"{}\" with-rsc=\"{}\" score=\"{s}\"{roles}/>",
            tops[a].id, tops[b].id
        );
    }
    for o in 0..if fam.order { 1 + d.below(3) } else { 0 } {
        f.insert("order");
        let (a, b) = pair(d);
        let mut extra = String::new();
        match d.weighted(&[70, 20, 10]) {
            0 => {}
            1 => {
                f.insert("order-optional");
                extra.push_str(" kind=\"Optional\"");
            }
            _ => {
                f.insert("order-serialize");
                extra.push_str(" kind=\"Serialize\"");
            }
        }
        if d.chance(20) {
            f.insert("order-asymmetrical");
            extra.push_str(" symmetrical=\"false\"");
        }
        if tops[a].kind == Kind::Promotable && d.chance(50) {
            f.insert("order-action");
            extra.push_str(" first-action=\"promote\"");
        }
        let _ = writeln!(
            x,
            "<rsc_order id=\"ord-{o}\" first=\"{}\" then=\"{}\"{extra}/>",
            tops[a].id, tops[b].id
        );
    }
    if tops.len() >= 3 && fam.sets && fam.colocation {
        f.insert("sets");
        let members = set_members(d, tops);
        let s = d.pick(&["INFINITY", "500", "-INFINITY"]);
        let seq = if d.chance(30) {
            " sequential=\"false\""
        } else {
            ""
        };
        let _ = writeln!(
            x,
            "<rsc_colocation id=\"col-set\" score=\"{s}\"><resource_set id=\"col-set-0\"{seq}>{members}</resource_set></rsc_colocation>"
        );
    }
    if tops.len() >= 3 && fam.sets && (fam.order || !fam.colocation) {
        f.insert("sets");
        let members = set_members(d, tops);
        let seq = if d.chance(30) {
            " sequential=\"false\""
        } else {
            ""
        };
        let kind = if d.chance(30) {
            " kind=\"Optional\""
        } else {
            ""
        };
        let _ = writeln!(
            x,
            "<rsc_order id=\"ord-set\"{kind}><resource_set id=\"ord-set-0\"{seq}>{members}</resource_set></rsc_order>"
        );
    }
}

/// Two or three distinct top-level resources as resource_refs.
fn set_members(d: &mut Draw, tops: &[Top]) -> String {
    let mut idx: Vec<usize> = (0..tops.len()).collect();
    let mut out = String::new();
    for _ in 0..2 + d.below(2).min(tops.len() - 2) {
        let i = idx.remove(d.below(idx.len()));
        let _ = write!(out, "<resource_ref id=\"{}\"/>", tops[i].id);
    }
    out
}

/// One history entry.
struct Op {
    rsc: String,
    task: &'static str,
    interval_ms: u32,
    rc: u8,
    call: u32,
    /// Recorded as `<rsc>_last_failure_0` too.
    failed: bool,
}

/// What a primitive is doing on one node, as history.
#[derive(Clone, Copy)]
enum Doing {
    /// Probed: not running.
    NotRunning,
    Running,
    RunningPromoted,
    MonitorFailed,
    StartFailed,
    StopFailed,
}

fn status(
    d: &mut Draw,
    f: &mut BTreeSet<&'static str>,
    x: &mut String,
    tops: &[Top],
    nodes: &[String],
    fam: &Families,
) {
    let n = nodes.len();
    let trouble = if fam.node_trouble {
        [70, 15, 15]
    } else {
        [100, 0, 0]
    };
    let states: Vec<NodeState> = (0..n)
        .map(|_| match d.weighted(&trouble) {
            0 => NodeState::Online,
            1 => NodeState::Down,
            _ => NodeState::Unclean,
        })
        .collect();
    if states.contains(&NodeState::Down) {
        f.insert("node-down");
    }
    if states.contains(&NodeState::Unclean) {
        f.insert("node-unclean");
    }
    // (node, primitive, doing); fail-counts per node.
    let mut history: Vec<Vec<(String, Doing)>> = vec![Vec::new(); n];
    let mut promotion: Vec<Vec<(String, u32)>> = vec![Vec::new(); n];
    for t in tops {
        match t.kind {
            Kind::Primitive | Kind::Group => {
                // Members of a group mostly share their node.
                let home = d.below(n);
                let running = d.chance(65);
                for p in &t.prims {
                    let here = if !fam.odd_places || d.chance(80) {
                        home
                    } else {
                        d.below(n)
                    };
                    for (node, h) in history.iter_mut().enumerate() {
                        if running && node == here {
                            h.push((p.clone(), running_doing(d, f, fam)));
                        } else if running && fam.odd_places && d.chance(8) {
                            f.insert("multiply-active");
                            h.push((p.clone(), Doing::Running));
                        } else if d.chance(50) {
                            h.push((p.clone(), Doing::NotRunning));
                        }
                    }
                }
            }
            Kind::Clone | Kind::CloneOfGroup | Kind::Promotable => {
                let mut promoted_one = false;
                for node in 0..n {
                    let running = d.chance(60);
                    for p in &t.prims {
                        let doing = if !running {
                            if d.chance(60) {
                                Doing::NotRunning
                            } else {
                                continue;
                            }
                        } else if t.kind == Kind::Promotable && !promoted_one && d.chance(50) {
                            promoted_one = !d.chance(10);
                            Doing::RunningPromoted
                        } else {
                            running_doing(d, f, fam)
                        };
                        history[node].push((p.clone(), doing));
                    }
                    if t.kind == Kind::Promotable && d.chance(70) {
                        f.insert("promotion-score");
                        promotion[node].push((t.prims[0].clone(), d.below(3) as u32 * 5));
                    }
                }
            }
        }
    }
    for (i, name) in nodes.iter().enumerate() {
        let attrs = match states[i] {
            NodeState::Online => {
                "in_ccm=\"true\" crmd=\"online\" join=\"member\" expected=\"member\""
            }
            NodeState::Down => "in_ccm=\"false\" crmd=\"offline\" join=\"down\" expected=\"down\"",
            NodeState::Unclean => {
                "in_ccm=\"false\" crmd=\"offline\" join=\"member\" expected=\"member\""
            }
        };
        let _ = writeln!(x, "<node_state id=\"{name}\" uname=\"{name}\" {attrs}>");
        let mut transient: Vec<(String, String)> = Vec::new();
        for (p, s) in &promotion[i] {
            transient.push((format!("master-{p}"), s.to_string()));
        }
        let mut ops: Vec<Op> = Vec::new();
        let mut call = 1;
        for (p, doing) in &history[i] {
            let mut push = |task: &'static str, interval_ms: u32, rc: u8, failed: bool| {
                call += 1;
                ops.push(Op {
                    rsc: p.clone(),
                    task,
                    interval_ms,
                    rc,
                    call,
                    failed,
                });
            };
            let promotable = p.starts_with("ms");
            let mon = if promotable { 11000 } else { 10000 };
            match doing {
                Doing::NotRunning => push("monitor", 0, 7, false),
                Doing::Running => {
                    push("start", 0, 0, false);
                    push("monitor", mon, 0, false);
                }
                Doing::RunningPromoted => {
                    push("promote", 0, 0, false);
                    push("monitor", 10000, 8, false);
                }
                Doing::MonitorFailed => {
                    push("start", 0, 0, false);
                    push("monitor", mon, 7, true);
                    transient.push((format!("fail-count-{p}#monitor_{mon}"), "1".into()));
                    transient.push((
                        format!("last-failure-{p}#monitor_{mon}"),
                        "1700000000".into(),
                    ));
                }
                Doing::StartFailed => {
                    push("start", 0, 1, true);
                    transient.push((format!("fail-count-{p}#start_0"), "INFINITY".into()));
                    transient.push((format!("last-failure-{p}#start_0"), "1700000000".into()));
                }
                Doing::StopFailed => {
                    push("stop", 0, 1, true);
                    transient.push((format!("fail-count-{p}#stop_0"), "INFINITY".into()));
                    transient.push((format!("last-failure-{p}#stop_0"), "1700000000".into()));
                }
            }
        }
        if !transient.is_empty() {
            let _ = writeln!(
                x,
                "<transient_attributes id=\"{name}\"><instance_attributes id=\"status-{name}\">"
            );
            for (k, v) in &transient {
                let _ = writeln!(
                    x,
                    "<nvpair id=\"status-{name}-{}\" name=\"{k}\" value=\"{v}\"/>",
                    k.replace('#', "-")
                );
            }
            x.push_str("</instance_attributes></transient_attributes>\n");
        }
        let _ = writeln!(x, "<lrm id=\"{name}\"><lrm_resources>");
        let mut by_rsc: Vec<&str> = ops.iter().map(|o| o.rsc.as_str()).collect();
        by_rsc.dedup();
        for r in by_rsc {
            let (ty, prov) = if r.starts_with("ms") {
                ("Stateful", "pacemaker")
            } else {
                ("Dummy", "pacemaker")
            };
            let _ = writeln!(
                x,
                "<lrm_resource id=\"{r}\" class=\"ocf\" provider=\"{prov}\" type=\"{ty}\">"
            );
            for o in ops.iter().filter(|o| o.rsc == r) {
                let ids: Vec<String> = if o.interval_ms > 0 {
                    let mut v = vec![format!("{r}_{}_{}", o.task, o.interval_ms)];
                    if o.failed {
                        v.push(format!("{r}_last_failure_0"));
                    }
                    v
                } else if o.failed {
                    vec![format!("{r}_last_0"), format!("{r}_last_failure_0")]
                } else {
                    vec![format!("{r}_last_0")]
                };
                for id in ids {
                    x.push_str(&lrm_op(&id, o, name));
                }
            }
            x.push_str("</lrm_resource>\n");
        }
        x.push_str("</lrm_resources></lrm>\n</node_state>\n");
    }
}

/// A running primitive's history: mostly fine, sometimes failed.
fn running_doing(d: &mut Draw, f: &mut BTreeSet<&'static str>, fam: &Families) -> Doing {
    if !fam.failures {
        return Doing::Running;
    }
    match d.weighted(&[70, 15, 9, 6]) {
        0 => Doing::Running,
        1 => {
            f.insert("failed-monitor");
            Doing::MonitorFailed
        }
        2 => {
            f.insert("failed-start");
            Doing::StartFailed
        }
        _ => {
            f.insert("failed-stop");
            Doing::StopFailed
        }
    }
}

/// md5 of ` <parameters/>\n`: the digest of a non-recurring op of a
/// primitive without parameters.
const DIGEST: &str = "f2317cad3d54cec5d7d7aa7d0bf35cf8";
/// md5 of ` <parameters CRM_meta_timeout="20000"/>\n`: a recurring monitor's
/// (its role is not part of it).
const MONITOR_DIGEST: &str = "4811cef7f7f94e3a35a70be7916cb2fd";

fn lrm_op(id: &str, o: &Op, node: &str) -> String {
    let digest = if o.interval_ms > 0 {
        MONITOR_DIGEST
    } else {
        DIGEST
    };
    let key = format!("{}:1:0:00000000-0000-0000-0000-000000000000", o.call);
    format!(
        "<lrm_rsc_op id=\"{id}\" operation_key=\"{}_{}_{}\" operation=\"{}\" crm-debug-origin=\"generated\" \
         crm_feature_set=\"3.16.1\" transition-key=\"{key}\" transition-magic=\"0:{};{key}\" exit-reason=\"\" \
         on_node=\"{node}\" call-id=\"{}\" rc-code=\"{}\" op-status=\"0\" interval=\"{}\" \
         last-rc-change=\"1700000000\" exec-time=\"0\" queue-time=\"0\" op-digest=\"{digest}\"/>\n",
        o.rsc, o.task, o.interval_ms, o.task, o.rc, o.call, o.rc, o.interval_ms
    )
}
