//! cohort's deterministic simulator.
//!
//! A [`world::World`] runs N nodes, a network and a seeded fault schedule
//! on one virtual clock ([`clock::EventQueue`]); [`checker`] judges the run
//! (safety all along, liveness after the heal); [`replay`] runs one seed or
//! a range of them and measures; [`timeline`] draws what happened. A run
//! is a function of its scenario, seed, fault mode and planted bugs.
//!
//! What the world simulates today is what exists of a cohort node: totem
//! and votequorum ([`node::MembershipNode`]). Disks, resource agents and
//! fence devices (issue 5's world components) come with the cluster node
//! of issue 6, which plugs in as another [`node::NodeKind`].

pub mod checker;
pub mod clock;
pub mod faults;
pub mod figures;
pub mod history;
pub mod local_time;
pub mod network;
pub mod node;
pub mod replay;
pub mod rng;
pub mod scenario;
pub mod timeline;
pub mod trace;
pub mod world;
