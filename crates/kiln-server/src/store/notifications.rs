//! Build completion notifications.

use kiln_api::TeamName;
use kiln_api::teams::Notification;
use rusqlite::{Connection, Row, params};

use super::{Json, StoreResult, ts_or_epoch};

pub fn insert(conn: &Connection, n: &Notification) -> StoreResult<u64> {
    conn.execute(
        "INSERT INTO notifications (build_rid, team, run_id, state, time_ms, message) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![&n.build_rid, &n.team, n.run_id, n.state, n.time.unix_millis(), n.message],
    )?;
    Ok(conn.last_insert_rowid() as u64)
}

const COLS: &str = "id, build_rid, team, run_id, state, time_ms, message";

/// The rows of the teams in the JSON array `?1`, since `?2` (or ever), newest first, at most `?3`.
const OF_TEAMS: &str = "FROM notifications
     WHERE team IN (SELECT value FROM json_each(?1)) AND (?2 IS NULL OR time_ms >= ?2)
     ORDER BY id DESC LIMIT ?3";

/// Newest first, at most `limit`; `teams` of `None` means every team. The team filter runs
/// in SQL on the `(team, id)` index, so a team's feed reads only that team's rows.
pub fn list(
    conn: &Connection,
    teams: Option<&[TeamName]>,
    since_ms: Option<i64>,
    limit: u32,
) -> StoreResult<Vec<Notification>> {
    let rows = match teams {
        None => {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {COLS} FROM notifications WHERE (?1 IS NULL OR time_ms >= ?1) ORDER BY id DESC LIMIT ?2"
            ))?;
            stmt.query_map(params![since_ms, limit], from_row)?.collect::<rusqlite::Result<_>>()?
        }
        Some(teams) => {
            let names: Vec<&str> = teams.iter().map(TeamName::as_str).collect();
            let mut stmt = conn.prepare_cached(&format!("SELECT {COLS} {OF_TEAMS}"))?;
            stmt.query_map(params![Json(&names), since_ms, limit], from_row)?.collect::<rusqlite::Result<_>>()?
        }
    };
    Ok(rows)
}

fn from_row(r: &Row<'_>) -> rusqlite::Result<Notification> {
    Ok(Notification {
        id: r.get(0)?,
        build_rid: r.get(1)?,
        team: r.get(2)?,
        run_id: r.get(3)?,
        state: r.get(4)?,
        time: ts_or_epoch(r.get(5)?),
        message: r.get(6)?,
    })
}

#[cfg(test)]
mod tests {
    use kiln_api::teams::TeamBuildState;
    use kiln_api::{Rid, Timestamp};

    use super::*;

    fn team(name: &str) -> TeamName {
        TeamName::parse(name).expect("a team name")
    }

    fn notification(team_name: &str, run_id: u64) -> Notification {
        Notification {
            id: 0,
            build_rid: Rid::foundry("build", &format!("b{run_id}")).expect("a RID"),
            team: team(team_name),
            run_id,
            state: TeamBuildState::Complete,
            time: Timestamp::from_unix_millis(1_000 * run_id as i64).expect("a time"),
            message: format!("build {run_id}"),
        }
    }

    fn db() -> Connection {
        let mut conn = Connection::open_in_memory().expect("an in-memory database");
        super::super::migrations::migrate(&mut conn).expect("migrations");
        conn
    }

    #[test]
    fn a_team_sees_only_its_notifications_newest_first_and_limited() {
        let conn = db();
        for run_id in 1..=6 {
            let name = if run_id % 2 == 0 { "even" } else { "odd" };
            insert(&conn, &notification(name, run_id)).expect("insert");
        }
        let runs = |teams: Option<&[TeamName]>, since: Option<i64>, limit: u32| -> Vec<u64> {
            list(&conn, teams, since, limit).expect("list").iter().map(|n| n.run_id).collect()
        };
        assert_eq!(runs(Some(&[team("even")]), None, 10), [6, 4, 2]);
        assert_eq!(runs(Some(&[team("odd")]), None, 2), [5, 3]);
        assert_eq!(runs(Some(&[team("odd"), team("even")]), Some(3_000), 10), [6, 5, 4, 3]);
        assert_eq!(runs(Some(&[]), None, 10), Vec::<u64>::new());
        assert_eq!(runs(None, None, 4), [6, 5, 4, 3]);
    }

    #[test]
    fn the_team_filter_uses_the_team_index() {
        let conn = db();
        let plan: Vec<String> = conn
            .prepare(&format!("EXPLAIN QUERY PLAN SELECT {COLS} {OF_TEAMS}"))
            .expect("prepare")
            .query_map(params!["[\"a\"]", None::<i64>, 10], |r| r.get::<_, String>(3))
            .expect("plan")
            .collect::<Result<_, _>>()
            .expect("plan rows");
        assert!(plan.iter().any(|step| step.contains("notifications_team_id")), "{plan:?}");
    }
}
