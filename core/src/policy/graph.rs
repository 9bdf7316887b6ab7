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
    /// Removes the history of a resource the configuration no longer has,
    /// or whose agent changed.
    Delete,
    /// Applies changed parameters without a restart (`reload-agent`).
    Reload,
    /// Lets a node that asked to leave shut down.
    Shutdown,
    /// Asks a node whose `probe_complete` attribute is false to probe
    /// everything again (Pacemaker's `probe_again`), in place of probes.
    Reprobe,
}

/// The fencing verbs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FenceAction {
    Reboot,
    Off,
}

impl ActionKind {
    /// The op word of the placement format, borrowed where it is fixed.
    pub fn word(&self) -> std::borrow::Cow<'static, str> {
        use std::borrow::Cow;
        match self {
            ActionKind::Probe => Cow::Borrowed("probe"),
            ActionKind::Start => Cow::Borrowed("start"),
            ActionKind::Stop => Cow::Borrowed("stop"),
            ActionKind::Promote => Cow::Borrowed("promote"),
            ActionKind::Demote => Cow::Borrowed("demote"),
            ActionKind::Fence {
                action: FenceAction::Reboot,
            } => Cow::Borrowed("fence_reboot"),
            ActionKind::Fence {
                action: FenceAction::Off,
            } => Cow::Borrowed("fence_off"),
            ActionKind::ClearFailcount => Cow::Borrowed("clear_failcount"),
            ActionKind::Delete => Cow::Borrowed("delete"),
            ActionKind::Reload => Cow::Borrowed("reload-agent"),
            ActionKind::Shutdown => Cow::Borrowed("do_shutdown"),
            ActionKind::Reprobe => Cow::Borrowed("probe_again"),
            ActionKind::Monitor { .. } | ActionKind::Cancel { .. } => Cow::Owned(self.to_string()),
        }
    }
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
            ActionKind::Reload => f.write_str("reload-agent"),
            ActionKind::Shutdown => f.write_str("do_shutdown"),
            ActionKind::Reprobe => f.write_str("probe_again"),
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
        acyclic(self.actions.len(), self.edges.iter().copied(), |a| {
            self.edges.range((a, 0)..(a + 1, 0)).map(|e| e.1)
        })
    }

    /// The action of `kind` for `rsc` on `node`, if scheduled.
    pub fn find(&self, rsc: &str, kind: &ActionKind, node: &str) -> Option<ActionId> {
        self.actions
            .iter()
            .position(|a| a.rsc.as_deref() == Some(rsc) && &a.kind == kind && a.node == node)
    }
}

/// Kahn's algorithm over sorted edges themselves: an action's successors
/// are one range of them, so no adjacency copy is built (at 5000 resources
/// on 32 nodes that copy was the run's peak memory).
fn acyclic<I: Iterator<Item = ActionId>>(
    n: usize,
    edges: impl Iterator<Item = (ActionId, ActionId)>,
    successors: impl Fn(ActionId) -> I,
) -> bool {
    let mut indegree = vec![0u32; n];
    for (_, b) in edges {
        indegree[b] += 1;
    }
    let mut ready: Vec<ActionId> = (0..n).filter(|&i| indegree[i] == 0).collect();
    let mut seen = 0;
    while let Some(a) = ready.pop() {
        seen += 1;
        for b in successors(a) {
            indegree[b] -= 1;
            if indegree[b] == 0 {
                ready.push(b);
            }
        }
    }
    seen == n
}

/// A transition whose actions name their resource, node and reason by
/// index into shared tables: what the scheduler builds. A large CIB's
/// actions are mostly probes, one per resource and node; spelled out, each
/// would carry two strings of its own (at 5000 resources on 32 nodes that
/// was a third of `cohort simulate`'s peak memory). [`Compact::spell`]
/// gives the [`Transition`] with owned names that the controller reads.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Compact {
    /// Everything but the actions and edges, whose lists here stay empty.
    pub outline: Transition,
    pub actions: Vec<CompactAction>,
    /// `(a, b)`: action `a` must complete before `b` starts; sorted, no
    /// duplicates.
    pub edges: Vec<(u32, u32)>,
    /// The distinct action kinds, indexed by [`CompactAction::kind`].
    pub kinds: Vec<ActionKind>,
    /// Resource instance ids, indexed by [`CompactAction::rsc`].
    pub rsc_names: Vec<String>,
    /// Node names, indexed by [`CompactAction::node`].
    pub node_names: Vec<String>,
    /// Indexed by [`CompactAction::reason`]; the reasons without text are
    /// stored once.
    pub reasons: Vec<Reason>,
}

/// One action of a [`Compact`] transition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompactAction {
    /// Index into [`Compact::rsc_names`], or [`CompactAction::NO_RSC`] for
    /// node-level actions.
    pub rsc: u32,
    pub node: u32,
    pub reason: u32,
    pub kind: u32,
}

impl CompactAction {
    pub const NO_RSC: u32 = u32::MAX;
}

impl Compact {
    pub fn rsc(&self, a: ActionId) -> Option<&str> {
        let r = self.actions[a].rsc;
        (r != CompactAction::NO_RSC).then(|| self.rsc_names[r as usize].as_str())
    }

    pub fn node(&self, a: ActionId) -> &str {
        &self.node_names[self.actions[a].node as usize]
    }

    pub fn kind(&self, a: ActionId) -> &ActionKind {
        &self.kinds[self.actions[a].kind as usize]
    }

    /// The actions that wait for `a`.
    pub fn successors(&self, a: ActionId) -> impl Iterator<Item = ActionId> + '_ {
        let a = a as u32;
        let from = self.edges.partition_point(|e| e.0 < a);
        let to = self.edges.partition_point(|e| e.0 <= a);
        self.edges[from..to].iter().map(|e| e.1 as ActionId)
    }

    /// Adds edges, keeping them sorted and unique.
    pub fn add_edges(&mut self, edges: impl IntoIterator<Item = (ActionId, ActionId)>) {
        self.edges
            .extend(edges.into_iter().map(|(a, b)| (a as u32, b as u32)));
        self.edges.sort_unstable();
        self.edges.dedup();
    }

    pub fn is_acyclic(&self) -> bool {
        let edges = self
            .edges
            .iter()
            .map(|e| (e.0 as ActionId, e.1 as ActionId));
        acyclic(self.actions.len(), edges, |a| self.successors(a))
    }

    /// The transition with every action's names and reason written out.
    pub fn spell(self) -> Transition {
        let Compact {
            mut outline,
            actions,
            edges,
            kinds,
            rsc_names,
            node_names,
            reasons,
        } = self;
        outline.edges = edges
            .into_iter()
            .map(|(a, b)| (a as ActionId, b as ActionId))
            .collect();
        outline.actions = Vec::with_capacity(actions.len());
        for a in actions {
            outline.actions.push(Action {
                rsc: (a.rsc != CompactAction::NO_RSC).then(|| rsc_names[a.rsc as usize].clone()),
                node: node_names[a.node as usize].clone(),
                reason: reasons[a.reason as usize].clone(),
                kind: kinds[a.kind as usize].clone(),
            });
        }
        outline
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
