//! The console's only way to the network. `client` sends requests and maps every
//! failure to `ApiError`; the other modules name the contract's endpoints on top of it.
//! `service` is the one place where the two kinds of service (build2 with the teams
//! surface, Foundry's public API) differ.

pub mod build2;
pub mod catalog;
mod client;
pub mod config;
mod error;
pub mod events;
pub mod foundry;
pub mod health;
pub mod pipeline;
pub mod service;
pub mod teams;

pub use client::{Client, LogChunk, Surface, encode};
pub use error::{ApiError, js_reason};
pub use service::{Capabilities, ExternalLink, OfficialClient, Polling, Service, Support};
