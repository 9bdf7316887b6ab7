//! The view sync: hellos, the winner's configuration, the derived status
//! (see the module comment of [`super`]).

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet};

use crate::cib::verify::stonith_enabled;
use crate::cib::xml::parse_cib;
use crate::cib::{Cib, NodeDef, Version};
use crate::executor::OpRecord;
use crate::time::Instant;
use crate::totem::{NodeId, RingId};

use super::message::{Hello, Message, WireVersion};
use super::status::{self, History, Membership};
use super::timer::Timer;
use super::{dc, AdminError, ClusterEvent, Controller, Pending, Syncing};

fn wire(v: Version) -> WireVersion {
    (v.admin_epoch, v.epoch, v.num_updates)
}

impl Controller {
    /// A regular view: abandon what the old view was doing, say hello.
    pub fn handle_view(
        &mut self,
        now: Instant,
        ring: RingId,
        members: &[NodeId],
        joined: &[NodeId],
        left: &[NodeId],
    ) {
        self.tick(now);
        self.transitional = false;
        self.event(ClusterEvent::ViewChanged {
            ring_id: ring,
            members: members.to_vec(),
            joined: joined.to_vec(),
            left: left.to_vec(),
        });
        // The DC's timers belong to its transition and its view.
        self.timers
            .retain(|t| !matches!(t, Timer::Recheck | Timer::ActionTimeout(_)));
        if let Some(run) = self.run.take() {
            self.event(ClusterEvent::TransitionAborted {
                id: run.id,
                reason: "the membership changed".into(),
            });
        }
        if let Some(old) = self.sync.take() {
            self.drop_held(old.held);
        }
        self.view_ring = None;
        self.members = members.to_vec();
        self.sync = Some(Syncing {
            ring,
            hellos: BTreeMap::new(),
            winner: None,
            held: Vec::new(),
        });
        let hello = Hello {
            ring,
            uname: self.uname.clone(),
            version: wire(self.cib().version),
            dc: self.dc,
            last_members: self.last_members.clone(),
            history: self.executor.history(),
            lost: self.lost_for_hello(members),
            attrs: self
                .node_attrs
                .get(&self.id)
                .map(|a| a.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                .unwrap_or_default(),
            seen: self.view.seen.iter().cloned().collect(),
            quorum: self.quorum,
            leaving: self.view.leaving.iter().cloned().collect(),
        };
        self.broadcast(&Message::Hello(hello));
    }

    /// With fencing: the unfenced nodes this replica knows gone (lost
    /// before, or leaving now) and their last histories.
    fn lost_for_hello(&self, members: &[NodeId]) -> Vec<(String, Vec<OpRecord>)> {
        if !stonith_enabled(&self.cib().configuration) {
            return Vec::new();
        }
        let mut lost: BTreeMap<String, Vec<OpRecord>> = self
            .view
            .lost
            .iter()
            .map(|(u, h)| (u.clone(), h.values().cloned().collect()))
            .collect();
        for (id, uname) in &self.view.members {
            if !members.contains(id) && !self.view.leaving.contains(uname) {
                let h = self.histories.get(id);
                let records = h.map(|h| h.values().cloned().collect()).unwrap_or_default();
                lost.insert(uname.clone(), records);
            }
        }
        lost.into_iter().collect()
    }

    /// The sync replaced this replica's configuration with another
    /// member's: changes applied here but not durable yet may be gone with
    /// it, so their requests are answered Retry rather than acknowledged
    /// when the disk later catches up with a different lineage.
    fn retry_replaced(&mut self) {
        let waiting: Vec<u64> = self
            .pending
            .iter()
            .filter(|(_, p)| matches!(p, Pending::Durable(_)))
            .map(|(req, _)| *req)
            .collect();
        for req in waiting {
            self.reply(req, Err(AdminError::Retry));
        }
    }

    /// Held-back messages of an unfinished sync are lost with it: this
    /// node's own requests among them must be sent again.
    fn drop_held(&mut self, held: Vec<(NodeId, Message)>) {
        for (_, msg) in held {
            if let Message::Admin { origin, req, .. } = msg {
                if origin == self.id && self.pending.get(&req) == Some(&Pending::Sent) {
                    self.reply(req, Err(AdminError::Retry));
                }
            }
        }
    }

    pub(super) fn on_hello(&mut self, sender: NodeId, hello: Hello) {
        let Some(s) = &mut self.sync else { return };
        if hello.ring != s.ring || !self.members.contains(&sender) || s.winner.is_some() {
            return; // a hello of an older view, or a repeat
        }
        s.hellos.insert(sender, hello);
        if s.hellos.len() < self.members.len() {
            return;
        }
        let winner = s
            .hellos
            .iter()
            .max_by_key(|(id, h)| (h.version, Reverse(**id)))
            .map(|(id, _)| *id)
            .expect("every member said hello");
        s.winner = Some(winner);
        let ring = s.ring;
        if winner == self.id {
            let cib_xml = self.replica.config_xml();
            self.broadcast(&Message::Sync { ring, cib_xml });
        }
    }

    pub(super) fn on_sync(&mut self, sender: NodeId, ring: RingId, cib_xml: &str) {
        let Some(s) = &self.sync else { return };
        if s.ring != ring || s.winner != Some(sender) {
            return;
        }
        let adopted = match parse_cib(cib_xml) {
            Ok(c) => c,
            Err(e) => {
                // Our own writer produced it: a bug, but one peer's bad copy
                // must not stop the cluster; keep ours.
                self.event(ClusterEvent::MessageDropped {
                    reason: format!("sync from {sender} did not parse: {e}"),
                });
                self.replica.cib().clone()
            }
        };
        let s = self.sync.take().expect("checked above");
        self.finish_sync(sender, adopted, s);
    }

    fn finish_sync(&mut self, winner: NodeId, adopted: Cib, s: Syncing) {
        self.view_ring = Some(s.ring);
        let before = self.cib().clone();
        {
            let cib = self.replica.cib_mut();
            cib.version = adopted.version;
            cib.configuration = adopted.configuration;
            cib.extra_attrs = adopted.extra_attrs;
        }
        self.adopt_membership(&s.hellos);
        let new_dc = dc::choose(&self.members, s.hellos.values().map(|h| h.dc));
        self.set_cluster_attrs(new_dc);
        let config_changed = before.version != self.cib().version
            || before.configuration != self.cib().configuration;
        if before.configuration != self.cib().configuration {
            self.retry_replaced();
        }
        status::derive(
            self.replica.cib_mut(),
            &self.view,
            &self.histories,
            &self.node_attrs,
        );
        self.replica.cib_mut().bump_num_updates();
        if config_changed {
            self.persist();
        }
        self.last_members = self.members.clone();
        self.event(ClusterEvent::CibSynced {
            version: self.cib().version,
            from: winner,
        });
        if self.dc != Some(new_dc) {
            self.event(ClusterEvent::DcChanged { dc: new_dc });
        }
        self.dc = Some(new_dc);
        for (sender, msg) in s.held {
            self.apply(sender, msg);
        }
        self.chained = 0;
        self.reschedule("the membership changed");
    }

    /// Members' names, lost nodes and histories from the hellos; new
    /// members join `<nodes>` (one epoch for all of them).
    /// Adds the configured members missing from `<nodes>`, without a new
    /// version: every node adds the same from the same nodelist.
    pub fn know_peers(&mut self, peers: &[(NodeId, String)]) {
        let cib = self.replica.cib_mut();
        for (id, uname) in peers {
            if cib.configuration.find_node(uname).is_none() {
                cib.configuration.nodes.push(NodeDef {
                    id: id.to_string(),
                    uname: uname.clone(),
                    ..NodeDef::default()
                });
            }
        }
    }

    fn adopt_membership(&mut self, hellos: &BTreeMap<NodeId, Hello>) {
        let members: BTreeMap<NodeId, String> = hellos
            .iter()
            .map(|(id, h)| (*id, h.uname.clone()))
            .collect();
        let was: BTreeSet<NodeId> = hellos
            .values()
            .flat_map(|h| h.last_members.iter().copied())
            .collect();
        let cib = self.replica.cib_mut();
        let mut added = false;
        for (id, uname) in &members {
            if cib.configuration.find_node(uname).is_none() {
                cib.configuration.nodes.push(NodeDef {
                    id: id.to_string(),
                    uname: uname.clone(),
                    ..NodeDef::default()
                });
                added = true;
            }
        }
        if added {
            cib.bump_epoch();
        }
        let is_member = |uname: &str| members.values().any(|u| u == uname);
        // Agreed clean shutdowns: gone without fencing; a node back in the
        // view is no longer leaving.
        let leaving: BTreeSet<String> = hellos
            .values()
            .flat_map(|h| h.leaving.iter())
            .filter(|u| !is_member(u))
            .cloned()
            .collect();
        // The first hello (lowest sender id) that knows a lost node's
        // history gives it, so every replica derives the same.
        let mut lost: BTreeMap<String, History> = BTreeMap::new();
        for h in hellos.values() {
            for (uname, records) in &h.lost {
                if !is_member(uname) && !leaving.contains(uname) {
                    lost.entry(uname.clone())
                        .or_insert_with(|| status::history_of(records));
                }
            }
        }
        for n in &cib.configuration.nodes {
            let gone = n.id.parse::<NodeId>().is_ok_and(|id| was.contains(&id));
            if gone && !is_member(&n.uname) && !leaving.contains(&n.uname) {
                lost.entry(n.uname.clone()).or_default();
            }
        }
        self.histories = hellos
            .iter()
            .map(|(id, h)| (*id, status::history_of(&h.history)))
            .collect();
        self.node_attrs = hellos
            .iter()
            .map(|(id, h)| (*id, h.attrs.iter().cloned().collect()))
            .collect();
        let mut seen: BTreeSet<String> = hellos
            .values()
            .flat_map(|h| h.seen.iter().cloned())
            .collect();
        seen.extend(members.values().cloned());
        seen.extend(lost.keys().cloned());
        self.verdicts = hellos.iter().map(|(id, h)| (*id, h.quorum)).collect();
        self.view = Membership {
            members,
            lost,
            seen,
            leaving,
        };
    }

    /// `have-quorum` and `dc-uuid` on `<cib>`, as the DC sets them.
    fn set_cluster_attrs(&mut self, dc: NodeId) {
        let quorate = if self.quorum.quorate { "1" } else { "0" };
        let dc_id = self
            .view
            .members
            .get(&dc)
            .and_then(|u| self.cib().configuration.find_node(u))
            .map_or_else(|| dc.to_string(), |n| n.id.clone());
        let attrs = &mut self.replica.cib_mut().extra_attrs;
        for (name, value) in [("have-quorum", quorate.to_string()), ("dc-uuid", dc_id)] {
            match attrs.iter_mut().find(|(k, _)| k == name) {
                Some(slot) => slot.1 = value,
                None => attrs.push((name.to_string(), value)),
            }
        }
    }
}
