//! Dataset transactions and the provenance staleness needs: which inputs and which job
//! spec definition each output transaction was built from.

use std::collections::BTreeMap;

use kiln_api::Rid;
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::{Json, StoreResult};

#[derive(Debug, Clone, PartialEq)]
pub struct TransactionRow {
    pub seq: i64,
    pub rid: Rid,
    pub dataset_rid: Rid,
    pub branch: String,
    pub created_ms: i64,
    pub job_rid: Option<Rid>,
    pub definition_hash: Option<String>,
    /// Input dataset RID → the transaction RID that was read.
    pub inputs: BTreeMap<Rid, Rid>,
    /// For imported sources: the hash of the folder's content.
    pub source_hash: Option<String>,
}

const COLS: &str = "seq, rid, dataset_rid, branch, created_ms, job_rid, definition_hash, inputs, source_hash";

fn from_row(r: &Row<'_>) -> rusqlite::Result<TransactionRow> {
    Ok(TransactionRow {
        seq: r.get(0)?,
        rid: r.get(1)?,
        dataset_rid: r.get(2)?,
        branch: r.get(3)?,
        created_ms: r.get(4)?,
        job_rid: r.get(5)?,
        definition_hash: r.get(6)?,
        inputs: r.get::<_, Json<_>>(7)?.0,
        source_hash: r.get(8)?,
    })
}

pub fn insert(conn: &Connection, t: &TransactionRow) -> StoreResult<()> {
    conn.execute(
        "INSERT INTO transactions (rid, dataset_rid, branch, created_ms, job_rid, definition_hash, inputs, source_hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            &t.rid,
            &t.dataset_rid,
            t.branch,
            t.created_ms,
            &t.job_rid,
            t.definition_hash,
            Json(&t.inputs),
            t.source_hash,
        ],
    )?;
    Ok(())
}

pub fn latest(conn: &Connection, dataset: &Rid, branch: &str) -> StoreResult<Option<TransactionRow>> {
    let sql =
        format!("SELECT {COLS} FROM transactions WHERE dataset_rid = ?1 AND branch = ?2 ORDER BY seq DESC LIMIT 1");
    Ok(conn.query_row(&sql, params![dataset, branch], from_row).optional()?)
}

/// The latest transaction of every dataset on every branch.
pub fn latest_all(conn: &Connection) -> StoreResult<Vec<TransactionRow>> {
    let sql = format!(
        "SELECT {COLS} FROM transactions t
         WHERE seq = (SELECT MAX(seq) FROM transactions u WHERE u.dataset_rid = t.dataset_rid AND u.branch = t.branch)
         ORDER BY dataset_rid, branch"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
