//! Node states as the scheduler sees them: membership and controller state
//! from `node_state`, modes (standby, maintenance, shutdown) from node
//! attributes, and whether a node that vanished must be fenced.

use std::collections::BTreeMap;

use super::graph::NodeMode;
use crate::cib::{is_true, Cib, NodeState};

/// One cluster node and what the scheduler may do with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeInfo {
    pub name: String,
    pub id: String,
    /// Member of the membership with a running controller that joined.
    pub online: bool,
    /// Its state cannot be trusted: it must be fenced before its resources
    /// count as stopped.
    pub unclean: bool,
    /// Why it is unclean (for `--why`).
    pub unclean_reason: Option<String>,
    pub standby: bool,
    /// Joined the membership but not the cluster yet.
    pub pending: bool,
    pub maintenance: bool,
    /// Asked to leave (the `shutdown` attribute).
    pub shutdown: bool,
    /// Node attributes visible to rules: configured ones, then transient ones,
    /// then the built-ins (`#uname`, `#id`, `#kind`, `#is_dc`).
    pub attrs: BTreeMap<String, String>,
    /// What the node offers (its `utilization`), for placement-strategy.
    pub capacity: super::utilization::Amounts,
}

impl NodeInfo {
    /// May run resources at all (scores aside).
    pub fn can_run(&self) -> bool {
        self.online
            && !self.unclean
            && !self.standby
            && !self.maintenance
            && !self.shutdown
            && !self.pending
    }

    /// The mode reported for this node. Before the transition the pending
    /// and shutdown states are not shown (what the placement output of the
    /// current status reports); after it they are.
    pub fn mode(&self, after_transition: bool) -> NodeMode {
        if self.unclean {
            NodeMode::Unclean
        } else if !self.online {
            NodeMode::Offline
        } else if self.maintenance {
            NodeMode::Maintenance
        } else if self.standby {
            NodeMode::Standby
        } else if after_transition && self.pending {
            NodeMode::Pending
        } else if after_transition && self.shutdown {
            NodeMode::Shutdown
        } else {
            NodeMode::Online
        }
    }

    /// Its (legacy) `probe_complete` attribute says its probes are not
    /// done: the node is asked to probe everything again, and no single
    /// probe is scheduled there meanwhile.
    pub fn reprobe(&self) -> bool {
        self.attr("probe_complete").is_some_and(|v| !is_true(v))
    }

    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.get(name).map(String::as_str)
    }
}

/// Reads every configured node's state. `fencing` is stonith-enabled: with it,
/// a node that is expected up but vanished is unclean; without it, the
/// cluster takes it on blind faith that the node is down.
pub fn unpack_nodes(cib: &Cib, fencing: bool) -> Vec<NodeInfo> {
    let dc = cib.extra_attr("dc-uuid");
    let startup_fencing = cib
        .configuration
        .property("startup-fencing")
        .is_none_or(is_true);
    let mut nodes = Vec::new();
    for def in &cib.configuration.nodes {
        if matches!(def.kind.as_deref(), Some("remote" | "ping")) {
            continue;
        }
        let mut attrs = BTreeMap::new();
        for set in def.instance_attrs.iter().filter(|s| s.rule.is_none()) {
            for pair in &set.pairs {
                if let Some(v) = &pair.value {
                    attrs.entry(pair.name.clone()).or_insert_with(|| v.clone());
                }
            }
        }
        let state = cib.status.node(&def.uname);
        if let Some(t) = state.and_then(|s| s.transient_attributes.as_ref()) {
            for set in &t.sets {
                for pair in &set.pairs {
                    if let Some(v) = &pair.value {
                        attrs.insert(pair.name.clone(), v.clone());
                    }
                }
            }
        }
        attrs.insert("#uname".into(), def.uname.clone());
        attrs.insert("#id".into(), def.id.clone());
        attrs.insert("#kind".into(), "cluster".into());
        attrs.insert("#is_dc".into(), (dc == Some(def.id.as_str())).to_string());
        let mut node = NodeInfo {
            name: def.uname.clone(),
            id: def.id.clone(),
            online: false,
            // A node never seen is unclean when fencing is on: it may run anything.
            unclean: fencing && startup_fencing,
            unclean_reason: Some("node was never seen by the cluster".into()),
            standby: attrs.get("standby").is_some_and(|v| is_true(v)),
            pending: false,
            maintenance: attrs.get("maintenance").is_some_and(|v| is_true(v)),
            shutdown: attrs
                .get("shutdown")
                .is_some_and(|v| !v.is_empty() && v != "0"),
            attrs,
            capacity: super::utilization::amounts(&def.utilization),
        };
        if !node.unclean {
            node.unclean_reason = None;
        }
        if let Some(state) = state {
            node.unclean = false;
            node.unclean_reason = None;
            if fencing {
                online_with_fencing(&mut node, state);
            } else {
                online_without_fencing(&mut node, state);
            }
        }
        nodes.push(node);
    }
    nodes
}

fn flag_true(v: Option<&str>) -> bool {
    v.is_some_and(is_true)
}

fn set_unclean(node: &mut NodeInfo, why: &str) {
    node.unclean = true;
    node.unclean_reason = Some(why.to_string());
}

fn online_without_fencing(node: &mut NodeInfo, s: &NodeState) {
    let in_ccm = flag_true(s.in_ccm.as_deref());
    let crmd_online = s.crmd.as_deref() == Some("online");
    let expected_up = s.expected.as_deref() == Some("member");
    if !in_ccm {
        return;
    }
    if crmd_online {
        node.online = s.join.as_deref() == Some("member");
    } else if expected_up {
        set_unclean(node, "peer is unexpectedly down");
    }
}

fn online_with_fencing(node: &mut NodeInfo, s: &NodeState) {
    let in_ccm = s.in_ccm.as_deref();
    let crmd_online = s.crmd.as_deref() == Some("online");
    let join = s.join.as_deref().unwrap_or("");
    let expected = s.expected.as_deref().unwrap_or("down");
    let terminate = node.attr("terminate").is_some_and(|t| {
        is_true(t)
            || t.chars()
                .next()
                .is_some_and(|c| c != '0' && c.is_ascii_digit())
    });
    if node.shutdown {
        node.online = crmd_online;
    } else if in_ccm.is_none() {
        set_unclean(node, "peer has not been seen by the cluster");
    } else if join == "banned" {
        set_unclean(node, "peer failed the pacemaker membership criteria");
    } else if !terminate && expected == "down" {
        if flag_true(in_ccm) || crmd_online {
            // Up but not joined yet: pending, runs nothing; online only
            // when corosync counts it a member.
            node.online = flag_true(in_ccm);
            node.standby = true;
            node.pending = true;
        }
    } else if terminate && join == "down" && !flag_true(in_ccm) && !crmd_online {
        // Just fenced: down and clean.
    } else if !flag_true(in_ccm) {
        set_unclean(node, "peer is no longer part of the cluster");
    } else if !crmd_online {
        set_unclean(node, "peer process is no longer available");
    } else if terminate {
        set_unclean(node, "termination was requested");
    } else if join == "member" {
        node.online = true;
    } else if join == "pending" || join == "down" {
        node.online = true;
        node.standby = true;
        node.pending = true;
    } else {
        set_unclean(node, "peer was in an unknown state");
    }
}
