//! cohort's pure core: every state machine and every format, and no I/O.
//!
//! Nothing in this crate reads a clock, touches a file or a socket, spawns a
//! thread or draws ambient randomness (`clippy.toml` enforces it). Time and
//! seeds are arguments; effects are returned as data.

pub mod agent;
pub mod cib;
pub mod config;
pub mod control;
pub mod controller;
pub mod executor;
pub mod mon;
pub mod node;
pub mod planted;
pub mod policy;
pub mod quorum;
pub mod time;
pub mod totem;
pub mod wire;
