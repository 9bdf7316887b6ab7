//! Resource agents as the configuration sees them: what an agent's meta-data
//! declares, and whether a primitive's parameters and ops fit it.
//!
//! Finding and running an agent is the runtime's job; this module only reads
//! the text the agent printed for `meta-data` and judges a primitive by it.

pub mod check;
pub mod metadata;

pub use check::{check_primitive, AgentFinding};
pub use metadata::{ActionSpec, AgentMetadata, MetadataError, ParamSpec};
