//! Builds, their jobs and attempts, per-team run ids and submission ids.

use std::collections::HashMap;

use kiln_api::build2::{BuildStatus, JobInput, JobOutput, JobStatus, Placement, SubmitBuildRequest};
use kiln_api::teams::{ArchivedFilter, TeamBuildState};
use kiln_api::{Rid, TeamName};
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::engine::process::GroupMark;

use super::{Json, StoreResult};

#[derive(Debug, Clone, PartialEq)]
pub struct BuildRow {
    pub seq: i64,
    pub rid: Rid,
    pub group_rid: Rid,
    pub team: TeamName,
    pub run_id: u64,
    pub status: BuildStatus,
    pub branch: String,
    pub fallbacks: Vec<String>,
    pub created_by: String,
    pub created_ms: i64,
    pub started_ms: Option<i64>,
    pub finished_ms: Option<i64>,
    pub request: SubmitBuildRequest,
    pub tags: Vec<String>,
    pub archived: bool,
    pub error: Option<String>,
}

impl BuildRow {
    /// The team SDK's word for this build's state.
    pub fn team_state(&self) -> TeamBuildState {
        team_state(self.status, self.started_ms)
    }

    /// The columns a list page shows.
    pub fn listed(&self) -> ListedBuild {
        ListedBuild {
            seq: self.seq,
            rid: self.rid.clone(),
            team: self.team.clone(),
            run_id: self.run_id,
            status: self.status,
            created_by: self.created_by.clone(),
            created_ms: self.created_ms,
            started_ms: self.started_ms,
            finished_ms: self.finished_ms,
            tags: self.tags.clone(),
            archived: self.archived,
            error: self.error.clone(),
        }
    }
}

fn team_state(status: BuildStatus, started_ms: Option<i64>) -> TeamBuildState {
    match status {
        BuildStatus::Running if started_ms.is_none() => TeamBuildState::Queued,
        BuildStatus::Running => TeamBuildState::Running,
        BuildStatus::Succeeded => TeamBuildState::Complete,
        BuildStatus::Failed => TeamBuildState::Failed,
        BuildStatus::Canceled => TeamBuildState::Stopped,
    }
}

/// A build as a team's list shows it: a [`BuildRow`] without the request, branch, fallbacks
/// and group, which a list never shows. The request is the largest column and the one JSON a
/// full row decodes, so a page of 100 reads and decodes these alone.
#[derive(Debug, Clone, PartialEq)]
pub struct ListedBuild {
    pub seq: i64,
    pub rid: Rid,
    pub team: TeamName,
    pub run_id: u64,
    pub status: BuildStatus,
    pub created_by: String,
    pub created_ms: i64,
    pub started_ms: Option<i64>,
    pub finished_ms: Option<i64>,
    pub tags: Vec<String>,
    pub archived: bool,
    pub error: Option<String>,
}

impl ListedBuild {
    /// The team SDK's word for this build's state.
    pub fn team_state(&self) -> TeamBuildState {
        team_state(self.status, self.started_ms)
    }
}

const LISTED_COLS: &str =
    "seq, rid, team, run_id, status, created_by, created_ms, started_ms, finished_ms, tags, archived, error";

fn listed_from_row(row: &Row<'_>) -> rusqlite::Result<ListedBuild> {
    Ok(ListedBuild {
        seq: row.get(0)?,
        rid: row.get(1)?,
        team: row.get(2)?,
        run_id: row.get(3)?,
        status: row.get(4)?,
        created_by: row.get(5)?,
        created_ms: row.get(6)?,
        started_ms: row.get(7)?,
        finished_ms: row.get(8)?,
        tags: row.get::<_, Json<_>>(9)?.0,
        archived: row.get(10)?,
        error: row.get(11)?,
    })
}

#[derive(Debug, Clone, PartialEq)]
pub struct JobRow {
    pub rid: Rid,
    pub build_rid: Rid,
    pub position: i64,
    pub job_spec_rid: Rid,
    pub job_spec_name: String,
    pub status: JobStatus,
    pub reason: Option<String>,
    pub stale_reason: Option<String>,
    pub timeout_seconds: Option<u64>,
    pub queued_behind: Option<Rid>,
    pub inputs: Vec<JobInput>,
    pub outputs: Vec<JobOutput>,
    pub depends_on: Vec<Rid>,
    pub attempt_count: u32,
    pub started_ms: Option<i64>,
    pub finished_ms: Option<i64>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AttemptRow {
    pub job_rid: Rid,
    pub number: u32,
    pub started_ms: i64,
    pub finished_ms: Option<i64>,
    pub exit_code: Option<i32>,
    pub signal: Option<i32>,
    pub error: Option<String>,
    pub retryable: bool,
    /// Where it ran; `None` for attempts from before the store recorded it, or not started.
    pub placement: Option<Placement>,
}

pub(crate) const BUILD_COLS: &str = "seq, rid, group_rid, team, run_id, status, branch, fallbacks, created_by, created_ms, \
     started_ms, finished_ms, request, tags, archived, error";

pub(crate) fn build_from_row(row: &Row<'_>) -> rusqlite::Result<BuildRow> {
    Ok(BuildRow {
        seq: row.get(0)?,
        rid: row.get(1)?,
        group_rid: row.get(2)?,
        team: row.get(3)?,
        run_id: row.get(4)?,
        status: row.get(5)?,
        branch: row.get(6)?,
        fallbacks: row.get::<_, Json<_>>(7)?.0,
        created_by: row.get(8)?,
        created_ms: row.get(9)?,
        started_ms: row.get(10)?,
        finished_ms: row.get(11)?,
        request: row.get::<_, Json<_>>(12)?.0,
        tags: row.get::<_, Json<_>>(13)?.0,
        archived: row.get(14)?,
        error: row.get(15)?,
    })
}

pub(crate) const JOB_COLS: &str = "rid, build_rid, position, job_spec_rid, job_spec_name, status, reason, stale_reason, \
     timeout_seconds, queued_behind, inputs, outputs, depends_on, attempt_count, started_ms, finished_ms, error";

pub(crate) fn job_from_row(row: &Row<'_>) -> rusqlite::Result<JobRow> {
    Ok(JobRow {
        rid: row.get(0)?,
        build_rid: row.get(1)?,
        position: row.get(2)?,
        job_spec_rid: row.get(3)?,
        job_spec_name: row.get(4)?,
        status: row.get(5)?,
        reason: row.get(6)?,
        stale_reason: row.get(7)?,
        timeout_seconds: row.get(8)?,
        queued_behind: row.get(9)?,
        inputs: row.get::<_, Json<_>>(10)?.0,
        outputs: row.get::<_, Json<_>>(11)?.0,
        depends_on: row.get::<_, Json<_>>(12)?.0,
        attempt_count: row.get(13)?,
        started_ms: row.get(14)?,
        finished_ms: row.get(15)?,
        error: row.get(16)?,
    })
}

pub(crate) fn collect<T>(rows: impl Iterator<Item = rusqlite::Result<T>>) -> StoreResult<Vec<T>> {
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The next run id of a team: 1 for its first build.
pub fn next_run_id(conn: &Connection, team: &TeamName) -> StoreResult<u64> {
    let id: i64 = conn.query_row(
        "INSERT INTO team_counters (team, last_run_id) VALUES (?1, 1)
         ON CONFLICT (team) DO UPDATE SET last_run_id = last_run_id + 1
         RETURNING last_run_id",
        [team],
        |r| r.get(0),
    )?;
    Ok(id as u64)
}

pub fn insert_build(conn: &Connection, b: &BuildRow) -> StoreResult<i64> {
    conn.execute(
        "INSERT INTO builds (rid, group_rid, team, run_id, status, branch, fallbacks, created_by, created_ms,
                             started_ms, finished_ms, request, tags, archived, error)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
        params![
            &b.rid,
            &b.group_rid,
            &b.team,
            b.run_id,
            b.status,
            b.branch,
            Json(&b.fallbacks),
            b.created_by,
            b.created_ms,
            b.started_ms,
            b.finished_ms,
            Json(&b.request),
            Json(&b.tags),
            b.archived,
            b.error,
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

pub fn insert_job(conn: &Connection, j: &JobRow) -> StoreResult<()> {
    conn.execute(
        &format!("INSERT INTO jobs ({JOB_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)"),
        params![
            &j.rid,
            &j.build_rid,
            j.position,
            &j.job_spec_rid,
            j.job_spec_name,
            j.status,
            j.reason,
            j.stale_reason,
            j.timeout_seconds,
            j.queued_behind,
            Json(&j.inputs),
            Json(&j.outputs),
            Json(&j.depends_on),
            j.attempt_count,
            j.started_ms,
            j.finished_ms,
            j.error,
        ],
    )?;
    Ok(())
}

/// Writes every column of a job that can change while it runs.
pub fn update_job(conn: &Connection, j: &JobRow) -> StoreResult<()> {
    conn.execute(
        "UPDATE jobs SET status = ?2, reason = ?3, queued_behind = ?4, inputs = ?5, outputs = ?6,
                attempt_count = ?7, started_ms = ?8, finished_ms = ?9, error = ?10
         WHERE rid = ?1",
        params![
            &j.rid,
            j.status,
            j.reason,
            j.queued_behind,
            Json(&j.inputs),
            Json(&j.outputs),
            j.attempt_count,
            j.started_ms,
            j.finished_ms,
            j.error,
        ],
    )?;
    Ok(())
}

pub fn get_build(conn: &Connection, rid: &Rid) -> StoreResult<Option<BuildRow>> {
    let sql = format!("SELECT {BUILD_COLS} FROM builds WHERE rid = ?1");
    Ok(conn.query_row(&sql, [rid], build_from_row).optional()?)
}

pub fn get_build_by_run(conn: &Connection, team: &TeamName, run_id: u64) -> StoreResult<Option<BuildRow>> {
    let sql = format!("SELECT {BUILD_COLS} FROM builds WHERE team = ?1 AND run_id = ?2");
    Ok(conn.query_row(&sql, params![team, run_id], build_from_row).optional()?)
}

pub fn group_exists(conn: &Connection, group: &Rid) -> StoreResult<bool> {
    Ok(conn.query_row("SELECT 1 FROM builds WHERE group_rid = ?1 LIMIT 1", [group], |_| Ok(())).optional()?.is_some())
}

pub fn jobs_of(conn: &Connection, build: &Rid) -> StoreResult<Vec<JobRow>> {
    let mut stmt =
        conn.prepare_cached(&format!("SELECT {JOB_COLS} FROM jobs WHERE build_rid = ?1 ORDER BY position"))?;
    let rows = stmt.query_map([build], job_from_row)?;
    collect(rows)
}

pub fn get_job(conn: &Connection, rid: &Rid) -> StoreResult<Option<JobRow>> {
    let sql = format!("SELECT {JOB_COLS} FROM jobs WHERE rid = ?1");
    Ok(conn.query_row(&sql, [rid], job_from_row).optional()?)
}

pub fn set_build_started(conn: &Connection, rid: &Rid, ms: i64) -> StoreResult<()> {
    conn.execute("UPDATE builds SET started_ms = ?2 WHERE rid = ?1 AND started_ms IS NULL", params![rid, ms])?;
    Ok(())
}

pub fn finish_build(
    conn: &Connection,
    rid: &Rid,
    status: BuildStatus,
    error: Option<&str>,
    ms: i64,
) -> StoreResult<()> {
    conn.execute(
        "UPDATE builds SET status = ?2, error = ?3, finished_ms = ?4 WHERE rid = ?1",
        params![rid, status, error, ms],
    )?;
    Ok(())
}

pub fn set_tags(conn: &Connection, rid: &Rid, tags: &[String]) -> StoreResult<()> {
    conn.execute("UPDATE builds SET tags = ?2 WHERE rid = ?1", params![rid, Json(tags)])?;
    Ok(())
}

pub fn set_archived(conn: &Connection, rid: &Rid, archived: bool) -> StoreResult<()> {
    conn.execute("UPDATE builds SET archived = ?2 WHERE rid = ?1", params![rid, archived])?;
    Ok(())
}

const ATTEMPT_COLS: &str =
    "a.job_rid, a.number, a.started_ms, a.finished_ms, a.exit_code, a.signal, a.error, a.retryable, a.placement";

fn attempt_from_row(r: &Row<'_>) -> rusqlite::Result<AttemptRow> {
    Ok(AttemptRow {
        job_rid: r.get(0)?,
        number: r.get(1)?,
        started_ms: r.get(2)?,
        finished_ms: r.get(3)?,
        exit_code: r.get(4)?,
        signal: r.get(5)?,
        error: r.get(6)?,
        retryable: r.get(7)?,
        placement: r.get::<_, Option<Json<_>>>(8)?.map(|p| p.0),
    })
}

pub fn attempts_of(conn: &Connection, job: &Rid) -> StoreResult<Vec<AttemptRow>> {
    let mut stmt =
        conn.prepare_cached(&format!("SELECT {ATTEMPT_COLS} FROM attempts a WHERE a.job_rid = ?1 ORDER BY a.number"))?;
    let rows = stmt.query_map([job], attempt_from_row)?;
    collect(rows)
}

/// Every attempt of every job of a build, by job, each job's in order: one query, so a
/// build of a thousand jobs is not a thousand lookups.
pub fn attempts_of_build(conn: &Connection, build: &Rid) -> StoreResult<HashMap<Rid, Vec<AttemptRow>>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {ATTEMPT_COLS} FROM jobs j JOIN attempts a ON a.job_rid = j.rid
         WHERE j.build_rid = ?1 ORDER BY a.job_rid, a.number"
    ))?;
    let mut by_job: HashMap<Rid, Vec<AttemptRow>> = HashMap::new();
    for row in stmt.query_map([build], attempt_from_row)? {
        let row = row?;
        by_job.entry(row.job_rid.clone()).or_default().push(row);
    }
    Ok(by_job)
}

pub fn upsert_attempt(conn: &Connection, a: &AttemptRow) -> StoreResult<()> {
    conn.execute(
        "INSERT INTO attempts (job_rid, number, started_ms, finished_ms, exit_code, signal, error, retryable)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (job_rid, number) DO UPDATE SET finished_ms = ?4, exit_code = ?5, signal = ?6,
             error = ?7, retryable = ?8",
        params![&a.job_rid, a.number, a.started_ms, a.finished_ms, a.exit_code, a.signal, a.error, a.retryable],
    )?;
    Ok(())
}

/// Records where an attempt runs and, for a local one, its process group.
pub fn set_attempt_placement(
    conn: &Connection,
    job: &Rid,
    number: u32,
    placement: &Placement,
    group: Option<GroupMark>,
) -> StoreResult<()> {
    conn.execute(
        "UPDATE attempts SET placement = ?3, pgid = ?4, pgid_started = ?5 WHERE job_rid = ?1 AND number = ?2",
        params![job, number, Json(placement), group.map(|g| g.pgid), group.and_then(|g| i64::try_from(g.started).ok())],
    )?;
    Ok(())
}

/// An attempt that a previous run of the server left unfinished.
#[derive(Debug, Clone)]
pub struct UnfinishedAttempt {
    pub job_rid: Rid,
    pub number: u32,
    pub started_ms: i64,
    pub placement: Option<Placement>,
    pub group: Option<GroupMark>,
}

/// Every attempt without an end, for the start-up clean-up.
pub fn unfinished_attempts(conn: &Connection) -> StoreResult<Vec<UnfinishedAttempt>> {
    let mut stmt = conn.prepare(
        "SELECT job_rid, number, placement, pgid, pgid_started, started_ms FROM attempts WHERE finished_ms IS NULL",
    )?;
    let rows = stmt.query_map([], |r| {
        let pgid: Option<u32> = r.get(3)?;
        let started: Option<i64> = r.get(4)?;
        Ok(UnfinishedAttempt {
            job_rid: r.get(0)?,
            number: r.get(1)?,
            started_ms: r.get(5)?,
            placement: r.get::<_, Option<Json<_>>>(2)?.map(|p| p.0),
            group: pgid
                .zip(started.and_then(|s| u64::try_from(s).ok()))
                .map(|(pgid, started)| GroupMark { pgid, started }),
        })
    })?;
    collect(rows)
}

/// Filters of a team's build listing, already validated.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct BuildFilter {
    pub archived: ArchivedFilter,
    pub state: Option<TeamBuildState>,
    pub tag: Option<String>,
    pub dataset_rid: Option<String>,
    pub q: Option<String>,
    pub limit: u32,
    /// Only builds older than this sequence number.
    pub before_seq: Option<i64>,
}

/// A page of a team's builds, newest first, and the cursor of the next page.
pub fn list_builds(
    conn: &Connection,
    team: &TeamName,
    f: &BuildFilter,
) -> StoreResult<(Vec<ListedBuild>, Option<i64>)> {
    let state_sql = match f.state {
        None => "1",
        Some(TeamBuildState::Queued) => "status = 'RUNNING' AND started_ms IS NULL",
        Some(TeamBuildState::Running) => "status = 'RUNNING' AND started_ms IS NOT NULL",
        Some(TeamBuildState::Complete) => "status = 'SUCCEEDED'",
        Some(TeamBuildState::Failed) => "status = 'FAILED'",
        Some(TeamBuildState::Stopped) => "status = 'CANCELED'",
    };
    let archived_sql = match f.archived {
        ArchivedFilter::False => "archived = 0",
        ArchivedFilter::True => "archived = 1",
        ArchivedFilter::All => "1",
    };
    let sql = format!(
        "SELECT {LISTED_COLS} FROM builds b
         WHERE team = ?1 AND {archived_sql} AND {state_sql}
           AND (?2 IS NULL OR seq < ?2)
           AND (?3 IS NULL OR EXISTS (SELECT 1 FROM json_each(b.tags) WHERE value = ?3))
           AND (?4 IS NULL OR EXISTS (SELECT 1 FROM jobs j WHERE j.build_rid = b.rid
                 AND (instr(j.inputs, ?4) > 0 OR instr(j.outputs, ?4) > 0)))
           AND (?5 IS NULL OR CAST(run_id AS TEXT) = ?5 OR instr(lower(rid), lower(?5)) > 0
                 OR instr(lower(tags), lower(?5)) > 0 OR instr(lower(created_by), lower(?5)) > 0
                 OR EXISTS (SELECT 1 FROM jobs j WHERE j.build_rid = b.rid
                            AND instr(lower(j.job_spec_name), lower(?5)) > 0))
         ORDER BY seq DESC LIMIT ?6"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt
        .query_map(params![team, f.before_seq, f.tag, f.dataset_rid, f.q, i64::from(f.limit) + 1], listed_from_row)?;
    let mut builds = collect(rows)?;
    let next = if builds.len() > f.limit as usize {
        builds.truncate(f.limit as usize);
        builds.last().map(|b| b.seq)
    } else {
        None
    };
    Ok((builds, next))
}

/// `(team, active builds, total builds)` of every team that has builds.
pub fn team_summaries(conn: &Connection) -> StoreResult<Vec<(TeamName, u64, u64)>> {
    let mut stmt =
        conn.prepare_cached("SELECT team, SUM(status = 'RUNNING'), COUNT(*) FROM builds GROUP BY team ORDER BY team")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    collect(rows)
}

pub fn submission(conn: &Connection, id: &str) -> StoreResult<Option<Rid>> {
    Ok(conn.query_row("SELECT build_rid FROM submissions WHERE submission_id = ?1", [id], |r| r.get(0)).optional()?)
}

pub fn insert_submission(conn: &Connection, id: &str, build: &Rid) -> StoreResult<()> {
    conn.execute("INSERT INTO submissions (submission_id, build_rid) VALUES (?1, ?2)", params![id, build])?;
    Ok(())
}

/// Finishes what a crash left behind: unfinished jobs and attempts become FAILED with the
/// reason "server restarted", and so do their builds. Returns the builds it finished.
pub fn recover_after_restart(conn: &mut Connection, ms: i64) -> StoreResult<Vec<Rid>> {
    const REASON: &str = "server restarted";
    let tx = conn.transaction()?;
    tx.execute(
        "UPDATE attempts SET finished_ms = ?1, error = ?2
         WHERE finished_ms IS NULL",
        params![ms, REASON],
    )?;
    tx.execute(
        "UPDATE jobs SET status = 'FAILED', reason = ?2, error = ?2, finished_ms = ?1
         WHERE status IN ('RUNNING', 'WAITING')",
        params![ms, REASON],
    )?;
    // A build whose every job ended well (a Ray job may have succeeded while the server was
    // down) succeeded; the rest failed with the restart.
    tx.execute(
        "UPDATE builds SET status = 'SUCCEEDED', finished_ms = ?1 WHERE status = 'RUNNING' AND NOT EXISTS (
             SELECT 1 FROM jobs WHERE jobs.build_rid = builds.rid AND jobs.status NOT IN ('SUCCEEDED', 'DID_NOT_RUN'))",
        params![ms],
    )?;
    let rids: Vec<Rid> = {
        let mut stmt = tx.prepare("SELECT rid FROM builds WHERE status = 'RUNNING'")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    tx.execute(
        "UPDATE builds SET status = 'FAILED', error = ?2, finished_ms = ?1 WHERE status = 'RUNNING'",
        params![ms, REASON],
    )?;
    tx.commit()?;
    Ok(rids)
}

/// Distinct teams that have builds, for open mode's `whoami`.
pub fn known_teams(conn: &Connection) -> StoreResult<Vec<TeamName>> {
    Ok(team_summaries(conn)?.into_iter().map(|(t, _, _)| t).collect())
}
