//! The deterministic world: one virtual clock and an event queue ordered by
//! `(time, sequence)`. Nodes, the network, disks, agents and faults are added
//! on top of this queue by later milestones; everything that happens in a run
//! is a function of its seed and the events scheduled here.

pub mod clock;
