//! The build engine: submission, preview, scheduling, running and stopping jobs.
//!
//! All live scheduling state sits behind one mutex ([`scheduler::Live`]). Transitions are
//! decided while it is held and queued, in that order, for one writer task
//! ([`changes::Changes`]) that writes them to the store and then publishes their events;
//! no I/O is awaited with the lock held. Submissions are serialised by a lock of their own
//! (source imports and the build's insert happen under it, not under the scheduler's).

mod changes;
pub mod executor;
pub(crate) mod log_streams;
mod options;
pub(crate) mod process;
mod recovery;
mod runner;
mod scheduler;
mod sources;
mod submit;

use std::sync::Arc;

use kiln_api::ErrorName;
use tokio::sync::Notify;

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
    /// Held only for decisions, never across an `.await` (a `std` mutex makes sure).
    live: std::sync::Mutex<scheduler::Live>,
    /// Where decided changes queue for the store and the event bus, in order.
    changes: changes::Changes,
    wake: Notify,
    /// One submission at a time: idempotency and queueing decide against a stable set of
    /// builds. Job ends and stops never wait for it.
    submit_lock: tokio::sync::Mutex<()>,
    /// Serialises source imports so that two submissions never import one change twice.
    import_lock: tokio::sync::Mutex<()>,
}

impl Engine {
    /// Builds the engine and starts its store writer; call it inside the Tokio runtime.
    pub fn new(
        store: Store,
        pipeline: Arc<Pipeline>,
        data: DataDir,
        events: EventBus,
        workers: usize,
        executor: executor::Executor,
    ) -> Engine {
        let changes = changes::Changes::start(store.clone(), events.clone());
        Engine {
            inner: Arc::new(Inner {
                store,
                pipeline,
                data,
                events,
                workers: workers.max(1),
                executor,
                live: std::sync::Mutex::new(scheduler::Live::default()),
                changes,
                wake: Notify::new(),
                submit_lock: tokio::sync::Mutex::new(()),
                import_lock: tokio::sync::Mutex::new(()),
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

    /// Imports changed source folders and starts the scheduler loop.
    pub async fn start(&self) -> Result<(), EngineError> {
        self.import_sources().await?;
        let engine = self.clone();
        tokio::spawn(async move {
            loop {
                engine.inner.wake.notified().await;
                engine.tick().await;
            }
        });
        Ok(())
    }
}
