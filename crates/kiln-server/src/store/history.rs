//! A job spec's history across builds: its recent runs, and its last finished job on a
//! branch, for the lineage and job spec pages. Read-only queries over `jobs` ⋈ `builds`.

use kiln_api::build2::JobStatus;
use kiln_api::{Rid, TeamName};
use rusqlite::{Connection, Row, params};

use super::StoreResult;

/// One job of a job spec and the build it ran in.
#[derive(Debug, Clone, PartialEq)]
pub struct JobRunRow {
    pub job_rid: Rid,
    pub build_rid: Rid,
    pub team: TeamName,
    pub run_id: u64,
    pub branch: String,
    pub job_spec_rid: Rid,
    pub status: JobStatus,
    pub started_ms: Option<i64>,
    pub finished_ms: Option<i64>,
    pub attempt_count: u32,
    pub error: Option<String>,
}

const COLS: &str = "j.rid, j.build_rid, b.team, b.run_id, b.branch, j.job_spec_rid, j.status, j.started_ms, \
     j.finished_ms, j.attempt_count, j.error";

fn from_row(r: &Row<'_>) -> rusqlite::Result<JobRunRow> {
    Ok(JobRunRow {
        job_rid: r.get(0)?,
        build_rid: r.get(1)?,
        team: r.get(2)?,
        run_id: r.get(3)?,
        branch: r.get(4)?,
        job_spec_rid: r.get(5)?,
        status: r.get(6)?,
        started_ms: r.get(7)?,
        finished_ms: r.get(8)?,
        attempt_count: r.get(9)?,
        error: r.get(10)?,
    })
}

fn collect(rows: impl Iterator<Item = rusqlite::Result<JobRunRow>>) -> StoreResult<Vec<JobRunRow>> {
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The newest `limit` jobs of a job spec that started, newest build first.
pub fn runs_of_spec(conn: &Connection, spec: &Rid, limit: u32) -> StoreResult<Vec<JobRunRow>> {
    let sql = format!(
        "SELECT {COLS} FROM jobs j JOIN builds b ON b.rid = j.build_rid
         WHERE j.job_spec_rid = ?1 AND j.started_ms IS NOT NULL
         ORDER BY b.seq DESC, j.position LIMIT ?2"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![spec, limit], from_row)?;
    collect(rows)
}

/// For every job spec that has one, its last job on `branch` that succeeded or failed
/// (by finish time). SQLite's `MAX()` with bare columns returns the row holding the maximum.
pub fn last_finished_on_branch(conn: &Connection, branch: &str) -> StoreResult<Vec<JobRunRow>> {
    let sql = format!(
        "SELECT {COLS}, MAX(j.finished_ms) FROM jobs j JOIN builds b ON b.rid = j.build_rid
         WHERE b.branch = ?1 AND j.finished_ms IS NOT NULL AND j.status IN (?2, ?3)
         GROUP BY j.job_spec_rid"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![branch, JobStatus::Succeeded, JobStatus::Failed], from_row)?;
    collect(rows)
}
