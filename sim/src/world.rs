//! The world: N nodes, a network and a fault schedule on one virtual clock.
//!
//! A run has three phases, as in TigerBeetle's VOPR:
//! 1. **Faults** (`scenario.fault_phase`): nodes start at random moments,
//!    applications send, and faults drawn from the seed's profile strike.
//!    Safety is checked all along (quorum at every instant, the rest over
//!    the history at the end).
//! 2. **Heal**: every cut mended, every link healthy, paused nodes resumed,
//!    crashed nodes restarted. Within `scenario.liveness_bound()` every
//!    node must be operational in one ring of all nodes, and quorate.
//! 3. **Settled**: traffic runs a little longer in the one view, then
//!    stops; within `scenario.delivery_bound()` every message must be
//!    delivered where the liveness checker demands.
//!
//! Everything random is drawn from one generator seeded by the run's seed,
//! in the order events happen; events due at the same instant run in the
//! order they were scheduled (the queue's sequence), node timers after
//! queued events and in node order. No wall clock, no hash order.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::time::Duration;

use cohort_core::cib::xml::write_cib;
use cohort_core::controller::replica::CIB_KEY;
use cohort_core::controller::{AdminCommand, ClusterEvent, FenceId, WriteToken};
use cohort_core::executor::OpId;
use cohort_core::node::RequestId;
use cohort_core::planted::PlantedBugs;
use cohort_core::time::Instant;
use cohort_core::totem::NodeId;

use crate::admin::{crm_text, Step, Target};
use crate::agents::{AgentProfile, Agents};
use crate::checker::{self, QuorumView, QuorumWatch, Violation, ViolationKind, Violations};
use crate::clock::EventQueue;
use crate::disk::{DiskProfile, Disks};
use crate::faults::{FaultAction, FaultMode, FaultProfile};
use crate::fencer::{self, FenceProfile};
use crate::history::{Cause, Fault, History, Record};
use crate::local_time::LocalClock;
use crate::network::Network;
use crate::node::{uname_of, NodeInput, NodeKind, NodeOutput, SimNode};
use crate::rng::SimRng;
use crate::scenario::Scenario;
use crate::trace::Trace;

/// Most events one run may process: a livelock (a node re-arming a timer
/// at `now` forever, a packet storm) stops the run instead of hanging it.
pub const MAX_EVENTS_PER_RUN: u64 = 20_000_000;
/// Most events waiting in the queue (packets in flight, mostly).
pub const MAX_QUEUED_EVENTS: usize = 200_000;
/// A paused node's socket buffer, in packets; the rest is dropped.
pub const MAX_INBOX_PACKETS: usize = 512;
/// An application stops sending while this many messages wait in its node
/// (back-pressure, as a real client would see).
const MAX_PENDING_BEFORE_SEND: usize = 256;
/// How long traffic keeps flowing once the single view formed.
const SETTLED_TRAFFIC: Duration = Duration::from_secs(1);
/// How often the placement is checked after the single view.
const PLACEMENT_POLL: Duration = Duration::from_millis(500);

/// What one run is.
#[derive(Debug, Clone)]
pub struct RunSpec {
    pub scenario: Scenario,
    pub seed: u64,
    pub faults: FaultMode,
    pub planted: PlantedBugs,
}

#[derive(Debug)]
enum Event {
    /// Start the node, or restart it if it is down.
    Start {
        node: usize,
    },
    Packet {
        from: NodeId,
        to: usize,
        bytes: Vec<u8>,
    },
    /// The node's application sends its next message.
    Send {
        node: usize,
    },
    /// The next fault strikes.
    Fault,
    Resume {
        node: usize,
        pause: u64,
    },
    HealAll,
    /// The liveness bound after the heal.
    Deadline,
    End,
    /// Run `run` of an agent op ends.
    OpDone {
        node: usize,
        incarnation: u32,
        op: OpId,
        run: u64,
    },
    DiskSynced {
        node: usize,
        incarnation: u32,
        token: WriteToken,
    },
    /// A fence device reports to its requester (having acted first).
    FenceDone {
        by: usize,
        incarnation: u32,
        id: FenceId,
        target_name: String,
        target: Option<usize>,
        ok: bool,
        boot_after: Option<Duration>,
    },
    /// The scenario script's step `index`.
    Script {
        index: usize,
    },
    /// After the single view: are the resources where the policy puts them?
    Placement,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Faults,
    Healing,
    Settled { at: Instant },
    Done,
}

struct Slot {
    id: NodeId,
    node: Option<Box<dyn SimNode>>,
    incarnation: u32,
    clock: LocalClock,
    /// Paused until the Resume event with this pause number.
    paused: Option<u64>,
    /// What reached the node while it was paused, in arrival order.
    inbox: VecDeque<NodeInput>,
    /// The node's next deadline in world time.
    timer_at: Option<Instant>,
    sent: u64,
    /// The highest ring seq the node's last life saw: durable, as cohortd
    /// writes it before it sends in a new ring.
    ring_seq_kept: u64,
}

impl Slot {
    fn runs(&self) -> bool {
        self.node.is_some() && self.paused.is_none()
    }
}

/// The result of one run.
#[derive(Debug, Clone)]
pub struct RunReport {
    pub scenario: &'static str,
    pub seed: u64,
    pub faults: FaultMode,
    pub planted: PlantedBugs,
    pub profile: FaultProfile,
    pub violations: Violations,
    /// Simulated time the run covered.
    pub sim_time: Duration,
    pub trace: Trace,
    pub history: History,
    pub heal_at: Instant,
    /// From the heal to one quorate view of every node.
    pub heal_to_view: Option<Duration>,
    /// From the single view to every resource where the policy puts it.
    pub view_to_placement: Option<Duration>,
    pub nodes: Vec<NodeId>,
    /// Ground truth at the end: (node, rsc) really running.
    pub running: BTreeSet<(NodeId, String)>,
    /// For a run drawn from bytes instead of a seed: how many it read.
    pub bytes_read: Option<usize>,
}

impl RunReport {
    pub fn failed(&self) -> bool {
        self.violations.failed()
    }
}

/// One run of the world.
pub struct World {
    spec: RunSpec,
    kind: NodeKind,
    rng: SimRng,
    profile: FaultProfile,
    now: Instant,
    queue: EventQueue<Event>,
    slots: Vec<Slot>,
    network: Network,
    history: History,
    trace: Trace,
    watch: QuorumWatch,
    violations: Violations,
    phase: Phase,
    heal_at: Instant,
    heal_to_view: Option<Duration>,
    traffic_until: Instant,
    next_pause: u64,
    events: u64,
    /// The payload of the send being handled, for a rejection.
    sending: Option<Vec<u8>>,
    agents: Agents,
    disks: Disks,
    fences: FenceProfile,
    marks: BTreeMap<&'static str, NodeId>,
    next_req: u64,
    view_to_placement: Option<Duration>,
    /// The highest configuration (admin_epoch, epoch) a running node held
    /// at the heal: after it, every node must hold at least that.
    winning: Option<(u64, u64)>,
    /// Admin commands sent and not answered yet, by request.
    asked: BTreeMap<u64, (NodeId, AdminCommand)>,
    /// Admin commands answered with success, in reply order.
    acked: Vec<(NodeId, AdminCommand)>,
    /// Commands answered with an error that leaves them maybe applied
    /// (see
    /// [`cohort_core::controller::AdminError::may_have_applied`]); with those still in `asked`
    /// (never answered), they may or may not be in the final CIB.
    unsure: Vec<(NodeId, AdminCommand)>,
    /// Nodes that said [`NodeOutput::Exit`], stopped once drained.
    exiting: Vec<usize>,
    /// Every synced view's copies of the CIB, checked as they change.
    synced_copies: checker::cib::SyncedCopies,
}

impl World {
    pub fn new(spec: RunSpec) -> World {
        let rng = SimRng::new(spec.seed);
        World::with_rng(spec, rng)
    }

    /// A world drawing from `rng` instead of the spec's seed (a fuzz
    /// input's bytes, [`SimRng::from_bytes`]).
    pub fn with_rng(spec: RunSpec, mut rng: SimRng) -> World {
        let token_ms = spec.scenario.token_ms();
        let profile = FaultProfile::draw(spec.faults, &mut rng, token_ms);
        let nodes = spec.scenario.nodes.clone();
        assert!(nodes.windows(2).all(|w| w[0] < w[1]), "node ids ascend");
        let network = Network::new(&nodes, |_, _| profile.draw_link(&mut rng));
        let slots = nodes
            .iter()
            .map(|id| Slot {
                id: *id,
                node: None,
                incarnation: 0,
                clock: profile.draw_clock(&mut rng),
                paused: None,
                inbox: VecDeque::new(),
                timer_at: None,
                sent: 0,
                ring_seq_kept: 0,
            })
            .collect();
        let heal_at = Instant::ZERO + spec.scenario.fault_phase;
        // Only cluster runs draw these, so membership seeds replay as they
        // always did.
        let swarm = spec.faults == FaultMode::Swarm && spec.scenario.is_cluster();
        let agents = Agents::new(if swarm {
            AgentProfile::draw(&mut rng)
        } else {
            AgentProfile::healthy()
        });
        let mut disks = Disks::new(if swarm {
            DiskProfile::draw(&mut rng)
        } else {
            DiskProfile::fast()
        });
        let fences = if swarm {
            FenceProfile::draw(&mut rng)
        } else {
            FenceProfile::reliable()
        };
        if let Some(setup) = &spec.scenario.cluster {
            let xml = write_cib(&setup.cib()).into_bytes();
            for id in &nodes {
                disks.preload(*id, CIB_KEY, xml.clone());
            }
        }
        let mut world = World {
            kind: spec.scenario.node_kind(),
            watch: QuorumWatch::new(spec.scenario.unsafe_by_configuration()),
            spec,
            rng,
            profile,
            now: Instant::ZERO,
            queue: EventQueue::new(),
            slots,
            network,
            history: History::default(),
            trace: Trace::default(),
            violations: Violations::default(),
            phase: Phase::Faults,
            heal_at,
            heal_to_view: None,
            traffic_until: Instant::from_nanos(u64::MAX),
            next_pause: 0,
            events: 0,
            sending: None,
            agents,
            disks,
            fences,
            marks: BTreeMap::new(),
            next_req: 1,
            view_to_placement: None,
            winning: None,
            asked: BTreeMap::new(),
            acked: Vec::new(),
            unsure: Vec::new(),
            exiting: Vec::new(),
            synced_copies: checker::cib::SyncedCopies::default(),
        };
        world.schedule_start();
        world
    }

    fn schedule_start(&mut self) {
        // Nodes boot within two token timeouts of each other.
        let spread_ms = 2 * self.spec.scenario.token_ms();
        for node in 0..self.slots.len() {
            let at = Instant::from_millis(self.rng.below(spread_ms));
            self.schedule(at, Event::Start { node });
            if !self.spec.scenario.is_cluster() {
                let first_send = at + self.profile.next_send_gap(&mut self.rng);
                self.schedule(first_send, Event::Send { node });
            }
        }
        let steps = self
            .spec
            .scenario
            .cluster
            .as_ref()
            .map_or(0, |c| c.script.len());
        for index in 0..steps {
            let at = self.spec.scenario.cluster.as_ref().expect("cluster").script[index].0;
            self.schedule(Instant::ZERO + at, Event::Script { index });
        }
        if self.profile.injects_faults() {
            let first = Instant::ZERO + self.profile.next_gap(&mut self.rng);
            self.schedule(first, Event::Fault);
        }
        self.schedule(self.heal_at, Event::HealAll);
    }

    fn schedule(&mut self, at: Instant, event: Event) {
        self.queue.schedule_at(at.max(self.now), event);
        assert!(
            self.queue.len() <= MAX_QUEUED_EVENTS,
            "event queue bound exceeded"
        );
    }

    fn index_of(&self, id: NodeId) -> Option<usize> {
        self.slots.binary_search_by_key(&id, |s| s.id).ok()
    }

    fn record(&mut self, record: Record) {
        if !self.history.push(record) {
            self.violation(ViolationKind::Livelock, "history bound exceeded".into());
            self.phase = Phase::Done;
        }
    }

    fn violation(&mut self, kind: ViolationKind, detail: String) {
        self.violations.push(Violation::new(kind, self.now, detail));
    }

    // ---- the loop ----

    /// Runs to the end and judges the run.
    pub fn run(mut self) -> RunReport {
        while self.phase != Phase::Done {
            if !self.step() {
                break;
            }
            self.events += 1;
            if self.events >= MAX_EVENTS_PER_RUN {
                self.violation(ViolationKind::Livelock, format!("{} events", self.events));
                break;
            }
            if self.phase == Phase::Healing {
                self.check_settled();
            }
        }
        if let Some(setup) = &self.spec.scenario.cluster {
            self.violations
                .extend(checker::check_cluster_safety(&self.history));
            let rules = checker::Rules::of(&setup.cib());
            let allowed = self.spec.scenario.runs_twice_by_configuration();
            self.violations.extend(checker::check_resources(
                self.history.records(),
                &rules,
                allowed,
            ));
        } else {
            self.violations.extend(checker::check_safety(&self.history));
        }
        RunReport {
            scenario: self.spec.scenario.name,
            seed: self.spec.seed,
            faults: self.spec.faults,
            planted: self.spec.planted,
            profile: self.profile,
            violations: self.violations,
            sim_time: self.now.saturating_since(Instant::ZERO),
            trace: self.trace,
            history: self.history,
            heal_at: self.heal_at,
            heal_to_view: self.heal_to_view,
            view_to_placement: self.view_to_placement,
            nodes: self.spec.scenario.nodes.clone(),
            running: self.agents.running().clone(),
            bytes_read: self.rng.bytes_read(),
        }
    }

    /// One event: the earliest queued one, or the earliest node timer
    /// (queued events first at the same instant, then nodes in id order).
    fn step(&mut self) -> bool {
        let timer = self
            .slots
            .iter()
            .enumerate()
            .filter(|(_, s)| s.runs())
            .filter_map(|(i, s)| s.timer_at.map(|t| (t, i)))
            .min();
        let queued = self.queue.peek_time();
        match (queued, timer) {
            (Some(q), Some((t, i))) if t < q => self.fire_timer(t, i),
            (None, Some((t, i))) => self.fire_timer(t, i),
            (Some(_), _) => {
                let (at, event) = self.queue.pop().expect("peeked");
                self.now = self.now.max(at);
                self.handle_event(event);
            }
            (None, None) => return false,
        }
        true
    }

    fn fire_timer(&mut self, at: Instant, node: usize) {
        self.now = self.now.max(at);
        self.trace.note(3, &[self.now.as_nanos(), node as u64]);
        self.input(node, NodeInput::Timeout);
    }

    fn handle_event(&mut self, event: Event) {
        let now = self.now.as_nanos();
        match event {
            Event::Start { node } => {
                self.trace.note(1, &[now, node as u64]);
                self.start(node);
            }
            Event::Packet { from, to, bytes } => {
                self.trace.note(2, &[now, u64::from(from), to as u64]);
                self.trace.bytes(&bytes);
                self.arrive(from, to, bytes);
            }
            Event::Send { node } => {
                self.trace.note(4, &[now, node as u64]);
                self.app_send(node);
            }
            Event::Fault => {
                self.trace.note(5, &[now]);
                self.fault();
            }
            Event::Resume { node, pause } => {
                self.trace.note(6, &[now, node as u64, pause]);
                if self.slots[node].paused == Some(pause) {
                    self.resume(node);
                }
            }
            Event::HealAll => {
                self.trace.note(7, &[now]);
                self.heal_all();
            }
            Event::Deadline => {
                self.trace.note(8, &[now]);
                if self.phase == Phase::Healing {
                    let states = self.describe();
                    self.violation(
                        ViolationKind::NoSingleView,
                        format!(
                            "no single quorate view {} after the heal: {states}",
                            fmt_ms(self.spec.scenario.liveness_bound())
                        ),
                    );
                    self.phase = Phase::Done;
                }
            }
            Event::End => {
                self.trace.note(9, &[now]);
                self.end();
            }
            Event::OpDone {
                node,
                incarnation,
                op,
                run,
            } => {
                self.trace.note(10, &[now, node as u64, op.0, run]);
                if self.slots[node].incarnation == incarnation {
                    self.op_done(node, op, run);
                }
            }
            Event::DiskSynced {
                node,
                incarnation,
                token,
            } => {
                self.trace.note(11, &[now, node as u64, token.0]);
                let slot = &self.slots[node];
                if slot.incarnation == incarnation && slot.node.is_some() {
                    let id = slot.id;
                    if self.disks.sync(id, token) {
                        self.complete(node, NodeInput::DiskDone { token });
                    }
                }
            }
            Event::FenceDone {
                by,
                incarnation,
                id,
                target_name,
                target,
                ok,
                boot_after,
            } => {
                self.trace.note(12, &[now, by as u64, id.0, u64::from(ok)]);
                self.fence_done(by, incarnation, id, target_name, target, ok, boot_after);
            }
            Event::Script { index } => {
                self.trace.note(13, &[now, index as u64]);
                self.script_step(index);
            }
            Event::Placement => {
                self.trace.note(14, &[now]);
                self.check_placement();
            }
        }
    }

    // ---- nodes ----

    fn start(&mut self, node: usize) {
        if self.slots[node].node.is_some() {
            return;
        }
        let seed = self.rng.next_u64();
        let slot = &mut self.slots[node];
        slot.incarnation += 1;
        let local = slot.clock.local(self.now);
        let persisted = self.disks.durable_cib(slot.id);
        let epoch_s = self.agents.epoch_s(self.now);
        slot.node = Some(self.kind.start(
            slot.id,
            local,
            seed,
            self.spec.planted,
            persisted,
            slot.ring_seq_kept,
            epoch_s,
        ));
        let (id, incarnation) = (slot.id, slot.incarnation);
        self.record(Record::Started {
            node: id,
            incarnation,
            at: self.now,
        });
        self.drain(node);
    }

    /// The node finished a clean shutdown: its process is gone, its disk
    /// writes complete (it synced before exiting), its instances stay.
    fn exit(&mut self, node: usize) {
        let Some(id) = self.end_process(node) else {
            return;
        };
        self.record(Record::Exited {
            node: id,
            at: self.now,
        });
        self.check_quorum();
        // After the heal every node runs: a clean stop the administrator
        // typed before it, still finishing then, is followed by a start,
        // as the heal starts every node that is down (maintenance 722270:
        // node 1 left after the single view and the placement was never
        // judged).
        if matches!(self.phase, Phase::Healing | Phase::Settled { .. }) {
            self.start(node);
        }
    }

    /// The node's process ends (a crash or an exit): its state, pause,
    /// inbox and timer are gone. Its id, or None when it was not running.
    fn end_process(&mut self, node: usize) -> Option<NodeId> {
        let slot = &mut self.slots[node];
        let ended = slot.node.take()?;
        slot.ring_seq_kept = slot.ring_seq_kept.max(ended.max_ring_seq());
        slot.paused = None;
        slot.inbox.clear();
        slot.timer_at = None;
        Some(slot.id)
    }

    fn crash(&mut self, node: usize) {
        let Some(id) = self.end_process(node) else {
            return;
        };
        self.record(Record::Crashed {
            node: id,
            at: self.now,
        });
        self.disks.crash(id);
        for rsc in self.agents.node_down(id) {
            self.record(Record::Instance {
                node: id,
                at: self.now,
                rsc,
                up: false,
                cause: Cause::NodeDown,
            });
        }
        self.check_quorum();
    }

    /// Hands a completion (op, disk, fence) to the node; a paused node
    /// finds it when it resumes (a socket buffer drops datagrams, but a
    /// completion is the node's own state and is never dropped).
    fn complete(&mut self, node: usize, input: NodeInput) {
        let slot = &mut self.slots[node];
        if slot.node.is_some() && slot.paused.is_some() {
            slot.inbox.push_back(input);
            return;
        }
        self.input(node, input);
    }

    /// Feeds one input to a running node and routes what it says.
    fn input(&mut self, node: usize, input: NodeInput) {
        let slot = &mut self.slots[node];
        let local = slot.clock.local(self.now);
        let Some(n) = slot.node.as_mut() else { return };
        n.handle(local, input);
        self.drain(node);
    }

    fn arrive(&mut self, from: NodeId, to: usize, bytes: Vec<u8>) {
        let slot = &mut self.slots[to];
        if slot.node.is_none() {
            return;
        }
        let from = self.spec.scenario.transport_knows_sender().then_some(from);
        if slot.paused.is_some() {
            if slot.inbox.len() < MAX_INBOX_PACKETS {
                slot.inbox.push_back(NodeInput::Datagram { from, bytes });
            }
            return;
        }
        self.input(to, NodeInput::Datagram { from, bytes });
    }

    fn app_send(&mut self, node: usize) {
        if self.now >= self.traffic_until {
            return;
        }
        let next = self.now + self.profile.next_send_gap(&mut self.rng);
        self.schedule(next, Event::Send { node });
        let slot = &mut self.slots[node];
        let Some(n) = slot.node.as_ref().filter(|_| slot.paused.is_none()) else {
            return;
        };
        if n.status().pending_sends >= MAX_PENDING_BEFORE_SEND {
            return;
        }
        slot.sent += 1;
        let payload = format!("{}/{}/{}", slot.id, slot.incarnation, slot.sent).into_bytes();
        let (id, incarnation) = (slot.id, slot.incarnation);
        let safe = self.rng.chance_ppm(self.profile.safe_ppm);
        self.record(Record::Sent {
            node: id,
            incarnation,
            at: self.now,
            payload: payload.clone(),
            safe,
        });
        self.sending = Some(payload.clone());
        self.input(node, NodeInput::Send { payload, safe });
        self.sending = None;
    }

    /// Routes and records everything the node has to say, then notes its
    /// next deadline.
    fn drain(&mut self, node: usize) {
        let mut quorum_changed = false;
        loop {
            let slot = &mut self.slots[node];
            let (id, incarnation) = (slot.id, slot.incarnation);
            let Some(output) = slot.node.as_mut().and_then(|n| n.poll_output()) else {
                break;
            };
            let at = self.now;
            match output {
                NodeOutput::Multicast(bytes) => {
                    self.trace.note(20, &[u64::from(id)]);
                    for to in 0..self.slots.len() {
                        if to != node {
                            self.transmit(id, to, &bytes);
                        }
                    }
                }
                NodeOutput::Unicast { to, bytes } => {
                    self.trace.note(21, &[u64::from(id), u64::from(to)]);
                    if let Some(to) = self.index_of(to) {
                        self.transmit(id, to, &bytes);
                    }
                }
                NodeOutput::Deliver {
                    sender,
                    payload,
                    ring_id,
                    seq,
                    safe,
                } => {
                    self.trace.note(22, &[u64::from(id), ring_id.seq, seq]);
                    self.trace.bytes(&payload);
                    self.record(Record::Delivered {
                        node: id,
                        incarnation,
                        at,
                        sender,
                        payload,
                        ring_id,
                        seq,
                        safe,
                    });
                }
                NodeOutput::View {
                    ring_id,
                    members,
                    transitional,
                } => {
                    self.trace
                        .note(23, &[u64::from(id), ring_id.seq, u64::from(transitional)]);
                    self.record(Record::View {
                        node: id,
                        incarnation,
                        at,
                        ring_id,
                        members,
                        transitional,
                    });
                }
                NodeOutput::Quorum { quorate, members } => {
                    self.trace.note(24, &[u64::from(id), u64::from(quorate)]);
                    quorum_changed = true;
                    self.record(Record::Quorum {
                        node: id,
                        incarnation,
                        at,
                        quorate,
                        members,
                    });
                }
                NodeOutput::SendRejected => {
                    let payload = self.sending.clone().unwrap_or_default();
                    self.record(Record::Rejected {
                        node: id,
                        incarnation,
                        at,
                        payload,
                    });
                }
                other => self.cluster_output(node, other),
            }
        }
        self.refresh_timer(node);
        if quorum_changed {
            self.check_quorum();
        }
        for node in std::mem::take(&mut self.exiting) {
            self.exit(node);
        }
    }

    /// Serves what only a cluster node says: agent calls, disk writes,
    /// fence requests, replies, events.
    fn cluster_output(&mut self, node: usize, output: NodeOutput) {
        let (id, incarnation, at) = (self.slots[node].id, self.slots[node].incarnation, self.now);
        match output {
            NodeOutput::Exec(req) => {
                self.trace.note(30, &[u64::from(id), req.op.0]);
                self.record(Record::Exec {
                    node: id,
                    at,
                    rsc: req.rsc.clone(),
                    action: req.action.clone(),
                    interval_ms: req.interval_ms,
                });
                let op = req.op;
                let (done_at, run) = self.agents.exec(&mut self.rng, id, req, at);
                self.schedule(
                    done_at,
                    Event::OpDone {
                        node,
                        incarnation,
                        op,
                        run,
                    },
                );
            }
            NodeOutput::Cancel(op) => {
                self.trace.note(31, &[u64::from(id), op.0]);
                self.agents.cancel(id, op);
            }
            NodeOutput::WriteDisk { key, bytes, token } => {
                self.trace.note(32, &[u64::from(id), token.0]);
                let sync_at = self.disks.write(&mut self.rng, id, key, bytes, token, at);
                self.schedule(
                    sync_at,
                    Event::DiskSynced {
                        node,
                        incarnation,
                        token,
                    },
                );
            }
            NodeOutput::Fence(req) => {
                self.trace.note(33, &[u64::from(id), req.id.0]);
                self.record(Record::FenceAsked {
                    by: id,
                    at,
                    target: req.target.clone(),
                });
                let outcome = fencer::attempt(&self.fences, &mut self.rng, &req);
                let target = outcome.target.and_then(|t| self.index_of(t));
                self.schedule(
                    at + outcome.after,
                    Event::FenceDone {
                        by: node,
                        incarnation,
                        id: req.id,
                        target_name: req.target,
                        target,
                        ok: outcome.ok && target.is_some(),
                        boot_after: outcome.boot_after,
                    },
                );
            }
            NodeOutput::Exit => {
                self.trace.note(36, &[u64::from(id)]);
                self.exiting.push(node);
            }
            NodeOutput::Reply { req, reply } => {
                self.trace.note(34, &[u64::from(id), req.0]);
                let (ok, text) = match &reply {
                    Ok(v) => (true, format!("ok {v:?}")),
                    Err(e) => (false, e.to_string()),
                };
                if let Some(asked) = self.asked.remove(&req.0) {
                    match &reply {
                        Ok(_) => self.acked.push(asked),
                        Err(e) if e.may_have_applied() => self.unsure.push(asked),
                        Err(_) => {}
                    }
                }
                self.record(Record::Reply {
                    node: id,
                    at,
                    req: req.0,
                    ok,
                    text,
                });
            }
            NodeOutput::Event(event) => {
                self.trace.note(35, &[u64::from(id)]);
                if matches!(
                    event,
                    ClusterEvent::CibSynced { .. } | ClusterEvent::AdminApplied { .. }
                ) {
                    self.observe_copy(node);
                }
                self.record(Record::Cluster {
                    node: id,
                    incarnation,
                    at,
                    event,
                });
            }
            NodeOutput::Multicast(_)
            | NodeOutput::Unicast { .. }
            | NodeOutput::Deliver { .. }
            | NodeOutput::View { .. }
            | NodeOutput::Quorum { .. }
            | NodeOutput::SendRejected => unreachable!("handled by drain"),
        }
    }

    /// Checks `node`'s CIB against the other copies of its synced view.
    fn observe_copy(&mut self, node: usize) {
        let id = self.slots[node].id;
        let Some(n) = self.slots[node].node.as_ref().and_then(|n| n.cluster()) else {
            return;
        };
        let Some(ring) = n.controller().synced_ring() else {
            return;
        };
        if let Some(detail) = self.synced_copies.observe(id, ring, n.cib()) {
            self.violation(ViolationKind::CibDiverged, detail);
        }
    }

    fn op_done(&mut self, node: usize, op: OpId, run: u64) {
        let id = self.slots[node].id;
        let incarnation = self.slots[node].incarnation;
        let Some(c) = self.agents.complete(&mut self.rng, id, op, run, self.now) else {
            return;
        };
        let at = self.now;
        if let Some((up, cause)) = c.change {
            self.record(Record::Instance {
                node: id,
                at,
                rsc: c.rsc.clone(),
                up,
                cause,
            });
        }
        self.record(Record::OpDone {
            node: id,
            at,
            rsc: c.rsc,
            action: c.action,
            interval_ms: c.interval_ms,
            rc: c.outcome.rc,
            op_status: c.outcome.op_status,
        });
        if let Some((next_at, next_run)) = c.next {
            self.schedule(
                next_at,
                Event::OpDone {
                    node,
                    incarnation,
                    op,
                    run: next_run,
                },
            );
        }
        self.complete(
            node,
            NodeInput::OpDone {
                op,
                outcome: c.outcome,
            },
        );
    }

    #[allow(clippy::too_many_arguments)]
    fn fence_done(
        &mut self,
        by: usize,
        incarnation: u32,
        id: FenceId,
        target_name: String,
        target: Option<usize>,
        ok: bool,
        boot_after: Option<Duration>,
    ) {
        // The device acts before it reports: the target is down first.
        if let (true, Some(t)) = (ok, target) {
            self.crash(t);
            if let Some(d) = boot_after {
                self.schedule(self.now + d, Event::Start { node: t });
            }
        }
        let by_id = self.slots[by].id;
        self.record(Record::FenceDone {
            by: by_id,
            at: self.now,
            target: target_name,
            ok,
        });
        if self.slots[by].incarnation == incarnation {
            self.complete(by, NodeInput::FenceDone { id, ok });
        }
    }

    // ---- the script ----

    fn resolve(&self, target: &Target) -> Option<usize> {
        let id = match target {
            Target::Node(id) => Some(*id),
            Target::Running(rsc) => self
                .agents
                .running()
                .iter()
                .find(|(_, r)| r == rsc)
                .map(|(n, _)| *n),
            Target::Marked(name) => self.marks.get(name).copied(),
        }?;
        self.index_of(id)
    }

    /// The lowest running node, where an administrator types a command
    /// about another one.
    fn console(&self) -> Option<usize> {
        self.slots.iter().position(|s| s.runs())
    }

    fn script_step(&mut self, index: usize) {
        let step = self.spec.scenario.cluster.as_ref().expect("cluster").script[index]
            .1
            .clone();
        match step {
            Step::Mark { name, target } => {
                if let Some(i) = self.resolve(&target) {
                    self.marks.insert(name, self.slots[i].id);
                }
            }
            Step::Admin { on, cmd } => {
                if let Some(i) = self.resolve(&on) {
                    self.admin(i, cmd);
                }
            }
            Step::Standby { target } => self.node_mode(&target, true),
            Step::Online { target } => self.node_mode(&target, false),
            Step::Crash { target } => {
                if let Some(i) = self.resolve(&target) {
                    self.crash(i);
                }
            }
            Step::Shutdown { target } => {
                if let Some(i) = self.resolve(&target).filter(|i| self.slots[*i].runs()) {
                    self.input(i, NodeInput::Shutdown);
                }
            }
            Step::Boot { target } => {
                if let Some(i) = self.resolve(&target) {
                    self.start(i);
                }
            }
            Step::Isolate { target } => {
                let Some(i) = self.resolve(&target) else {
                    return;
                };
                let me = self.slots[i].id;
                let mut cuts = BTreeSet::new();
                for s in &self.slots {
                    if s.id != me {
                        cuts.insert((me, s.id));
                        cuts.insert((s.id, me));
                    }
                }
                self.apply(FaultAction::Partition {
                    cuts,
                    one_way: false,
                });
            }
            Step::HealNetwork => self.apply(FaultAction::HealNetwork),
            Step::BreakAgent { target, rsc } => self.agent_health(&target, rsc, true),
            Step::RepairAgent { target, rsc } => self.agent_health(&target, rsc, false),
        }
    }

    /// `crm node standby|online` of the target, typed on the console.
    fn node_mode(&mut self, target: &Target, standby: bool) {
        let (Some(t), Some(c)) = (self.resolve(target), self.console()) else {
            return;
        };
        let node = uname_of(self.slots[t].id);
        let cmd = if standby {
            AdminCommand::Standby { node }
        } else {
            AdminCommand::Online { node }
        };
        self.admin(c, cmd);
    }

    fn agent_health(&mut self, target: &Target, rsc: String, broken: bool) {
        let Some(i) = self.resolve(target) else {
            return;
        };
        let node = self.slots[i].id;
        let fault = if broken {
            self.agents.break_agent(node, &rsc);
            Fault::BreakAgent { node, rsc }
        } else {
            self.agents.repair_agent(node, &rsc);
            Fault::RepairAgent { node, rsc }
        };
        self.record(Record::Fault {
            at: self.now,
            fault,
        });
    }

    /// Types `cmd` on node `node`.
    fn admin(&mut self, node: usize, cmd: AdminCommand) {
        if !self.slots[node].runs() {
            return;
        }
        let req = RequestId(self.next_req);
        self.next_req += 1;
        self.record(Record::Admin {
            node: self.slots[node].id,
            at: self.now,
            req: req.0,
            cmd: crm_text(&cmd),
        });
        self.asked.insert(req.0, (self.slots[node].id, cmd.clone()));
        self.input(node, NodeInput::Admin { req, cmd });
    }

    fn refresh_timer(&mut self, node: usize) {
        let slot = &mut self.slots[node];
        slot.timer_at = slot
            .node
            .as_ref()
            .and_then(|n| n.poll_timeout())
            .map(|local| slot.clock.world_of(local, self.now));
    }

    fn transmit(&mut self, from: NodeId, to: usize, bytes: &[u8]) {
        let to_id = self.slots[to].id;
        let arrivals = self.network.route(self.rng.bulk(), self.now, from, to_id);
        for at in arrivals.iter() {
            self.schedule(
                at,
                Event::Packet {
                    from,
                    to,
                    bytes: bytes.to_vec(),
                },
            );
        }
    }

    fn check_quorum(&mut self) {
        let statuses: Vec<(NodeId, bool, Vec<NodeId>)> = self
            .slots
            .iter()
            .filter_map(|s| {
                let st = s.node.as_ref()?.status();
                Some((s.id, st.quorate, st.quorum_members))
            })
            .collect();
        let views: Vec<QuorumView<'_>> = statuses
            .iter()
            .map(|(node, quorate, members)| QuorumView {
                node: *node,
                quorate: *quorate,
                members,
            })
            .collect();
        if let Some(v) = self.watch.observe(self.now, &views) {
            self.violations.push(v);
        }
    }

    // ---- faults ----

    fn fault(&mut self) {
        if self.phase != Phase::Faults {
            return;
        }
        let nodes = self.spec.scenario.nodes.clone();
        let live: Vec<NodeId> = self
            .slots
            .iter()
            .filter(|s| s.node.is_some())
            .map(|s| s.id)
            .collect();
        if let Some(action) = self.profile.draw_action(&mut self.rng, &nodes, &live) {
            self.apply(action);
        }
        let next = self.now + self.profile.next_gap(&mut self.rng);
        if next < self.heal_at {
            self.schedule(next, Event::Fault);
        }
    }

    fn apply(&mut self, action: FaultAction) {
        let at = self.now;
        match action {
            FaultAction::Crash {
                node,
                restart_after,
            } => {
                let i = self.index_of(node).expect("known node");
                self.crash(i);
                if let Some(d) = restart_after {
                    self.schedule(at + d, Event::Start { node: i });
                }
            }
            FaultAction::Pause { node, pause } => {
                let i = self.index_of(node).expect("known node");
                if !self.slots[i].runs() {
                    return;
                }
                self.next_pause += 1;
                self.slots[i].paused = Some(self.next_pause);
                let until = at + pause;
                self.schedule(
                    until,
                    Event::Resume {
                        node: i,
                        pause: self.next_pause,
                    },
                );
                self.record(Record::Fault {
                    at,
                    fault: Fault::Pause { node, until },
                });
            }
            FaultAction::Partition { cuts, one_way } => {
                self.record(Record::Fault {
                    at,
                    fault: Fault::Partition {
                        cuts: cuts.iter().copied().collect(),
                        one_way,
                    },
                });
                self.network.set_cuts(cuts);
            }
            FaultAction::Clog { from, to, hold } => {
                let release_at = at + hold;
                self.network.clog(from, to, release_at);
                self.record(Record::Fault {
                    at,
                    fault: Fault::Clog {
                        from,
                        to,
                        release_at,
                    },
                });
            }
            FaultAction::HealNetwork => {
                self.network.heal_cuts();
                self.record(Record::Fault {
                    at,
                    fault: Fault::HealNetwork,
                });
            }
            FaultAction::ClockJump { node, jump } => {
                let i = self.index_of(node).expect("known node");
                self.slots[i].clock.jump(at, jump);
                self.refresh_timer(i);
                self.record(Record::Fault {
                    at,
                    fault: Fault::ClockJump {
                        node,
                        jump_ms: u64::try_from(jump.as_millis()).unwrap_or(u64::MAX),
                    },
                });
            }
        }
    }

    fn resume(&mut self, node: usize) {
        self.slots[node].paused = None;
        let id = self.slots[node].id;
        self.record(Record::Fault {
            at: self.now,
            fault: Fault::Resume { node: id },
        });
        // What piled up in the socket buffer, in arrival order; the node
        // may crash meanwhile only through a fault event, which cannot run
        // inside this loop.
        while let Some(input) = self.slots[node].inbox.pop_front() {
            self.input(node, input);
        }
        self.refresh_timer(node);
    }

    // ---- heal, liveness, end ----

    fn heal_all(&mut self) {
        self.phase = Phase::Healing;
        self.agents.calm();
        self.winning = self
            .slots
            .iter()
            .filter_map(|s| s.node.as_ref()?.cluster())
            .map(|n| (n.cib().version.admin_epoch, n.cib().version.epoch))
            .max();
        self.network.heal_all();
        self.record(Record::Fault {
            at: self.now,
            fault: Fault::HealAll,
        });
        for node in 0..self.slots.len() {
            if self.slots[node].paused.is_some() {
                self.resume(node);
            }
            self.start(node);
        }
        let deadline = self.now + self.spec.scenario.liveness_bound();
        self.schedule(deadline, Event::Deadline);
    }

    /// Every node running, operational in one ring of all nodes, quorate.
    fn converged(&self) -> bool {
        let statuses = self.slots.iter().map(|s| {
            s.node
                .as_ref()
                .filter(|_| s.paused.is_none())
                .map(|n| n.status())
        });
        checker::view::single_view(&self.spec.scenario.nodes, statuses)
    }

    fn check_settled(&mut self) {
        if !self.converged() {
            return;
        }
        let at = self.now;
        self.heal_to_view = Some(at.saturating_since(self.heal_at));
        self.phase = Phase::Settled { at };
        if self.spec.scenario.is_cluster() {
            self.schedule(at, Event::Placement);
            let end = at + self.spec.scenario.placement_bound();
            self.schedule(end, Event::End);
            return;
        }
        self.traffic_until = at + SETTLED_TRAFFIC;
        let end = self.traffic_until + self.spec.scenario.delivery_bound();
        self.schedule(end, Event::End);
    }

    fn end(&mut self) {
        let Phase::Settled { at: since } = self.phase else {
            return;
        };
        self.phase = Phase::Done;
        if self.spec.scenario.is_cluster() {
            let why = self
                .placement_gap()
                .unwrap_or_else(|| "placed, but the run ended first".into());
            self.violation(
                ViolationKind::NotPlaced,
                format!(
                    "resources not where the policy puts them {} after the single view: {why}",
                    fmt_ms(self.spec.scenario.placement_bound())
                ),
            );
            self.check_cibs_agree();
            return;
        }
        if !self.converged() {
            let states = self.describe();
            self.violation(
                ViolationKind::NoSingleView,
                format!("the single view did not hold: {states}"),
            );
            return;
        }
        let live: BTreeMap<NodeId, u32> =
            self.slots.iter().map(|s| (s.id, s.incarnation)).collect();
        let found = checker::check_delivered(self.history.records(), &live, since, self.now);
        self.violations.extend(found);
    }

    /// Polls, after the single view, until every resource runs where the
    /// policy engine puts it for the healed cluster.
    fn check_placement(&mut self) {
        let Phase::Settled { at: since } = self.phase else {
            return;
        };
        if !self.converged() {
            self.schedule(self.now + PLACEMENT_POLL, Event::Placement);
            return;
        }
        if self.placement_gap().is_some() {
            self.schedule(self.now + PLACEMENT_POLL, Event::Placement);
            return;
        }
        self.view_to_placement = Some(self.now.saturating_since(since));
        self.phase = Phase::Done;
        self.check_cibs_agree();
    }

    /// What keeps the cluster from its placement, or None when every
    /// resource runs exactly where `policy::schedule_at` of the DC's CIB
    /// puts it, and the DC is idle.
    fn placement_gap(&self) -> Option<String> {
        let nodes: Vec<&cohort_core::node::Node> = self
            .slots
            .iter()
            .filter_map(|s| s.node.as_ref()?.cluster())
            .collect();
        let Some(dc) = nodes.iter().find(|n| n.dc() == Some(n.id())) else {
            return Some("no DC".into());
        };
        if nodes.iter().any(|n| n.dc() != Some(dc.id())) {
            return Some("nodes disagree on the DC".into());
        }
        if dc.controller().transition_in_progress() {
            return Some("a transition is in progress".into());
        }
        // At the DC's notion of now, so expired failures count as expired.
        checker::placement::gap(
            dc.cib(),
            self.agents.epoch_s(self.now),
            self.agents.running(),
        )
    }

    /// Every running node holds the same configuration, and it is the one
    /// that won: at least the highest any node held at the heal.
    fn check_cibs_agree(&mut self) {
        let copies: Vec<(NodeId, &cohort_core::cib::Cib)> = self
            .slots
            .iter()
            .filter_map(|s| Some((s.id, s.node.as_ref()?.cluster()?.cib())))
            .collect();
        for detail in checker::cib::disagreements(&copies, self.winning) {
            self.violations
                .push(Violation::new(ViolationKind::CibDiverged, self.now, detail));
        }
        let last = self
            .slots
            .iter()
            .find_map(|s| s.node.as_ref().and_then(|n| n.cluster()))
            .map(|n| n.cib().clone());
        if let Some(last) = last {
            let unsure: Vec<(NodeId, AdminCommand)> = self
                .unsure
                .iter()
                .chain(self.asked.values())
                .cloned()
                .collect();
            for detail in checker::acked::lost(&last, &self.acked, &unsure) {
                self.violation(ViolationKind::AckedChangeLost, detail);
            }
        }
    }

    /// Each node's state, for a liveness violation.
    fn describe(&self) -> String {
        self.slots
            .iter()
            .map(|s| match s.node.as_ref() {
                None => format!("{}:down", s.id),
                Some(n) => {
                    let st = n.status();
                    format!(
                        "{}:{}@{}{:?}{}",
                        s.id,
                        if st.operational { "op" } else { "forming" },
                        st.ring_id,
                        st.members,
                        if st.quorate { "+q" } else { "-q" }
                    )
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
    }
}

fn fmt_ms(d: Duration) -> String {
    format!("{} ms", d.as_millis())
}
