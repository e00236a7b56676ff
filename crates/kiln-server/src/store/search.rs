//! The public API's build search: a filter tree compiled into parameterised SQL (values are
//! always bound, never pasted), ordered by time keys, paged with keyset cursors; and the
//! small reads that turn builds and jobs into the public API's shapes.

use std::collections::HashMap;

use kiln_api::build2::BuildStatus;
use kiln_api::{Rid, TeamName};
use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OptionalExtension, params};

use super::StoreResult;
use super::builds::{BUILD_COLS, BuildRow, JOB_COLS, JobRow, build_from_row, collect, job_from_row};

/// A time that has not happened yet (a build not started or not finished) sorts and
/// compares as this: after every real time.
pub const NO_TIME: i64 = i64::MAX;

/// The time a build started or finished; its SQL key is the expression migration 5 indexes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimeColumn {
    Started,
    Finished,
}

impl TimeColumn {
    fn key_sql(self) -> &'static str {
        match self {
            TimeColumn::Started => "COALESCE(started_ms, 9223372036854775807)",
            TimeColumn::Finished => "COALESCE(finished_ms, 9223372036854775807)",
        }
    }

    /// The key of a build as the SQL computes it.
    pub fn key_of(self, b: &BuildRow) -> i64 {
        match self {
            TimeColumn::Started => b.started_ms,
            TimeColumn::Finished => b.finished_ms,
        }
        .unwrap_or(NO_TIME)
    }
}

/// A condition on builds, already checked.
#[derive(Debug, Clone, PartialEq)]
pub enum Predicate {
    /// Created by a user with this name or this principal id (see [`principal_id`]).
    CreatedBy(String),
    Branch(String),
    Status(BuildStatus),
    Rid(Rid),
    /// The time is known and at or after this (ms since the epoch).
    AtOrAfter(TimeColumn, i64),
    /// The time is known and before this.
    Before(TimeColumn, i64),
    All(Vec<Predicate>),
    Any(Vec<Predicate>),
    Not(Box<Predicate>),
}

impl Predicate {
    fn mentions_creator(&self) -> bool {
        match self {
            Predicate::CreatedBy(_) => true,
            Predicate::All(items) | Predicate::Any(items) => items.iter().any(Predicate::mentions_creator),
            Predicate::Not(inner) => inner.mentions_creator(),
            _ => false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SortKey {
    pub column: TimeColumn,
    pub descending: bool,
}

/// Where the next page starts: after the build with these sort keys and this `seq`. Only
/// builds up to `snapshot` (the newest `seq` when the first page was read) are listed, so
/// builds created while a client pages neither shift the pages nor appear twice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub snapshot: i64,
    pub keys: Vec<i64>,
    pub seq: i64,
}

#[derive(Debug, Clone)]
pub struct Search {
    pub predicate: Predicate,
    /// The sort keys; ties (and an empty order) fall back to newest first.
    pub order: Vec<SortKey>,
    /// The teams the caller may see; `None` for all.
    pub teams: Option<Vec<TeamName>>,
    pub limit: u32,
    pub after: Option<Cursor>,
}

#[derive(Debug, Clone)]
pub struct Page {
    pub builds: Vec<BuildRow>,
    pub next: Option<Cursor>,
}

/// The principal id of a Kiln user in the public API, where `createdBy` is a UUID: the
/// name itself when it is one (an OIDC subject often is), else a UUID v5 of the name.
pub fn principal_id(user: &str) -> String {
    match uuid::Uuid::parse_str(user) {
        Ok(id) => id.hyphenated().to_string(),
        Err(_) => uuid::Uuid::new_v5(&PRINCIPAL_NAMESPACE, user.as_bytes()).hyphenated().to_string(),
    }
}

/// The namespace of [`principal_id`]; fixed so that ids survive restarts.
const PRINCIPAL_NAMESPACE: uuid::Uuid = uuid::Uuid::from_u128(0x6b69_6c6e_7573_6572_8000_0000_0000_0001);

/// SQL text and the values bound to its numbered parameters.
#[derive(Default)]
struct Sql {
    params: Vec<SqlValue>,
}

impl Sql {
    fn bind(&mut self, value: impl Into<SqlValue>) -> String {
        self.params.push(value.into());
        format!("?{}", self.params.len())
    }

    fn predicate(&mut self, p: &Predicate, users: &[String]) -> StoreResult<String> {
        Ok(match p {
            Predicate::CreatedBy(who) => {
                let id = who.to_ascii_lowercase();
                let names: Vec<String> =
                    users.iter().filter(|u| u == &who || principal_id(u) == id).map(|u| self.bind(u.clone())).collect();
                if names.is_empty() { "0".to_owned() } else { format!("created_by IN ({})", names.join(", ")) }
            }
            Predicate::Branch(b) => format!("branch = {}", self.bind(b.clone())),
            Predicate::Status(s) => format!("status = {}", self.bind(s.to_string())),
            Predicate::Rid(r) => format!("rid = {}", self.bind(r.as_str().to_owned())),
            Predicate::AtOrAfter(c, t) => {
                let k = c.key_sql();
                format!("({k} >= {} AND {k} < {NO_TIME})", self.bind(*t))
            }
            Predicate::Before(c, t) => format!("{} < {}", c.key_sql(), self.bind(*t)),
            Predicate::All(items) => self.join(items, " AND ", "1", users)?,
            Predicate::Any(items) => self.join(items, " OR ", "0", users)?,
            Predicate::Not(inner) => format!("NOT ({})", self.predicate(inner, users)?),
        })
    }

    fn join(&mut self, items: &[Predicate], op: &str, empty: &str, users: &[String]) -> StoreResult<String> {
        if items.is_empty() {
            return Ok(empty.to_owned());
        }
        let parts = items.iter().map(|i| self.predicate(i, users)).collect::<StoreResult<Vec<_>>>()?;
        Ok(format!("({})", parts.join(op)))
    }

    /// Rows after the cursor in the order `order, seq DESC`:
    /// `k1 > c1 OR (k1 = c1 AND (k2 > c2 OR (k2 = c2 AND seq < s)))`, with `<` for
    /// descending keys, and a leading `k1 >= c1` that an index can range over.
    fn after(&mut self, order: &[SortKey], cursor: &Cursor) -> String {
        let mut cond = format!("seq < {}", self.bind(cursor.seq));
        for (key, value) in order.iter().zip(&cursor.keys).rev() {
            let k = key.column.key_sql();
            let v = self.bind(*value);
            let beyond = if key.descending { "<" } else { ">" };
            cond = format!("({k} {beyond} {v} OR ({k} = {v} AND {cond}))");
        }
        match (order.first(), cursor.keys.first()) {
            (Some(first), Some(value)) => {
                let bound = if first.descending { "<=" } else { ">=" };
                format!("{} {bound} {} AND {cond}", first.column.key_sql(), self.bind(*value))
            }
            _ => cond,
        }
    }
}

/// One page of builds matching `search`, and the cursor of the next page.
pub fn search_builds(conn: &Connection, search: &Search) -> StoreResult<Page> {
    let users: Vec<String> = if search.predicate.mentions_creator() {
        let mut stmt = conn.prepare_cached("SELECT DISTINCT created_by FROM builds")?;
        stmt.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?
    } else {
        Vec::new()
    };
    let snapshot = match &search.after {
        Some(c) => c.snapshot,
        None => conn.query_row("SELECT COALESCE(MAX(seq), 0) FROM builds", [], |r| r.get(0))?,
    };
    let mut sql = Sql::default();
    let mut conditions = vec![sql.predicate(&search.predicate, &users)?];
    if let Some(teams) = &search.teams {
        let bound: Vec<String> = teams.iter().map(|t| sql.bind(t.as_str().to_owned())).collect();
        conditions.push(if bound.is_empty() { "0".to_owned() } else { format!("team IN ({})", bound.join(", ")) });
    }
    conditions.push(format!("seq <= {}", sql.bind(snapshot)));
    if let Some(cursor) = &search.after {
        conditions.push(sql.after(&search.order, cursor));
    }
    let mut order: Vec<String> = search
        .order
        .iter()
        .map(|k| format!("{} {}", k.column.key_sql(), if k.descending { "DESC" } else { "ASC" }))
        .collect();
    order.push("seq DESC".to_owned());
    let limit = sql.bind(i64::from(search.limit) + 1);
    let order = order.join(", ");
    // The page's `seq`s are chosen first and only their rows are read in full: when the
    // order is not an index's, SQLite sorts every match, and sorting `(key, seq)` pairs
    // costs a fraction of sorting whole rows (each carries its request JSON).
    let text = format!(
        "SELECT {BUILD_COLS} FROM builds WHERE seq IN \
         (SELECT seq FROM builds WHERE {} ORDER BY {order} LIMIT {limit}) ORDER BY {order}",
        conditions.join(" AND "),
    );
    let mut stmt = conn.prepare(&text)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(sql.params.iter()), build_from_row)?;
    let mut builds = collect(rows)?;
    let next = if builds.len() > search.limit as usize {
        builds.truncate(search.limit as usize);
        builds.last().map(|last| Cursor {
            snapshot,
            keys: search.order.iter().map(|k| k.column.key_of(last)).collect(),
            seq: last.seq,
        })
    } else {
        None
    };
    Ok(Page { builds, next })
}

/// The RIDs of a build's jobs, in job order.
pub fn job_rids_of(conn: &Connection, build: &Rid) -> StoreResult<Vec<Rid>> {
    let mut stmt = conn.prepare_cached("SELECT rid FROM jobs WHERE build_rid = ?1 ORDER BY position")?;
    Ok(stmt.query_map([build.as_str()], |r| r.get::<_, Rid>(0))?.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// The RIDs of each build's jobs, in job order, in the order of `builds`: one query for a
/// page instead of one per build.
pub fn job_rids_of_each(conn: &Connection, builds: &[Rid]) -> StoreResult<Vec<Vec<Rid>>> {
    let mut by_build: HashMap<&str, Vec<Rid>> = builds.iter().map(|b| (b.as_str(), Vec::new())).collect();
    // SQLite's default limit on bound values is 32,766; pages and batches stay far below.
    for chunk in builds.chunks(500) {
        let marks = vec!["?"; chunk.len()].join(", ");
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT build_rid, rid FROM jobs WHERE build_rid IN ({marks}) ORDER BY build_rid, position"
        ))?;
        let rows = stmt.query_map(rusqlite::params_from_iter(chunk.iter().map(Rid::as_str)), |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, Rid>(1)?))
        })?;
        for row in rows {
            let (build, job) = row?;
            if let Some(jobs) = by_build.get_mut(build.as_str()) {
                jobs.push(job);
            }
        }
    }
    Ok(builds.iter().map(|b| by_build.get(b.as_str()).cloned().unwrap_or_default()).collect())
}

/// A page of a build's jobs in job order, after job position `after`, and the position to
/// continue after when there are more. Jobs are written once with their build, so a
/// position cursor never shifts.
pub fn jobs_page(
    conn: &Connection,
    build: &Rid,
    after: Option<i64>,
    limit: u32,
) -> StoreResult<(Vec<JobRow>, Option<i64>)> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {JOB_COLS} FROM jobs WHERE build_rid = ?1 AND position > ?2 ORDER BY position LIMIT ?3"
    ))?;
    let rows = stmt.query_map(params![build.as_str(), after.unwrap_or(-1), i64::from(limit) + 1], job_from_row)?;
    let mut jobs = collect(rows)?;
    let next = if jobs.len() > limit as usize {
        jobs.truncate(limit as usize);
        jobs.last().map(|j| j.position)
    } else {
        None
    };
    Ok((jobs, next))
}

/// When the latest attempt of a job started, if one has.
pub fn latest_attempt_start(conn: &Connection, job: &Rid) -> StoreResult<Option<i64>> {
    let mut stmt = conn.prepare_cached("SELECT MAX(started_ms) FROM attempts WHERE job_rid = ?1")?;
    Ok(stmt.query_row([job.as_str()], |r| r.get::<_, Option<i64>>(0)).optional()?.flatten())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn principal_ids_are_stable_uuids_and_keep_uuids() {
        let id = principal_id("ana");
        assert_eq!(id, principal_id("ana"));
        assert_ne!(id, principal_id("bob"));
        assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");
        let sub = "0b5c2a8e-1d2f-4c3b-9a4e-5f6a7b8c9d0e";
        assert_eq!(principal_id(sub), sub);
    }

    #[test]
    fn values_are_bound_never_pasted() {
        let mut sql = Sql::default();
        let p = Predicate::Any(vec![
            Predicate::Branch("x' OR 1=1 --".into()),
            Predicate::Not(Box::new(Predicate::Before(TimeColumn::Finished, 5))),
        ]);
        let text = sql.predicate(&p, &[]).expect("compiles");
        assert_eq!(text, "(branch = ?1 OR NOT (COALESCE(finished_ms, 9223372036854775807) < ?2))");
        assert_eq!(sql.params, [SqlValue::Text("x' OR 1=1 --".into()), SqlValue::Integer(5)]);
    }

    #[test]
    fn cursor_condition_follows_each_direction() {
        let mut sql = Sql::default();
        let order = [
            SortKey { column: TimeColumn::Started, descending: false },
            SortKey { column: TimeColumn::Finished, descending: true },
        ];
        let text = sql.after(&order, &Cursor { snapshot: 9, keys: vec![10, 20], seq: 7 });
        let s = "COALESCE(started_ms, 9223372036854775807)";
        let f = "COALESCE(finished_ms, 9223372036854775807)";
        assert_eq!(text, format!("{s} >= ?4 AND ({s} > ?3 OR ({s} = ?3 AND ({f} < ?2 OR ({f} = ?2 AND seq < ?1))))"));
        assert_eq!(
            sql.params,
            [SqlValue::Integer(7), SqlValue::Integer(20), SqlValue::Integer(10), SqlValue::Integer(10)]
        );
    }
}
