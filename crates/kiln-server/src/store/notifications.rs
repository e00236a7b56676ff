//! Build completion notifications.

use kiln_api::TeamName;
use kiln_api::teams::Notification;
use rusqlite::{Connection, params};

use super::{StoreResult, enum_col, enum_str, rid_col, team_col, ts_or_epoch};

pub fn insert(conn: &Connection, n: &Notification) -> StoreResult<u64> {
    conn.execute(
        "INSERT INTO notifications (build_rid, team, run_id, state, time_ms, message) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            n.build_rid.as_str(),
            n.team.as_str(),
            n.run_id as i64,
            enum_str(&n.state)?,
            n.time.unix_millis(),
            n.message
        ],
    )?;
    Ok(conn.last_insert_rowid() as u64)
}

/// Newest first; `teams` of `None` means every team.
pub fn list(
    conn: &Connection,
    teams: Option<&[TeamName]>,
    since_ms: Option<i64>,
    limit: u32,
) -> StoreResult<Vec<Notification>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, build_rid, team, run_id, state, time_ms, message FROM notifications
         WHERE (?1 IS NULL OR time_ms >= ?1) ORDER BY id DESC",
    )?;
    let rows = stmt.query_map(params![since_ms], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, i64>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, i64>(5)?,
            r.get::<_, String>(6)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, build, team, run_id, state, time_ms, message) = row?;
        let team = team_col(team)?;
        if teams.is_some_and(|ts| !ts.contains(&team)) {
            continue;
        }
        out.push(Notification {
            id: id as u64,
            build_rid: rid_col(build)?,
            team,
            run_id: run_id as u64,
            state: enum_col(state)?,
            time: ts_or_epoch(time_ms),
            message,
        });
        if out.len() >= limit as usize {
            break;
        }
    }
    Ok(out)
}
