//! The console's only way to the network. `client` sends requests and maps every
//! failure to `ApiError`; the other modules name the contract's endpoints on top of it.

pub mod build2;
pub mod catalog;
mod client;
pub mod config;
mod error;
pub mod events;
pub mod pipeline;
pub mod teams;

pub use client::{Client, LogChunk, Surface, encode};
pub use error::ApiError;
