//! Kiln's wire contract as Rust types.
//!
//! This crate is the single source of truth for the JSON that crosses the wire between
//! the console and any build service. The contract is written down in `docs/api.md`.

pub mod build2;
pub mod error;
pub mod log_streams;
#[cfg(feature = "openapi")]
mod openapi;
pub mod orchestration;
pub mod pipeline;
pub mod rid;
#[cfg(feature = "rusqlite")]
mod sql;
pub mod team;
pub mod teams;
pub mod timestamp;

pub use error::{ConjureError, ErrorCode, ErrorName};
pub use log_streams::{LOG_STDERR_HEADER, StderrRanges};
pub use rid::{Rid, RidError};
pub use team::{TeamName, TeamNameError};
pub use timestamp::Timestamp;

/// Response header carrying the byte offset to ask for next when tailing a log.
pub const LOG_NEXT_OFFSET_HEADER: &str = "Kiln-Log-Next-Offset";
/// Response header saying whether a log will grow no further.
pub const LOG_COMPLETE_HEADER: &str = "Kiln-Log-Complete";
/// Request header choosing the team a build2 submission belongs to.
pub const TEAM_HEADER: &str = "Kiln-Team";
