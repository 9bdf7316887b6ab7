//! Invariant checkers: safety over the whole history, quorum safety at
//! every instant, liveness after the heal.
//!
//! Each checker is a function of recorded facts only (the history, or node
//! statuses at one instant), so each has unit tests that feed it a
//! violating history by hand and see it fire.

pub mod acked;
pub mod cib;
mod liveness;
mod order;
pub mod placement;
mod quorum;
mod resources;
mod ring;
mod segments;
mod synchrony;
pub mod view;

use std::collections::BTreeMap;
use std::fmt;

use cohort_core::time::Instant;

use crate::history::History;

pub use liveness::check_delivered;
pub use quorum::{QuorumView, QuorumWatch};
pub use resources::{check as check_resources, Rules};

/// Most violations kept per run: the first ones tell the story.
pub const MAX_VIOLATIONS: usize = 64;

/// What kind of property broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ViolationKind {
    /// Two members of one configuration delivered different messages at
    /// the same place in the order, or a member went backwards in it.
    AgreedOrder,
    /// Members that moved together from one view to the next delivered
    /// different messages in the first, or saw different transitional
    /// members; or a member's views and deliveries are not in EVS shape.
    VirtualSynchrony,
    /// A safe message was delivered before every member that went on held
    /// it.
    SafeDelivery,
    /// A member delivered one message twice.
    Duplicate,
    /// A member delivered a message nobody sent.
    Invented,
    /// A member's ring ids did not grow, or a view left the member out.
    RingId,
    /// A ring id named two different configurations (a node restarted and
    /// numbered a ring as an earlier life had). Known: totem keeps no ring
    /// seq across a restart yet (corosync persists it), so this is
    /// counted, not a failure, until the node persists it.
    RingIdReused,
    /// Two partitions with no member in common were quorate at once.
    SplitBrain,
    /// The same, where the configuration allows it (two_node): counted,
    /// not a failure.
    SplitBrainByConfiguration,
    /// After the heal, the nodes did not reach one quorate view in time.
    NoSingleView,
    /// After the heal, a message was not delivered where it had to be.
    NotDelivered,
    /// The world processed more events than any sane run needs.
    Livelock,
    /// A state machine panicked (an assertion of its own broke).
    Panic,
    /// A resource that is not a clone really ran on two nodes at once.
    RunsTwice,
    /// The same, where the configuration gave up safety (stonith disabled
    /// with no-quorum-policy=ignore or two_node): counted, not a failure.
    RunsTwiceByConfiguration,
    /// A mandatory order's `then` started while the cluster had its
    /// `first` stopped.
    OrderBroken,
    /// An INFINITY colocation's dependent ran apart from its anchor after
    /// a transition completed.
    ColocationBroken,
    /// Members of the settled view hold different configurations.
    CibDiverged,
    /// A change acknowledged to the administrator is not in the
    /// configuration the nodes ended with.
    AckedChangeLost,
    /// After the single view, the resources did not reach the placement
    /// the policy engine computes within the bound.
    NotPlaced,
}

impl ViolationKind {
    pub fn name(self) -> &'static str {
        match self {
            ViolationKind::AgreedOrder => "agreed-order",
            ViolationKind::VirtualSynchrony => "virtual-synchrony",
            ViolationKind::SafeDelivery => "safe-delivery",
            ViolationKind::Duplicate => "duplicate",
            ViolationKind::Invented => "invented",
            ViolationKind::RingId => "ring-id",
            ViolationKind::RingIdReused => "ring-id-reused",
            ViolationKind::SplitBrain => "split-brain",
            ViolationKind::SplitBrainByConfiguration => "split-brain-by-configuration",
            ViolationKind::NoSingleView => "no-single-view",
            ViolationKind::NotDelivered => "not-delivered",
            ViolationKind::Livelock => "livelock",
            ViolationKind::Panic => "panic",
            ViolationKind::RunsTwice => "runs-twice",
            ViolationKind::RunsTwiceByConfiguration => "runs-twice-by-configuration",
            ViolationKind::OrderBroken => "order-broken",
            ViolationKind::ColocationBroken => "colocation-broken",
            ViolationKind::CibDiverged => "cib-diverged",
            ViolationKind::AckedChangeLost => "acked-change-lost",
            ViolationKind::NotPlaced => "not-placed",
        }
    }

    /// Whether a run with this violation failed.
    pub fn is_failure(self) -> bool {
        !matches!(
            self,
            ViolationKind::SplitBrainByConfiguration
                | ViolationKind::RingIdReused
                | ViolationKind::RunsTwiceByConfiguration
        )
    }
}

impl fmt::Display for ViolationKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One broken property, with where and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub kind: ViolationKind,
    pub at: Instant,
    pub detail: String,
}

impl Violation {
    pub fn new(kind: ViolationKind, at: Instant, detail: impl Into<String>) -> Violation {
        Violation {
            kind,
            at,
            detail: detail.into(),
        }
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at {}: {}", self.kind, self.at, self.detail)
    }
}

/// Violations of one run: the first [`MAX_VIOLATIONS`] kept, all counted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Violations {
    kept: Vec<Violation>,
    counts: BTreeMap<ViolationKind, u64>,
}

impl Violations {
    pub fn push(&mut self, v: Violation) {
        *self.counts.entry(v.kind).or_default() += 1;
        if self.kept.len() < MAX_VIOLATIONS {
            self.kept.push(v);
        }
    }

    pub fn extend(&mut self, vs: impl IntoIterator<Item = Violation>) {
        for v in vs {
            self.push(v);
        }
    }

    pub fn kept(&self) -> &[Violation] {
        &self.kept
    }

    pub fn counts(&self) -> &BTreeMap<ViolationKind, u64> {
        &self.counts
    }

    /// Whether any violation makes the run fail.
    pub fn failed(&self) -> bool {
        self.counts.keys().any(|k| k.is_failure())
    }

    /// `kind=count` pairs, for one line.
    pub fn summary(&self) -> String {
        self.counts
            .iter()
            .map(|(k, n)| format!("{k}={n}"))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Every history-based safety checker: agreed order, duplicates, invented
/// messages, virtual synchrony, safe delivery, ring ids.
pub fn check_safety(history: &History) -> Vec<Violation> {
    let segs = segments::split(history.records());
    let mut out = segs.malformed.clone();
    out.extend(order::check(history.records(), &segs));
    out.extend(synchrony::check(&segs));
    out.extend(ring::check(history.records()));
    out
}

/// The history checks that hold for a cluster node, which reports its
/// regular views but no raw deliveries: ring ids.
pub fn check_cluster_safety(history: &History) -> Vec<Violation> {
    ring::check(history.records())
}

#[cfg(test)]
mod tests;
