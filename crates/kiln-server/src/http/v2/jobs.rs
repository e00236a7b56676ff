//! `/api/v2/orchestration/jobs/…`: get and getBatch.

use crate::http::openapi::{Invalid, NotFound, Unauthenticated};
use axum::Json;
use axum::extract::State;
use kiln_api::Rid;
use kiln_api::orchestration::{
    FoundryError, GetJobsBatchRequestElement, GetJobsBatchResponse, Job, MAX_JOBS_BATCH, PreviewQuery,
};
use rusqlite::Connection;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::convert;
use super::error::V2Error;
use crate::http::AppState;
use crate::http::auth::Caller;
use crate::http::extract::{ApiJson, ApiPath, ApiQuery, rid_param};
use crate::store::StoreResult;
use crate::store::builds::{self as store_builds, BuildRow};
use crate::store::search;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_batch)).routes(routes!(get_job))
}

/// A job as the public API shows it, with the build it belongs to (for visibility).
fn load(c: &Connection, rid: &Rid) -> StoreResult<Option<(BuildRow, Job)>> {
    let Some(job) = store_builds::get_job(c, rid)? else { return Ok(None) };
    let Some(build) = store_builds::get_build(c, &job.build_rid)? else { return Ok(None) };
    let latest = search::latest_attempt_start(c, rid)?;
    let view = convert::job(build.created_ms, &job, latest);
    Ok(Some((build, view)))
}

#[utoipa::path(get, path = "/api/v2/orchestration/jobs/{job_rid}", tag = "orchestration",
    params(("job_rid" = inline(Rid), Path), PreviewQuery),
    responses((status = 200, description = "The Job", body = Job),
        Invalid, Unauthenticated, NotFound))]
async fn get_job(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(raw): ApiPath<String>,
    ApiQuery(_): ApiQuery<PreviewQuery>,
) -> Result<Json<Job>, V2Error> {
    let rid = rid_param(&raw, "jobRid")?;
    let lookup = rid.clone();
    match state.engine.store().read(move |c| load(c, &lookup)).await? {
        Some((build, job)) if caller.can_see(&build.team) => Ok(Json(job)),
        _ => Err(V2Error::foundry(FoundryError::JobNotFound { job_rid: rid.clone() }, format!("no job {rid}"))),
    }
}

#[utoipa::path(post, path = "/api/v2/orchestration/jobs/getBatch", tag = "orchestration",
    request_body = Vec<GetJobsBatchRequestElement>, params(PreviewQuery),
    responses((status = 200, description = "Jobs by RID", body = GetJobsBatchResponse),
        Invalid, Unauthenticated, NotFound))]
async fn get_batch(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(_): ApiQuery<PreviewQuery>,
    ApiJson(body): ApiJson<Vec<GetJobsBatchRequestElement>>,
) -> Result<Json<GetJobsBatchResponse>, V2Error> {
    if body.len() > MAX_JOBS_BATCH {
        return Err(V2Error::foundry(
            FoundryError::BatchRequestSizeExceededLimit {
                maximum_batch_size: MAX_JOBS_BATCH,
                provided_batch_size: body.len(),
            },
            format!("at most {MAX_JOBS_BATCH} jobs per batch"),
        ));
    }
    let found = state
        .engine
        .store()
        .read(move |c| body.iter().filter_map(|e| load(c, &e.job_rid).transpose()).collect::<StoreResult<Vec<_>>>())
        .await?;
    let data = found.into_iter().filter(|(b, _)| caller.can_see(&b.team)).map(|(_, j)| (j.rid.clone(), j)).collect();
    Ok(Json(GetJobsBatchResponse { data }))
}
