//! The DC's side: schedule, dispatch actions as their predecessors finish,
//! collect results, abort and reschedule when something changes underneath.

use crate::policy::{self, Action, ActionKind};

use super::message::{ActionTag, Message, TransitionId};
use super::transition::Run;
use super::{work, ClusterEvent, Controller, MAX_CHAINED_TRANSITIONS};

impl Controller {
    /// Something relevant changed: on the DC, abort the transition in
    /// progress (rescheduling once it drained) or schedule a new one.
    pub(super) fn reschedule(&mut self, why: &str) {
        if !self.is_dc() {
            return;
        }
        let Some(run) = &mut self.run else {
            return self.start_transition();
        };
        let id = run.id;
        if run.abort(why) {
            self.event(ClusterEvent::TransitionAborted {
                id,
                reason: why.to_string(),
            });
        }
        if self.run.as_ref().is_some_and(Run::is_drained) {
            self.run = None;
            self.start_transition();
        }
    }

    /// Runs the policy engine on this replica and starts what it asks for.
    fn start_transition(&mut self) {
        debug_assert!(self.run.is_none());
        if self.chained >= MAX_CHAINED_TRANSITIONS {
            return self.event(ClusterEvent::MessageDropped {
                reason: format!(
                    "{MAX_CHAINED_TRANSITIONS} transitions in a row without a new change: waiting"
                ),
            });
        }
        let transition = policy::schedule(self.cib());
        if transition.actions.is_empty() {
            return;
        }
        self.chained += 1;
        let id = TransitionId {
            dc: self.id,
            seq: self.next_transition,
        };
        self.next_transition += 1;
        self.event(ClusterEvent::TransitionStarted {
            id,
            actions: transition.actions.len(),
        });
        self.run = Some(Run::new(id, transition));
        self.dispatch();
    }

    /// Sends every ready action; settles the ones no node needs to run.
    fn dispatch(&mut self) {
        loop {
            let Some(run) = &self.run else { return };
            let ready = run.ready();
            if ready.is_empty() {
                break;
            }
            for a in ready {
                if self.run.as_ref().is_some_and(|r| !r.is_aborted()) {
                    self.dispatch_one(a);
                }
            }
        }
        if self.run.as_ref().is_some_and(Run::is_drained) {
            self.run = None;
            return self.start_transition();
        }
        self.check_complete();
    }

    fn dispatch_one(&mut self, a: usize) {
        let run = self.run.as_ref().expect("dispatching a run");
        let action = run.transition.actions[a].clone();
        let tag = ActionTag {
            transition: run.id,
            action: u32::try_from(a).expect("transitions are far smaller than u32"),
        };
        let target = self
            .view
            .members
            .iter()
            .find(|(_, u)| **u == action.node)
            .map(|(id, _)| *id);
        let work = work::for_action(self.cib(), &action, tag);
        self.event(started(tag.transition, a, &action));
        let run = self.run.as_mut().expect("dispatching a run");
        match (work, target) {
            (Some(work), Some(target)) => {
                run.set_in_flight(a);
                self.broadcast(&Message::Action { tag, target, work });
            }
            (None, _) if matches!(action.kind, ActionKind::Fence { .. }) => {
                // Fencing is phase 2. Never pretend a node was fenced: the
                // action stays in flight, so nothing ordered after it (the
                // recovery of the lost node's resources) ever runs.
                run.set_in_flight(a);
                self.event(ClusterEvent::MessageDropped {
                    reason: format!("fencing {} is not implemented yet", action.node),
                });
            }
            (None, _) => {
                // Nothing for a node to do in phase 1 (fence, shutdown,
                // clear_failcount): settled here.
                run.set_done(a);
                self.event(finished(tag.transition, a, &action, None, true));
            }
            (Some(_), None) => {
                run.set_done(a);
                run.abort(&format!("{} is not a member", action.node));
                self.event(finished(tag.transition, a, &action, None, false));
                self.event(ClusterEvent::TransitionAborted {
                    id: tag.transition,
                    reason: format!("{} is not a member", action.node),
                });
            }
        }
    }

    fn check_complete(&mut self) {
        let Some(run) = &self.run else { return };
        if run.is_complete() && !run.is_aborted() {
            let id = run.id;
            self.run = None;
            self.event(ClusterEvent::TransitionCompleted { id });
            // Ask again: the results may call for more (a probe that found
            // a resource running).
            self.start_transition();
        }
    }

    /// A result reached this replica. On the DC: the action it answers is
    /// done; an unexpected rc or a result nobody asked for aborts.
    pub(super) fn on_result(&mut self, tag: Option<ActionTag>, outcome: Option<(i32, i32)>) {
        if !self.is_dc() {
            return;
        }
        let current = self.run.as_ref().map(|r| r.id);
        let Some(tag) = tag.filter(|t| Some(t.transition) == current) else {
            self.chained = 0;
            return self.reschedule("a result arrived from outside the transition");
        };
        let a = tag.action as usize;
        let run = self.run.as_mut().expect("current run");
        if a >= run.transition.actions.len() || !run.set_done(a) {
            return;
        }
        let action = run.transition.actions[a].clone();
        let ok = outcome.is_none_or(|(rc, expected)| rc == expected);
        let rc = outcome.map(|(rc, _)| rc);
        self.event(finished(tag.transition, a, &action, rc, ok));
        if !ok {
            self.chained = 0;
            let why = format!(
                "{} {} on {} returned rc={}",
                action.rsc.as_deref().unwrap_or("-"),
                action.kind,
                action.node,
                rc.unwrap_or(-1)
            );
            return self.reschedule(&why);
        }
        if self.run.as_ref().is_some_and(Run::is_drained) {
            self.run = None;
            return self.start_transition();
        }
        self.dispatch();
    }
}

fn started(transition: TransitionId, a: usize, action: &Action) -> ClusterEvent {
    ClusterEvent::ActionStarted {
        transition,
        action: a,
        rsc: action.rsc.clone(),
        op: action.kind.to_string(),
        node: action.node.clone(),
        reason: action.reason.to_string(),
    }
}

fn finished(
    transition: TransitionId,
    a: usize,
    action: &Action,
    rc: Option<i32>,
    ok: bool,
) -> ClusterEvent {
    ClusterEvent::ActionFinished {
        transition,
        action: a,
        rsc: action.rsc.clone(),
        op: action.kind.to_string(),
        node: action.node.clone(),
        rc,
        ok,
        reason: action.reason.to_string(),
    }
}
