//! Applying an agreed message to this replica (every member does the same,
//! in the same order) and doing this node's part of it.

use crate::policy::FenceAction;
use crate::totem::NodeId;

use super::admin::{self, AdminCommand, Change};
use super::fence::{FenceId, FenceRequest};
use super::message::{ActionTag, HistoryChange, Message, Work};
use super::status;
use super::{ClusterEvent, Controller, Effect, Pending};

impl Controller {
    pub(super) fn apply(&mut self, sender: NodeId, msg: Message) {
        match msg {
            Message::Admin { origin, req, cmd } => self.apply_admin(origin, req, &cmd),
            Message::Action { tag, target, work } if target == self.id => self.run_work(tag, work),
            Message::Action { .. } => {}
            Message::Result { node, tag, change } => self.apply_result(node, tag, change),
            Message::Fenced {
                tag,
                target,
                ok,
                reason,
            } => self.apply_fenced(sender, tag, &target, ok, &reason),
            Message::Hello(_) | Message::Sync { .. } => {
                unreachable!("hello and sync from {sender} are handled by the sync")
            }
        }
    }

    fn apply_admin(&mut self, origin: NodeId, req: u64, cmd: &AdminCommand) {
        let result = admin::apply(self.replica.cib_mut(), cmd);
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
                self.executor.forget(rsc);
            }
            if let Some(h) = self.histories.get_mut(&id) {
                h.retain(|(r, _), _| r != rsc);
            }
        }
        self.derive_status();
    }

    fn run_work(&mut self, tag: ActionTag, work: Work) {
        let change = match work {
            Work::Exec(spec) => {
                self.event(ClusterEvent::OpStarted {
                    rsc: spec.rsc.clone(),
                    op: format!("{}_{}", spec.action, spec.interval_ms),
                });
                let request = self.executor.run(spec, Some(tag));
                self.effects.push_back(Effect::Exec(request));
                return;
            }
            // Recurring ops are not run yet (phase 2): cancelling one only
            // drops its record.
            Work::Cancel {
                rsc,
                task,
                interval_ms,
            } => HistoryChange::Cancelled {
                record_id: format!("{rsc}_{task}_{interval_ms}"),
                rsc,
            },
            Work::Forget { rsc } => {
                self.executor.forget(&rsc);
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
                h.extend(status::history_of(&records));
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
        status::derive(self.replica.cib_mut(), &self.view, &self.histories);
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
