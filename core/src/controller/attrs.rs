//! Transient node attributes, as Pacemaker's attribute manager keeps them
//! in the status section: here the failure bookkeeping,
//! `fail-count-<rsc>#<op>_<interval>` and `last-failure-<rsc>#<op>_<interval>`.
//!
//! Every replica applies the same op results in the same agreed order, so
//! every replica counts the same failures; each node's own attributes
//! travel in its hello, so a view's sync agrees on them too. Like
//! Pacemaker's, they are transient: a node that restarts starts with none.

use std::collections::BTreeMap;

use crate::cib::{AttrSet, NvPair, Score, TransientAttributes};
use crate::executor::OpRecord;

/// One node's attributes: name → value.
pub type Attrs = BTreeMap<String, String>;

/// The resource id the attributes name: clone instance numbers dropped
/// (anonymous clones count failures per resource, as the scheduler reads).
fn attr_rsc(rsc: &str) -> &str {
    rsc.split(':').next().unwrap_or(rsc)
}

/// `rec` failed: one more failure of its op (INFINITY for a start when
/// start-failure-is-fatal), and its time.
pub fn record_failure(attrs: &mut Attrs, rec: &OpRecord, start_is_fatal: bool) {
    let key = format!(
        "{}#{}_{}",
        attr_rsc(&rec.rsc),
        rec.operation,
        rec.interval_ms
    );
    let count_name = format!("fail-count-{key}");
    let count = if rec.operation == "start" && start_is_fatal {
        Score::INFINITY
    } else {
        let old = attrs
            .get(&count_name)
            .and_then(|v| Score::parse(v).ok())
            .unwrap_or(Score::ZERO);
        old + Score::new(1)
    };
    attrs.insert(count_name, count.to_string());
    attrs.insert(
        format!("last-failure-{key}"),
        rec.last_rc_change_s.to_string(),
    );
}

/// Forgets every failure of `rsc` (a cleanup, a clear_failcount action).
/// True when something was removed.
pub fn clear(attrs: &mut Attrs, rsc: &str) -> bool {
    let rsc = attr_rsc(rsc);
    let before = attrs.len();
    attrs.retain(|k, _| {
        !["fail-count-", "last-failure-"].iter().any(|prefix| {
            k.strip_prefix(prefix)
                .is_some_and(|rest| rest == rsc || rest.starts_with(&format!("{rsc}#")))
        })
    });
    attrs.len() != before
}

/// The `<transient_attributes>` of node `id`, None without attributes.
pub fn transient(id: &str, attrs: &Attrs) -> Option<TransientAttributes> {
    if attrs.is_empty() {
        return None;
    }
    let set_id = format!("status-{id}");
    let pairs = attrs
        .iter()
        .map(|(k, v)| NvPair {
            id: format!("{set_id}-{k}"),
            id_ref: None,
            name: k.clone(),
            value: Some(v.clone()),
        })
        .collect();
    Some(TransientAttributes {
        id: id.to_string(),
        sets: vec![AttrSet {
            pairs,
            ..AttrSet::new(set_id)
        }],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::executor::AgentSpec;

    fn failure(rsc: &str, op: &str, interval_ms: u64, at: i64) -> OpRecord {
        OpRecord {
            rsc: rsc.into(),
            agent: AgentSpec {
                class: "ocf".into(),
                provider: Some("heartbeat".into()),
                kind: "Dummy".into(),
            },
            id: format!("{rsc}_last_failure_0"),
            operation_key: format!("{rsc}_{op}_{interval_ms}"),
            operation: op.into(),
            call_id: 3,
            rc: 7,
            op_status: 0,
            interval_ms,
            last_rc_change_s: at,
            exec_time_ms: 0,
            transition_key: String::new(),
            exit_reason: String::new(),
        }
    }

    #[test]
    fn failures_count_up_per_op_and_a_clear_forgets_only_that_resource() {
        let mut a = Attrs::new();
        record_failure(&mut a, &failure("db", "monitor", 10_000, 100), true);
        record_failure(&mut a, &failure("db", "monitor", 10_000, 130), true);
        record_failure(&mut a, &failure("web:1", "start", 0, 140), true);
        record_failure(&mut a, &failure("dbx", "monitor", 10_000, 150), true);
        assert_eq!(a["fail-count-db#monitor_10000"], "2");
        assert_eq!(a["last-failure-db#monitor_10000"], "130");
        assert_eq!(a["fail-count-web#start_0"], "INFINITY");
        assert!(clear(&mut a, "db"));
        assert!(!a.keys().any(|k| k.contains("-db#")));
        assert!(a.contains_key("fail-count-dbx#monitor_10000"), "{a:?}");
        assert!(!clear(&mut a, "db"));
        let t = transient("2", &a).unwrap();
        assert_eq!(t.sets[0].get("fail-count-web#start_0"), Some("INFINITY"));
    }
}
