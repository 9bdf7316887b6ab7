//! crm_simulate's "Transition Summary": one line per node fenced and per
//! resource instance that starts, stops, moves, restarts, is recovered,
//! promoted or demoted, in Pacemaker's words and column layout.
//!
//! Every line is padded to the same columns: crm_simulate lays the lines
//! out once while scheduling and again when it prints them, so the widths
//! it grew on the first pass hold for all of them. The resource column
//! starts at 5 and jumps to an id's length + 2 when an id is longer than
//! it; the details column is at least 5 and as wide as the widest.

use crate::cib::Cib;
use crate::policy::cluster::Cluster;
use crate::policy::resources::{RscIdx, RscKind};
use crate::policy::{ActionKind, FenceAction, Reason, RunRole, Transition};

/// The summary lines (without a trailing newline), fences first.
pub fn lines(cib: &Cib, t: &Transition) -> Vec<String> {
    let cluster = Cluster::new(cib);
    let mut out = Vec::new();
    // Pacemaker lists the fencing it plans newest first.
    for a in t.actions.iter().rev() {
        if let ActionKind::Fence { action } = a.kind {
            let verb = match action {
                FenceAction::Reboot => "reboot",
                FenceAction::Off => "off",
            };
            let why = match &a.reason {
                Reason::NodeEvent(why) => why.clone(),
                Reason::Failure(op) => failed_there(op),
                other => other.to_string(),
            };
            out.push(format!("  * Fence ({verb}) {} '{why}'", a.node));
        }
    }
    let table = &cluster.table;
    let mut tops = table.top.clone();
    tops.sort_by_key(|&i| std::cmp::Reverse(table.rscs[i].meta.priority));
    let changes: Vec<Change> = tops
        .into_iter()
        .flat_map(|top| table.primitives(top))
        .filter_map(|idx| change(&cluster, t, idx))
        .collect();
    let (mut rsc_width, mut details_width) = (5, 5);
    for c in &changes {
        if c.rsc.len() > rsc_width {
            rsc_width = c.rsc.len() + 2;
        }
        details_width = details_width.max(c.details.len());
    }
    for c in changes {
        out.push(format!(
            "  * {:<8}   {:<rsc_width$}   ( {:>details_width$} ){}",
            c.word, c.rsc, c.details, c.reason
        ));
    }
    out
}

/// One resource line before layout.
struct Change {
    word: &'static str,
    rsc: String,
    details: String,
    reason: &'static str,
}

/// `rsc1 failed there` from a failure text that starts with the failed
/// operation's key (`rsc1_stop_0 on node2 returned ...`).
fn failed_there(failure: &str) -> String {
    let key = failure.split_whitespace().next().unwrap_or(failure);
    let rsc = key
        .rsplitn(3, '_')
        .nth(2)
        .filter(|r| !r.is_empty())
        .unwrap_or(key);
    format!("{rsc} failed there")
}

/// What happens to one instance: start, stop, promote, demote.
#[derive(Default)]
struct Moves {
    start: bool,
    stop: bool,
    promote: bool,
    demote: bool,
    reload: bool,
    /// The start is a restart for changed parameters.
    definition_change: bool,
}

fn change(cluster: &Cluster<'_>, t: &Transition, idx: RscIdx) -> Option<Change> {
    let rsc = &cluster.table.rscs[idx];
    let mut moves = Moves::default();
    for a in t
        .actions
        .iter()
        .filter(|a| a.rsc.as_deref() == Some(&rsc.id))
    {
        match a.kind {
            ActionKind::Start => {
                moves.start = true;
                moves.definition_change |= matches!(
                    &a.reason,
                    Reason::AdminChange(why) if why == crate::policy::actions::DEFINITION_CHANGE
                );
            }
            ActionKind::Reload => moves.reload = true,
            ActionKind::Stop => moves.stop = true,
            ActionKind::Promote => moves.promote = true,
            ActionKind::Demote => moves.demote = true,
            _ => {}
        }
    }
    if !(moves.start || moves.stop || moves.promote || moves.demote || moves.reload) {
        return None;
    }
    let promotable = cluster.table.clone_of(idx).is_some_and(|c| {
        matches!(
            cluster.table.rscs[c].kind,
            RscKind::Clone {
                promotable: true,
                ..
            }
        )
    });
    let as_role = |r: RunRole| {
        if promotable && r == RunRole::Started {
            RunRole::Unpromoted
        } else {
            r
        }
    };
    let before = cluster.history[idx]
        .iter()
        .find(|(_, h)| h.role.is_active())
        .map(|(n, h)| (cluster.nodes[*n].name.clone(), as_role(h.role), h));
    let after = t
        .placement
        .iter()
        .find(|p| p.rsc == rsc.id && p.role.is_active())
        .and_then(|p| Some((p.node.clone()?, as_role(p.role))));
    let role = before.as_ref().map_or(RunRole::Stopped, |b| b.1);
    let next = after.as_ref().map_or(RunRole::Stopped, |a| a.1);
    let failed = before.as_ref().is_some_and(|(_, _, h)| {
        h.failure.is_some() && h.on_fail != crate::policy::history::FailResponse::Ignore
    });
    let origin = before.as_ref().map(|b| b.0.as_str());
    let dest = after.as_ref().map(|a| a.0.as_str());
    let word = match (origin, dest) {
        (None, Some(_)) => "Start",
        (Some(_), None) => "Stop",
        (Some(o), Some(d)) if o == d && moves.start && moves.stop => {
            if failed {
                "Recover"
            } else {
                "Restart"
            }
        }
        (Some(o), Some(d)) if o == d && moves.reload && !moves.stop => "Reload",
        (Some(o), Some(d)) if o == d && next > role => "Promote",
        (Some(o), Some(d)) if o == d && next < role => "Demote",
        (Some(o), Some(d)) if o == d => return None,
        (Some(_), Some(_)) if failed => "Recover",
        (Some(_), Some(_)) if migratable(rsc) => "Migrate",
        (Some(_), Some(_)) => "Move",
        (None, None) => return None,
    };
    let details = details(origin, dest, role, next);
    // Pacemaker names the dependency when a stop follows from an order or
    // colocation ("due to required X start"); cohort's transition does not
    // keep that chain yet, so every stop reads as the common case.
    let reason = if word == "Stop" {
        "  due to node availability"
    } else if word == "Restart" && moves.definition_change {
        "  due to resource definition change"
    } else {
        ""
    };
    Some(Change {
        word,
        rsc: rsc.id.clone(),
        details,
        reason,
    })
}

/// allow-migrate on the primitive (or inherited from its parents or
/// rsc_defaults): the move happens as migrate_to/migrate_from.
fn migratable(rsc: &crate::policy::resources::Rsc<'_>) -> bool {
    rsc.prim
        .and_then(|p| crate::cib::lookup(&p.meta, "allow-migrate"))
        .is_some_and(crate::cib::is_true)
}

/// The parenthesised part: nodes, and roles where a promotable clone's
/// instance is or becomes promoted.
fn details(origin: Option<&str>, dest: Option<&str>, role: RunRole, next: RunRole) -> String {
    let need_role = role > RunRole::Started || next > RunRole::Unpromoted;
    let (r, n) = (role.as_str(), next.as_str());
    match (origin, dest) {
        (None, Some(d)) if need_role => format!("{r} -> {n} {d}"),
        (None, Some(d)) => d.to_string(),
        (Some(o), None) if need_role => format!("{r} {o}"),
        (Some(o), None) => o.to_string(),
        (Some(o), Some(d)) if o == d && role == next && need_role => format!("{r} {o}"),
        (Some(o), Some(d)) if o == d && role == next => o.to_string(),
        (Some(o), Some(d)) if role == next && need_role => format!("{o} -> {d} {r}"),
        (Some(o), Some(d)) if role == next => format!("{o} -> {d}"),
        (Some(o), Some(d)) if o == d => format!("{r} -> {n} {o}"),
        (Some(o), Some(d)) => format!("{r} {o} -> {n} {d}"),
        (None, None) => String::new(),
    }
}
