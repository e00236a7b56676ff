//! The Foundry-compatible build2 surface under `/build2/api`.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use kiln_api::build2::{
    BuildReport, JobReport, JobSpecForDatasetRequest, JobSpecInfo, SubmitBuildRequest, SubmitBuildResponse,
};
use kiln_api::{ErrorName, Rid, TEAM_HEADER, TeamName};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::auth::Caller;
use super::error::AppError;
use super::extract::{ApiJson, ApiPath, rid_param, team_param};
use super::openapi::{Conflict, Forbidden, Invalid, NotFound, TooLarge, Unauthenticated};
use crate::store::builds;
use crate::views;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(submit))
        .routes(routes!(build_report))
        .routes(routes!(job_report))
        .routes(routes!(job_spec_for_dataset))
        .routes(routes!(cancel_jobs_in_build))
}

/// The `Kiln-Team` header if given (one of the caller's teams), else the caller's first
/// team, else `default`.
pub(super) fn submission_team(caller: &Caller, headers: &HeaderMap) -> Result<TeamName, AppError> {
    if let Some(value) = headers.get(TEAM_HEADER) {
        let raw = value
            .to_str()
            .map_err(|_| AppError::bad(ErrorName::InvalidTeam, TEAM_HEADER, "the team header is not text"))?;
        let team = team_param(raw.trim(), TEAM_HEADER)?;
        if !caller.can_see(&team) {
            return Err(AppError::Forbidden(format!("you may not submit builds for team {team}")));
        }
        return Ok(team);
    }
    Ok(caller.teams().and_then(|ts| ts.first().cloned()).unwrap_or_else(TeamName::default_team))
}

/// Submits a build: the body foundry-dev-tools sends.
#[utoipa::path(post, path = "/build2/api/manager/submitBuild", tag = "build2",
    request_body = SubmitBuildRequest,
    params(("Kiln-Team" = Option<String>, Header, description = "The team the build belongs to")),
    responses((status = 200, description = "The build, and the jobs it created", body = SubmitBuildResponse), Invalid, Unauthenticated, Forbidden, Conflict, TooLarge))]
async fn submit(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    ApiJson(req): ApiJson<SubmitBuildRequest>,
) -> Result<Json<SubmitBuildResponse>, AppError> {
    let team = submission_team(&caller, &headers)?;
    Ok(Json(state.engine.submit(caller.user(), &team, req).await?))
}

/// A build's report; 204 for a build that is unknown or not visible.
#[utoipa::path(get, path = "/build2/api/info/builds2/{build_rid}", tag = "build2",
    params(("build_rid" = inline(Rid), Path)),
    responses((status = 200, description = "The build report", body = BuildReport), (status = 204, description = "No such build"), Invalid, Unauthenticated))]
async fn build_report(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(raw): ApiPath<String>,
) -> Result<Response, AppError> {
    let rid = rid_param(&raw, "buildRid")?;
    let found =
        state.engine.store().read(move |c| Ok((builds::get_build(c, &rid)?, builds::jobs_of(c, &rid)?))).await?;
    match found {
        (Some(build), jobs) if caller.can_see(&build.team) => {
            Ok(Json(views::build_report(&build, &jobs)).into_response())
        }
        // Foundry answers 204 for a build it does not know; another team's is not known.
        _ => Ok(StatusCode::NO_CONTENT.into_response()),
    }
}

/// A job's report with its attempts; 204 for a job that is unknown or not visible.
#[utoipa::path(get, path = "/build2/api/info/jobs3/{job_rid}", tag = "build2",
    params(("job_rid" = inline(Rid), Path)),
    responses((status = 200, description = "The job report", body = JobReport), (status = 204, description = "No such job"), Invalid, Unauthenticated))]
async fn job_report(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(raw): ApiPath<String>,
) -> Result<Response, AppError> {
    let rid = rid_param(&raw, "jobRid")?;
    let found = state
        .engine
        .store()
        .read(move |c| {
            let Some(job) = builds::get_job(c, &rid)? else { return Ok(None) };
            let Some(build) = builds::get_build(c, &job.build_rid)? else { return Ok(None) };
            let attempts = builds::attempts_of(c, &rid)?;
            Ok(Some((build, job, attempts)))
        })
        .await?;
    match found {
        Some((build, job, attempts)) if caller.can_see(&build.team) => {
            Ok(Json(views::job_report(&build, &job, &attempts)).into_response())
        }
        _ => Ok(StatusCode::NO_CONTENT.into_response()),
    }
}

/// The job spec that produces a dataset; 204 when none does.
#[utoipa::path(post, path = "/build2/api/jobspecs/get-jobspec-for-dataset", tag = "build2",
    request_body = JobSpecForDatasetRequest,
    responses((status = 200, description = "The producing job spec", body = JobSpecInfo), (status = 204, description = "No job spec produces it"),
        Invalid, Unauthenticated, TooLarge))]
async fn job_spec_for_dataset(
    State(state): State<AppState>,
    _caller: Caller,
    ApiJson(req): ApiJson<JobSpecForDatasetRequest>,
) -> Result<Response, AppError> {
    let pipeline = state.engine.pipeline();
    let spec = pipeline.dataset_index(&req.dataset_rid).and_then(|d| pipeline.datasets[d].produced_by);
    Ok(match spec {
        Some(spec) => Json(pipeline.job_spec_info(spec)).into_response(),
        None => StatusCode::NO_CONTENT.into_response(),
    })
}

/// build2's cancelJobsInBuild: cancels the build's unfinished jobs. A finished build has
/// none left, so that is a 204 too; an unknown (or another team's) build is a 404.
#[utoipa::path(delete, path = "/build2/api/manager/builds/{build_rid}", tag = "build2",
    params(("build_rid" = inline(Rid), Path)),
    responses((status = 204, description = "The build's unfinished jobs are cancelled (or there were none)"), Invalid, Unauthenticated, NotFound))]
async fn cancel_jobs_in_build(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(raw): ApiPath<String>,
) -> Result<StatusCode, AppError> {
    let rid = rid_param(&raw, "buildRid")?;
    let lookup = rid.clone();
    let build = state.engine.store().read(move |c| builds::get_build(c, &lookup)).await?;
    let build = build
        .filter(|b| caller.can_see(&b.team))
        .ok_or_else(|| AppError::new(ErrorName::BuildNotFound, format!("no build {rid}")))?;
    if build.status.is_terminal() {
        return Ok(StatusCode::NO_CONTENT);
    }
    match state.engine.stop(&build.rid).await {
        // It finished between the read and the stop: nothing was left to cancel.
        Ok(()) | Err(crate::engine::EngineError::Conflict { .. }) => Ok(StatusCode::NO_CONTENT),
        Err(e) => Err(e.into()),
    }
}
