//! Operation digests: the fingerprints of an operation's parameters that the
//! executor records with each result (`op-digest`, `op-restart-digest`,
//! `op-secure-digest`), and that the scheduler recomputes from the current
//! configuration to see whether a resource's definition changed under it.
//!
//! What was found by experiment against the recorded values of Pacemaker's
//! regression inputs and `crm_resource --digests` (2.1.5):
//! - the parameters are the resource's instance attributes as they apply on
//!   the node (sets in descending score order, rules evaluated for the node,
//!   the resource's own sets before its parents'), then the configured
//!   operation's own instance attributes (`OCF_CHECK_LEVEL` and the like);
//!   a value of `#default` unsets the name;
//! - a recurring operation adds `CRM_meta_timeout` (milliseconds): the op's
//!   timeout, else the op_defaults one, else 20000; a one-off has no meta
//!   attribute at all, so changing a start's timeout restarts nothing;
//! - the digest is the MD5 hex of ` <parameters a="1" b="2"/>` plus a
//!   newline, names sorted bytewise (so `CRM_meta_timeout` comes before
//!   lowercase names), values XML-escaped;
//! - the restart digest keeps only the names the record lists in
//!   `op-force-restart` (the agent's non-reloadable parameters), the secure
//!   digest drops those in `op-secure-params` (and, for records older than
//!   feature set 3.16.0, the timeout and the fencer's own `pcmk_*`
//!   parameters, which older controllers did not hash).

use std::cmp::Reverse;
use std::collections::BTreeMap;

use md5::{Digest as _, Md5};

use crate::cib::{AttrSet, Configuration, LrmRscOp, Op, Primitive, Score};

use super::nodes::NodeInfo;
use super::rules::rule_matches;

/// Pacemaker's default operation timeout, when neither the op nor
/// op_defaults set one.
const DEFAULT_TIMEOUT_MS: u64 = 20_000;

/// The digests the current configuration gives one recorded operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpDigests {
    /// Over every parameter: compared with `op-digest`.
    pub all: String,
    /// Over the parameters a reload cannot change: compared with
    /// `op-restart-digest`, only when the record has one.
    pub restart: Option<String>,
    /// Over the non-secret parameters: compared with `op-secure-digest`.
    pub secure: String,
}

/// What changed in a recorded operation's parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DigestChange {
    /// The record matches the configuration.
    Match,
    /// A parameter a reload can apply changed (or the record has no digest).
    All,
    /// A parameter only a restart can apply changed.
    Restart,
}

/// The MD5 hex of a parameter set as Pacemaker serialises it for digests.
pub fn digest_of(params: &BTreeMap<String, String>) -> String {
    let mut text = String::from(" <parameters");
    for (name, value) in params {
        text.push(' ');
        text.push_str(name);
        text.push_str("=\"");
        escape_into(&mut text, value);
        text.push('"');
    }
    text.push_str("/>\n");
    let hash = Md5::digest(text.as_bytes());
    hash.iter().map(|b| format!("{b:02x}")).collect()
}

fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c => out.push(c),
        }
    }
}

/// Adds the pairs of `sets` that apply on `node` to `out`, without
/// overriding names already there: the highest-scored set first, ties in
/// document order. A value of `#default` unsets the name.
pub fn collect_sets(sets: &[AttrSet], node: &NodeInfo, out: &mut BTreeMap<String, String>) {
    let mut ordered: Vec<&AttrSet> = sets.iter().collect();
    ordered.sort_by_key(|s| Reverse(set_score(s)));
    for set in ordered {
        if set.rule.as_ref().is_some_and(|r| !rule_matches(r, node)) {
            continue;
        }
        for pair in &set.pairs {
            let Some(value) = &pair.value else { continue };
            if value.eq_ignore_ascii_case("#default") {
                // "Use the default": the name is unset, whatever a set
                // read before said (novell-239087's target_role).
                out.remove(&pair.name);
            } else {
                out.entry(pair.name.clone())
                    .or_insert_with(|| value.clone());
            }
        }
    }
}

fn set_score(set: &AttrSet) -> Score {
    set.score
        .as_deref()
        .and_then(|s| s.parse::<Score>().ok())
        .unwrap_or(Score::ZERO)
}

/// The resource's parameters on `node`: `chain` is its own instance
/// attribute sets, then each ancestor's (group, clone), nearest first.
pub fn resource_params(chain: &[&[AttrSet]], node: &NodeInfo) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for sets in chain {
        collect_sets(sets, node, &mut out);
    }
    out
}

/// The configured op a record belongs to: same name and interval.
pub fn configured_op<'p>(prim: &'p Primitive, task: &str, interval_ms: u64) -> Option<&'p Op> {
    prim.ops
        .iter()
        .find(|o| o.name == task && o.interval_ms().ok() == Some(interval_ms))
}

/// The timeout (ms) of an operation: its own, else op_defaults', else the
/// default. A fence device's monitor takes `pcmk_monitor_timeout` first.
pub fn op_timeout_ms(
    config: &Configuration,
    prim: &Primitive,
    params: &BTreeMap<String, String>,
    op: Option<&Op>,
    task: &str,
) -> u64 {
    let parse = |v: &str| crate::cib::parse_duration_ms(v).ok();
    if prim.agent.class == "stonith" && task == "monitor" {
        if let Some(t) = params.get("pcmk_monitor_timeout").and_then(|v| parse(v)) {
            return t;
        }
    }
    op.and_then(|o| {
        o.attr("timeout")
            .or_else(|| crate::cib::lookup(&o.meta, "timeout"))
    })
    .and_then(parse)
    .or_else(|| config.op_default("timeout").and_then(parse))
    .unwrap_or(DEFAULT_TIMEOUT_MS)
}

/// Everything a digest is computed from, for one recorded operation.
#[derive(Debug, Clone)]
pub struct DigestInput<'a> {
    /// The resource's parameters on the node ([`resource_params`]).
    pub params: &'a BTreeMap<String, String>,
    /// The configured op's own instance attributes, as they apply.
    pub op_params: &'a BTreeMap<String, String>,
    pub interval_ms: u64,
    /// The op's timeout ([`op_timeout_ms`]), used for recurring ops.
    pub timeout_ms: u64,
    /// The resource is a fence device (its `pcmk_*` parameters are the
    /// fencer's, unhashed by older controllers).
    pub fencing: bool,
}

/// The digests the configuration gives `record`.
pub fn digests(input: &DigestInput<'_>, record: &LrmRscOp) -> OpDigests {
    let mut all: BTreeMap<String, String> = input.params.clone();
    for (k, v) in input.op_params {
        all.insert(k.clone(), v.clone());
    }
    all.retain(|k, _| !filtered(k));
    if input.interval_ms > 0 {
        all.insert("CRM_meta_timeout".into(), input.timeout_ms.to_string());
    }
    let extra = |name: &str| {
        record
            .extra_attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let listed = |list: &str, name: &str| list.split_whitespace().any(|n| n == name);
    let restart = extra("op-restart-digest").map(|_| {
        let mut kept = all.clone();
        if let Some(list) = extra("op-force-restart") {
            kept.retain(|k, _| listed(list, k));
        }
        digest_of(&kept)
    });
    let old = extra("crm_feature_set").is_none_or(|v| version_lt(v, "3.16.0"));
    let mut secure = if old {
        let mut p = input.params.clone();
        p.retain(|k, _| !filtered(k));
        p
    } else {
        all.clone()
    };
    if let Some(list) = extra("op-secure-params") {
        secure.retain(|k, _| !listed(list, k));
    }
    if old && input.fencing {
        secure.retain(|k, _| !is_fence_param(k));
    }
    OpDigests {
        all: digest_of(&all),
        restart,
        secure: digest_of(&secure),
    }
}

/// Compares `record` with the configuration's digests: a changed restart
/// digest needs a restart; a changed main digest a reload (or a restart
/// where the op has parameters of its own, which only a fresh start
/// applies); a record without any digest counts as changed.
pub fn compare(input: &DigestInput<'_>, record: &LrmRscOp) -> DigestChange {
    let now = digests(input, record);
    let recorded_restart = record
        .extra_attrs
        .iter()
        .find(|(k, _)| k == "op-restart-digest")
        .map(|(_, v)| v.as_str());
    if let (Some(was), Some(is)) = (recorded_restart, now.restart.as_deref()) {
        if was != is {
            return DigestChange::Restart;
        }
    }
    match record.op_digest.as_deref() {
        None => DigestChange::All,
        Some(was) if was == now.all => DigestChange::Match,
        Some(_) if input.interval_ms == 0 && !input.op_params.is_empty() => DigestChange::Restart,
        Some(_) => DigestChange::All,
    }
}

/// Names never hashed: the executor's own bookkeeping.
fn filtered(name: &str) -> bool {
    name.starts_with("CRM_meta_")
        || matches!(
            name,
            "id" | "crm_feature_set"
                | "op-digest"
                | "on_node"
                | "on_node_uuid"
                | "pcmk_external_ip"
        )
}

/// The fencer's parameters (host lists, action overrides, delays).
fn is_fence_param(name: &str) -> bool {
    name.starts_with("pcmk_") || name == "provides"
}

/// `a < b` for dotted versions, numerically per component.
fn version_lt(a: &str, b: &str) -> bool {
    let parts = |v: &str| -> Vec<u64> { v.split('.').map(|p| p.parse().unwrap_or(0)).collect() };
    let (a, b) = (parts(a), parts(b));
    let len = a.len().max(b.len());
    let at = |v: &[u64], i: usize| v.get(i).copied().unwrap_or(0);
    (0..len)
        .map(|i| (at(&a, i), at(&b, i)))
        .find(|(x, y)| x != y)
        .is_some_and(|(x, y)| x < y)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cib::xml::parse_cib;
    use crate::cib::Resource;
    use crate::policy::nodes::unpack_nodes;

    /// The digests and comparison of `rsc`'s record `op_id` on node `n1`.
    fn check(cib_xml: &str, rsc: &str, op_id: &str) -> (OpDigests, DigestChange) {
        let cib = parse_cib(cib_xml).expect("test CIB parses");
        let nodes = unpack_nodes(&cib, false);
        let node = nodes.iter().find(|n| n.name == "n1").expect("node n1");
        let Some(Resource::Primitive(prim)) = cib.configuration.find_resource(rsc) else {
            panic!("no primitive {rsc}");
        };
        let record = cib
            .status
            .node_states
            .iter()
            .flat_map(|s| s.lrm.iter().flat_map(|l| l.resources.iter()))
            .flat_map(|r| r.ops.iter())
            .find(|o| o.id == op_id)
            .expect("record");
        let params = resource_params(&[&prim.params], node);
        let op = configured_op(prim, &record.operation, record.interval_ms);
        let mut op_params = BTreeMap::new();
        if let Some(o) = op {
            collect_sets(&o.params, node, &mut op_params);
        }
        let input = DigestInput {
            params: &params,
            op_params: &op_params,
            interval_ms: record.interval_ms,
            timeout_ms: op_timeout_ms(&cib.configuration, prim, &params, op, &record.operation),
            fencing: prim.agent.class == "stonith",
        };
        (digests(&input, record), compare(&input, record))
    }

    fn cib(resources: &str, records: &str) -> String {
        format!(
            r#"<cib validate-with="pacemaker-3.0" epoch="1" num_updates="0" admin_epoch="0"><configuration><crm_config/><nodes><node id="n1" uname="n1"/></nodes><resources>{resources}</resources><constraints/></configuration><status><node_state id="n1" uname="n1" in_ccm="true" crmd="online" join="member" expected="member"><lrm id="n1"><lrm_resources>{records}</lrm_resources></lrm></node_state></status></cib>"#
        )
    }

    /// params-3: rsc_c001n03's start and 5s monitor (timeout 20s), as
    /// recorded with feature set 2.0.
    #[test]
    fn params_3_start_and_monitor_digests() {
        let xml = cib(
            r#"<primitive id="rsc_c001n03" class="ocf" type="IPaddr" provider="heartbeat"><operations><op name="monitor" interval="5s" id="m" timeout="20s"/></operations><instance_attributes id="ia"><nvpair id="ip" name="ip" value="127.0.0.13"/></instance_attributes></primitive>"#,
            r#"<lrm_resource id="rsc_c001n03" type="IPaddr" class="ocf" provider="heartbeat"><lrm_rsc_op id="s" operation="start" interval="0" op-status="0" call-id="3" rc-code="0" crm_feature_set="2.0" op-digest="6e0f48b04277dfed400d2ffce5b5ae51"/><lrm_rsc_op id="m" operation="monitor" interval="5000" op-status="0" call-id="4" rc-code="0" crm_feature_set="2.0" op-digest="3b337ce52a3a88fb0a61ff74c5e42f0b"/></lrm_resource>"#,
        );
        let (d, change) = check(&xml, "rsc_c001n03", "s");
        assert_eq!(d.all, "6e0f48b04277dfed400d2ffce5b5ae51");
        assert_eq!(change, DigestChange::Match);
        let (d, change) = check(&xml, "rsc_c001n03", "m");
        assert_eq!(d.all, "3b337ce52a3a88fb0a61ff74c5e42f0b");
        assert_eq!(change, DigestChange::Match);
    }

    /// params-3: rsc_c001n08's monitor was recorded with timeout 20s and no
    /// op parameter; the configuration now says 21s and new_attr, so the
    /// digest differs (crm_simulate issues monitor=5000 again).
    #[test]
    fn params_3_changed_monitor() {
        let xml = cib(
            r#"<primitive id="rsc_c001n08" class="ocf" type="IPaddr" provider="heartbeat"><operations><op name="monitor" interval="5s" id="m" timeout="21s"><instance_attributes id="oia"><nvpair id="na" name="new_attr" value="some_value"/></instance_attributes></op></operations><instance_attributes id="ia"><nvpair id="ip" name="ip" value="127.0.0.11"/></instance_attributes></primitive>"#,
            r#"<lrm_resource id="rsc_c001n08" type="IPaddr" class="ocf" provider="heartbeat"><lrm_rsc_op id="m" operation="monitor" interval="5000" op-status="0" call-id="3" rc-code="0" crm_feature_set="2.0" op-digest="6d0c707e8887b775eee00abb63b80a67"/></lrm_resource>"#,
        );
        let (d, change) = check(&xml, "rsc_c001n08", "m");
        assert_ne!(d.all, "6d0c707e8887b775eee00abb63b80a67");
        assert_eq!(change, DigestChange::All);
    }

    /// restart-with-extra-op-params: dummy1's start and monitor records
    /// (feature set 3.16.0) with restart and secure digests. The start op
    /// has since gained trace_ra=1: the main digest differs while the
    /// restart digest (over passwd only) still matches, and an op parameter
    /// of a one-off op means restart, not reload.
    #[test]
    fn restart_with_extra_op_params_digests() {
        let resources = |start_params: &str| {
            format!(
                r#"<primitive id="dummy1" class="ocf" provider="pacemaker" type="Dummy"><instance_attributes id="ia"><nvpair name="passwd" value="whatever" id="p"/><nvpair name="fake" value="foo" id="f"/></instance_attributes><operations><op name="start" timeout="20" interval="0" id="s">{start_params}</op><op name="monitor" timeout="20" interval="10" id="m"/></operations></primitive>"#
            )
        };
        let records = r#"<lrm_resource id="dummy1" class="ocf" provider="pacemaker" type="Dummy"><lrm_rsc_op id="dummy1_last_0" operation_key="dummy1_start_0" operation="start" crm_feature_set="3.16.0" call-id="10" rc-code="0" op-status="0" interval="0" op-digest="457016173e548c394dcf3896e3066412" op-force-restart="  envfile op_sleep passwd state  " op-restart-digest="5de129d7fe42dbcfe537f2c63b1921b6" op-secure-params="  passwd  " op-secure-digest="e989cbe4a0e9492305ffdc8c6391ffee"/><lrm_rsc_op id="dummy1_monitor_10000" operation_key="dummy1_monitor_10000" operation="monitor" crm_feature_set="3.16.0" call-id="11" rc-code="0" op-status="0" interval="10000" op-digest="f9a51bfe2c3d74c3b72202f3101682b7" op-secure-params="  passwd  " op-secure-digest="5bdf174ed64795a495a62489f1057eff"/></lrm_resource>"#;
        let before = cib(&resources(""), records);
        let (d, change) = check(&before, "dummy1", "dummy1_last_0");
        assert_eq!(d.all, "457016173e548c394dcf3896e3066412");
        assert_eq!(
            d.restart.as_deref(),
            Some("5de129d7fe42dbcfe537f2c63b1921b6")
        );
        assert_eq!(d.secure, "e989cbe4a0e9492305ffdc8c6391ffee");
        assert_eq!(change, DigestChange::Match);
        let (d, change) = check(&before, "dummy1", "dummy1_monitor_10000");
        assert_eq!(d.all, "f9a51bfe2c3d74c3b72202f3101682b7");
        assert_eq!(d.secure, "5bdf174ed64795a495a62489f1057eff");
        assert_eq!(change, DigestChange::Match);

        let after = cib(
            &resources(
                r#"<instance_attributes id="sia"><nvpair name="trace_ra" value="1" id="t"/></instance_attributes>"#,
            ),
            records,
        );
        let (d, change) = check(&after, "dummy1", "dummy1_last_0");
        assert_ne!(d.all, "457016173e548c394dcf3896e3066412");
        assert_eq!(
            d.restart.as_deref(),
            Some("5de129d7fe42dbcfe537f2c63b1921b6")
        );
        assert_eq!(change, DigestChange::Restart);
    }

    /// Sets apply in descending score order and rules see the node.
    #[test]
    fn scored_and_ruled_sets() {
        let xml = cib(
            r##"<primitive id="r" class="ocf" provider="pacemaker" type="Dummy"><instance_attributes id="low" score="1"><nvpair id="a1" name="a" value="low"/></instance_attributes><instance_attributes id="high" score="5"><nvpair id="a2" name="a" value="high"/></instance_attributes><instance_attributes id="elsewhere" score="9"><rule id="ru" score="0"><expression id="e" attribute="#uname" operation="eq" value="n2"/></rule><nvpair id="a3" name="a" value="n2"/></instance_attributes></primitive>"##,
            r#"<lrm_resource id="r" class="ocf" provider="pacemaker" type="Dummy"><lrm_rsc_op id="s" operation="start" interval="0" op-status="0" call-id="1" rc-code="0" crm_feature_set="3.16.1"/></lrm_resource>"#,
        );
        let (d, change) = check(&xml, "r", "s");
        let expected: BTreeMap<String, String> = [("a".to_string(), "high".to_string())].into();
        assert_eq!(d.all, digest_of(&expected));
        // No recorded digest: unknown counts as changed.
        assert_eq!(change, DigestChange::All);
    }

    #[test]
    fn empty_parameters_digest() {
        // The digest of every parameterless start in the corpus (params-2).
        assert_eq!(
            digest_of(&BTreeMap::new()),
            "f2317cad3d54cec5d7d7aa7d0bf35cf8"
        );
    }

    #[test]
    fn versions_compare_numerically() {
        assert!(version_lt("3.2.0", "3.16.0"));
        assert!(!version_lt("3.16.0", "3.16.0"));
        assert!(!version_lt("3.16.1", "3.16"));
    }
}
