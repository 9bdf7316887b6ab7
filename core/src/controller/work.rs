//! What a scheduled action asks of its node: the agent call with its
//! parameters and timeout (from the configuration), a cancel, a forget, or
//! nothing (an action the controller settles itself).

use crate::cib::{parse_duration_ms, Cib, Primitive, Resource};
use crate::executor::{AgentSpec, OpSpec};
use crate::policy::{Action, ActionKind};

use super::message::{ActionTag, Work};

/// Pacemaker's default op timeout when neither the op nor op_defaults set one.
pub const DEFAULT_OP_TIMEOUT_MS: u64 = 20_000;

/// OCF_NOT_RUNNING: what a probe of an inactive resource answers.
const OCF_NOT_RUNNING: i32 = 7;

/// The work for `action`, or None when no node runs it: fencing and
/// clearing fail-counts the controller carries out itself (`run`).
pub fn for_action(cib: &Cib, action: &Action, tag: ActionTag) -> Option<Work> {
    match action.kind {
        ActionKind::Shutdown => return Some(Work::Shutdown),
        ActionKind::Fence { .. } | ActionKind::ClearFailcount | ActionKind::Reprobe => return None,
        _ => {}
    }
    let rsc = action.rsc.clone()?;
    let (task, interval_ms, expected_rc) = match &action.kind {
        ActionKind::Probe => ("monitor", 0, OCF_NOT_RUNNING),
        ActionKind::Start => ("start", 0, 0),
        ActionKind::Stop => ("stop", 0, 0),
        ActionKind::Promote => ("promote", 0, 0),
        ActionKind::Demote => ("demote", 0, 0),
        ActionKind::Reload => ("reload-agent", 0, 0),
        ActionKind::Monitor { interval_ms } => ("monitor", *interval_ms, 0),
        ActionKind::Cancel { task, interval_ms } => {
            return Some(Work::Cancel {
                rsc,
                task: task.clone(),
                interval_ms: *interval_ms,
            })
        }
        ActionKind::Delete => return Some(Work::Forget { rsc }),
        ActionKind::Fence { .. }
        | ActionKind::ClearFailcount
        | ActionKind::Shutdown
        | ActionKind::Reprobe => {
            unreachable!("matched above")
        }
    };
    let prim = primitive(cib, &rsc)?;
    Some(Work::Exec(OpSpec {
        agent: AgentSpec::of(prim),
        action: task.to_string(),
        interval_ms,
        timeout_ms: timeout_ms(cib, prim, task, interval_ms),
        params: params(prim),
        expected_rc,
        transition_key: format!(
            "{}:{}:{}:cohort-{}",
            tag.action, tag.transition.seq, expected_rc, tag.transition.dc
        ),
        digest: crate::policy::definition::op_digest(cib, &rsc, &action.node, task, interval_ms),
        rsc,
    }))
}

/// The primitive behind an instance id (`child:N` for clone instances).
pub fn primitive<'a>(cib: &'a Cib, rsc: &str) -> Option<&'a Primitive> {
    let base = rsc.split(':').next().unwrap_or(rsc);
    let mut found = cib.configuration.find_resource(base)?;
    loop {
        match found {
            Resource::Primitive(p) => return Some(p),
            Resource::Clone(c) => found = c.child.as_ref(),
            Resource::Group(_) | Resource::Unknown(_) => return None,
        }
    }
}

fn timeout_ms(cib: &Cib, prim: &Primitive, task: &str, interval_ms: u64) -> u64 {
    let own = prim
        .ops
        .iter()
        .find(|o| o.name == task && o.interval_ms().ok() == Some(interval_ms))
        .and_then(|o| o.timeout_ms())
        .and_then(Result::ok);
    own.or_else(|| {
        cib.configuration
            .op_default("timeout")
            .and_then(|t| parse_duration_ms(t).ok())
    })
    .unwrap_or(DEFAULT_OP_TIMEOUT_MS)
}

/// Instance attributes without rules, first set first (rule-based sets
/// need the node's attributes: phase 2).
fn params(prim: &Primitive) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for set in prim.params.iter().filter(|s| s.rule.is_none()) {
        for pair in &set.pairs {
            if out.iter().any(|(k, _)| k == &pair.name) {
                continue;
            }
            if let Some(v) = &pair.value {
                out.push((pair.name.clone(), v.clone()));
            }
        }
    }
    out
}
