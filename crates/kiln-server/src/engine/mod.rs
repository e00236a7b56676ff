//! The build engine: submission, preview, scheduling, running and stopping jobs.
//!
//! All live scheduling state sits behind one async mutex ([`scheduler::Live`]); every
//! change is written to the store and published on the event bus while it is held, so
//! the store, the events and the scheduler never disagree about a job's state.

pub mod executor;
mod options;
pub(crate) mod process;
mod recovery;
mod runner;
mod scheduler;
mod sources;
mod submit;

use std::sync::Arc;

use kiln_api::ErrorName;
use kiln_api::teams::Event;
use tokio::sync::{Mutex, Notify};

pub use options::BuildOptions;

use crate::events::EventBus;
use crate::paths::DataDir;
use crate::pipeline::Pipeline;
use crate::store::{Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The request cannot be honoured; `field` names the request field at fault.
    #[error("{message}")]
    Invalid { name: ErrorName, field: Option<String>, message: String },
    /// The request clashes with the state of what it names.
    #[error("{message}")]
    Conflict { name: ErrorName, message: String },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("file system error: {0}")]
    Io(#[from] std::io::Error),
}

impl EngineError {
    pub(crate) fn invalid(name: ErrorName, field: impl Into<String>, message: impl Into<String>) -> Self {
        EngineError::Invalid { name, field: Some(field.into()), message: message.into() }
    }

    pub(crate) fn conflict(name: ErrorName, message: impl Into<String>) -> Self {
        EngineError::Conflict { name, message: message.into() }
    }
}

#[derive(Debug, Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    store: Store,
    pipeline: Arc<Pipeline>,
    data: DataDir,
    events: EventBus,
    workers: usize,
    executor: executor::Executor,
    live: Mutex<scheduler::Live>,
    wake: Notify,
    /// Serialises source imports so that two submissions never import one change twice.
    import_lock: Mutex<()>,
}

impl Engine {
    pub fn new(
        store: Store,
        pipeline: Arc<Pipeline>,
        data: DataDir,
        events: EventBus,
        workers: usize,
        executor: executor::Executor,
    ) -> Engine {
        Engine {
            inner: Arc::new(Inner {
                store,
                pipeline,
                data,
                events,
                workers: workers.max(1),
                executor,
                live: Mutex::new(scheduler::Live::default()),
                wake: Notify::new(),
                import_lock: Mutex::new(()),
            }),
        }
    }

    pub fn pipeline(&self) -> &Arc<Pipeline> {
        &self.inner.pipeline
    }

    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    pub fn data_dir(&self) -> &DataDir {
        &self.inner.data
    }

    pub fn events(&self) -> &EventBus {
        &self.inner.events
    }

    fn publish(&self, event: Event) {
        self.inner.events.publish(event);
    }

    /// Imports changed source folders and starts the scheduler loop.
    pub async fn start(&self) -> Result<(), EngineError> {
        self.import_sources().await?;
        let engine = self.clone();
        tokio::spawn(async move {
            loop {
                engine.inner.wake.notified().await;
                if let Err(e) = engine.tick().await {
                    tracing::error!(error = %e, "scheduler pass failed");
                }
            }
        });
        Ok(())
    }
}
