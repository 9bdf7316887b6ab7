//! Definition changes: what a resource's history says about its current
//! configuration. The agent (class, provider, type) recorded differs: the
//! history is deleted and an active resource restarts. A start's recorded
//! digest differs: restart, or reload where the agent can (its record has a
//! restart digest and only reloadable parameters changed). A recurring
//! operation's digest differs: it is issued again with the new parameters.
//!
//! As in Pacemaker, histories are checked only on nodes that could run
//! resources (online, not shutting down, in standby or unclean), and only
//! the operations since the resource last started there.

use std::collections::BTreeMap;

use crate::cib::{LrmResource, LrmRscOp, Primitive, Resource};

use super::cluster::{Cluster, NodeIdx};
use super::digest::{self, DigestChange, DigestInput};
use super::resources::{RscIdx, RscKind};

/// What one primitive's histories demand.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Changes {
    /// Nodes where it must stop (and start again if it stays): the agent or
    /// a parameter only a restart applies changed.
    pub restart: Vec<NodeIdx>,
    /// Those of `restart` due to changed parameters (Pacemaker says "due to
    /// resource definition change" for these only, not for a changed agent
    /// or a reload turned into a restart).
    pub param_restart: Vec<NodeIdx>,
    /// Nodes where a reload applies the changed parameters.
    pub reload: Vec<NodeIdx>,
    /// Nodes whose history of it is deleted (the agent changed).
    pub delete: Vec<NodeIdx>,
    /// Recurring monitors (node, interval) issued again.
    pub monitors: Vec<(NodeIdx, u64)>,
    /// Nodes where its fail-count is cleared: the failures were of an
    /// operation whose definition has changed since, so they start afresh.
    pub clear_failcount: Vec<NodeIdx>,
}

/// The changes of every primitive (empty for other entries).
pub fn changes(cluster: &Cluster<'_>) -> Vec<Changes> {
    let mut out = vec![Changes::default(); cluster.table.rscs.len()];
    let records = records_by_node(cluster);
    for (idx, rsc) in cluster.table.rscs.iter().enumerate() {
        if rsc.kind != RscKind::Primitive {
            continue;
        }
        let Some(prim) = rsc.prim else { continue };
        for (n, h) in &cluster.history[idx] {
            let node = &cluster.nodes[*n];
            let available = node.online
                && !node.shutdown
                && !node.unclean
                && !node.standby
                && !node.maintenance;
            if !available {
                continue;
            }
            let Some(lrm) = records
                .get(&(node.name.as_str(), h.lrm_id.as_str()))
                .copied()
            else {
                continue;
            };
            let agent_changed = lrm.class != prim.agent.class
                || lrm.provider != prim.agent.provider
                || lrm.kind != prim.agent.kind;
            let c = &mut out[idx];
            let failed = h.on_fail >= super::history::FailResponse::Restart;
            if agent_changed && !failed {
                c.delete.push(*n);
            }
            if !h.role.is_active() {
                continue;
            }
            if agent_changed {
                c.restart.push(*n);
            }
            let changed = check_ops(
                cluster,
                idx,
                prim,
                *n,
                lrm,
                agent_changed,
                h.pending_start_last,
                c,
            );
            if changed && super::failure::fail_count(cluster, idx, *n).value() != 0 {
                push_unique(&mut c.clear_failcount, *n);
            }
        }
    }
    for &(idx, n) in &cluster.stale_failures {
        push_unique(&mut out[idx].clear_failcount, n);
    }
    out
}

/// The operations since the last start (or what implies one), in call
/// order: a stop after it means nothing is active to check.
fn active_ops(lrm: &LrmResource) -> Vec<&LrmRscOp> {
    let mut ops: Vec<&LrmRscOp> = lrm.ops.iter().collect();
    ops.sort_by_key(|o| if o.call_id < 0 { i64::MAX } else { o.call_id });
    let mut start = None;
    let mut stop = None;
    let mut implied_monitor = None;
    let mut implied_clone = None;
    for (i, op) in ops.iter().enumerate() {
        match op.operation.as_str() {
            "stop" if op.op_status == 0 => stop = Some(i),
            "start" | "migrate_from" => start = Some(i),
            "monitor" if implied_monitor <= stop => {
                if matches!(op.rc_code, 0 | 8) {
                    implied_monitor = Some(i);
                }
            }
            "promote" | "demote" => implied_clone = Some(i),
            _ => {}
        }
    }
    let start = start.or(implied_clone).or(implied_monitor);
    if start < stop {
        return Vec::new();
    }
    ops.split_off(start.unwrap_or(0))
}

#[allow(clippy::too_many_arguments)]
fn check_ops(
    cluster: &Cluster<'_>,
    idx: RscIdx,
    prim: &Primitive,
    n: NodeIdx,
    lrm: &LrmResource,
    agent_changed: bool,
    start_pending: bool,
    c: &mut Changes,
) -> bool {
    let mut changed = false;
    let node = &cluster.nodes[n];
    let chain = param_chain(cluster, idx);
    let params = digest::resource_params(&chain, node);
    for op in active_ops(lrm) {
        let interval_ms = op.interval_ms;
        let task = op.operation.as_str();
        let checked =
            interval_ms > 0 || matches!(task, "monitor" | "start" | "promote" | "migrate_from");
        if !checked {
            continue;
        }
        let configured = digest::configured_op(prim, task, interval_ms);
        if interval_ms > 0 && configured.is_none() {
            // No longer configured: cancelled elsewhere, nothing to compare
            // (and crm_simulate keeps the fail-count: attrs1 with a failed
            // monitor injected).
            continue;
        }
        let change = changed_since(cluster, prim, &params, node, op, configured);
        if change == DigestChange::Match {
            continue;
        }
        changed = true;
        let restart_digest = op.extra_attrs.iter().any(|(k, _)| k == "op-restart-digest");
        if interval_ms > 0 {
            if !c.monitors.contains(&(n, interval_ms)) && task == "monitor" {
                c.monitors.push((n, interval_ms));
            }
        } else if change == DigestChange::Restart || !restart_digest {
            push_unique(&mut c.restart, n);
            // A changed agent already restarts it, and crm_simulate names
            // no reason then (params-2).
            if !agent_changed {
                push_unique(&mut c.param_restart, n);
            }
        } else if start_pending || agent_changed {
            // A restart is due anyway: a reload would be wasted.
            push_unique(&mut c.restart, n);
        } else {
            push_unique(&mut c.reload, n);
        }
    }
    changed
}

/// How `op`'s recorded digests compare with its definition now (a change
/// of masked secrets only counts as none: see [`secure_only`]).
fn changed_since(
    cluster: &Cluster<'_>,
    prim: &Primitive,
    params: &BTreeMap<String, String>,
    node: &super::nodes::NodeInfo,
    op: &LrmRscOp,
    configured: Option<&crate::cib::Op>,
) -> DigestChange {
    let mut op_params = BTreeMap::new();
    if let Some(o) = configured {
        digest::collect_sets(&o.params, node, &mut op_params);
    }
    let task = op.operation.as_str();
    let input = DigestInput {
        params,
        op_params: &op_params,
        interval_ms: op.interval_ms,
        timeout_ms: digest::op_timeout_ms(
            &cluster.cib.configuration,
            prim,
            params,
            configured,
            task,
        ),
        fencing: prim.agent.class == "stonith",
    };
    let change = digest::compare(&input, op);
    if change != DigestChange::Match && secure_only(&input, op) {
        return DigestChange::Match;
    }
    change
}

/// Fail-counts Pacemaker clears because the last failure (of a start or a
/// monitor, a probe included) ran with parameters that have changed since,
/// whatever the count: the failure no longer says anything about the
/// resource as now defined, so it is not counted either (bug-5025-4: the
/// resource starts again where it failed).
pub fn stale_failures(cluster: &Cluster<'_>) -> Vec<(RscIdx, NodeIdx)> {
    let mut out = Vec::new();
    let records = records_by_node(cluster);
    for (idx, rsc) in cluster.table.rscs.iter().enumerate() {
        let Some(prim) = rsc.prim else { continue };
        for (n, h) in &cluster.history[idx] {
            let node = &cluster.nodes[*n];
            let Some(&lrm) = records.get(&(node.name.as_str(), h.lrm_id.as_str())) else {
                continue;
            };
            let params = digest::resource_params(&param_chain(cluster, idx), node);
            let stale = lrm.ops.iter().any(|op| {
                op.id.contains("last_failure")
                    && matches!(op.operation.as_str(), "start" | "monitor")
                    && op.op_digest.is_some()
                    && {
                        let configured = digest::configured_op(prim, &op.operation, op.interval_ms);
                        changed_since(cluster, prim, &params, node, op, configured)
                            != DigestChange::Match
                    }
            });
            if stale && !out.contains(&(idx, *n)) {
                out.push((idx, *n));
            }
        }
    }
    out
}

/// Every record of the status section by (node name, resource id): one
/// pass, not a search per history.
fn records_by_node<'c>(cluster: &Cluster<'c>) -> BTreeMap<(&'c str, &'c str), &'c LrmResource> {
    let mut records = BTreeMap::new();
    for state in &cluster.cib.status.node_states {
        for r in state.lrm.iter().flat_map(|l| l.resources.iter()) {
            records
                .entry((state.uname.as_str(), r.id.as_str()))
                .or_insert(r);
        }
    }
    records
}

/// crm_simulate runs sanitized: a record whose secure digest (over the
/// parameters without secrets) still matches is taken as unchanged, since
/// the secrets in a saved CIB may have been masked.
fn secure_only(input: &DigestInput<'_>, op: &LrmRscOp) -> bool {
    let Some(recorded) = op
        .extra_attrs
        .iter()
        .find(|(k, _)| k == "op-secure-digest")
        .map(|(_, v)| v.as_str())
    else {
        return false;
    };
    digest::digests(input, op).secure == recorded
}

fn push_unique(v: &mut Vec<NodeIdx>, n: NodeIdx) {
    if !v.contains(&n) {
        v.push(n);
    }
}

/// The instance attribute sets of `idx` and its ancestors, nearest first.
fn param_chain<'a>(cluster: &Cluster<'a>, idx: RscIdx) -> Vec<&'a [crate::cib::AttrSet]> {
    let mut chain = Vec::new();
    let mut cur = Some(idx);
    while let Some(i) = cur {
        let sets: &'a [crate::cib::AttrSet] = match cluster.table.rscs[i].config {
            Resource::Primitive(p) => &p.params,
            Resource::Group(g) => &g.params,
            Resource::Clone(c) => &c.params,
            Resource::Unknown(_) => &[],
        };
        chain.push(sets);
        cur = cluster.table.rscs[i].parent;
    }
    chain
}

/// The `op-digest` an executor records for `task` every `interval_ms` of
/// instance `rsc` on `node`: what [`changes`] compares it with later.
pub fn op_digest(
    cib: &crate::cib::Cib,
    rsc: &str,
    node: &str,
    task: &str,
    interval_ms: u64,
) -> Option<String> {
    let base = rsc.split(':').next().unwrap_or(rsc);
    let mut path = Vec::new();
    if !find_path(&cib.configuration.resources, base, &mut path) {
        return None;
    }
    let Some(Resource::Primitive(prim)) = path.last().copied() else {
        return None;
    };
    let fencing = crate::cib::verify::stonith_enabled(&cib.configuration);
    let nodes = super::nodes::unpack_nodes(cib, fencing);
    let info = nodes.iter().find(|n| n.name == node)?;
    let chain: Vec<&[crate::cib::AttrSet]> = path
        .iter()
        .rev()
        .map(|r| match r {
            Resource::Primitive(p) => p.params.as_slice(),
            Resource::Group(g) => g.params.as_slice(),
            Resource::Clone(c) => c.params.as_slice(),
            Resource::Unknown(_) => &[],
        })
        .collect();
    let params = digest::resource_params(&chain, info);
    let configured = digest::configured_op(prim, task, interval_ms);
    let mut op_params = BTreeMap::new();
    if let Some(o) = configured {
        digest::collect_sets(&o.params, info, &mut op_params);
    }
    let input = DigestInput {
        params: &params,
        op_params: &op_params,
        interval_ms,
        timeout_ms: digest::op_timeout_ms(&cib.configuration, prim, &params, configured, task),
        fencing: prim.agent.class == "stonith",
    };
    Some(digest::digests(&input, &LrmRscOp::default()).all)
}

/// The resources from the top down to the one with id `id`.
fn find_path<'a>(resources: &'a [Resource], id: &str, path: &mut Vec<&'a Resource>) -> bool {
    for r in resources {
        path.push(r);
        if r.id() == id {
            return true;
        }
        let found = match r {
            Resource::Group(g) => find_path(&g.children, id, path),
            Resource::Clone(c) => find_path(std::slice::from_ref(c.child.as_ref()), id, path),
            Resource::Primitive(_) | Resource::Unknown(_) => false,
        };
        if found {
            return true;
        }
        path.pop();
    }
    false
}
