//! Applying an agreed message to this replica (every member does the same,
//! in the same order) and doing this node's part of it.

use crate::cib::verify::stonith_enabled;
use crate::executor::OpOutcome;
use crate::policy::FenceAction;
use crate::totem::NodeId;

use super::admin::{self, AdminCommand, AdminError, Change};
use super::fence::{FenceId, FenceRequest};
use super::message::{ActionTag, HistoryChange, Message, Work};
use super::{attrs, status, writes};
use super::{ClusterEvent, Controller, Effect, Pending};

impl Controller {
    pub(super) fn apply(&mut self, sender: NodeId, msg: Message) {
        match msg {
            Message::Admin { origin, req, cmd } => self.apply_admin(origin, req, &cmd),
            Message::Action { tag, .. } if Some(tag.transition.ring) != self.view_ring => self
                .event(ClusterEvent::MessageDropped {
                    reason: format!(
                        "action {} of transition {} was planned in view {}, not this one",
                        tag.action, tag.transition, tag.transition.ring
                    ),
                }),
            Message::Action {
                tag,
                target,
                work: Work::Shutdown,
            } => self.apply_shutdown(tag, target),
            Message::Action { tag, target, work } if target == self.id => self.run_work(tag, work),
            Message::Action { .. } => {}
            Message::Result { node, tag, change } => self.apply_result(node, tag, change),
            Message::ClearFailcount { tag, node, rsc } => {
                self.apply_clear_failcount(tag, &node, &rsc)
            }
            Message::Fenced {
                tag,
                target,
                ok,
                reason,
            } => self.apply_fenced(sender, tag, &target, ok, &reason),
            Message::TimedOut { tag, target } if target == self.id => self.give_up(tag),
            Message::TimedOut { .. } => {}
            Message::ShuttingDown { since_s } => self.apply_shutting_down(sender, since_s),
            Message::Quorum { ring, state } => {
                if Some(ring) == self.view_ring && self.view.members.contains_key(&sender) {
                    self.verdicts.insert(sender, state);
                }
            }
            Message::Hello(_) | Message::Sync { .. } => {
                unreachable!("hello and sync from {sender} are handled by the sync")
            }
        }
    }

    fn apply_admin(&mut self, origin: NodeId, req: u64, cmd: &AdminCommand) {
        let result = if cmd.writes_configuration() {
            let fencing = stonith_enabled(&self.cib().configuration);
            writes::permitted(&self.view, &self.verdicts, fencing)
                .and_then(|()| admin::apply(self.replica.cib_mut(), cmd))
        } else {
            admin::apply(self.replica.cib_mut(), cmd)
        };
        let version = self.cib().version;
        let relevant = matches!(result, Ok(Change::Configuration | Change::Cleanup { .. }));
        match &result {
            Ok(Change::Configuration) => {
                self.persist();
                self.event(ClusterEvent::AdminApplied { origin, version });
            }
            Ok(Change::Cleanup { rsc, node }) => self.cleanup(rsc, node.as_deref()),
            Ok(Change::Nothing) | Err(_) => {}
        }
        if origin == self.id && self.pending.contains_key(&req) {
            match result {
                // Applied where only the transitional members hold it: the
                // other members of the old ring may never apply it, and a
                // partition of theirs may win the next merge.
                Ok(Change::Configuration) if self.transitional => {
                    self.reply(req, Err(AdminError::Unconfirmed))
                }
                Ok(Change::Configuration) => {
                    self.pending.insert(req, Pending::Durable(version));
                    self.answer_durable();
                }
                Ok(_) => self.reply(req, Ok(self.cib().version)),
                Err(e) => self.reply(req, Err(e)),
            }
        }
        if relevant {
            self.chained = 0;
            self.reschedule("an administrator changed the CIB");
        }
    }

    /// `node` asked to shut down: its `shutdown` attribute makes the
    /// scheduler move its resources away and plan its `do_shutdown`.
    fn apply_shutting_down(&mut self, node: NodeId, since_s: i64) {
        if !self.view.members.contains_key(&node) {
            return;
        }
        let attrs = self.node_attrs.entry(node).or_default();
        if attrs.contains_key("shutdown") {
            return; // asked twice: the first time stands
        }
        attrs.insert("shutdown".into(), since_s.to_string());
        self.derive_status();
        self.chained = 0;
        self.reschedule("a node asked to shut down");
    }

    /// The DC's `do_shutdown` of `target`: every member now expects it to
    /// leave (so it is not fenced when it does); the target exits.
    fn apply_shutdown(&mut self, tag: ActionTag, target: NodeId) {
        let Some(uname) = self.view.members.get(&target).cloned() else {
            return;
        };
        self.view.leaving.insert(uname.clone());
        self.event(ClusterEvent::NodeLeaving { node: uname });
        if target == self.id {
            self.effects.push_back(Effect::Exit);
        }
        if self.is_dc() {
            self.on_result(Some(tag), None);
        }
    }

    /// The DC gave up waiting for `tag`'s op here: cancel it and report it
    /// timed out (an op already finished has reported; nothing to do).
    fn give_up(&mut self, tag: ActionTag) {
        let Some(op) = self.executor.find_tagged(&Some(tag)) else {
            return;
        };
        self.effects.push_back(Effect::Cancel(op));
        let outcome = OpOutcome {
            exit_reason: "no result within the action's timeout plus cluster-delay".into(),
            ..OpOutcome::timed_out(0, self.clock.epoch_s())
        };
        self.report_op(op, &outcome);
    }

    /// Forgets `rsc`'s history on `node` (or everywhere): each member's
    /// executor forgets its own part, every replica its copy.
    fn cleanup(&mut self, rsc: &str, node: Option<&str>) {
        let targets: Vec<NodeId> = self
            .view
            .members
            .iter()
            .filter(|(_, u)| node.is_none_or(|n| n == u.as_str()))
            .map(|(id, _)| *id)
            .collect();
        for id in targets {
            if id == self.id {
                for op in self.executor.forget(rsc) {
                    self.effects.push_back(Effect::Cancel(op));
                }
            }
            if let Some(h) = self.histories.get_mut(&id) {
                h.retain(|(r, _), _| r != rsc);
            }
            if let Some(a) = self.node_attrs.get_mut(&id) {
                attrs::clear(a, rsc);
            }
        }
        self.derive_status();
    }

    /// Every replica: `rsc`'s fail-counts on `node` are gone; the DC's
    /// action is done.
    fn apply_clear_failcount(&mut self, tag: ActionTag, node: &str, rsc: &str) {
        let id = self
            .view
            .members
            .iter()
            .find(|(_, u)| u.as_str() == node)
            .map(|(id, _)| *id);
        if let Some(a) = id.and_then(|id| self.node_attrs.get_mut(&id)) {
            if attrs::clear(a, rsc) {
                self.derive_status();
            }
        }
        self.on_result(Some(tag), None);
    }

    fn run_work(&mut self, tag: ActionTag, work: Work) {
        let change = match work {
            Work::Shutdown => unreachable!("applied by every member in apply_shutdown"),
            Work::Exec(spec) => {
                self.event(ClusterEvent::OpStarted {
                    rsc: spec.rsc.clone(),
                    op: format!("{}_{}", spec.action, spec.interval_ms),
                });
                let request = self.executor.run(spec, Some(tag));
                for op in self.executor.take_cancels() {
                    self.effects.push_back(Effect::Cancel(op));
                }
                self.effects.push_back(Effect::Exec(request));
                return;
            }
            Work::Cancel {
                rsc,
                task,
                interval_ms,
            } => {
                if let Some(op) = self.executor.cancel(&rsc, &task, interval_ms) {
                    self.effects.push_back(Effect::Cancel(op));
                }
                HistoryChange::Cancelled {
                    record_id: format!("{rsc}_{task}_{interval_ms}"),
                    rsc,
                }
            }
            Work::Forget { rsc } => {
                for op in self.executor.forget(&rsc) {
                    self.effects.push_back(Effect::Cancel(op));
                }
                HistoryChange::Forget { rsc }
            }
            Work::Fence {
                target,
                target_id,
                off,
                device,
                agent,
                params,
                timeout_ms,
                delay_ms,
            } => {
                let id = FenceId(self.next_fence);
                self.next_fence += 1;
                let request = FenceRequest {
                    id,
                    target,
                    target_id,
                    action: if off {
                        FenceAction::Off
                    } else {
                        FenceAction::Reboot
                    },
                    device,
                    agent,
                    params,
                    timeout_ms,
                };
                return self.start_fence(tag, request, delay_ms);
            }
        };
        self.broadcast(&Message::Result {
            node: self.id,
            tag: Some(tag),
            change,
        });
    }

    fn apply_result(&mut self, node: NodeId, tag: Option<ActionTag>, change: HistoryChange) {
        if !self.view.members.contains_key(&node) {
            return; // from a node that left: its history left with it
        }
        let outcome = outcome_of(&change);
        let h = self.histories.entry(node).or_default();
        match change {
            HistoryChange::Records(records) => {
                // A result can reach the ring after a hello that already
                // holds a newer record of the same slot (it waited in the
                // send queue across a view change): keep the newer one.
                for (key, record) in status::history_of(&records) {
                    if h.get(&key).is_none_or(|old| old.call_id <= record.call_id) {
                        h.insert(key, record);
                    }
                }
                if records.iter().any(|r| r.id.ends_with("_last_failure_0")) {
                    let fatal = self
                        .cib()
                        .configuration
                        .property("start-failure-is-fatal")
                        .is_none_or(crate::cib::is_true);
                    let name = attrs::attr_rsc(self.cib(), &records[0].rsc).to_string();
                    let a = self.node_attrs.entry(node).or_default();
                    attrs::record_failure(a, &name, &records[0], fatal);
                }
            }
            HistoryChange::Forget { rsc } => h.retain(|(r, _), _| *r != rsc),
            HistoryChange::Cancelled { rsc, record_id } => {
                h.remove(&(rsc, record_id));
            }
        }
        self.derive_status();
        self.on_result(tag, outcome);
    }

    pub(super) fn derive_status(&mut self) {
        status::derive(
            self.replica.cib_mut(),
            &self.view,
            &self.histories,
            &self.node_attrs,
        );
        self.replica.cib_mut().bump_num_updates();
    }
}

/// (rc, expected rc) of an op result; None for changes without an rc.
fn outcome_of(change: &HistoryChange) -> Option<(i32, i32)> {
    let HistoryChange::Records(records) = change else {
        return None;
    };
    let first = records.first()?;
    let expected = first
        .transition_key
        .split(':')
        .nth(2)
        .and_then(|rc| rc.parse().ok())
        .unwrap_or(0);
    Some((first.rc, expected))
}
