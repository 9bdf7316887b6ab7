//! What-if changes to a CIB's status before scheduling, as crm_simulate's
//! `--node-up`, `--node-down`, `--node-fail` and `--op-inject` make them:
//! a node joins, leaves cleanly (its history and transient attributes
//! go), or vanishes while expected (unclean); an operation result is
//! recorded as the controller would record it, with a fail-count when it
//! failed. Applied in crm_simulate's order: nodes up, down, failed, then
//! operations.

use crate::cib::{
    AttrSet, Cib, Lrm, LrmResource, LrmRscOp, NodeState, NvPair, Resource, TransientAttributes,
};

/// One change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Injection {
    NodeUp(String),
    NodeDown(String),
    NodeFail(String),
    Op(OpSpec),
}

/// `RSC_TASK_INTERVALMS@NODE=RC`, crm_simulate's operation specification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpSpec {
    pub rsc: String,
    pub task: String,
    pub interval_ms: u64,
    pub node: String,
    pub rc: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InjectError {
    #[error("invalid operation spec '{0}': want RESOURCE_TASK_INTERVALMS@NODE=RC")]
    BadSpec(String),
    #[error("no node named '{0}' in the configuration")]
    UnknownNode(String),
    #[error("no primitive named '{0}' in the configuration")]
    UnknownResource(String),
}

impl OpSpec {
    /// Parses a spec; `default_rc` is used when `=RC` is left out (None:
    /// required, as crm_simulate requires it).
    pub fn parse(spec: &str, default_rc: Option<i32>) -> Result<OpSpec, InjectError> {
        let bad = || InjectError::BadSpec(spec.to_string());
        let (key, rest) = spec.split_once('@').ok_or_else(bad)?;
        let (node, rc) = match rest.split_once('=') {
            Some((node, rc)) => (node, rc.trim().parse::<i32>().map_err(|_| bad())?),
            None => (rest, default_rc.ok_or_else(bad)?),
        };
        // The key is RSC_TASK_INTERVAL; the resource id may hold '_', the
        // task may too (migrate_to), so the interval is the last field and
        // the task the known name that ends what is left.
        let (head, interval) = key.rsplit_once('_').ok_or_else(bad)?;
        let interval_ms = interval.parse::<u64>().map_err(|_| bad())?;
        const TASKS: &[&str] = &[
            "migrate_to",
            "migrate_from",
            "monitor",
            "start",
            "stop",
            "promote",
            "demote",
            "notify",
            "reload",
            "reload-agent",
        ];
        let (rsc, task) = TASKS
            .iter()
            .find_map(|t| {
                head.strip_suffix(t)
                    .and_then(|r| r.strip_suffix('_'))
                    .map(|r| (r, *t))
            })
            .or_else(|| head.rsplit_once('_'))
            .ok_or_else(bad)?;
        if rsc.is_empty() || node.is_empty() {
            return Err(bad());
        }
        Ok(OpSpec {
            rsc: rsc.to_string(),
            task: task.to_string(),
            interval_ms,
            node: node.to_string(),
            rc,
        })
    }
}

/// Applies `injections` to `cib` (in crm_simulate's order); `now` (epoch
/// seconds) stamps injected results and failures.
pub fn apply(cib: &mut Cib, injections: &[Injection], now: i64) -> Result<(), InjectError> {
    let rank = |i: &Injection| match i {
        Injection::NodeUp(_) => 0,
        Injection::NodeDown(_) => 1,
        Injection::NodeFail(_) => 2,
        Injection::Op(_) => 3,
    };
    let mut ordered: Vec<&Injection> = injections.iter().collect();
    ordered.sort_by_key(|i| rank(i));
    for i in ordered {
        match i {
            Injection::NodeUp(n) => set_membership(node_state(cib, n)?, true, true),
            Injection::NodeDown(n) => {
                let s = node_state(cib, n)?;
                set_membership(s, false, false);
                s.lrm = None;
                s.transient_attributes = None;
            }
            Injection::NodeFail(n) => set_membership(node_state(cib, n)?, true, false),
            Injection::Op(op) => inject_op(cib, op, now)?,
        }
    }
    Ok(())
}

/// The node's `node_state`, created (with the configured node's id) when
/// the status has none.
fn node_state<'c>(cib: &'c mut Cib, uname: &str) -> Result<&'c mut NodeState, InjectError> {
    let pos = cib.status.node_states.iter().position(|s| s.uname == uname);
    let pos = match pos {
        Some(p) => p,
        None => {
            let id = cib
                .configuration
                .nodes
                .iter()
                .find(|n| n.uname == uname)
                .map(|n| n.id.clone())
                .ok_or_else(|| InjectError::UnknownNode(uname.to_string()))?;
            cib.status.node_states.push(NodeState {
                id,
                uname: uname.to_string(),
                ..NodeState::default()
            });
            cib.status.node_states.len() - 1
        }
    };
    Ok(&mut cib.status.node_states[pos])
}

/// Up: a joined member. Down: left cleanly. Up in the controller but out of
/// the membership: failed (expected, yet gone: unclean).
fn set_membership(s: &mut NodeState, controller_up: bool, in_membership: bool) {
    let yes_no = |b: bool| if b { "true" } else { "false" }.to_string();
    s.in_ccm = Some(yes_no(in_membership));
    s.crmd = Some(if controller_up { "online" } else { "offline" }.into());
    let join = if controller_up { "member" } else { "down" };
    s.join = Some(join.into());
    s.expected = Some(join.into());
}

fn inject_op(cib: &mut Cib, op: &OpSpec, now: i64) -> Result<(), InjectError> {
    let agent = cib
        .configuration
        .all_resources()
        .into_iter()
        .find_map(|r| match r {
            Resource::Primitive(p) if p.id == op.rsc => Some(p.agent.clone()),
            _ => None,
        })
        .ok_or_else(|| InjectError::UnknownResource(op.rsc.clone()))?;
    // Recorded with the digest of the current parameters, as an executor
    // would: the next run must not see a changed definition.
    let digest = super::definition::op_digest(cib, &op.rsc, &op.node, &op.task, op.interval_ms);
    let state = node_state(cib, &op.node)?;
    // A failure counts, except a probe finding the resource stopped.
    if op.rc != 0 && !(op.rc == 7 && op.interval_ms == 0) {
        let attrs = state
            .transient_attributes
            .get_or_insert_with(|| TransientAttributes {
                id: state_id(&state.id),
                sets: Vec::new(),
            });
        if attrs.sets.is_empty() {
            attrs.sets.push(AttrSet::new(state.id.clone()));
        }
        let set = &mut attrs.sets[0];
        let suffix = format!("{}#{}_{}", op.rsc, op.task, op.interval_ms);
        let count_name = format!("fail-count-{suffix}");
        let count = set
            .get(&count_name)
            .map_or(0, |v| crate::cib::Score::parse(v).map_or(0, |s| s.value()));
        let count = crate::cib::Score::new(count.saturating_add(1)).to_string();
        put(set, &count_name, &count);
        put(set, &format!("last-failure-{suffix}"), &now.to_string());
    }
    let lrm = state.lrm.get_or_insert_with(|| Lrm {
        id: state.id.clone(),
        ..Lrm::default()
    });
    let pos = match lrm.resources.iter().position(|r| r.id == op.rsc) {
        Some(p) => p,
        None => {
            lrm.resources.push(LrmResource {
                id: op.rsc.clone(),
                class: agent.class.clone(),
                provider: agent.provider.clone(),
                kind: agent.kind.clone(),
                ..LrmResource::default()
            });
            lrm.resources.len() - 1
        }
    };
    let rsc = &mut lrm.resources[pos];
    let call_id = rsc.ops.iter().map(|o| o.call_id).max().unwrap_or(0) + 1;
    let key = format!("{}_{}_{}", op.rsc, op.task, op.interval_ms);
    // Record ids as the controller names them: a failure replaces the
    // last failure (and, non-recurring, the last result too), a recurring
    // result its own entry, any other result the last one.
    let ids: Vec<String> = if op.rc != 0 {
        let mut v = vec![format!("{}_last_failure_0", op.rsc)];
        if op.interval_ms == 0 {
            v.push(format!("{}_last_0", op.rsc));
        }
        v
    } else if op.interval_ms > 0 {
        vec![key.clone()]
    } else {
        vec![format!("{}_last_0", op.rsc)]
    };
    let transition_key = format!("{call_id}:-1:0:xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx");
    for id in ids {
        let record = LrmRscOp {
            id: id.clone(),
            operation_key: Some(key.clone()),
            operation: op.task.clone(),
            call_id,
            rc_code: op.rc,
            op_status: 0,
            interval_ms: op.interval_ms,
            last_rc_change: Some(now),
            last_run: Some(now),
            exec_time_ms: Some(0),
            queue_time_ms: Some(0),
            transition_magic: Some(format!("0:{};{transition_key}", op.rc)),
            transition_key: Some(transition_key.clone()),
            on_node: Some(op.node.clone()),
            op_digest: digest.clone(),
            ..LrmRscOp::default()
        };
        match rsc.ops.iter_mut().find(|o| o.id == id) {
            Some(slot) => *slot = record,
            None => rsc.ops.push(record),
        }
    }
    Ok(())
}

fn state_id(id: &str) -> String {
    id.to_string()
}

fn put(set: &mut AttrSet, name: &str, value: &str) {
    match set.pairs.iter_mut().find(|p| p.name == name) {
        Some(p) => p.value = Some(value.to_string()),
        None => set.pairs.push(NvPair {
            id: format!("status-{}-{}", set.id, name.replace('#', "-")),
            id_ref: None,
            name: name.to_string(),
            value: Some(value.to_string()),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn op_specs_parse_like_crm_simulates() {
        let s = OpSpec::parse("memcached:0_monitor_20000@bart=7", None).unwrap();
        assert_eq!(
            (
                s.rsc.as_str(),
                s.task.as_str(),
                s.interval_ms,
                s.node.as_str(),
                s.rc
            ),
            ("memcached:0", "monitor", 20000, "bart", 7)
        );
        let s = OpSpec::parse("my_db_migrate_to_0@n1=1", None).unwrap();
        assert_eq!((s.rsc.as_str(), s.task.as_str()), ("my_db", "migrate_to"));
        assert_eq!(OpSpec::parse("db_stop_0@n1", Some(1)).unwrap().rc, 1);
        assert!(OpSpec::parse("db_stop_0@n1", None).is_err());
        assert!(OpSpec::parse("db_stop_x@n1=1", None).is_err());
        assert!(OpSpec::parse("dbstop0", Some(1)).is_err());
    }
}
