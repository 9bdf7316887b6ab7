//! Deliberate protocol bugs, planted to prove that the simulator finds them.
//!
//! A simulator that finds nothing proves nothing until it has found these
//! (issue 5). Each layer that hosts a planted bug keeps a [`PlantedBugs`]
//! set and asks [`PlantedBugs::has`] at the one place where the bug bites;
//! the simulator turns bugs on through the layer's `plant` method.
//!
//! The switch is test-only: without the `planted-bugs` feature (or
//! `cfg(test)`), [`PlantedBugs::has`] is a constant `false` and no `plant`
//! method exists, so a production build cannot turn one on and the check
//! folds away.
//!
//! Totem hosts one too ([`PlantedBug::TotemSkipsRecoveryRetransmission`]),
//! planted through `Totem::plant`.
//!
//! Adding a bug to another layer (say the CIB losing an update): add a
//! variant here with its name, keep a `PlantedBugs` in the layer's state,
//! add a `#[cfg(any(test, feature = "planted-bugs"))] pub fn plant(&mut
//! self, bugs: PlantedBugs)`, and test `self.planted.has(..)` where the
//! bug goes. The simulator's `--planted NAME` picks it up through
//! [`PlantedBug::ALL`].

use std::fmt;

/// One deliberate bug.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PlantedBug {
    /// votequorum counts the votes of members that just left the view as if
    /// they were still here, so a minority that was cut off stays quorate.
    QuorumCountsDeparted,
    /// votequorum declares every partition quorate.
    QuorumIgnored,
    /// Totem's recovery re-sends no old-ring messages: each member that
    /// carries on delivers only the old messages it happens to hold, so
    /// members moving together can deliver different sets (breaks extended
    /// virtual synchrony).
    TotemSkipsRecoveryRetransmission,
}

impl PlantedBug {
    /// Every planted bug, in a fixed order.
    pub const ALL: [PlantedBug; 3] = [
        PlantedBug::QuorumCountsDeparted,
        PlantedBug::QuorumIgnored,
        PlantedBug::TotemSkipsRecoveryRetransmission,
    ];

    /// The name the simulator's command line uses.
    pub fn name(self) -> &'static str {
        match self {
            PlantedBug::QuorumCountsDeparted => "quorum-counts-departed",
            PlantedBug::QuorumIgnored => "quorum-ignored",
            PlantedBug::TotemSkipsRecoveryRetransmission => "totem-skips-recovery-retransmission",
        }
    }

    /// Whether the bug lives in totem (found as a broken delivery
    /// guarantee) rather than in votequorum (found as split brain).
    pub fn is_totem(self) -> bool {
        matches!(self, PlantedBug::TotemSkipsRecoveryRetransmission)
    }

    pub fn from_name(name: &str) -> Option<PlantedBug> {
        PlantedBug::ALL.into_iter().find(|b| b.name() == name)
    }

    fn bit(self) -> u32 {
        1 << (self as u32)
    }
}

impl fmt::Display for PlantedBug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A set of planted bugs; empty by default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct PlantedBugs(u32);

impl PlantedBugs {
    pub const NONE: PlantedBugs = PlantedBugs(0);

    /// The set holding `bug` too.
    pub fn with(self, bug: PlantedBug) -> PlantedBugs {
        PlantedBugs(self.0 | bug.bit())
    }

    /// Whether `bug` is planted. Always false in builds without the switch.
    #[inline]
    pub fn has(self, bug: PlantedBug) -> bool {
        cfg!(any(test, feature = "planted-bugs")) && self.0 & bug.bit() != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The planted bugs, in [`PlantedBug::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = PlantedBug> {
        PlantedBug::ALL
            .into_iter()
            .filter(move |b| self.0 & b.bit() != 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_sets_hold_what_was_added() {
        for bug in PlantedBug::ALL {
            assert_eq!(PlantedBug::from_name(bug.name()), Some(bug));
        }
        assert_eq!(PlantedBug::from_name("nonsense"), None);
        let set = PlantedBugs::NONE.with(PlantedBug::QuorumIgnored);
        assert!(set.has(PlantedBug::QuorumIgnored));
        assert!(!set.has(PlantedBug::QuorumCountsDeparted));
        assert_eq!(set.iter().collect::<Vec<_>>(), [PlantedBug::QuorumIgnored]);
        assert!(PlantedBugs::NONE.is_empty());
    }
}
