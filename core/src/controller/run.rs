//! The DC's side: schedule, dispatch actions as their predecessors finish,
//! collect results, abort and reschedule when something changes underneath.

use std::time::Duration;

use crate::cib::parse_duration_ms;
use crate::policy::{self, Action, ActionKind, FenceAction};

use super::message::{ActionTag, Message, TransitionId, Work};
use super::timer::Timer;
use super::transition::{ActionState, Run};
use super::{work, ClusterEvent, Controller, MAX_CHAINED_TRANSITIONS};

/// Pacemaker's cluster-recheck-interval default.
pub const DEFAULT_RECHECK_INTERVAL_MS: u64 = 15 * 60 * 1000;
/// Pacemaker's dc-deadtime default: how long a node that just started
/// waits for configured peers it knows nothing about before it schedules.
pub const DEFAULT_DC_DEADTIME_MS: u64 = 20_000;
/// Pacemaker's cluster-delay default: the slack on top of an action's own
/// timeout before the DC gives up waiting for its result.
pub const DEFAULT_CLUSTER_DELAY_MS: u64 = 60_000;

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
        if let Some(until) = self.startup_wait() {
            // Try again when the wait is over (or earlier, on any change).
            return self.timers.set(Timer::Recheck, until);
        }
        if self.ops_in_flight() {
            // Ops of an earlier transition (perhaps of an earlier DC) still
            // run somewhere: a plan made now would take their outcome for
            // granted. Their results arrive as changes and reschedule.
            return;
        }
        let transition = policy::schedule_at(self.cib(), self.clock.epoch_s());
        if transition.actions.is_empty() {
            return self.arm_recheck();
        }
        self.timers.cancel(Timer::Recheck);
        self.chained += 1;
        let Some(ring) = self.view_ring else {
            // Not synced: no picture to plan on.
            return;
        };
        let id = TransitionId {
            dc: self.id,
            seq: self.next_transition,
            ring,
        };
        self.next_transition += 1;
        self.event(ClusterEvent::TransitionStarted {
            id,
            actions: transition.actions.len(),
        });
        self.run = Some(Run::new(id, transition));
        self.dispatch();
    }

    /// A one-off op (start, stop, probe, promote, demote) is in flight on a
    /// member: its history shows it pending.
    fn ops_in_flight(&self) -> bool {
        self.view.members.keys().any(|id| {
            self.histories.get(id).is_some_and(|h| {
                h.values().any(|r| {
                    r.op_status == crate::executor::record::EXEC_PENDING && r.interval_ms == 0
                })
            })
        })
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
                let at = self.clock.now + self.action_timeout(&work);
                self.timers.set(Timer::ActionTimeout(tag), at);
                self.broadcast(&Message::Action { tag, target, work });
            }
            (_, _) if action.kind == ActionKind::ClearFailcount => {
                run.set_in_flight(a);
                let rsc = action.rsc.clone().unwrap_or_default();
                self.broadcast(&Message::ClearFailcount {
                    tag,
                    node: action.node.clone(),
                    rsc,
                });
            }
            (_, _) if matches!(action.kind, ActionKind::Fence { .. }) => {
                // Never pretend a node was fenced: the action stays in
                // flight until a fence succeeds, so nothing ordered after
                // it (the recovery of the victim's resources) runs before.
                run.set_in_flight(a);
                let off = matches!(
                    action.kind,
                    ActionKind::Fence {
                        action: FenceAction::Off
                    }
                );
                self.send_fence(tag, &action.node, off);
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
        self.timers.cancel(Timer::ActionTimeout(tag));
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
        self.after_action_done();
    }

    /// An action of the current run finished well: reschedule if the run
    /// was aborted and drained, else send what became ready.
    pub(super) fn after_action_done(&mut self) {
        if self.run.as_ref().is_some_and(Run::is_drained) {
            self.run = None;
            return self.start_transition();
        }
        self.dispatch();
    }
}

impl Controller {
    /// The DC is idle: run the policy again when the earliest failure
    /// expires (failure-timeout), and at the latest after
    /// cluster-recheck-interval (time-based rules are only noticed by
    /// running it).
    fn arm_recheck(&mut self) {
        let interval_ms = self
            .cib()
            .configuration
            .property("cluster-recheck-interval")
            .and_then(|v| parse_duration_ms(v).ok())
            .unwrap_or(DEFAULT_RECHECK_INTERVAL_MS);
        let now_s = self.clock.epoch_s();
        let dated = policy::at_date(self.cib(), now_s);
        let expiry = policy::failure::next_expiry_s(&policy::cluster::Cluster::new(&dated), now_s)
            .map(|s| self.clock.instant_of(s));
        let recheck =
            (interval_ms > 0).then(|| self.clock.now + Duration::from_millis(interval_ms));
        match [expiry, recheck].into_iter().flatten().min() {
            Some(at) => self.timers.set(Timer::Recheck, at),
            None => self.timers.cancel(Timer::Recheck),
        }
    }

    /// Just started, alone or with configured nodes whose state nobody
    /// here knows: they may be booting into this view. Scheduling now would
    /// fence them (startup-fencing) or, without fencing, trust that they
    /// run nothing (and start everything here while a peer that is a moment
    /// late does the same); like Pacemaker's dc-deadtime, wait for them a
    /// while first. Some(end of the wait) while waiting.
    fn startup_wait(&self) -> Option<crate::time::Instant> {
        let deadtime_ms = self
            .cib()
            .configuration
            .property("dc-deadtime")
            .and_then(|v| parse_duration_ms(v).ok())
            .unwrap_or(DEFAULT_DC_DEADTIME_MS);
        let until = self.clock.start + Duration::from_millis(deadtime_ms);
        if self.clock.now >= until {
            return None;
        }
        let unknown = self.cib().configuration.nodes.iter().any(|n| {
            !matches!(n.kind.as_deref(), Some("remote" | "ping"))
                && !self.view.members.values().any(|u| *u == n.uname)
                && !self.view.lost.contains_key(&n.uname)
                && !self.view.seen.contains(&n.uname)
        });
        // Alone since it started: no other node was ever in a view here.
        let alone = self.view.seen.iter().all(|u| *u == self.uname);
        (unknown || alone).then_some(until)
    }

    /// How long the DC waits for an action's result: its own timeout plus
    /// cluster-delay, as Pacemaker's transition timer does.
    fn action_timeout(&self, work: &Work) -> Duration {
        let own_ms = match work {
            Work::Exec(spec) => spec.timeout_ms,
            _ => work::DEFAULT_OP_TIMEOUT_MS,
        };
        Duration::from_millis(own_ms.saturating_add(self.cluster_delay_ms()))
    }

    fn cluster_delay_ms(&self) -> u64 {
        self.cib()
            .configuration
            .property("cluster-delay")
            .and_then(|v| parse_duration_ms(v).ok())
            .unwrap_or(DEFAULT_CLUSTER_DELAY_MS)
    }

    /// No result came back in time. The first time, the action's node is
    /// told to give the op up and report it timed out (a failure the
    /// scheduler reacts to: a start elsewhere, a stop by fencing), and the
    /// DC waits one more cluster-delay for that report. If none comes (the
    /// node's controller does not answer at all), the action counts as
    /// failed and the DC schedules again from what the status says.
    pub(super) fn on_action_timeout(&mut self, tag: ActionTag) {
        let a = tag.action as usize;
        let delay = Duration::from_millis(self.cluster_delay_ms());
        let Some(run) = self.run.as_mut().filter(|r| r.id == tag.transition) else {
            return;
        };
        if run.state(a) != Some(ActionState::InFlight) {
            return;
        }
        if run.chase(a) {
            let target =
                self.view.members.iter().find_map(|(id, uname)| {
                    (*uname == run.transition.actions[a].node).then_some(*id)
                });
            if let Some(target) = target {
                self.timers
                    .set(Timer::ActionTimeout(tag), self.clock.now + delay);
                self.broadcast(&Message::TimedOut { tag, target });
                return;
            }
        }
        let Some(run) = self.run.as_mut() else { return };
        run.set_done(a);
        let action = run.transition.actions[a].clone();
        self.event(finished(tag.transition, a, &action, None, false));
        self.chained = 0;
        let why = format!(
            "{} {} on {} did not report within its timeout",
            action.rsc.as_deref().unwrap_or("-"),
            action.kind,
            action.node
        );
        self.reschedule(&why);
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

pub(super) fn finished(
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
