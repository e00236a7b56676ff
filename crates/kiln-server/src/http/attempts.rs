//! Every attempt of a build's jobs in one answer, for the console's timeline.

use axum::Json;
use axum::extract::State;
use kiln_api::teams::{BuildAttempts, JobAttempts};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::auth::Caller;
use super::error::AppError;
use super::extract::TeamRun;
use super::openapi::{Invalid, NotFound, Unauthenticated};
use super::teams::load_build;
use crate::store::builds;
use crate::views;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(attempts))
}

/// Every attempt of every job of a build, in one answer.
#[utoipa::path(get, path = "/api/v1/teams/{team}/builds/{run_id}/attempts", tag = "teams", params(TeamRun),
    responses((status = 200, description = "The attempts of each job", body = BuildAttempts), Invalid, Unauthenticated, NotFound))]
async fn attempts(
    State(state): State<AppState>,
    caller: Caller,
    path: TeamRun,
) -> Result<Json<BuildAttempts>, AppError> {
    let build = load_build(&state, &caller, &path).await?;
    let rid = build.rid.clone();
    // One read for the whole build: its jobs, and their attempts in one query.
    let (jobs, mut attempts) = state
        .engine
        .store()
        .read(move |c| Ok((builds::jobs_of(c, &rid)?, builds::attempts_of_build(c, &rid)?)))
        .await?;
    let jobs = jobs
        .iter()
        .map(|job| {
            let attempts = attempts.remove(&job.rid).unwrap_or_default();
            JobAttempts { job_rid: job.rid.clone(), attempts: views::job_report(&build, job, &attempts).attempts }
        })
        .collect();
    Ok(Json(BuildAttempts { jobs }))
}
