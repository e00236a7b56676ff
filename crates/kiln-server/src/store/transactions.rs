//! Dataset transactions and the provenance staleness needs: which inputs and which job
//! spec definition each output transaction was built from.

use std::collections::BTreeMap;

use kiln_api::Rid;
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::{StoreResult, json_col, rid_col, to_json};

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

fn from_row(r: &Row<'_>) -> rusqlite::Result<StoreResult<TransactionRow>> {
    let raw = (
        r.get::<_, i64>(0)?,
        r.get::<_, String>(1)?,
        r.get::<_, String>(2)?,
        r.get::<_, String>(3)?,
        r.get::<_, i64>(4)?,
        r.get::<_, Option<String>>(5)?,
        r.get::<_, Option<String>>(6)?,
        r.get::<_, String>(7)?,
        r.get::<_, Option<String>>(8)?,
    );
    Ok((|| {
        let (seq, rid, dataset, branch, created_ms, job, definition_hash, inputs, source_hash) = raw;
        Ok(TransactionRow {
            seq,
            rid: rid_col(rid)?,
            dataset_rid: rid_col(dataset)?,
            branch,
            created_ms,
            job_rid: job.map(rid_col).transpose()?,
            definition_hash,
            inputs: json_col(&inputs)?,
            source_hash,
        })
    })())
}

pub fn insert(conn: &Connection, t: &TransactionRow) -> StoreResult<()> {
    conn.execute(
        "INSERT INTO transactions (rid, dataset_rid, branch, created_ms, job_rid, definition_hash, inputs, source_hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            t.rid.as_str(),
            t.dataset_rid.as_str(),
            t.branch,
            t.created_ms,
            t.job_rid.as_ref().map(Rid::as_str),
            t.definition_hash,
            to_json(&t.inputs)?,
            t.source_hash,
        ],
    )?;
    Ok(())
}

pub fn latest(conn: &Connection, dataset: &Rid, branch: &str) -> StoreResult<Option<TransactionRow>> {
    let sql =
        format!("SELECT {COLS} FROM transactions WHERE dataset_rid = ?1 AND branch = ?2 ORDER BY seq DESC LIMIT 1");
    conn.query_row(&sql, params![dataset.as_str(), branch], from_row).optional()?.transpose()
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
    let mut out = Vec::new();
    for row in rows {
        out.push(row??);
    }
    Ok(out)
}
