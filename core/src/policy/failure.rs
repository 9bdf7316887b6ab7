//! Fail-counts, migration-threshold and failure-timeout: a resource that
//! failed too often on a node is banned from it, until its failures expire.
//!
//! "Now" is the CIB's `execution-date` (epoch seconds), as crm_simulate
//! reads it (or `--date`); [`super::schedule_at`] sets it. Without it no
//! failure expires: the scheduler never reads a clock.

use crate::cib::{parse_duration_ms, Score};

use super::cluster::{Cluster, NodeIdx};
use super::resources::RscIdx;

/// The attribute names of `idx`'s failures: `fail-count-<id>` and
/// `fail-count-<id>#<op>_<interval>` (same for `last-failure-`), with the
/// instance number dropped for anonymous clone instances.
fn attr_id<'c>(cluster: &'c Cluster<'_>, idx: RscIdx) -> &'c str {
    let rsc = &cluster.table.rscs[idx];
    let unique_instance = rsc.id != rsc.base_id
        && cluster.table.clone_of(idx).is_some_and(|c| {
            matches!(
                cluster.table.rscs[c].kind,
                super::resources::RscKind::Clone { unique: true, .. }
            )
        });
    if unique_instance {
        rsc.id.as_str()
    } else {
        rsc.base_id.as_str()
    }
}

/// True when attribute `key` is `<stem>` or `<stem>#...`; for an
/// anonymous clone instance also with an instance number after the stem
/// (`fail-count-pingd:0`, as older Pacemaker wrote them: bug-lf-2106).
fn names(key: &str, stem: &str, anonymous: bool) -> bool {
    let Some(mut rest) = key.strip_prefix(stem) else {
        return false;
    };
    if anonymous {
        if let Some(n) = rest.strip_prefix(':') {
            let digits = n.len() - n.trim_start_matches(|c: char| c.is_ascii_digit()).len();
            if digits > 0 {
                rest = &n[digits..];
            }
        }
    }
    rest.is_empty() || rest.starts_with('#')
}

/// An anonymous clone instance: its failures are recorded under the
/// clone's primitive id.
fn anonymous(cluster: &Cluster<'_>, idx: RscIdx) -> bool {
    let rsc = &cluster.table.rscs[idx];
    rsc.id != rsc.base_id && attr_id(cluster, idx) == rsc.base_id
}

/// The scores of `<prefix><id>` and `<prefix><id>#...` on `node`.
fn collect(cluster: &Cluster<'_>, node: NodeIdx, prefix: &str, idx: RscIdx) -> Vec<Score> {
    let stem = format!("{prefix}{}", attr_id(cluster, idx));
    let anonymous = anonymous(cluster, idx);
    cluster.nodes[node]
        .attrs
        .iter()
        .filter(|(k, _)| names(k, &stem, anonymous))
        .filter_map(|(_, v)| Score::parse(v).ok())
        .collect()
}

/// The resource's failure-timeout in seconds (0: failures never expire),
/// from its own meta-attributes, its parents', then rsc_defaults.
pub fn failure_timeout_s(cluster: &Cluster<'_>, idx: RscIdx) -> i64 {
    let mut cur = Some(idx);
    let mut value = None;
    while let Some(i) = cur {
        value = cluster.table.rscs[i].config.meta_value("failure-timeout");
        if value.is_some() {
            break;
        }
        cur = cluster.table.rscs[i].parent;
    }
    value
        .or_else(|| cluster.cib.configuration.rsc_default("failure-timeout"))
        .and_then(|v| parse_duration_ms(v).ok())
        .map_or(0, |ms| i64::try_from(ms / 1000).unwrap_or(i64::MAX))
}

/// The scheduler's "now" in epoch seconds, when the CIB says.
pub fn now_s(cluster: &Cluster<'_>) -> Option<i64> {
    cluster
        .cib
        .extra_attr("execution-date")
        .and_then(|v| v.trim().parse().ok())
}

/// When `idx`'s failures on `node` expire (epoch seconds): the latest
/// `last-failure` plus failure-timeout. None when they never do.
pub fn expires_at_s(cluster: &Cluster<'_>, idx: RscIdx, node: NodeIdx) -> Option<i64> {
    let timeout = failure_timeout_s(cluster, idx);
    if timeout <= 0 {
        return None;
    }
    // Epoch seconds, far above a score's INFINITY: read as integers.
    let stem = format!("last-failure-{}", attr_id(cluster, idx));
    let anonymous = anonymous(cluster, idx);
    let last = cluster.nodes[node]
        .attrs
        .iter()
        .filter(|(k, _)| names(k, &stem, anonymous))
        .filter_map(|(_, v)| v.trim().parse::<i64>().ok())
        .max()?;
    (last > 0).then(|| last.saturating_add(timeout))
}

/// The summed fail-count of primitive `idx` on `node`: every
/// `fail-count-<id>` and `fail-count-<id>#<op>_<interval>` attribute. Zero
/// once failure-timeout has passed since the last failure (Pacemaker
/// expires them all together, when now is past last-failure + timeout).
pub fn fail_count(cluster: &Cluster<'_>, idx: RscIdx, node: NodeIdx) -> Score {
    if cluster.stale_failures.contains(&(idx, node)) {
        return Score::ZERO;
    }
    let count = collect(cluster, node, "fail-count-", idx)
        .into_iter()
        .fold(Score::ZERO, |a, b| a + b);
    if count.value() > 0 {
        if let (Some(now), Some(expiry)) = (now_s(cluster), expires_at_s(cluster, idx, node)) {
            if now > expiry {
                return Score::ZERO;
            }
        }
    }
    count
}

/// True when `idx` has reached its migration-threshold on `node`.
pub fn threshold_reached(cluster: &Cluster<'_>, idx: RscIdx, node: NodeIdx) -> bool {
    let threshold = cluster.table.rscs[idx].meta.migration_threshold;
    if threshold <= 0 {
        return false;
    }
    let count = fail_count(cluster, idx, node);
    count.value() > 0 && count.value() >= threshold
}

/// The earliest moment (epoch seconds) after `now_s` at which some failure
/// with a fail-count expires: when the scheduler's answer may change.
pub fn next_expiry_s(cluster: &Cluster<'_>, now_s: i64) -> Option<i64> {
    let mut next: Option<i64> = None;
    for idx in 0..cluster.table.rscs.len() {
        if cluster.table.rscs[idx].prim.is_none() {
            continue;
        }
        for node in 0..cluster.nodes.len() {
            let counted = collect(cluster, node, "fail-count-", idx)
                .iter()
                .any(|s| s.value() > 0);
            let Some(expiry) = expires_at_s(cluster, idx, node).filter(|_| counted) else {
                continue;
            };
            // Expired once now is strictly past the expiry.
            let at = expiry.saturating_add(1);
            if at > now_s {
                next = Some(next.map_or(at, |n| n.min(at)));
            }
        }
    }
    next
}

#[cfg(test)]
mod tests {
    use crate::cib::xml::parse_cib;
    use crate::policy::{schedule, schedule_at, ActionKind};

    /// db failed its monitor a third time on node1 (migration-threshold 3,
    /// failure-timeout 60 s, last failure at 1700000034); node1 is preferred
    /// by 200, stickiness 100. crm_simulate with execution-date 1700000094
    /// moves it to node2, with 1700000095 recovers it on node1.
    const THIRD_FAILURE: &str = r#"<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="4" num_updates="16" admin_epoch="0" have-quorum="1" dc-uuid="1">
  <configuration>
    <crm_config>
      <cluster_property_set id="cib-bootstrap-options">
        <nvpair name="stonith-enabled" value="false" id="cib-bootstrap-options-stonith-enabled"/>
        <nvpair name="no-quorum-policy" value="ignore" id="cib-bootstrap-options-no-quorum-policy"/>
      </cluster_property_set>
    </crm_config>
    <nodes>
      <node id="1" uname="node1"/>
      <node id="2" uname="node2"/>
    </nodes>
    <resources>
      <primitive id="db" class="ocf" provider="heartbeat" type="Dummy">
        <operations>
          <op name="monitor" interval="10s" id="db-monitor-10s"/>
        </operations>
        <meta_attributes id="db-meta_attributes">
          <nvpair name="migration-threshold" value="3" id="db-meta_attributes-migration-threshold"/>
          <nvpair name="failure-timeout" value="60s" id="db-meta_attributes-failure-timeout"/>
        </meta_attributes>
      </primitive>
    </resources>
    <constraints>
      <rsc_location id="db_prefers_node1" rsc="db" score="200" node="node1"/>
    </constraints>
    <rsc_defaults>
      <meta_attributes id="rsc-options">
        <nvpair name="resource-stickiness" value="100" id="rsc-options-resource-stickiness"/>
      </meta_attributes>
    </rsc_defaults>
  </configuration>
  <status>
    <node_state id="1" uname="node1" in_ccm="true" crmd="online" join="member" expected="member">
      <lrm id="1">
        <lrm_resources>
          <lrm_resource id="db" type="Dummy" class="ocf" provider="heartbeat">
            <lrm_rsc_op id="db_last_0" operation_key="db_start_0" operation="start" transition-key="1:4:0:cohort-1" transition-magic="0:0;1:4:0:cohort-1" exit-reason="" call-id="14" rc-code="0" op-status="0" interval="0" last-rc-change="1700000035" exec-time="0" queue-time="0"/>
            <lrm_rsc_op id="db_last_failure_0" operation_key="db_monitor_10000" operation="monitor" transition-key="2:3:0:cohort-1" transition-magic="0:7;2:3:0:cohort-1" exit-reason="" call-id="12" rc-code="7" op-status="0" interval="10000" last-rc-change="1700000034" exec-time="0" queue-time="0"/>
            <lrm_rsc_op id="db_monitor_10000" operation_key="db_monitor_10000" operation="monitor" transition-key="2:4:0:cohort-1" transition-magic="0:7;2:4:0:cohort-1" exit-reason="" call-id="15" rc-code="7" op-status="0" interval="10000" last-rc-change="1700000036" exec-time="0" queue-time="0"/>
          </lrm_resource>
        </lrm_resources>
      </lrm>
      <transient_attributes id="1">
        <instance_attributes id="status-1">
          <nvpair name="fail-count-db#monitor_10000" value="3" id="status-1-fail-count-db#monitor_10000"/>
          <nvpair name="last-failure-db#monitor_10000" value="1700000034" id="status-1-last-failure-db#monitor_10000"/>
        </instance_attributes>
      </transient_attributes>
    </node_state>
    <node_state id="2" uname="node2" in_ccm="true" crmd="online" join="member" expected="member">
      <lrm id="2">
        <lrm_resources>
          <lrm_resource id="db" type="Dummy" class="ocf" provider="heartbeat">
            <lrm_rsc_op id="db_last_0" operation_key="db_monitor_0" operation="monitor" transition-key="1:1:7:cohort-1" transition-magic="0:7;1:1:7:cohort-1" exit-reason="" call-id="1" rc-code="7" op-status="0" interval="0" last-rc-change="1700000000" exec-time="0" queue-time="0"/>
          </lrm_resource>
        </lrm_resources>
      </lrm>
    </node_state>
  </status>
</cib>"#;

    fn start_node(t: &crate::policy::Transition) -> Option<String> {
        t.actions
            .iter()
            .find(|a| a.rsc.as_deref() == Some("db") && a.kind == ActionKind::Start)
            .map(|a| a.node.clone())
    }

    #[test]
    fn failures_expire_strictly_after_failure_timeout_as_crm_simulate_says() {
        let cib = parse_cib(THIRD_FAILURE).unwrap();
        let node2 = Some("node2".to_string());
        assert_eq!(start_node(&schedule(&cib)), node2, "no date: never expires");
        assert_eq!(start_node(&schedule_at(&cib, 1_700_000_036)), node2);
        assert_eq!(start_node(&schedule_at(&cib, 1_700_000_094)), node2);
        let node1 = Some("node1".to_string());
        assert_eq!(start_node(&schedule_at(&cib, 1_700_000_095)), node1);
        let at = crate::policy::at_date(&cib, 1_700_000_036);
        let cluster = crate::policy::cluster::Cluster::new(&at);
        assert_eq!(
            super::next_expiry_s(&cluster, 1_700_000_036),
            Some(1_700_000_095)
        );
        assert_eq!(super::next_expiry_s(&cluster, 1_700_000_095), None);
    }
}
