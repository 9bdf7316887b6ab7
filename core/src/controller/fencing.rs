//! Fencing, as the DC and the fencing node carry it out.
//!
//! 1. A transition's fence action becomes ready on the DC. The DC picks a
//!    device ([`choose_device`]) and a fencing node (itself unless it is
//!    the target, then the lowest other member) and sends it a
//!    [`Work::Fence`] like any other action.
//! 2. The fencing node emits `Output::Fence` (after the split delay, if
//!    any) and, on `Input::FenceDone`, broadcasts [`Message::Fenced`].
//! 3. Every replica applies `Fenced` in agreed order: on success the victim
//!    is cleanly down (`expected=down`, no operation history), so the
//!    scheduler sees its resources stopped; the DC marks the action done
//!    and the recovery ordered after it runs. On failure the DC tries again
//!    after [`FENCE_RETRY_MS`]: nothing ordered after the fence runs until
//!    one attempt succeeds.
//!
//! # Settling a split (two_node)
//! Both halves of a split two-node cluster are quorate and each wants to
//! fence the other. The rule: a node fencing a peer with a *lower* node id,
//! from a partition holding no strict majority of the configured nodes,
//! waits the split delay first (the device's `pcmk_delay_base`, else
//! [`DEFAULT_SPLIT_DELAY_MS`]). The lower id fences at once, so it wins as
//! long as its fence completes within the delay; the higher id's delayed
//! request dies with it. The price: when the lower id really crashed, the
//! survivor's fence starts the delay later (it cannot tell a crash from a
//! split).

use std::time::Duration;

use crate::cib::{parse_duration_ms, Cib, Primitive};
use crate::executor::AgentSpec;
use crate::policy::{ActionKind, FenceAction};
use crate::totem::NodeId;

use super::fence::{FenceId, FenceRequest};
use super::message::{ActionTag, Message, Work};
use super::timer::Timer;
use super::transition::ActionState;
use super::{ClusterEvent, Controller, Effect};

/// stonith-timeout's default (Pacemaker's).
pub const DEFAULT_STONITH_TIMEOUT_MS: u64 = 60_000;
/// How long the DC waits before trying a failed fence again.
pub const FENCE_RETRY_MS: u64 = 5_000;
/// The split delay when the device sets no `pcmk_delay_base`.
pub const DEFAULT_SPLIT_DELAY_MS: u64 = 5_000;
/// Most fence requests in flight on one node.
pub const MAX_FENCES_IN_FLIGHT: usize = 256;

/// A fence request this node emitted (or holds back), until it finishes.
#[derive(Debug, Clone)]
pub(super) struct InFlight {
    pub tag: ActionTag,
    pub request: FenceRequest,
    /// Held back by the split delay: not emitted yet.
    pub delayed: bool,
}

/// The stonith device that may fence `target`: the first (in configuration
/// order) whose `pcmk_host_list` or `pcmk_host_map` names it, else the
/// first that names no hosts at all.
pub fn choose_device<'a>(cib: &'a Cib, target: &str) -> Option<&'a Primitive> {
    let devices: Vec<&Primitive> = cib
        .configuration
        .all_resources()
        .into_iter()
        .filter_map(|r| match r {
            crate::cib::Resource::Primitive(p) if p.agent.class == "stonith" => Some(p),
            _ => None,
        })
        .collect();
    let names = |p: &Primitive| -> Option<Vec<String>> {
        let list = param(p, "pcmk_host_list").map(|v| {
            v.split([' ', ',', ';'])
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect::<Vec<_>>()
        });
        let map = param(p, "pcmk_host_map").map(|v| {
            v.split([' ', ',', ';'])
                .filter_map(|pair| pair.split(':').next())
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect::<Vec<_>>()
        });
        match (list, map) {
            (None, None) => None,
            (a, b) => Some(a.into_iter().chain(b).flatten().collect()),
        }
    };
    devices
        .iter()
        .find(|p| names(p).is_some_and(|n| n.iter().any(|h| h == target)))
        .or_else(|| devices.iter().find(|p| names(p).is_none()))
        .copied()
}

fn param<'a>(p: &'a Primitive, name: &str) -> Option<&'a str> {
    p.params
        .iter()
        .filter(|s| s.rule.is_none())
        .find_map(|s| s.get(name))
}

fn params(p: &Primitive) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for set in p.params.iter().filter(|s| s.rule.is_none()) {
        for pair in &set.pairs {
            if let Some(v) = &pair.value {
                if !out.iter().any(|(k, _)| k == &pair.name) {
                    out.push((pair.name.clone(), v.clone()));
                }
            }
        }
    }
    out
}

impl Controller {
    /// DC: sends the fence action `tag` (first attempt or a retry).
    pub(super) fn send_fence(&mut self, tag: ActionTag, victim: &str, off: bool) {
        let Some(device) = choose_device(self.cib(), victim) else {
            self.event(ClusterEvent::FenceFailed {
                target: victim.to_string(),
                by: self.id,
                reason: "no stonith device can fence it".into(),
            });
            return self.arm_fence_retry(tag);
        };
        let target_id = self
            .cib()
            .configuration
            .find_node(victim)
            .and_then(|n| n.id.parse::<NodeId>().ok());
        let fencer = if target_id == Some(self.id) {
            self.members.iter().copied().find(|m| *m != self.id)
        } else {
            Some(self.id)
        };
        let Some(fencer) = fencer else {
            return self.arm_fence_retry(tag);
        };
        let cib = self.cib();
        let timeout_ms = cib
            .configuration
            .property("stonith-timeout")
            .and_then(|v| parse_duration_ms(v).ok())
            .unwrap_or(DEFAULT_STONITH_TIMEOUT_MS);
        let configured = cib.configuration.nodes.len();
        let majority = self.members.len() * 2 > configured;
        let delay_ms = match target_id {
            Some(t) if fencer > t && !majority => param(device, "pcmk_delay_base")
                .and_then(|v| parse_duration_ms(v).ok())
                .unwrap_or(DEFAULT_SPLIT_DELAY_MS),
            _ => 0,
        };
        let work = Work::Fence {
            target: victim.to_string(),
            target_id,
            off,
            device: device.id.clone(),
            agent: AgentSpec::of(device),
            params: params(device),
            timeout_ms,
            delay_ms,
        };
        let wait = Duration::from_millis(timeout_ms.saturating_add(delay_ms))
            + Duration::from_millis(super::run::DEFAULT_CLUSTER_DELAY_MS);
        self.timers
            .set(Timer::ActionTimeout(tag), self.clock.now + wait);
        self.broadcast(&Message::Action {
            tag,
            target: fencer,
            work,
        });
    }

    fn arm_fence_retry(&mut self, tag: ActionTag) {
        let at = self.clock.now + Duration::from_millis(FENCE_RETRY_MS);
        self.timers.cancel(Timer::ActionTimeout(tag));
        self.timers.set(Timer::FenceRetry(tag), at);
    }

    /// DC: time to try a failed fence again, if its transition still wants it.
    pub(super) fn on_fence_retry(&mut self, tag: ActionTag) {
        let Some(run) = self.run.as_ref().filter(|r| r.id == tag.transition) else {
            return;
        };
        let a = tag.action as usize;
        if run.is_aborted() || run.state(a) != Some(ActionState::InFlight) {
            return;
        }
        let action = run.transition.actions[a].clone();
        if let ActionKind::Fence { action: verb } = action.kind {
            self.send_fence(tag, &action.node, verb == FenceAction::Off);
        }
    }

    /// Fencing node: the DC asks for `target` to be fenced.
    pub(super) fn start_fence(&mut self, tag: ActionTag, request: FenceRequest, delay_ms: u64) {
        assert!(
            self.fences.len() < MAX_FENCES_IN_FLIGHT,
            "too many fence requests in flight"
        );
        let id = request.id;
        let delayed = delay_ms > 0;
        self.event(ClusterEvent::FenceRequested {
            target: request.target.clone(),
            device: request.device.clone(),
            by: self.id,
            delay_ms,
        });
        if delayed {
            let at = self.clock.now + Duration::from_millis(delay_ms);
            self.timers.set(Timer::FenceDelay(id), at);
        } else {
            self.effects.push_back(Effect::Fence(request.clone()));
        }
        self.fences.insert(
            id,
            InFlight {
                tag,
                request,
                delayed,
            },
        );
    }

    /// Fencing node: the split delay is over; fence unless the victim came
    /// back into our view meanwhile (then the split healed: no fence).
    pub(super) fn on_fence_delay(&mut self, id: FenceId) {
        let Some(f) = self.fences.get_mut(&id) else {
            return;
        };
        if f.request
            .target_id
            .is_some_and(|t| self.members.contains(&t))
        {
            let f = self.fences.remove(&id).expect("present");
            return self.broadcast(&Message::Fenced {
                tag: Some(f.tag),
                target: f.request.target,
                ok: false,
                reason: "the target rejoined before the split delay ended".into(),
            });
        }
        f.delayed = false;
        let request = f.request.clone();
        self.effects.push_back(Effect::Fence(request));
    }

    /// Fencing node: the runtime's answer.
    pub(super) fn fence_done(&mut self, id: FenceId, ok: bool) {
        let Some(f) = self.fences.remove(&id) else {
            return; // unknown (from before a restart) or answered twice
        };
        let reason = if ok {
            String::new()
        } else {
            format!("device {} reported failure", f.request.device)
        };
        self.broadcast(&Message::Fenced {
            tag: Some(f.tag),
            target: f.request.target,
            ok,
            reason,
        });
    }

    /// Every replica: a fence finished. On success the victim is cleanly
    /// down from here on; the DC moves its transition along.
    pub(super) fn apply_fenced(
        &mut self,
        by: NodeId,
        tag: Option<ActionTag>,
        target: &str,
        ok: bool,
        reason: &str,
    ) {
        if ok {
            self.event(ClusterEvent::FenceConfirmed {
                target: target.to_string(),
                by,
            });
            if !self.view.members.values().any(|u| u == target) {
                self.view.lost.remove(target);
                self.view.seen.insert(target.to_string());
                self.derive_status();
            }
            self.drop_redundant_fences(target);
        } else {
            self.event(ClusterEvent::FenceFailed {
                target: target.to_string(),
                by,
                reason: reason.to_string(),
            });
        }
        if self.is_dc() {
            if let Some(tag) = tag {
                self.on_fence_result(tag, ok);
            }
        }
    }

    /// Fencing node: a fence of `target` was confirmed, so a request for
    /// it still waiting out its split delay here has nothing left to do
    /// (sent later, it would power off the victim again after it rebooted
    /// and rejoined). It is answered as done: the victim is down.
    fn drop_redundant_fences(&mut self, target: &str) {
        let waiting: Vec<FenceId> = self
            .fences
            .iter()
            .filter(|(_, f)| f.delayed && f.request.target == target)
            .map(|(id, _)| *id)
            .collect();
        for id in waiting {
            let f = self.fences.remove(&id).expect("listed above");
            self.timers.cancel(Timer::FenceDelay(id));
            self.broadcast(&Message::Fenced {
                tag: Some(f.tag),
                target: f.request.target,
                ok: true,
                reason: "already fenced by another request".into(),
            });
        }
    }

    /// DC: the fence action `tag` finished.
    fn on_fence_result(&mut self, tag: ActionTag, ok: bool) {
        let a = tag.action as usize;
        let Some(run) = self.run.as_mut().filter(|r| r.id == tag.transition) else {
            return;
        };
        if run.state(a) != Some(ActionState::InFlight) {
            return;
        }
        if !ok && !run.is_aborted() {
            return self.arm_fence_retry(tag);
        }
        run.set_done(a);
        let action = run.transition.actions[a].clone();
        self.timers.cancel(Timer::ActionTimeout(tag));
        self.event(super::run::finished(tag.transition, a, &action, None, ok));
        self.after_action_done();
    }
}

#[cfg(test)]
mod tests {
    use super::choose_device;
    use crate::cib::Cib;
    use crate::controller::admin::{self, AdminCommand};

    fn cib(crm: &str) -> Cib {
        let mut c = Cib::empty();
        admin::apply(&mut c, &AdminCommand::Configure { crm: crm.into() }).expect("valid crm");
        c
    }

    #[test]
    fn a_device_naming_the_target_wins_over_one_naming_nobody() {
        let c = cib("primitive any stonith:fence_dummy\n\
             primitive f1 stonith:fence_ipmilan params pcmk_host_list=\"node1 node3\"\n\
             primitive f2 stonith:fence_virsh params pcmk_host_map=\"node2:vm2;node4:vm4\"\n\
             primitive web ocf:heartbeat:Dummy\n\
             commit");
        let id = |t: &str| choose_device(&c, t).map(|p| p.id.clone());
        assert_eq!(id("node1").as_deref(), Some("f1"));
        assert_eq!(id("node3").as_deref(), Some("f1"));
        assert_eq!(id("node2").as_deref(), Some("f2"));
        assert_eq!(id("node4").as_deref(), Some("f2"));
        assert_eq!(id("node9").as_deref(), Some("any"), "the catch-all device");
        let only_lists =
            cib("primitive f1 stonith:fence_ipmilan params pcmk_host_list=node1\ncommit");
        assert!(choose_device(&only_lists, "node2").is_none());
        assert!(
            choose_device(&cib("primitive web ocf:heartbeat:Dummy\ncommit"), "node1").is_none()
        );
    }
}
