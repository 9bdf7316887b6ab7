//! One transition graph being carried out by the DC: which actions wait,
//! which are in flight, which are done, and whether it was aborted.
//!
//! An action becomes ready when every action ordered before it is done.
//! An abort (something changed underneath) dispatches nothing more; the DC
//! reschedules once the actions in flight have reported, as Pacemaker does.

use crate::policy::{ActionId, ActionKind, Transition};

use super::message::TransitionId;

/// Where one action stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionState {
    Waiting,
    InFlight,
    Done,
}

/// A transition in progress.
#[derive(Debug, Clone)]
pub struct Run {
    pub id: TransitionId,
    pub transition: Transition,
    state: Vec<ActionState>,
    /// For each action, the actions that must be done first.
    preds: Vec<Vec<ActionId>>,
    aborted: Option<String>,
    /// Actions whose timer popped once: their node was told to give up
    /// on them and report a timeout.
    chased: Vec<ActionId>,
}

impl Run {
    pub fn new(id: TransitionId, transition: Transition) -> Run {
        let n = transition.actions.len();
        let mut preds = vec![Vec::new(); n];
        for &(a, b) in &transition.edges {
            assert!(a < n && b < n, "edge names a missing action");
            preds[b].push(a);
        }
        // A node shuts down only once everything else planned on it is
        // done (its stops first).
        for (s, shut) in transition.actions.iter().enumerate() {
            if shut.kind != ActionKind::Shutdown {
                continue;
            }
            for (a, other) in transition.actions.iter().enumerate() {
                if a != s && other.node == shut.node {
                    preds[s].push(a);
                }
            }
            preds[s].sort_unstable();
            preds[s].dedup();
        }
        Run {
            id,
            transition,
            state: vec![ActionState::Waiting; n],
            preds,
            aborted: None,
            chased: Vec::new(),
        }
    }

    /// Actions that may start now (none once aborted), lowest id first.
    pub fn ready(&self) -> Vec<ActionId> {
        if self.aborted.is_some() {
            return Vec::new();
        }
        (0..self.state.len())
            .filter(|&a| self.state[a] == ActionState::Waiting)
            .filter(|&a| {
                self.preds[a]
                    .iter()
                    .all(|&p| self.state[p] == ActionState::Done)
            })
            .collect()
    }

    pub fn state(&self, action: ActionId) -> Option<ActionState> {
        self.state.get(action).copied()
    }

    pub fn set_in_flight(&mut self, action: ActionId) {
        assert_eq!(self.state[action], ActionState::Waiting);
        self.state[action] = ActionState::InFlight;
    }

    /// Marks `action` done; false when it was not in flight (a duplicate or
    /// stale report).
    pub fn set_done(&mut self, action: ActionId) -> bool {
        match self.state.get(action) {
            Some(ActionState::InFlight) | Some(ActionState::Waiting) => {
                self.state[action] = ActionState::Done;
                true
            }
            _ => false,
        }
    }

    /// Records that `action`'s timer popped; true the first time.
    pub fn chase(&mut self, action: ActionId) -> bool {
        if self.chased.contains(&action) {
            return false;
        }
        self.chased.push(action);
        true
    }

    /// Aborts; true the first time (the reason kept is the first one).
    pub fn abort(&mut self, reason: &str) -> bool {
        if self.aborted.is_some() {
            return false;
        }
        self.aborted = Some(reason.to_string());
        true
    }

    pub fn is_aborted(&self) -> bool {
        self.aborted.is_some()
    }

    pub fn in_flight(&self) -> usize {
        self.state
            .iter()
            .filter(|s| **s == ActionState::InFlight)
            .count()
    }

    /// Every action is done.
    pub fn is_complete(&self) -> bool {
        self.state.iter().all(|s| *s == ActionState::Done)
    }

    /// Aborted and nothing in flight any more: time to reschedule.
    pub fn is_drained(&self) -> bool {
        self.is_aborted() && self.in_flight() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{Action, ActionKind, Reason};

    fn run(n: usize, edges: &[(usize, usize)]) -> Run {
        let actions = (0..n)
            .map(|i| Action {
                rsc: Some(format!("r{i}")),
                kind: ActionKind::Start,
                node: "n1".into(),
                reason: Reason::Recurring,
            })
            .collect();
        let t = Transition {
            actions,
            edges: edges.iter().copied().collect(),
            ..Transition::default()
        };
        Run::new(
            TransitionId {
                dc: 1,
                seq: 1,
                ring: Default::default(),
            },
            t,
        )
    }

    #[test]
    fn actions_wait_for_their_predecessors() {
        let mut r = run(3, &[(0, 1), (1, 2)]);
        assert_eq!(r.ready(), [0]);
        r.set_in_flight(0);
        assert!(r.ready().is_empty());
        assert!(r.set_done(0));
        assert!(!r.set_done(0), "a second report is stale");
        assert_eq!(r.ready(), [1]);
        r.set_in_flight(1);
        r.set_done(1);
        r.set_in_flight(2);
        r.set_done(2);
        assert!(r.is_complete());
    }

    #[test]
    fn an_abort_stops_dispatch_and_drains() {
        let mut r = run(2, &[]);
        r.set_in_flight(0);
        assert!(r.abort("configuration changed"));
        assert!(!r.abort("again"));
        assert!(r.ready().is_empty());
        assert!(!r.is_drained());
        r.set_done(0);
        assert!(r.is_drained());
    }
}
