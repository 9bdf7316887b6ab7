//! The scheduler's answer: where every resource instance ends up, the actions
//! that get it there, the order between them, and why each action exists.

use std::collections::BTreeSet;
use std::fmt;

/// Index of an action in [`Transition::actions`].
pub type ActionId = usize;

/// One resource instance after the transition.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Placement {
    /// The instance id (`child:N` for clone instances).
    pub rsc: String,
    pub role: RunRole,
    /// `None` when stopped.
    pub node: Option<String>,
    pub flags: PlacementFlags,
}

/// A role as crm_simulate reports it after the transition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum RunRole {
    Stopped,
    Started,
    Unpromoted,
    Promoted,
}

impl RunRole {
    pub fn as_str(self) -> &'static str {
        match self {
            RunRole::Stopped => "Stopped",
            RunRole::Started => "Started",
            RunRole::Unpromoted => "Unpromoted",
            RunRole::Promoted => "Promoted",
        }
    }

    /// Running in any role.
    pub fn is_active(self) -> bool {
        self != RunRole::Stopped
    }
}

/// Conditions crm_mon shows beside a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct PlacementFlags {
    pub failed: bool,
    pub blocked: bool,
    pub orphaned: bool,
    pub unmanaged: bool,
}

/// One node after the transition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeOutcome {
    pub name: String,
    pub state: NodeMode,
}

/// The state words of the placement format, in crm_mon's order of precedence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeMode {
    Unclean,
    Offline,
    Maintenance,
    Standby,
    Pending,
    Shutdown,
    Online,
}

impl NodeMode {
    pub fn as_str(self) -> &'static str {
        match self {
            NodeMode::Unclean => "unclean",
            NodeMode::Offline => "offline",
            NodeMode::Maintenance => "maintenance",
            NodeMode::Standby => "standby",
            NodeMode::Pending => "pending",
            NodeMode::Shutdown => "shutdown",
            NodeMode::Online => "online",
        }
    }
}

/// What an action does.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum ActionKind {
    /// A one-off monitor that learns a resource's state on a node.
    Probe,
    Start,
    Stop,
    Promote,
    Demote,
    /// A recurring monitor.
    Monitor {
        interval_ms: u64,
    },
    /// Stops a recurring operation that no longer applies.
    Cancel {
        task: String,
        interval_ms: u64,
    },
    /// Fences the action's node.
    Fence {
        action: FenceAction,
    },
    /// Clears a resource's fail-count on the node.
    ClearFailcount,
    /// Removes the history of a resource the configuration no longer has.
    Delete,
    /// Lets a node that asked to leave shut down.
    Shutdown,
}

/// The fencing verbs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FenceAction {
    Reboot,
    Off,
}

impl fmt::Display for ActionKind {
    /// The op word of the placement format.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ActionKind::Probe => f.write_str("probe"),
            ActionKind::Start => f.write_str("start"),
            ActionKind::Stop => f.write_str("stop"),
            ActionKind::Promote => f.write_str("promote"),
            ActionKind::Demote => f.write_str("demote"),
            ActionKind::Monitor { interval_ms } => write!(f, "monitor_{interval_ms}"),
            ActionKind::Cancel { task, interval_ms } => write!(f, "cancel_{task}_{interval_ms}"),
            ActionKind::Fence {
                action: FenceAction::Reboot,
            } => f.write_str("fence_reboot"),
            ActionKind::Fence {
                action: FenceAction::Off,
            } => f.write_str("fence_off"),
            ActionKind::ClearFailcount => f.write_str("clear_failcount"),
            ActionKind::Delete => f.write_str("delete"),
            ActionKind::Shutdown => f.write_str("do_shutdown"),
        }
    }
}

/// Why an action exists: the event or constraint that made it necessary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// The resource's state on the node is not known yet.
    UnknownState,
    /// The placement put the resource here (or away from here); the text says
    /// which scores decided.
    Placement(String),
    /// An operation failed.
    Failure(String),
    /// A node left or must be fenced.
    NodeEvent(String),
    /// A constraint forced it (its id and what it did).
    Constraint { id: String, what: String },
    /// A configuration or attribute change by an administrator.
    AdminChange(String),
    /// A recurring operation configured for the resource's new role.
    Recurring,
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::UnknownState => f.write_str("state on this node is unknown"),
            Reason::Placement(t) => write!(f, "placement: {t}"),
            Reason::Failure(t) => write!(f, "failure: {t}"),
            Reason::NodeEvent(t) => write!(f, "node event: {t}"),
            Reason::Constraint { id, what } => write!(f, "constraint {id}: {what}"),
            Reason::AdminChange(t) => write!(f, "admin change: {t}"),
            Reason::Recurring => f.write_str("recurring operation for the resource's role"),
        }
    }
}

/// One scheduled action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Action {
    /// The resource instance, or `None` for node-level actions (fence, shutdown).
    pub rsc: Option<String>,
    pub kind: ActionKind,
    pub node: String,
    pub reason: Reason,
}

/// The result of one scheduler run.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Transition {
    pub nodes: Vec<NodeOutcome>,
    pub placement: Vec<Placement>,
    pub actions: Vec<Action>,
    /// `(a, b)`: action `a` must complete before `b` starts.
    pub edges: BTreeSet<(ActionId, ActionId)>,
    /// Per resource, the notes of how its node was chosen (for `--why`).
    pub notes: Vec<(String, String)>,
    /// Where each resource instance runs before the transition.
    pub before: Vec<Placement>,
    /// Node states before the transition.
    pub nodes_before: Vec<NodeOutcome>,
    /// Instance ids of anonymous clones, which reports show without `:N`.
    pub anonymous_instances: BTreeSet<String>,
}

impl Transition {
    /// True when the edges form no cycle (the graph can be executed).
    pub fn is_acyclic(&self) -> bool {
        let n = self.actions.len();
        let mut indegree = vec![0usize; n];
        let mut succ: Vec<Vec<ActionId>> = vec![Vec::new(); n];
        for &(a, b) in &self.edges {
            succ[a].push(b);
            indegree[b] += 1;
        }
        let mut ready: Vec<ActionId> = (0..n).filter(|&i| indegree[i] == 0).collect();
        let mut seen = 0;
        while let Some(a) = ready.pop() {
            seen += 1;
            for &b in &succ[a] {
                indegree[b] -= 1;
                if indegree[b] == 0 {
                    ready.push(b);
                }
            }
        }
        seen == n
    }

    /// The action of `kind` for `rsc` on `node`, if scheduled.
    pub fn find(&self, rsc: &str, kind: &ActionKind, node: &str) -> Option<ActionId> {
        self.actions
            .iter()
            .position(|a| a.rsc.as_deref() == Some(rsc) && &a.kind == kind && a.node == node)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn action(rsc: &str, kind: ActionKind) -> Action {
        Action {
            rsc: Some(rsc.to_string()),
            kind,
            node: "n1".to_string(),
            reason: Reason::Recurring,
        }
    }

    #[test]
    fn cycles_are_detected() {
        let mut t = Transition {
            actions: vec![
                action("a", ActionKind::Stop),
                action("a", ActionKind::Start),
            ],
            ..Transition::default()
        };
        t.edges.insert((0, 1));
        assert!(t.is_acyclic());
        t.edges.insert((1, 0));
        assert!(!t.is_acyclic());
    }

    #[test]
    fn op_words_match_the_placement_format() {
        let words: Vec<String> = [
            ActionKind::Monitor { interval_ms: 10000 },
            ActionKind::Cancel {
                task: "monitor".into(),
                interval_ms: 5000,
            },
            ActionKind::Fence {
                action: FenceAction::Reboot,
            },
            ActionKind::Shutdown,
        ]
        .iter()
        .map(|k| k.to_string())
        .collect();
        assert_eq!(
            words,
            [
                "monitor_10000",
                "cancel_monitor_5000",
                "fence_reboot",
                "do_shutdown"
            ]
        );
    }
}
