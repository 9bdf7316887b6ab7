//! Generated CIBs for the scheduler benchmarks: `primitives` resources on
//! `nodes` nodes, with groups, a clone, location preferences and bans,
//! colocations and orders (pairs and sets), and a status section where
//! three in four resources already run (with the op-digests Pacemaker
//! computes, so neither scheduler sees a definition change).
//!
//! Shared by `benches/schedule.rs` (criterion) and `examples/gen_cib.rs`
//! (the files `runtime/benches/vs_crm_simulate.sh` gives both tools).

use std::fmt::Write;

/// md5 of ` <parameters/>\n`: the digest of an op of a primitive without
/// parameters.
const DIGEST: &str = "f2317cad3d54cec5d7d7aa7d0bf35cf8";
/// md5 of ` <parameters CRM_meta_timeout="20000"/>\n`: a recurring monitor's.
const MONITOR_DIGEST: &str = "4811cef7f7f94e3a35a70be7916cb2fd";
/// Resources per group, and one group per this many resources.
const GROUP_SIZE: usize = 4;
const GROUP_EVERY: usize = 10;

/// A small deterministic generator (xorshift64*), so each size is one CIB.
struct Draw(u64);

impl Draw {
    fn next(&mut self, below: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33) as usize % below.max(1)
    }
}

/// The CIB XML text for `primitives` resources on `nodes` nodes.
pub fn cib_xml(primitives: usize, nodes: usize) -> String {
    let mut draw = Draw(0x9E37_79B9_7F4A_7C15 ^ (primitives as u64) << 8 ^ nodes as u64);
    let node = |i: usize| format!("node{}", i + 1);
    let mut x = String::new();
    x.push_str("<cib crm_feature_set=\"3.16.1\" validate-with=\"pacemaker-3.9\" epoch=\"1\" num_updates=\"0\" admin_epoch=\"0\" have-quorum=\"1\" dc-uuid=\"node1\">\n<configuration>\n<crm_config><cluster_property_set id=\"cib-bootstrap-options\">\n");
    x.push_str("<nvpair id=\"opt-stonith\" name=\"stonith-enabled\" value=\"false\"/>\n</cluster_property_set></crm_config>\n<nodes>\n");
    for n in 0..nodes {
        let _ = writeln!(x, "<node id=\"{0}\" uname=\"{0}\"/>", node(n));
    }
    x.push_str("</nodes>\n<resources>\n");
    // Top-level resources (a group is one), each with its first primitive.
    let mut tops: Vec<String> = Vec::new();
    let mut i = 0;
    while i < primitives {
        if i % GROUP_EVERY == 0 && i + GROUP_SIZE <= primitives {
            let _ = writeln!(x, "<group id=\"g{i}\">");
            for m in i..i + GROUP_SIZE {
                x.push_str(&primitive(m));
            }
            x.push_str("</group>\n");
            tops.push(format!("g{i}"));
            i += GROUP_SIZE;
        } else {
            x.push_str(&primitive(i));
            tops.push(format!("r{i}"));
            i += 1;
        }
    }
    x.push_str("<clone id=\"base-clone\">");
    x.push_str(&primitive(primitives).replace("\"r", "\"base-r"));
    x.push_str("</clone>\n</resources>\n<constraints>\n");
    constraints(&mut x, &tops, nodes, &mut draw);
    x.push_str("</constraints>\n</configuration>\n<status>\n");
    let mut running: Vec<Vec<usize>> = vec![Vec::new(); nodes];
    for r in 0..primitives {
        if r % 4 != 3 {
            running[draw.next(nodes)].push(r);
        }
    }
    for (n, rscs) in running.iter().enumerate() {
        let name = node(n);
        let _ = writeln!(x, "<node_state id=\"{name}\" uname=\"{name}\" in_ccm=\"true\" crmd=\"online\" join=\"member\" expected=\"member\"><lrm id=\"{name}\"><lrm_resources>");
        for &r in rscs {
            let _ = writeln!(x, "<lrm_resource id=\"r{r}\" class=\"ocf\" provider=\"pacemaker\" type=\"Dummy\">{}{}</lrm_resource>", op(r, "start", 0, 2, DIGEST, &name), op(r, "monitor", 10000, 3, MONITOR_DIGEST, &name));
        }
        x.push_str("</lrm_resources></lrm></node_state>\n");
    }
    x.push_str("</status>\n</cib>\n");
    x
}

fn primitive(i: usize) -> String {
    format!("<primitive id=\"r{i}\" class=\"ocf\" provider=\"pacemaker\" type=\"Dummy\"><operations><op id=\"r{i}-mon\" name=\"monitor\" interval=\"10s\"/></operations></primitive>\n")
}

fn op(r: usize, task: &str, interval_ms: u64, call: u32, digest: &str, node: &str) -> String {
    let id = if interval_ms == 0 {
        format!("r{r}_last_0")
    } else {
        format!("r{r}_{task}_{interval_ms}")
    };
    let key = format!("{call}:1:0:00000000-0000-0000-0000-000000000000");
    format!("<lrm_rsc_op id=\"{id}\" operation_key=\"r{r}_{task}_{interval_ms}\" operation=\"{task}\" crm-debug-origin=\"bench\" crm_feature_set=\"3.16.1\" transition-key=\"{key}\" transition-magic=\"0:0;{key}\" exit-reason=\"\" on_node=\"{node}\" call-id=\"{call}\" rc-code=\"0\" op-status=\"0\" interval=\"{interval_ms}\" last-rc-change=\"1700000000\" exec-time=\"0\" queue-time=\"0\" op-digest=\"{digest}\"/>")
}

/// A location preference for every top-level resource (one in ten is also
/// banned from a node), a colocation and an order for one in five with an
/// earlier one, and every 50 a colocation set and an order set of three.
fn constraints(x: &mut String, tops: &[String], nodes: usize, draw: &mut Draw) {
    for (t, id) in tops.iter().enumerate() {
        let n = draw.next(nodes) + 1;
        let score = 10 + draw.next(90);
        let _ = writeln!(
            x,
            "<rsc_location id=\"loc-{id}\" rsc=\"{id}\" node=\"node{n}\" score=\"{score}\"/>"
        );
        if t % 10 == 5 {
            let n = draw.next(nodes) + 1;
            let _ = writeln!(
                x,
                "<rsc_location id=\"ban-{id}\" rsc=\"{id}\" node=\"node{n}\" score=\"-INFINITY\"/>"
            );
        }
        if t % 5 == 1 {
            let with = &tops[draw.next(t)];
            let score = if t % 2 == 0 {
                "INFINITY".to_string()
            } else {
                (draw.next(200) as i64 - 100).to_string()
            };
            let _ = writeln!(x, "<rsc_colocation id=\"col-{id}\" rsc=\"{id}\" with-rsc=\"{with}\" score=\"{score}\"/>");
            let _ = writeln!(
                x,
                "<rsc_order id=\"ord-{id}\" first=\"{with}\" then=\"{id}\" kind=\"Mandatory\"/>"
            );
        }
        if t % 50 == 49 {
            let set = |kind: &str| {
                let refs: String = (t - 2..=t)
                    .map(|s| format!("<resource_ref id=\"{}\"/>", tops[s]))
                    .collect();
                format!("<resource_set id=\"{kind}-set-{id}\">{refs}</resource_set>")
            };
            let _ = writeln!(
                x,
                "<rsc_colocation id=\"colset-{id}\" score=\"500\">{}</rsc_colocation>",
                set("col")
            );
            let _ = writeln!(
                x,
                "<rsc_order id=\"ordset-{id}\" kind=\"Optional\">{}</rsc_order>",
                set("ord")
            );
        }
    }
}
