//! The status section, derived: one `node_state` per configured node from
//! the agreed view, and each member's `lrm` from that member's own operation
//! history (its hello, then the results it broadcast). Every replica holds
//! the same inputs in the same order, so every replica derives the same
//! section; nothing of it is written to disk (SPEC §4.1).

use std::collections::{BTreeMap, BTreeSet};

use crate::cib::{Cib, Lrm, LrmResource, NodeState, Status};
use crate::executor::OpRecord;
use crate::totem::NodeId;

use super::attrs::Attrs;

/// Every member's history: (rsc, record id) → record.
pub type History = BTreeMap<(String, String), OpRecord>;

/// What the status is derived from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Membership {
    /// Members of the view and their names.
    pub members: BTreeMap<NodeId, String>,
    /// Nodes that left uncleanly and are not fenced yet, by name: expected
    /// up, with the history they last had (with fencing, the scheduler
    /// must see what they may still run until they are fenced).
    pub lost: BTreeMap<String, History>,
    /// Nodes whose state the cluster knows: members of some view since the
    /// members started, or fenced. A configured node outside this set gets
    /// no `node_state`, so with startup-fencing the scheduler fences it
    /// before trusting that it runs nothing.
    pub seen: BTreeSet<String>,
    /// Nodes whose shutdown action was agreed: when they leave the view
    /// they left cleanly (no fencing, nothing of theirs is running).
    pub leaving: BTreeSet<String>,
}

/// Rewrites `cib.status` from `view` and `histories` (members only).
pub fn derive(
    cib: &mut Cib,
    view: &Membership,
    histories: &BTreeMap<NodeId, History>,
    attrs: &BTreeMap<NodeId, Attrs>,
) {
    let empty = History::new();
    let no_attrs = Attrs::new();
    let mut states = Vec::new();
    for def in &cib.configuration.nodes {
        let member = view.members.iter().find(|(_, u)| **u == def.uname);
        let known = member.is_some()
            || view.lost.contains_key(&def.uname)
            || view.seen.contains(&def.uname);
        if !known {
            continue;
        }
        let state = match member {
            Some((id, uname)) => member_state(
                &def.id,
                uname,
                histories.get(id).unwrap_or(&empty),
                attrs.get(id).unwrap_or(&no_attrs),
            ),
            None => absent_state(&def.id, &def.uname, view.lost.get(&def.uname)),
        };
        states.push(state);
    }
    cib.status = Status {
        node_states: states,
        unknown: Vec::new(),
    };
}

fn member_state(id: &str, uname: &str, history: &History, attrs: &Attrs) -> NodeState {
    NodeState {
        id: id.to_string(),
        uname: uname.to_string(),
        in_ccm: Some("true".into()),
        crmd: Some("online".into()),
        join: Some("member".into()),
        expected: Some("member".into()),
        lrm: Some(lrm(id, history)),
        transient_attributes: super::attrs::transient(id, attrs),
        ..NodeState::default()
    }
}

/// A configured node outside the view. One that left uncleanly is still
/// expected up, with its last history (with fencing, the scheduler then
/// fences it before recovering what it ran); a fenced or never-seen node
/// is cleanly down and runs nothing.
fn absent_state(id: &str, uname: &str, lost: Option<&History>) -> NodeState {
    NodeState {
        id: id.to_string(),
        uname: uname.to_string(),
        in_ccm: Some("false".into()),
        crmd: Some("offline".into()),
        join: Some("down".into()),
        expected: Some(if lost.is_some() { "member" } else { "down" }.into()),
        lrm: lost.filter(|h| !h.is_empty()).map(|h| lrm(id, h)),
        ..NodeState::default()
    }
}

fn lrm(id: &str, history: &History) -> Lrm {
    let mut resources: Vec<LrmResource> = Vec::new();
    for ((rsc, _), record) in history {
        if resources.last().is_none_or(|r| &r.id != rsc) {
            resources.push(LrmResource {
                id: rsc.clone(),
                class: record.agent.class.clone(),
                provider: record.agent.provider.clone(),
                kind: record.agent.kind.clone(),
                ..LrmResource::default()
            });
        }
        let last = resources.last_mut().expect("pushed above");
        last.ops.push(record.to_lrm_rsc_op());
    }
    Lrm {
        id: id.to_string(),
        resources,
        ..Lrm::default()
    }
}

/// The history a hello or a result list describes.
pub fn history_of(records: &[OpRecord]) -> History {
    records
        .iter()
        .map(|r| ((r.rsc.clone(), r.id.clone()), r.clone()))
        .collect()
}
