//! An in-memory cluster of [`Node`]s on a virtual clock, for tests and
//! (through `testgen`) for the simulator's first scenarios.
//!
//! Time jumps to the earliest deadline: a packet arrival, an op or disk
//! completion, or a node's timeout. The fake executor keeps the ground
//! truth of what runs where: a start makes a resource run on its node, a
//! stop ends it, a monitor answers 0 or 7 accordingly; each op takes
//! [`Cluster::op_ms`] (unless overridden) and answers the rc it should,
//! unless [`Cluster::fail_op`] says otherwise. The fake disk acknowledges
//! every write after [`Cluster::disk_ms`]. A fake fence device powers its
//! target off (crashes it) after [`Cluster::fence_ms`], or fails while
//! [`Cluster::fence_failures`] lasts. Everything random comes from one
//! seeded generator, so a run is a function of its seed.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};

use super::{Destination, Input, Node, NodeConfig, Output, RequestId};
use crate::controller::{AdminCommand, AdminReply, ClusterEvent, FenceRequest, WriteToken};
use crate::executor::{OpId, OpOutcome, OpRequest};
use crate::time::Instant;
use crate::totem::NodeId;

/// Most events one run may process before it is declared a livelock.
const MAX_EVENTS_PER_RUN: u64 = 5_000_000;

/// Something due at a time.
#[derive(Debug, Clone)]
enum Due {
    Packet {
        from: NodeId,
        to: NodeId,
        bytes: Vec<u8>,
    },
    Op {
        node: NodeId,
        req: OpRequest,
        /// The op ran past its timeout: reported as timed out.
        timed_out: bool,
    },
    Disk {
        node: NodeId,
        token: WriteToken,
    },
    /// A fence device finishing `req` for `node`.
    Fence {
        node: NodeId,
        req: FenceRequest,
    },
}

/// One observable thing, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub at: Instant,
    pub node: NodeId,
    pub what: Logged,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Logged {
    /// An agent action started.
    Exec {
        rsc: String,
        action: String,
    },
    /// It finished with `rc`.
    OpDone {
        rsc: String,
        action: String,
        rc: i32,
    },
    Event(ClusterEvent),
    Reply {
        req: RequestId,
        reply: AdminReply,
    },
    Write {
        token: WriteToken,
    },
    DiskDone {
        token: WriteToken,
    },
    /// A recurring op was cancelled.
    Cancel {
        op: OpId,
    },
    /// A fake fence device finished: `target` powered off when `ok`.
    Fenced {
        target: String,
        ok: bool,
    },
    /// The node exited after a clean shutdown ([`Output::Exit`]).
    Exited,
}

#[derive(Debug)]
struct Slot {
    config: NodeConfig,
    node: Option<Node>,
    /// What the node's disk holds (survives a crash).
    disk: BTreeMap<String, Vec<u8>>,
}

/// N nodes, their network, agents and disks.
#[derive(Debug)]
pub struct Cluster {
    now: Instant,
    rng: ChaCha8Rng,
    seed: u64,
    slots: BTreeMap<NodeId, Slot>,
    cut: BTreeSet<(NodeId, NodeId)>,
    queue: BTreeMap<(Instant, u64), Due>,
    next_due: u64,
    next_req: u64,
    /// Ground truth: (node, rsc) really running.
    pub running: BTreeSet<(NodeId, String)>,
    /// How long every agent action takes.
    pub op_ms: u64,
    pub disk_ms: u64,
    /// rc to answer instead, by (node, rsc, action).
    fail: BTreeMap<(NodeId, String, String), i32>,
    /// How long an op takes instead of [`Cluster::op_ms`], by (node, rsc, action).
    slow: BTreeMap<(NodeId, String, String), u64>,
    /// The next op of (node, rsc, action) never reports.
    swallow: BTreeSet<(NodeId, String, String)>,
    /// Nodes that said [`Output::Exit`]: stopped once drained.
    exiting: BTreeSet<NodeId>,
    pub log: Vec<Entry>,
    /// Every output of every node, formatted: byte-identical runs have
    /// identical traces.
    pub trace: Vec<String>,
    /// Wall-clock epoch seconds at virtual time zero (for last-rc-change).
    pub epoch_s_at_zero: i64,
    /// How long a fake fence device takes to power its target off.
    pub fence_ms: u64,
    /// The next this many fence requests fail (the target stays up).
    pub fence_failures: u32,
}

impl Cluster {
    /// Every node starts at time zero.
    pub fn new(configs: Vec<NodeConfig>, seed: u64) -> Cluster {
        let mut c = Cluster {
            now: Instant::ZERO,
            rng: ChaCha8Rng::seed_from_u64(seed),
            seed,
            slots: BTreeMap::new(),
            cut: BTreeSet::new(),
            queue: BTreeMap::new(),
            next_due: 0,
            next_req: 1,
            running: BTreeSet::new(),
            op_ms: 500,
            disk_ms: 5,
            fail: BTreeMap::new(),
            slow: BTreeMap::new(),
            swallow: BTreeSet::new(),
            exiting: BTreeSet::new(),
            log: Vec::new(),
            trace: Vec::new(),
            epoch_s_at_zero: 1_700_000_000,
            fence_ms: 1000,
            fence_failures: 0,
        };
        for config in configs {
            let id = config.node_id;
            c.slots.insert(
                id,
                Slot {
                    config,
                    node: None,
                    disk: BTreeMap::new(),
                },
            );
            c.start(id);
        }
        c
    }

    pub fn now(&self) -> Instant {
        self.now
    }

    /// Wall-clock epoch seconds at the current virtual time.
    pub fn epoch_s(&self) -> i64 {
        let secs = i64::try_from(self.now.as_nanos() / 1_000_000_000).unwrap_or(0);
        self.epoch_s_at_zero + secs
    }

    /// Every node's id, running or not.
    pub fn ids(&self) -> Vec<NodeId> {
        self.slots.keys().copied().collect()
    }

    pub fn node(&self, id: NodeId) -> Option<&Node> {
        self.slots.get(&id)?.node.as_ref()
    }

    pub fn disk(&self, id: NodeId, key: &str) -> Option<&[u8]> {
        self.slots.get(&id)?.disk.get(key).map(Vec::as_slice)
    }

    /// Starts `id` with its configured [`NodeConfig::cib`] (fresh nodes).
    pub fn start(&mut self, id: NodeId) {
        let seed = self.seed ^ (u64::from(id) << 32) ^ self.rng.next_u64();
        let epoch_s = self.epoch_s();
        let slot = self.slots.get_mut(&id).expect("known node");
        let mut config = slot.config.clone();
        config.epoch_at_start_s = epoch_s;
        slot.node = Some(Node::new(config, self.now, seed));
        self.drain(id);
    }

    /// Restarts a crashed `id` from the CIB its disk holds, as the runtime
    /// does: the persisted copy, or none when it never wrote one.
    pub fn restart_from_disk(&mut self, id: NodeId) {
        let slot = self.slots.get_mut(&id).expect("known node");
        assert!(slot.node.is_none(), "restart of a running node");
        let persisted = slot
            .disk
            .get(crate::controller::replica::CIB_KEY)
            .map(|b| String::from_utf8_lossy(b).into_owned());
        slot.config.cib = persisted
            .map(|x| crate::cib::xml::parse_cib(&x).expect("the node wrote a CIB it can read"));
        self.start(id);
    }

    /// Ops whose result the runtime will never report (one-shot): the next
    /// `action` of `rsc` on `node` vanishes.
    pub fn swallow_op(&mut self, node: NodeId, rsc: &str, action: &str) {
        self.swallow
            .insert((node, rsc.to_string(), action.to_string()));
    }

    /// The machine dies: its node, its in-flight packets and ops, and the
    /// resources it ran are gone.
    pub fn crash(&mut self, id: NodeId) {
        self.slots.get_mut(&id).expect("known node").node = None;
        self.queue.retain(|_, d| match d {
            Due::Packet { to, .. } => *to != id,
            Due::Op { node, .. } | Due::Disk { node, .. } | Due::Fence { node, .. } => *node != id,
        });
        self.running.retain(|(n, _)| *n != id);
    }

    /// A clean stop: the node and its traffic are gone, its disk is kept,
    /// and whatever it still ran (nothing, if the shutdown was right)
    /// stays in the ground truth for the tests to see.
    fn stop(&mut self, id: NodeId) {
        self.slots.get_mut(&id).expect("known node").node = None;
        self.queue.retain(|_, d| match d {
            Due::Packet { to, .. } => *to != id,
            Due::Op { node, .. } | Due::Fence { node, .. } => *node != id,
            Due::Disk { .. } => true,
        });
    }

    /// The administrator stops the cluster on `id` (`crm cluster stop`).
    pub fn shutdown(&mut self, id: NodeId) {
        self.feed(id, Input::Shutdown);
    }

    /// Cuts `id` off from every other node, both ways.
    pub fn isolate(&mut self, id: NodeId) {
        let others: Vec<NodeId> = self.slots.keys().copied().filter(|n| *n != id).collect();
        for o in others {
            self.cut.insert((id, o));
            self.cut.insert((o, id));
        }
    }

    /// Restores every link.
    pub fn heal(&mut self) {
        self.cut.clear();
    }

    /// Makes agent `action` of `rsc` on `node` answer `rc` from now on.
    pub fn fail_op(&mut self, node: NodeId, rsc: &str, action: &str, rc: i32) {
        self.fail
            .insert((node, rsc.to_string(), action.to_string()), rc);
    }

    /// Makes agent `action` of `rsc` on `node` take `ms` from now on (past
    /// the op's timeout, the runtime reports it timed out at the timeout).
    pub fn slow_op(&mut self, node: NodeId, rsc: &str, action: &str, ms: u64) {
        self.slow
            .insert((node, rsc.to_string(), action.to_string()), ms);
    }

    /// `rsc` dies on `node` (ground truth): its next monitor answers 7.
    pub fn kill(&mut self, node: NodeId, rsc: &str) {
        self.running.remove(&(node, rsc.to_string()));
    }

    /// Types `cmd` on `node`; the request id its reply will carry.
    pub fn admin(&mut self, node: NodeId, cmd: AdminCommand) -> RequestId {
        let req = RequestId(self.next_req);
        self.next_req += 1;
        self.feed(node, Input::Admin { req, cmd });
        req
    }

    /// The reply to `req`, once there is one.
    pub fn reply(&self, req: RequestId) -> Option<(Instant, AdminReply)> {
        self.log.iter().find_map(|e| match &e.what {
            Logged::Reply { req: r, reply } if *r == req => Some((e.at, reply.clone())),
            _ => None,
        })
    }

    /// Nodes running `rsc` (ground truth).
    pub fn where_runs(&self, rsc: &str) -> Vec<NodeId> {
        self.running
            .iter()
            .filter(|(_, r)| r == rsc)
            .map(|(n, _)| *n)
            .collect()
    }

    pub fn run_for(&mut self, d: Duration) {
        let until = self.now + d;
        self.run_until_true(until, |_| false);
        self.now = self.now.max(until);
    }

    /// Runs until `done` holds (checked after every event) or `deadline`;
    /// the time it first held.
    pub fn run_until_true(
        &mut self,
        deadline: Instant,
        done: impl Fn(&Cluster) -> bool,
    ) -> Option<Instant> {
        for _ in 0..MAX_EVENTS_PER_RUN {
            if done(self) {
                return Some(self.now);
            }
            let at = self.next_event().filter(|t| *t <= deadline)?;
            self.now = self.now.max(at);
            self.step();
        }
        panic!("livelock at {}", self.now);
    }

    fn next_event(&self) -> Option<Instant> {
        let queued = self.queue.keys().next().map(|(t, _)| *t);
        let timers = self
            .slots
            .values()
            .filter_map(|s| s.node.as_ref()?.poll_timeout())
            .min();
        match (queued, timers) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// One event at `now`: the earliest queued thing due, else the due
    /// timers of the lowest node.
    fn step(&mut self) {
        if let Some(entry) = self.queue.first_entry() {
            if entry.key().0 <= self.now {
                let due = entry.remove();
                return self.deliver(due);
            }
        }
        let due = self.slots.iter().find_map(|(id, s)| {
            let t = s.node.as_ref()?.poll_timeout()?;
            (t <= self.now).then_some(*id)
        });
        if let Some(id) = due {
            self.feed(id, Input::Timeout);
        }
    }

    fn deliver(&mut self, due: Due) {
        match due {
            Due::Packet { from, to, bytes } => self.feed(
                to,
                Input::Datagram {
                    from: Some(from),
                    bytes,
                },
            ),
            Due::Op {
                node,
                req,
                timed_out,
            } => {
                let outcome = if timed_out {
                    OpOutcome::timed_out(req.timeout_ms, self.epoch_s())
                } else {
                    OpOutcome::rc(self.agent_result(node, &req), self.epoch_s())
                };
                let rc = outcome.rc;
                self.log(
                    node,
                    Logged::OpDone {
                        rsc: req.rsc.clone(),
                        action: req.action.clone(),
                        rc,
                    },
                );
                if req.interval_ms > 0 {
                    // A recurring op runs again every interval until cancelled.
                    let at = self.now + Duration::from_millis(req.interval_ms);
                    let again = Due::Op {
                        node,
                        req: req.clone(),
                        timed_out: false,
                    };
                    self.schedule(at, again);
                }
                self.feed(
                    node,
                    Input::OpDone {
                        op: req.op,
                        outcome,
                    },
                );
            }
            Due::Disk { node, token } => {
                self.log(node, Logged::DiskDone { token });
                self.feed(node, Input::DiskDone { token });
            }
            Due::Fence { node, req } => self.finish_fence(node, &req),
        }
    }

    /// The fake device: fails while [`Cluster::fence_failures`] lasts, else
    /// powers the target off (a crash) and reports success.
    fn finish_fence(&mut self, node: NodeId, req: &FenceRequest) {
        let ok = if self.fence_failures > 0 {
            self.fence_failures -= 1;
            false
        } else {
            let victim = req
                .target_id
                .filter(|t| self.slots.get(t).is_some_and(|s| s.node.is_some()));
            if let Some(t) = victim {
                self.crash(t);
            }
            true
        };
        self.log(
            node,
            Logged::Fenced {
                target: req.target.clone(),
                ok,
            },
        );
        self.feed(node, Input::FenceDone { id: req.id, ok });
    }

    /// What the agent answers, and the ground truth after it.
    fn agent_result(&mut self, node: NodeId, req: &OpRequest) -> i32 {
        let key = (node, req.rsc.clone());
        let forced = self
            .fail
            .get(&(node, req.rsc.clone(), req.action.clone()))
            .copied();
        let rc = match req.action.as_str() {
            "start" => {
                self.running.insert(key.clone());
                0
            }
            "stop" => {
                self.running.remove(&key);
                0
            }
            "monitor" if self.running.contains(&key) => 0,
            "monitor" => 7,
            _ => 0,
        };
        if let Some(f) = forced {
            if req.action == "start" && f != 0 {
                self.running.remove(&key);
            }
            return f;
        }
        rc
    }

    fn feed(&mut self, id: NodeId, input: Input) {
        let now = self.now;
        let Some(node) = self.slots.get_mut(&id).and_then(|s| s.node.as_mut()) else {
            return;
        };
        node.handle(now, input);
        self.drain(id);
    }

    fn drain(&mut self, id: NodeId) {
        loop {
            let Some(out) = self
                .slots
                .get_mut(&id)
                .and_then(|s| s.node.as_mut())
                .and_then(Node::poll_output)
            else {
                if self.exiting.remove(&id) {
                    self.stop(id);
                }
                return;
            };
            self.trace.push(format!("{} {id} {out:?}", self.now));
            self.route(id, out);
        }
    }

    fn route(&mut self, id: NodeId, out: Output) {
        match out {
            Output::Send { to, bytes } => {
                let targets: Vec<NodeId> = match to {
                    Destination::Group => self.slots.keys().copied().filter(|n| *n != id).collect(),
                    Destination::Node(n) => vec![n],
                };
                for to in targets {
                    self.transmit(id, to, bytes.clone());
                }
            }
            Output::Exec(req) => {
                self.log(
                    id,
                    Logged::Exec {
                        rsc: req.rsc.clone(),
                        action: req.action.clone(),
                    },
                );
                let key = (id, req.rsc.clone(), req.action.clone());
                if self.swallow.remove(&key) {
                    return;
                }
                let took_ms = self.slow.get(&key).copied().unwrap_or(self.op_ms);
                let timed_out = took_ms > req.timeout_ms;
                let at = self.now + Duration::from_millis(took_ms.min(req.timeout_ms));
                self.schedule(
                    at,
                    Due::Op {
                        node: id,
                        req,
                        timed_out,
                    },
                );
            }
            Output::Cancel(op) => {
                self.log(id, Logged::Cancel { op });
                self.queue.retain(
                    |_, d| !matches!(d, Due::Op { node, req, .. } if *node == id && req.op == op),
                );
            }
            Output::Fence(req) => {
                let at = self.now + Duration::from_millis(self.fence_ms);
                self.schedule(at, Due::Fence { node: id, req });
            }
            Output::WriteDisk { key, bytes, token } => {
                self.slots
                    .get_mut(&id)
                    .expect("known")
                    .disk
                    .insert(key, bytes);
                self.log(id, Logged::Write { token });
                let at = self.now + Duration::from_millis(self.disk_ms);
                self.schedule(at, Due::Disk { node: id, token });
            }
            Output::Reply { req, reply } => self.log(id, Logged::Reply { req, reply }),
            Output::Event(e) => self.log(id, Logged::Event(e)),
            Output::Exit => {
                self.log(id, Logged::Exited);
                self.exiting.insert(id);
            }
        }
    }

    fn transmit(&mut self, from: NodeId, to: NodeId, bytes: Vec<u8>) {
        if self.cut.contains(&(from, to)) {
            return;
        }
        let delay_us = 100 + self.rng.next_u64() % 300;
        let at = self.now + Duration::from_micros(delay_us);
        self.schedule(at, Due::Packet { from, to, bytes });
    }

    fn schedule(&mut self, at: Instant, due: Due) {
        self.next_due += 1;
        self.queue.insert((at, self.next_due), due);
    }

    fn log(&mut self, node: NodeId, what: Logged) {
        self.log.push(Entry {
            at: self.now,
            node,
            what,
        });
    }

    /// Ops of `node` started, in order: `(rsc, action)`.
    pub fn execs(&self, node: NodeId) -> Vec<(String, String)> {
        self.log
            .iter()
            .filter(|e| e.node == node)
            .filter_map(|e| match &e.what {
                Logged::Exec { rsc, action } => Some((rsc.clone(), action.clone())),
                _ => None,
            })
            .collect()
    }

    /// Unused op ids are fine: a crashed node's ops vanish with it.
    pub fn op_ids_in_flight(&self) -> Vec<OpId> {
        self.queue
            .values()
            .filter_map(|d| match d {
                Due::Op { req, .. } => Some(req.op),
                _ => None,
            })
            .collect()
    }
}
