//! The cluster information base: configuration and status, as typed values,
//! with its two textual views (the crm shell language and Pacemaker's XML)
//! and the checks crm_verify makes.

#[cfg(any(test, feature = "testgen"))]
pub mod arbitrary;
pub mod crm;
pub mod model;
pub mod score;
pub mod status;
pub mod verify;
pub mod xml;

pub use model::*;
pub use score::{Score, ScoreError};
pub use status::*;
