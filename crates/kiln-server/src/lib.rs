//! Kiln's reference build service: a lineage from a pipeline file, selections and
//! staleness, real subprocess jobs, team views, and one SQLite file.
//!
//! Layers, from the outside in: `http` (routes, extractors, errors) → `engine`
//! (submission, scheduling, running) → `lineage`/`staleness` (pure decisions over the
//! `pipeline`) → `store` (SQLite). See the crate README for the architecture note.

pub mod config;
pub mod demo;
pub mod engine;
pub mod events;
pub mod http;
pub mod ids;
pub mod lineage;
pub mod oidc;
pub mod paths;
pub mod pipeline;
pub mod server;
pub mod staleness;
pub mod state;
pub mod store;
pub mod views;

pub use config::{AuthConfig, ServerConfig};
pub use server::{RunningServer, run, start};
pub use state::{AppState, StartError};

/// The whole HTTP application over a state.
pub fn app(state: AppState) -> axum::Router {
    http::router(state)
}
