//! The SQLite store: one WAL-mode file, one connection behind a mutex, used from
//! blocking threads so that the async runtime never waits on the disk.

pub mod builds;
pub mod history;
mod migrations;
pub mod notifications;
pub mod transactions;

use std::path::Path;
use std::sync::{Arc, Mutex};

use kiln_api::{Rid, TeamName, Timestamp};
use rusqlite::Connection;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("a database task panicked or was cancelled")]
    Task,
    #[error("the database lock was poisoned by a panic")]
    Poisoned,
    #[error("stored data is unreadable: {0}")]
    Corrupt(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

#[derive(Debug, Clone)]
pub struct Store {
    conn: Arc<Mutex<Connection>>,
}

impl Store {
    /// Opens (creating if needed) the database and brings its schema up to date.
    pub fn open(path: &Path) -> StoreResult<Store> {
        let mut conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        migrations::migrate(&mut conn)?;
        Ok(Store { conn: Arc::new(Mutex::new(conn)) })
    }

    /// Runs `f` with the connection on a blocking thread.
    pub async fn call<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> StoreResult<T> + Send + 'static,
    {
        let conn = Arc::clone(&self.conn);
        tokio::task::spawn_blocking(move || {
            let mut guard = conn.lock().map_err(|_| StoreError::Poisoned)?;
            f(&mut guard)
        })
        .await
        .map_err(|_| StoreError::Task)?
    }

    /// Runs `f` with the connection on the current thread; for start-up and tests.
    pub fn call_sync<T>(&self, f: impl FnOnce(&mut Connection) -> StoreResult<T>) -> StoreResult<T> {
        let mut guard = self.conn.lock().map_err(|_| StoreError::Poisoned)?;
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

pub(crate) fn rid_col(s: String) -> StoreResult<Rid> {
    Rid::parse(&s).map_err(|e| StoreError::Corrupt(format!("RID {s:?}: {e}")))
}

pub(crate) fn team_col(s: String) -> StoreResult<TeamName> {
    TeamName::parse(&s).map_err(|e| StoreError::Corrupt(format!("team {s:?}: {e}")))
}

pub(crate) fn json_col<T: serde::de::DeserializeOwned>(s: &str) -> StoreResult<T> {
    serde_json::from_str(s).map_err(|e| StoreError::Corrupt(format!("JSON column: {e}")))
}

pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> StoreResult<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(format!("cannot encode JSON: {e}")))
}

/// Enum columns hold the wire spelling of the value.
pub(crate) fn enum_col<T: serde::de::DeserializeOwned>(s: String) -> StoreResult<T> {
    serde_json::from_value(serde_json::Value::String(s.clone()))
        .map_err(|_| StoreError::Corrupt(format!("unknown state {s:?}")))
}

pub(crate) fn enum_str<T: serde::Serialize>(value: &T) -> StoreResult<String> {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => Ok(s),
        _ => Err(StoreError::Corrupt("an enum did not encode as a string".into())),
    }
}
