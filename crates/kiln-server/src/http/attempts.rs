//! Every attempt of a build's jobs in one answer, for the console's timeline.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use kiln_api::teams::{BuildAttempts, JobAttempts};

use super::AppState;
use super::auth::Caller;
use super::error::AppError;
use super::extract::TeamRun;
use super::teams::load_build;
use crate::store::builds;
use crate::views;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/teams/{team}/builds/{run_id}/attempts", get(attempts))
}

async fn attempts(
    State(state): State<AppState>,
    caller: Caller,
    path: TeamRun,
) -> Result<Json<BuildAttempts>, AppError> {
    let build = load_build(&state, &caller, &path).await?;
    let rid = build.rid.clone();
    // One store call for the whole build: the jobs, then each one's attempts.
    let rows = state
        .engine
        .store()
        .call(move |c| {
            let jobs = builds::jobs_of(c, &rid)?;
            jobs.into_iter()
                .map(|job| {
                    let attempts = builds::attempts_of(c, &job.rid)?;
                    Ok((job, attempts))
                })
                .collect::<Result<Vec<_>, _>>()
        })
        .await?;
    let jobs = rows
        .iter()
        .map(|(job, attempts)| JobAttempts {
            job_rid: job.rid.clone(),
            attempts: views::job_report(&build, job, attempts).attempts,
        })
        .collect();
    Ok(Json(BuildAttempts { jobs }))
}
