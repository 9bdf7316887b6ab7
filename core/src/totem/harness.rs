//! An in-memory cluster of totem nodes on a virtual clock, for tests and
//! (through the `testgen` feature) for the simulator.
//!
//! Time jumps to the earliest deadline: the next packet arrival or the
//! next node timeout. Every link (ordered pair of nodes) can drop, delay,
//! duplicate and reorder (random delay within a range) packets, or be cut,
//! one way or both. Nodes can crash and restart. Everything random comes
//! from one seeded ChaCha generator, so a run is a function of its seed.
//!
//! Everything observable is recorded in [`Cluster::log`], and the checkers
//! ([`Cluster::check_safety`], [`Cluster::check_settled`]) judge a run from
//! the log alone.

use std::collections::BTreeMap;
use std::time::Duration;

use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};

use super::{Input, NodeId, Output, RingId, Totem, TotemConfig, TotemEvent};
use crate::planted::PlantedBugs;
use crate::time::Instant;
use crate::wire::{peek_header, Kind};

/// Most events one [`Cluster::run_until`] may process: a livelock (a node
/// re-arming a timer at `now` forever) fails loudly instead of hanging.
const MAX_EVENTS_PER_RUN: u64 = 20_000_000;

/// How one direction of a link treats packets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Link {
    /// Nothing gets through.
    pub cut: bool,
    /// Ordered messages (new and retransmitted) do not get through;
    /// tokens and membership traffic do: a member the token reaches but
    /// data does not.
    pub cut_data: bool,
    /// Chance of losing a packet, per million.
    pub drop_per_million: u32,
    /// Chance of delivering a packet twice, per million.
    pub duplicate_per_million: u32,
    /// Delay, drawn uniformly in this range for every packet: packets
    /// overtake each other when the range is wider than their spacing.
    pub delay_min_us: u64,
    pub delay_max_us: u64,
    /// Chance of a packet taking a slow path, per million: its delay is
    /// drawn from the slow range instead (a stuck queue, a paging
    /// receiver), so it lands long after the packets sent with it.
    pub slow_per_million: u32,
    pub slow_delay_min_us: u64,
    pub slow_delay_max_us: u64,
}

impl Default for Link {
    /// A healthy LAN: 100-400 µs, nothing lost.
    fn default() -> Link {
        Link {
            cut: false,
            cut_data: false,
            drop_per_million: 0,
            duplicate_per_million: 0,
            delay_min_us: 100,
            delay_max_us: 400,
            slow_per_million: 0,
            slow_delay_min_us: 0,
            slow_delay_max_us: 0,
        }
    }
}

/// One thing that happened, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record {
    Started {
        node: NodeId,
        incarnation: u32,
        at: Instant,
    },
    Crashed {
        node: NodeId,
        at: Instant,
    },
    /// The application of `node` asked to send `payload`.
    Sent {
        node: NodeId,
        incarnation: u32,
        at: Instant,
        payload: Vec<u8>,
        safe: bool,
    },
    Delivered {
        node: NodeId,
        incarnation: u32,
        at: Instant,
        sender: NodeId,
        payload: Vec<u8>,
        ring_id: RingId,
        seq: u64,
        safe: bool,
    },
    View {
        node: NodeId,
        incarnation: u32,
        at: Instant,
        ring_id: RingId,
        members: Vec<NodeId>,
        transitional: bool,
    },
}

#[derive(Debug)]
struct Slot {
    totem: Option<Totem>,
    /// What the node's disk keeps across a crash: its highest ring seq.
    ring_seq_floor: u64,
    incarnation: u32,
    sent: u64,
}

#[derive(Debug, Clone)]
struct InFlight {
    from: NodeId,
    to: NodeId,
    bytes: Vec<u8>,
}

/// N totem nodes and the network between them.
#[derive(Debug)]
pub struct Cluster {
    now: Instant,
    rng: ChaCha8Rng,
    config: TotemConfig,
    slots: BTreeMap<NodeId, Slot>,
    links: BTreeMap<(NodeId, NodeId), Link>,
    default_link: Link,
    in_flight: BTreeMap<(Instant, u64), InFlight>,
    /// Packets taken off the wire by [`Cluster::hold_in_flight`].
    held: Vec<InFlight>,
    /// Deliberate bugs every node runs with ([`crate::planted`]); unread
    /// in builds that cannot plant them.
    #[cfg_attr(not(any(test, feature = "planted-bugs")), allow(dead_code))]
    planted: PlantedBugs,
    next_packet: u64,
    /// Deliveries so far, all nodes together (a cheap progress count for
    /// benches, which cannot scan the log after every event).
    delivered: u64,
    pub log: Vec<Record>,
}

impl Cluster {
    /// Every node in `nodes` starts at time zero.
    pub fn new(config: TotemConfig, nodes: &[NodeId], seed: u64) -> Cluster {
        let mut cluster = Cluster {
            now: Instant::ZERO,
            rng: ChaCha8Rng::seed_from_u64(seed),
            config,
            slots: BTreeMap::new(),
            links: BTreeMap::new(),
            default_link: Link::default(),
            in_flight: BTreeMap::new(),
            held: Vec::new(),
            planted: PlantedBugs::NONE,
            next_packet: 0,
            delivered: 0,
            log: Vec::new(),
        };
        for node in nodes {
            cluster.slots.insert(
                *node,
                Slot {
                    totem: None,
                    ring_seq_floor: 0,
                    incarnation: 0,
                    sent: 0,
                },
            );
            cluster.start(*node);
        }
        cluster
    }

    pub fn now(&self) -> Instant {
        self.now
    }

    /// Messages delivered so far, counting every node's deliveries.
    pub fn delivered_count(&self) -> u64 {
        self.delivered
    }

    pub fn node(&self, node: NodeId) -> Option<&Totem> {
        self.slots.get(&node).and_then(|s| s.totem.as_ref())
    }

    /// Nodes that are running.
    pub fn live(&self) -> Vec<NodeId> {
        self.slots
            .iter()
            .filter(|(_, s)| s.totem.is_some())
            .map(|(n, _)| *n)
            .collect()
    }

    /// Datagrams on their way, in arrival order (for corpus makers).
    pub fn in_flight(&self) -> impl Iterator<Item = &[u8]> {
        self.in_flight.values().map(|p| p.bytes.as_slice())
    }

    /// Plants deliberate bugs in every running node and every node started
    /// from now on.
    #[cfg(any(test, feature = "planted-bugs"))]
    pub fn plant(&mut self, bugs: PlantedBugs) {
        self.planted = bugs;
        for totem in self.slots.values_mut().filter_map(|s| s.totem.as_mut()) {
            totem.plant(bugs);
        }
    }

    // ---- faults ----

    pub fn default_link(&self) -> Link {
        self.default_link
    }

    pub fn set_default_link(&mut self, link: Link) {
        self.default_link = link;
    }

    /// Sets the link from `from` to `to` (one way).
    pub fn set_link(&mut self, from: NodeId, to: NodeId, link: Link) {
        self.links.insert((from, to), link);
    }

    pub fn link(&self, from: NodeId, to: NodeId) -> Link {
        self.links
            .get(&(from, to))
            .copied()
            .unwrap_or(self.default_link)
    }

    /// `to` stops hearing `from`.
    pub fn cut_one_way(&mut self, from: NodeId, to: NodeId) {
        let mut link = self.link(from, to);
        link.cut = true;
        self.set_link(from, to, link);
    }

    /// `to` stops receiving `from`'s ordered messages (originals and
    /// retransmissions) but still gets its tokens, joins and merge-detects.
    pub fn cut_data_one_way(&mut self, from: NodeId, to: NodeId) {
        let mut link = self.link(from, to);
        link.cut_data = true;
        self.set_link(from, to, link);
    }

    pub fn cut(&mut self, a: NodeId, b: NodeId) {
        self.cut_one_way(a, b);
        self.cut_one_way(b, a);
    }

    /// Cuts every link between different groups.
    pub fn partition(&mut self, groups: &[&[NodeId]]) {
        for (i, g) in groups.iter().enumerate() {
            for h in groups.iter().skip(i + 1) {
                for a in g.iter() {
                    for b in h.iter() {
                        self.cut(*a, *b);
                    }
                }
            }
        }
    }

    /// Every link back to the default.
    pub fn heal(&mut self) {
        self.links.clear();
    }

    pub fn crash(&mut self, node: NodeId) {
        let slot = self.slots.get_mut(&node).expect("known node");
        if let Some(totem) = slot.totem.take() {
            slot.ring_seq_floor = totem.max_ring_seq();
            self.log.push(Record::Crashed { node, at: self.now });
        }
    }

    /// Forgets what `node`'s disk kept (its ring seq floor), as a node
    /// whose state directory was lost: it restarts from ring seq 0.
    pub fn wipe_disk(&mut self, node: NodeId) {
        self.slots
            .get_mut(&node)
            .expect("known node")
            .ring_seq_floor = 0;
    }

    /// Starts (or restarts, with no memory but its disk) a node.
    pub fn start(&mut self, node: NodeId) {
        let seed = self.rng.next_u64();
        let slot = self.slots.get_mut(&node).expect("known node");
        assert!(slot.totem.is_none(), "node {node} is running");
        slot.incarnation += 1;
        let config = TotemConfig {
            ring_seq_floor: slot.ring_seq_floor,
            ..self.config.clone()
        };
        #[allow(unused_mut)]
        let mut totem = Totem::new(config, node, self.now, seed);
        #[cfg(any(test, feature = "planted-bugs"))]
        totem.plant(self.planted);
        slot.totem = Some(totem);
        let incarnation = slot.incarnation;
        self.log.push(Record::Started {
            node,
            incarnation,
            at: self.now,
        });
        self.drain(node);
    }

    /// Takes the packets now in flight from `from` to `to` off the wire
    /// and keeps them aside, as if stuck in a slow queue, until
    /// [`Cluster::release_held`]: a test can land one packet at an exact
    /// point of the receiver's protocol.
    pub fn hold_in_flight(&mut self, from: NodeId, to: NodeId) {
        let keys: Vec<(Instant, u64)> = self
            .in_flight
            .iter()
            .filter(|(_, p)| p.from == from && p.to == to)
            .map(|(k, _)| *k)
            .collect();
        for key in keys {
            let packet = self.in_flight.remove(&key).expect("listed above");
            self.held.push(packet);
        }
    }

    /// Loses the packets now in flight from `from` to `to`.
    pub fn drop_in_flight(&mut self, from: NodeId, to: NodeId) {
        self.in_flight
            .retain(|_, p| !(p.from == from && p.to == to));
    }

    /// Lets the held packets arrive, in the order they were held, after
    /// the default link's least delay: they left before any cut made
    /// since, so no cut stops them.
    pub fn release_held(&mut self) {
        let at = self.now + Duration::from_micros(self.default_link.delay_min_us);
        for packet in std::mem::take(&mut self.held) {
            self.next_packet += 1;
            self.in_flight.insert((at, self.next_packet), packet);
        }
    }

    // ---- the application ----

    /// `node` sends a fresh message (payload `node/incarnation/counter`),
    /// returned; None if the node is down.
    pub fn send(&mut self, node: NodeId, safe: bool) -> Option<Vec<u8>> {
        let slot = self.slots.get_mut(&node)?;
        let totem = slot.totem.as_mut()?;
        slot.sent += 1;
        let payload = format!("{node}/{}/{}", slot.incarnation, slot.sent).into_bytes();
        totem.handle(
            self.now,
            Input::Send {
                payload: payload.clone(),
                safe,
            },
        );
        let incarnation = slot.incarnation;
        self.log.push(Record::Sent {
            node,
            incarnation,
            at: self.now,
            payload: payload.clone(),
            safe,
        });
        self.drain(node);
        Some(payload)
    }

    // ---- time ----

    fn next_event(&self) -> Option<Instant> {
        let packet = self.in_flight.keys().next().map(|(t, _)| *t);
        let timer = self
            .slots
            .values()
            .filter_map(|s| s.totem.as_ref()?.poll_timeout())
            .min();
        packet.into_iter().chain(timer).min()
    }

    /// Runs every event up to and including `until`, then sets the clock
    /// to `until`.
    pub fn run_until(&mut self, until: Instant) {
        let mut events = 0u64;
        while let Some(at) = self.next_event().filter(|t| *t <= until) {
            events += 1;
            assert!(events < MAX_EVENTS_PER_RUN, "livelock at {at}");
            self.now = self.now.max(at);
            self.step();
        }
        self.now = self.now.max(until);
    }

    pub fn run_for(&mut self, d: Duration) {
        self.run_until(self.now + d);
    }

    /// Runs until `done` holds (checked after every event) or `deadline`;
    /// the time it first held.
    pub fn run_until_true(
        &mut self,
        deadline: Instant,
        mut done: impl FnMut(&Cluster) -> bool,
    ) -> Option<Instant> {
        let mut events = 0u64;
        loop {
            if done(self) {
                return Some(self.now);
            }
            let at = self.next_event().filter(|t| *t <= deadline)?;
            events += 1;
            assert!(events < MAX_EVENTS_PER_RUN, "livelock at {at}");
            self.now = self.now.max(at);
            self.step();
        }
    }

    /// One event at `now`: the earliest packet due, else the due timers of
    /// the lowest node.
    fn step(&mut self) {
        if let Some(entry) = self.in_flight.first_entry() {
            if entry.key().0 <= self.now {
                let packet = entry.remove();
                let now = self.now;
                if let Some(totem) = self
                    .slots
                    .get_mut(&packet.to)
                    .and_then(|s| s.totem.as_mut())
                {
                    totem.handle(
                        now,
                        Input::Datagram {
                            from: Some(packet.from),
                            bytes: packet.bytes,
                        },
                    );
                    self.drain(packet.to);
                }
                return;
            }
        }
        let due = self.slots.iter().find_map(|(n, s)| {
            let t = s.totem.as_ref()?.poll_timeout()?;
            (t <= self.now).then_some(*n)
        });
        if let Some(node) = due {
            let now = self.now;
            let totem = self.slots.get_mut(&node).and_then(|s| s.totem.as_mut());
            totem.expect("due node is live").handle(now, Input::Timeout);
            self.drain(node);
        }
    }

    /// Routes and records everything `node` has to say.
    fn drain(&mut self, node: NodeId) {
        loop {
            let slot = self.slots.get_mut(&node).expect("known node");
            let incarnation = slot.incarnation;
            let Some(output) = slot.totem.as_mut().and_then(|t| t.poll_output()) else {
                return;
            };
            let at = self.now;
            match output {
                Output::Multicast(bytes) => {
                    let others: Vec<NodeId> =
                        self.slots.keys().copied().filter(|n| *n != node).collect();
                    for to in others {
                        self.transmit(node, to, bytes.clone());
                    }
                }
                Output::Unicast { to, bytes } => self.transmit(node, to, bytes),
                Output::Deliver {
                    sender,
                    payload,
                    ring_id,
                    seq,
                    safe,
                } => {
                    self.delivered += 1;
                    self.log.push(Record::Delivered {
                        node,
                        incarnation,
                        at,
                        sender,
                        payload,
                        ring_id,
                        seq,
                        safe,
                    })
                }
                Output::Event(TotemEvent::ViewChanged {
                    ring_id,
                    members,
                    transitional,
                    ..
                }) => self.log.push(Record::View {
                    node,
                    incarnation,
                    at,
                    ring_id,
                    members,
                    transitional,
                }),
                Output::Event(TotemEvent::SendRejected { .. }) => {}
            }
        }
    }

    fn chance(&mut self, per_million: u32) -> bool {
        per_million > 0 && (self.rng.next_u32() % 1_000_000) < per_million
    }

    fn transmit(&mut self, from: NodeId, to: NodeId, bytes: Vec<u8>) {
        let link = self.link(from, to);
        let data = || peek_header(&bytes).is_some_and(|h| h.kind == Kind::Mcast);
        if link.cut || (link.cut_data && data()) || self.chance(link.drop_per_million) {
            return;
        }
        let copies = if self.chance(link.duplicate_per_million) {
            2
        } else {
            1
        };
        for _ in 0..copies {
            let (min_us, max_us) = if self.chance(link.slow_per_million) {
                (link.slow_delay_min_us, link.slow_delay_max_us)
            } else {
                (link.delay_min_us, link.delay_max_us)
            };
            let spread = max_us.saturating_sub(min_us) + 1;
            let delay_us = min_us + self.rng.next_u64() % spread;
            let at = self.now + Duration::from_micros(delay_us);
            self.next_packet += 1;
            self.in_flight.insert(
                (at, self.next_packet),
                InFlight {
                    from,
                    to,
                    bytes: bytes.clone(),
                },
            );
        }
    }
}

mod check;
pub use check::{count_views, settled};
