//! Transient node attributes, as Pacemaker's attribute manager keeps them
//! in the status section: here the failure bookkeeping,
//! `fail-count-<rsc>#<op>_<interval>` and `last-failure-<rsc>#<op>_<interval>`.
//!
//! Every replica applies the same op results in the same agreed order, so
//! every replica counts the same failures; each node's own attributes
//! travel in its hello, so a view's sync agrees on them too. Like
//! Pacemaker's, they are transient: a node that restarts starts with none.

use std::collections::BTreeMap;

use crate::cib::{is_true, AttrSet, Cib, NvPair, Resource, Score, TransientAttributes};
use crate::executor::OpRecord;

/// One node's attributes: name → value.
pub type Attrs = BTreeMap<String, String>;

/// The resource id the attributes name, as the scheduler reads them: an
/// instance of a globally-unique clone keeps its number (`ip:1`), an
/// anonymous clone's instances count failures under the resource's id.
pub fn attr_rsc<'a>(cib: &Cib, rsc: &'a str) -> &'a str {
    let Some((base, _)) = rsc.split_once(':') else {
        return rsc;
    };
    // Whether `base` sits under a globally-unique clone, found in `r`.
    fn unique_parent(r: &Resource, base: &str, unique: bool) -> Option<bool> {
        if r.id() == base {
            return Some(unique);
        }
        let here = unique
            || matches!(r, Resource::Clone(_))
                && r.meta_value("globally-unique").is_some_and(is_true);
        r.children()
            .into_iter()
            .find_map(|c| unique_parent(c, base, here))
    }
    let found = cib
        .configuration
        .resources
        .iter()
        .find_map(|r| unique_parent(r, base, false));
    match found {
        Some(true) => rsc,
        _ => base,
    }
}

/// `rec` failed: one more failure of its op (INFINITY for a start when
/// start-failure-is-fatal), and its time. `name`: the resource's id in the
/// attribute names ([`attr_rsc`]).
pub fn record_failure(attrs: &mut Attrs, name: &str, rec: &OpRecord, start_is_fatal: bool) {
    let key = format!("{name}#{}_{}", rec.operation, rec.interval_ms);
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

/// Forgets every failure of `rsc` (a cleanup, a clear_failcount action):
/// of the resource and each of its instances, or of one instance (`ip:1`)
/// and of its resource's anonymous count. True when something was removed.
pub fn clear(attrs: &mut Attrs, rsc: &str) -> bool {
    let (base, instance) = match rsc.split_once(':') {
        Some((base, _)) => (base, Some(rsc)),
        None => (rsc, None),
    };
    let names = |rest: &str| {
        let id = rest.split('#').next().unwrap_or(rest);
        match instance {
            Some(one) => id == one || id == base,
            None => id == base || id.split_once(':').is_some_and(|(b, _)| b == base),
        }
    };
    let before = attrs.len();
    attrs.retain(|k, _| {
        !["fail-count-", "last-failure-"]
            .iter()
            .any(|prefix| k.strip_prefix(prefix).is_some_and(names))
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
            op_digest: None,
            exit_reason: String::new(),
        }
    }

    #[test]
    fn failures_count_up_per_op_and_a_clear_forgets_only_that_resource() {
        let mut a = Attrs::new();
        record_failure(&mut a, "db", &failure("db", "monitor", 10_000, 100), true);
        record_failure(&mut a, "db", &failure("db", "monitor", 10_000, 130), true);
        record_failure(&mut a, "web", &failure("web:1", "start", 0, 140), true);
        record_failure(&mut a, "dbx", &failure("dbx", "monitor", 10_000, 150), true);
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

    #[test]
    fn a_globally_unique_clone_counts_failures_per_instance() {
        let mut cib = Cib::empty();
        crate::cib::crm::run(
            &mut cib,
            "primitive ip ocf:heartbeat:Dummy\nclone ips ip meta globally-unique=true\nprimitive web ocf:heartbeat:Dummy\nclone webs web\ncommit",
        )
        .unwrap();
        assert_eq!(attr_rsc(&cib, "ip:1"), "ip:1");
        assert_eq!(attr_rsc(&cib, "web:1"), "web");
        assert_eq!(attr_rsc(&cib, "db"), "db");
        let mut a = Attrs::new();
        record_failure(
            &mut a,
            "ip:0",
            &failure("ip:0", "monitor", 10_000, 100),
            true,
        );
        record_failure(
            &mut a,
            "ip:1",
            &failure("ip:1", "monitor", 10_000, 110),
            true,
        );
        assert!(clear(&mut a, "ip:1"));
        assert_eq!(
            a.keys().collect::<Vec<_>>(),
            [
                "fail-count-ip:0#monitor_10000",
                "last-failure-ip:0#monitor_10000"
            ]
        );
        assert!(clear(&mut a, "ip"));
        assert!(a.is_empty(), "{a:?}");
    }
}
