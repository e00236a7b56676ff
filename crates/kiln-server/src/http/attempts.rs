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
    // One read for the whole build: the jobs, then each one's attempts.
    let rows = state
        .engine
        .store()
        .read(move |c| {
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
