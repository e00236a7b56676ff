//! The scheduler's changes, written to the store and published in the order they were
//! decided.
//!
//! The scheduler decides under its lock and queues what it decided here before it lets go
//! of the lock (queueing is a channel send, never I/O). One writer task takes the batches
//! in queue order, writes each in one SQLite transaction and then publishes its events, so
//! the store and the event stream see every build's changes in the order they happened,
//! while nobody waits on the disk with the lock held.

use kiln_api::Rid;
use kiln_api::build2::BuildStatus;
use kiln_api::teams::{Event, JobEvent, Notification, TeamBuild};
use tokio::sync::{mpsc, oneshot};

use crate::events::EventBus;
use crate::store::builds::{self, JobRow};
use crate::store::{Store, StoreError, notifications};

/// One decided change: what to write, and the event that tells the watchers.
#[derive(Debug)]
pub(crate) enum Change {
    /// A job's row changed: its state, attempt count, inputs or outputs.
    Job { row: Box<JobRow>, event: Box<JobEvent> },
    /// A build's first job started.
    BuildStarted { rid: Rid, ms: i64, event: TeamBuild },
    /// A build ended.
    BuildFinished { rid: Rid, status: BuildStatus, error: Option<String>, ms: i64, event: TeamBuild },
    /// A build's end, for the notification feed; the store assigns the id.
    Notification(Notification),
    /// Nothing to write (the rows are already stored), only the event, in its place in the order.
    Publish(Event),
}

/// Resolves once a batch (and so every batch queued before it) is written, or says why not.
pub(crate) type Written = oneshot::Receiver<Result<(), StoreError>>;

#[derive(Debug)]
struct Batch {
    changes: Vec<Change>,
    done: Option<oneshot::Sender<Result<(), StoreError>>>,
}

/// The queue in front of the writer task.
#[derive(Debug, Clone)]
pub(crate) struct Changes {
    queue: mpsc::UnboundedSender<Batch>,
}

impl Changes {
    /// Starts the writer task; it ends when the last `Changes` is dropped.
    pub fn start(store: Store, events: EventBus) -> Changes {
        let (queue, rx) = mpsc::unbounded_channel();
        tokio::spawn(write_in_order(rx, store, events));
        Changes { queue }
    }

    /// Queues changes. Call it with the scheduler's lock held, so that the queue's order is
    /// the order of the decisions.
    pub fn push(&self, changes: Vec<Change>) {
        if !changes.is_empty() {
            self.send(changes, None);
        }
    }

    /// Queues changes (possibly none) and returns what resolves once they are written.
    pub fn push_acked(&self, changes: Vec<Change>) -> Written {
        let (tx, rx) = oneshot::channel();
        self.send(changes, Some(tx));
        rx
    }

    fn send(&self, changes: Vec<Change>, done: Option<oneshot::Sender<Result<(), StoreError>>>) {
        if let Err(mpsc::error::SendError(batch)) = self.queue.send(Batch { changes, done }) {
            // Only at the very end of the process: nothing is left to write to.
            tracing::error!(changes = batch.changes.len(), "the store writer is gone; changes dropped");
            if let Some(done) = batch.done {
                let _ = done.send(Err(StoreError::Task));
            }
        }
    }
}

/// Waits for a batch to be written.
pub(crate) async fn written(w: Written) -> Result<(), StoreError> {
    w.await.unwrap_or(Err(StoreError::Task))
}

async fn write_in_order(mut rx: mpsc::UnboundedReceiver<Batch>, store: Store, events: EventBus) {
    while let Some(Batch { changes, done }) = rx.recv().await {
        let result = if changes.is_empty() { Ok(Vec::new()) } else { store.call(move |c| write(c, changes)).await };
        let result = match result {
            Ok(published) => {
                for event in published {
                    events.publish(event);
                }
                Ok(())
            }
            Err(e) => {
                tracing::error!(error = %e, "could not write the scheduler's changes");
                Err(e)
            }
        };
        if let Some(done) = done {
            // The waiter may have gone away (its request ended); the write stands.
            let _ = done.send(result);
        }
    }
}

/// Writes one batch in one transaction; returns its events, to publish once it committed.
fn write(conn: &mut rusqlite::Connection, changes: Vec<Change>) -> Result<Vec<Event>, StoreError> {
    let tx = conn.transaction()?;
    let mut events = Vec::with_capacity(changes.len());
    for change in changes {
        match change {
            Change::Job { row, event } => {
                builds::update_job(&tx, &row)?;
                events.push(Event::Job(*event));
            }
            Change::BuildStarted { rid, ms, event } => {
                builds::set_build_started(&tx, &rid, ms)?;
                events.push(Event::Build(event));
            }
            Change::BuildFinished { rid, status, error, ms, event } => {
                builds::finish_build(&tx, &rid, status, error.as_deref(), ms)?;
                events.push(Event::Build(event));
            }
            Change::Notification(mut n) => {
                n.id = notifications::insert(&tx, &n)?;
                events.push(Event::Notification(n));
            }
            Change::Publish(event) => events.push(event),
        }
    }
    tx.commit()?;
    Ok(events)
}
