//! cohort's deterministic simulator.
//!
//! A [`world::World`] runs N nodes, a network and a seeded fault schedule
//! on one virtual clock ([`clock::EventQueue`]); [`checker`] judges the run
//! (safety all along, liveness after the heal); [`replay`] runs one seed or
//! a range of them and measures; [`timeline`] draws what happened. A run
//! is a function of its scenario, seed, fault mode and planted bugs; or
//! of bytes in place of the seed ([`replay::run_bytes`]), the input of the
//! `sim_world` fuzz target ([`fuzz`]).
//!
//! Two kinds of node run in it: totem and votequorum alone
//! ([`node::MembershipNode`], for the delivery checkers) and core's whole
//! cluster node ([`node::ClusterNode`]), served by resource agents that
//! keep the ground truth ([`agents`]), disks ([`disk`]), fence devices
//! ([`fencer`]) and a scripted administrator ([`admin`]).

pub mod admin;
pub mod agents;
pub mod checker;
pub mod clock;
pub mod demo;
pub mod disk;
pub mod faults;
pub mod fencer;
pub mod figures;
pub mod fuzz;
pub mod history;
pub mod local_time;
pub mod network;
pub mod node;
pub mod replay;
pub mod rng;
pub mod scenario;
pub mod sweep;
pub mod timeline;
pub mod trace;
pub mod world;
