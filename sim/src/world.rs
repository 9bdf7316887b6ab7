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

use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;

use cohort_core::planted::PlantedBugs;
use cohort_core::time::Instant;
use cohort_core::totem::NodeId;

use crate::checker::{self, QuorumView, QuorumWatch, Violation, ViolationKind, Violations};
use crate::clock::EventQueue;
use crate::faults::{FaultAction, FaultMode, FaultProfile};
use crate::history::{Fault, History, Record};
use crate::local_time::LocalClock;
use crate::network::Network;
use crate::node::{NodeInput, NodeKind, NodeOutput, SimNode};
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
    inbox: VecDeque<(NodeId, Vec<u8>)>,
    /// The node's next deadline in world time.
    timer_at: Option<Instant>,
    sent: u64,
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
    pub nodes: Vec<NodeId>,
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
}

impl World {
    pub fn new(spec: RunSpec) -> World {
        let mut rng = SimRng::new(spec.seed);
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
            })
            .collect();
        let heal_at = Instant::ZERO + spec.scenario.fault_phase;
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
            let first_send = at + self.profile.next_send_gap(&mut self.rng);
            self.schedule(first_send, Event::Send { node });
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
        self.violations.extend(checker::check_safety(&self.history));
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
            nodes: self.spec.scenario.nodes.clone(),
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
        slot.node = Some(self.kind.start(slot.id, local, seed, self.spec.planted));
        let (id, incarnation) = (slot.id, slot.incarnation);
        self.record(Record::Started {
            node: id,
            incarnation,
            at: self.now,
        });
        self.drain(node);
    }

    fn crash(&mut self, node: usize) {
        let slot = &mut self.slots[node];
        if slot.node.take().is_none() {
            return;
        }
        slot.paused = None;
        slot.inbox.clear();
        slot.timer_at = None;
        let id = slot.id;
        self.record(Record::Crashed {
            node: id,
            at: self.now,
        });
        self.check_quorum();
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
        if slot.paused.is_some() {
            if slot.inbox.len() < MAX_INBOX_PACKETS {
                slot.inbox.push_back((from, bytes));
            }
            return;
        }
        let from = self.spec.scenario.transport_knows_sender().then_some(from);
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
            }
        }
        self.refresh_timer(node);
        if quorum_changed {
            self.check_quorum();
        }
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
        let arrivals = self.network.route(&mut self.rng, self.now, from, to_id);
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
        while let Some((from, bytes)) = self.slots[node].inbox.pop_front() {
            let from = self.spec.scenario.transport_knows_sender().then_some(from);
            self.input(node, NodeInput::Datagram { from, bytes });
        }
        self.refresh_timer(node);
    }

    // ---- heal, liveness, end ----

    fn heal_all(&mut self) {
        self.phase = Phase::Healing;
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
        let all = &self.spec.scenario.nodes;
        let mut ring = None;
        self.slots.iter().all(|s| {
            let Some(n) = s.node.as_ref().filter(|_| s.paused.is_none()) else {
                return false;
            };
            let st = n.status();
            let same = *ring.get_or_insert(st.ring_id) == st.ring_id;
            same && st.operational && st.quorate && &st.members == all
        })
    }

    fn check_settled(&mut self) {
        if !self.converged() {
            return;
        }
        let at = self.now;
        self.heal_to_view = Some(at.saturating_since(self.heal_at));
        self.phase = Phase::Settled { at };
        self.traffic_until = at + SETTLED_TRAFFIC;
        let end = self.traffic_until + self.spec.scenario.delivery_bound();
        self.schedule(end, Event::End);
    }

    fn end(&mut self) {
        let Phase::Settled { at: since } = self.phase else {
            return;
        };
        self.phase = Phase::Done;
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
