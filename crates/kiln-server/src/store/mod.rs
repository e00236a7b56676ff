//! The SQLite store: one WAL-mode file with one writer connection behind a mutex and a
//! small pool of read-only connections, all used from blocking threads so that the async
//! runtime never waits on the disk. WAL lets the readers run beside each other and beside
//! the writer; writes stay serialised on the one connection, as SQLite wants.

pub mod builds;
pub mod history;
mod migrations;
pub mod notifications;
pub mod search;
pub mod transactions;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kiln_api::Timestamp;
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use rusqlite::{Connection, OpenFlags};

/// Read-only connections: enough for both cores and a reader waiting on the disk.
const READERS: u32 = 4;
/// How long a statement waits for a lock, and a read for a free connection.
const WAIT: Duration = Duration::from_secs(5);

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("no database connection came free: {0}")]
    Pool(#[from] r2d2::Error),
    #[error("a database task panicked or was cancelled")]
    Task,
    #[error("the database lock was poisoned by a panic")]
    Poisoned,
}

pub type StoreResult<T> = Result<T, StoreError>;

#[derive(Debug, Clone)]
pub struct Store {
    writer: Arc<Mutex<Connection>>,
    readers: r2d2::Pool<ReadOnly>,
    /// Counts the writer's calls twice: once before a call begins and once after it ended,
    /// so it is odd while a write may be under way. See [`Store::generation`].
    generation: Arc<AtomicU64>,
}

/// The store's write generation while no write is under way: two reads that see the same
/// generation see the same committed state. See [`Store::generation`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Generation(u64);

/// Ends a write in the generation count even when the write fails or panics.
struct WriteInProgress<'a>(&'a AtomicU64);

impl<'a> WriteInProgress<'a> {
    fn begin(generation: &'a AtomicU64) -> Self {
        generation.fetch_add(1, Ordering::SeqCst);
        WriteInProgress(generation)
    }
}

impl Drop for WriteInProgress<'_> {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// Opens read-only connections to the store's file for the pool. (`r2d2_sqlite` does the
/// same but pins an older rusqlite, and one build links only one SQLite.)
#[derive(Debug)]
struct ReadOnly {
    path: PathBuf,
}

impl r2d2::ManageConnection for ReadOnly {
    type Connection = Connection;
    type Error = rusqlite::Error;

    fn connect(&self) -> rusqlite::Result<Connection> {
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI;
        let conn = Connection::open_with_flags(&self.path, flags)?;
        conn.busy_timeout(WAIT)?;
        conn.pragma_update(None, "query_only", true)?;
        Ok(conn)
    }

    fn is_valid(&self, conn: &mut Connection) -> rusqlite::Result<()> {
        conn.execute_batch("")
    }

    fn has_broken(&self, _conn: &mut Connection) -> bool {
        false
    }
}

impl Store {
    /// Opens (creating if needed) the database and brings its schema up to date.
    pub fn open(path: &Path) -> StoreResult<Store> {
        let mut conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(WAIT)?;
        migrations::migrate(&mut conn)?;
        // After the writer: a read-only connection cannot create the WAL files.
        let readers = r2d2::Pool::builder()
            .max_size(READERS)
            .min_idle(Some(1))
            .connection_timeout(WAIT)
            .build(ReadOnly { path: path.to_path_buf() })?;
        Ok(Store { writer: Arc::new(Mutex::new(conn)), readers, generation: Arc::new(AtomicU64::new(0)) })
    }

    /// The write generation, or `None` while a write may be under way.
    ///
    /// Every write goes through the writer connection ([`Store::call`], [`Store::call_sync`]),
    /// which moves the count to odd before its closure runs and back to even after it
    /// returned (committed or not). So while two calls of this function return the same
    /// `Some(g)`, no write can have committed between them: anything read from the store
    /// after the first call saw `Some(g)` is still what any reader would see, and may be
    /// answered from a cache keyed by `g` (`http/page_cache.rs`). A change made to the file
    /// by another process (only tests do that) is not counted.
    pub fn generation(&self) -> Option<Generation> {
        let g = self.generation.load(Ordering::SeqCst);
        g.is_multiple_of(2).then_some(Generation(g))
    }

    /// Runs `f` with the writer connection on a blocking thread. Every write goes here (one
    /// at a time, in call order); reads that must see a write of the same call too.
    pub async fn call<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> StoreResult<T> + Send + 'static,
    {
        let conn = Arc::clone(&self.writer);
        let generation = Arc::clone(&self.generation);
        tokio::task::spawn_blocking(move || {
            let mut guard = conn.lock().map_err(|_| StoreError::Poisoned)?;
            let _write = WriteInProgress::begin(&generation);
            f(&mut guard)
        })
        .await
        .map_err(|_| StoreError::Task)?
    }

    /// Runs `f` on a read-only connection of the pool, on a blocking thread, inside one
    /// read transaction so that its queries see one state of the store. It sees every
    /// write that was committed before it began.
    pub async fn read<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
    {
        let pool = self.readers.clone();
        tokio::task::spawn_blocking(move || {
            let conn = pool.get()?;
            let tx = conn.unchecked_transaction()?;
            let out = f(&tx)?;
            tx.finish()?;
            Ok(out)
        })
        .await
        .map_err(|_| StoreError::Task)?
    }

    /// Runs `f` with the writer connection on the current thread; for start-up and tests.
    pub fn call_sync<T>(&self, f: impl FnOnce(&mut Connection) -> StoreResult<T>) -> StoreResult<T> {
        let mut guard = self.writer.lock().map_err(|_| StoreError::Poisoned)?;
        let _write = WriteInProgress::begin(&self.generation);
        f(&mut guard)
    }
}

pub(crate) fn now_ms() -> i64 {
    Timestamp::new(time::OffsetDateTime::now_utc()).unix_millis()
}

pub(crate) fn ts(ms: Option<i64>) -> Option<Timestamp> {
    ms.and_then(Timestamp::from_unix_millis)
}

pub(crate) fn ts_or_epoch(ms: i64) -> Timestamp {
    Timestamp::from_unix_millis(ms)
        .or_else(|| Timestamp::from_unix_millis(0))
        .expect("the Unix epoch is a valid timestamp")
}

/// A column holding JSON (lists, maps, the request, a placement): `row.get::<_, Json<T>>(i)?.0`
/// to read, `Json(&value)` to write. A value that does not decode is a conversion error.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Json<T>(pub T);

impl<T: serde::de::DeserializeOwned> FromSql for Json<T> {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        serde_json::from_slice(value.as_bytes()?).map(Json).map_err(|e| FromSqlError::Other(Box::new(e)))
    }
}

impl<T: serde::Serialize> ToSql for Json<T> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        serde_json::to_string(&self.0)
            .map(ToSqlOutput::from)
            .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::{Duration, Instant};

    use super::*;

    /// A read that counts itself in, then waits (a bounded while) to see the other one in.
    async fn read_beside(store: &Store, inside: Arc<AtomicUsize>) -> StoreResult<bool> {
        store
            .read(move |c| {
                let _: i64 = c.query_row("SELECT COUNT(*) FROM builds", [], |r| r.get(0))?;
                inside.fetch_add(1, Ordering::SeqCst);
                let deadline = Instant::now() + Duration::from_secs(5);
                while inside.load(Ordering::SeqCst) < 2 && Instant::now() < deadline {
                    std::thread::sleep(Duration::from_millis(1));
                }
                Ok(inside.load(Ordering::SeqCst) >= 2)
            })
            .await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn reads_run_side_by_side_and_cannot_write() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(&dir.path().join("kiln.sqlite3")).expect("open");
        // With one connection the second read would start only after the first gave up.
        let inside = Arc::new(AtomicUsize::new(0));
        let (a, b) = tokio::join!(read_beside(&store, inside.clone()), read_beside(&store, inside));
        assert!(a.expect("first read") && b.expect("second read"), "two reads were in the store at once");

        let write = store.read(|c| Ok(c.execute("DELETE FROM builds", [])?)).await;
        assert!(write.is_err(), "a read connection refuses to write");
    }
}
