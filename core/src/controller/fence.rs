//! The fencing interface between a node and the runtime (or simulator):
//! the controller asks for a node to be powered off or rebooted through a
//! stonith device; the runtime runs the fence agent and reports whether
//! the target is now certainly down.

use serde::{Deserialize, Serialize};

use crate::executor::AgentSpec;
use crate::policy::FenceAction;
use crate::totem::NodeId;

/// The runtime's handle for one fence request.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
pub struct FenceId(pub u64);

/// `Output::Fence`: make `target` certainly down with `device`, within
/// `timeout_ms`; answer with `Input::FenceDone`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FenceRequest {
    pub id: FenceId,
    /// The victim's name, as the CIB names it.
    pub target: String,
    /// The victim's node id, when the view ever knew it.
    pub target_id: Option<NodeId>,
    pub action: FenceAction,
    /// The stonith resource used (its id in the configuration).
    pub device: String,
    pub agent: AgentSpec,
    pub params: Vec<(String, String)>,
    pub timeout_ms: u64,
}
