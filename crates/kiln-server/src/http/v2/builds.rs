//! `/api/v2/orchestration/builds/…`: create, get, getBatch, jobs, cancel and search.

use crate::http::openapi::{Forbidden, Invalid, NotFound, Unauthenticated};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use kiln_api::Rid;
use kiln_api::orchestration::{
    Build, CreateBuildRequest, FoundryError, GetBuildsBatchRequestElement, GetBuildsBatchResponse,
    ListJobsOfBuildResponse, MAX_BUILDS_BATCH, PageQuery, PreviewQuery, SearchBuildsRequest, SearchBuildsResponse,
};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::V2Error;
use super::{convert, visible_build};
use crate::engine::EngineError;
use crate::http::AppState;
use crate::http::auth::Caller;
use crate::http::build2::submission_team;
use crate::http::error::AppError;
use crate::http::extract::{ApiJson, ApiPath, ApiQuery, rid_param};
use crate::store::builds as store_builds;
use crate::store::search::{self, Search};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create))
        .routes(routes!(get_batch))
        .routes(routes!(search_builds))
        .routes(routes!(get_build))
        .routes(routes!(jobs))
        .routes(routes!(cancel))
}

#[utoipa::path(post, path = "/api/v2/orchestration/builds/create", tag = "orchestration",
    request_body = CreateBuildRequest,
    params(PreviewQuery, ("Kiln-Team" = Option<String>, Header, description = "The team the build belongs to")),
    responses((status = 200, description = "The Build (foundry-platform-sdk models)", body = Build),
        Invalid, Unauthenticated, Forbidden, NotFound))]
async fn create(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    ApiQuery(_): ApiQuery<PreviewQuery>,
    ApiJson(req): ApiJson<CreateBuildRequest>,
) -> Result<Json<Build>, V2Error> {
    let team = submission_team(&caller, &headers)?;
    let submit = convert::submit_request(state.engine.pipeline(), &req)?;
    let answer = state.engine.submit(caller.user(), &team, submit).await.map_err(|e| match e {
        // Option errors name build2's fields; say them as this API spells them.
        EngineError::Invalid { name, field, message } => {
            V2Error::from(AppError::Client { name, field: field.as_deref().map(convert::public_field), message })
        }
        other => other.into(),
    })?;
    let (build, job_rids) = visible_build(&state, &caller, answer.build_rid).await?;
    Ok(Json(convert::build(&build, job_rids)))
}

#[utoipa::path(get, path = "/api/v2/orchestration/builds/{build_rid}", tag = "orchestration",
    params(("build_rid" = inline(Rid), Path), PreviewQuery),
    responses((status = 200, description = "The Build", body = Build),
        Invalid, Unauthenticated, NotFound))]
async fn get_build(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(raw): ApiPath<String>,
    ApiQuery(_): ApiQuery<PreviewQuery>,
) -> Result<Json<Build>, V2Error> {
    let rid = rid_param(&raw, "buildRid")?;
    let (build, job_rids) = visible_build(&state, &caller, rid).await?;
    Ok(Json(convert::build(&build, job_rids)))
}

#[utoipa::path(post, path = "/api/v2/orchestration/builds/getBatch", tag = "orchestration",
    request_body = Vec<GetBuildsBatchRequestElement>, params(PreviewQuery),
    responses((status = 200, description = "Builds by RID", body = GetBuildsBatchResponse),
        Invalid, Unauthenticated, NotFound))]
async fn get_batch(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(_): ApiQuery<PreviewQuery>,
    ApiJson(body): ApiJson<Vec<GetBuildsBatchRequestElement>>,
) -> Result<Json<GetBuildsBatchResponse>, V2Error> {
    if body.len() > MAX_BUILDS_BATCH {
        return Err(V2Error::foundry(
            FoundryError::BatchRequestSizeExceededLimit {
                maximum_batch_size: MAX_BUILDS_BATCH,
                provided_batch_size: body.len(),
            },
            format!("at most {MAX_BUILDS_BATCH} builds per batch"),
        ));
    }
    let found = state
        .engine
        .store()
        .read(move |c| {
            let mut out = Vec::new();
            for element in &body {
                if let Some(build) = store_builds::get_build(c, &element.build_rid)? {
                    let jobs = search::job_rids_of(c, &element.build_rid)?;
                    out.push((build, jobs));
                }
            }
            Ok(out)
        })
        .await?;
    // Builds that are not found, or not the caller's to see, are left out.
    let data = found
        .into_iter()
        .filter(|(b, _)| caller.can_see(&b.team))
        .map(|(b, jobs)| (b.rid.clone(), convert::build(&b, jobs)))
        .collect();
    Ok(Json(GetBuildsBatchResponse { data }))
}

#[utoipa::path(get, path = "/api/v2/orchestration/builds/{build_rid}/jobs", tag = "orchestration",
    params(("build_rid" = inline(Rid), Path), PageQuery),
    responses((status = 200, description = "A page of the build's jobs", body = ListJobsOfBuildResponse),
        Invalid, Unauthenticated, NotFound))]
async fn jobs(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(raw): ApiPath<String>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<Json<ListJobsOfBuildResponse>, V2Error> {
    let rid = rid_param(&raw, "buildRid")?;
    let limit = convert::page_size(q.page_size)?;
    let after = convert::parse_jobs_token(q.page_token.as_deref())?;
    let (build, _) = visible_build(&state, &caller, rid.clone()).await?;
    let (jobs, next) = state
        .engine
        .store()
        .read(move |c| {
            let (jobs, next) = search::jobs_page(c, &rid, after, limit)?;
            let mut out = Vec::with_capacity(jobs.len());
            for job in jobs {
                let latest = search::latest_attempt_start(c, &job.rid)?;
                out.push((job, latest));
            }
            Ok((out, next))
        })
        .await?;
    Ok(Json(ListJobsOfBuildResponse {
        data: jobs.iter().map(|(j, latest)| convert::job(build.created_ms, j, *latest)).collect(),
        next_page_token: next.map(convert::jobs_token),
    }))
}

/// Cancels every unfinished job of a running build; answers 204 once asked.
#[utoipa::path(post, path = "/api/v2/orchestration/builds/{build_rid}/cancel", tag = "orchestration",
    params(("build_rid" = inline(Rid), Path), PreviewQuery),
    responses((status = 204, description = "Cancellation requested"),
        Invalid, Unauthenticated, NotFound))]
async fn cancel(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(raw): ApiPath<String>,
    ApiQuery(_): ApiQuery<PreviewQuery>,
) -> Result<StatusCode, V2Error> {
    let rid = rid_param(&raw, "buildRid")?;
    let (build, _) = visible_build(&state, &caller, rid.clone()).await?;
    let not_running = || {
        V2Error::foundry(FoundryError::BuildNotRunning { build_rid: rid.clone() }, format!("build {rid} has finished"))
    };
    if build.status.is_terminal() {
        return Err(not_running());
    }
    match state.engine.stop(&build.rid).await {
        Ok(()) => Ok(StatusCode::NO_CONTENT),
        // It finished between the read and the stop.
        Err(EngineError::Conflict { .. }) => Err(not_running()),
        Err(e) => Err(e.into()),
    }
}

#[utoipa::path(post, path = "/api/v2/orchestration/builds/search", tag = "orchestration",
    request_body = SearchBuildsRequest, params(PreviewQuery),
    responses((status = 200, description = "A page of builds", body = SearchBuildsResponse),
        Invalid, Unauthenticated, NotFound))]
async fn search_builds(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(_): ApiQuery<PreviewQuery>,
    ApiJson(req): ApiJson<SearchBuildsRequest>,
) -> Result<Json<SearchBuildsResponse>, V2Error> {
    let predicate = convert::predicate(&req.where_)?;
    let order = convert::sort_keys(&req);
    let after = convert::parse_search_token(&req, order.len())?;
    let limit = convert::page_size(req.page_size)?;
    let query = Search { predicate, order, teams: caller.teams().map(<[_]>::to_vec), limit, after };
    let (page, jobs) = state
        .engine
        .store()
        .read(move |c| {
            let page = search::search_builds(c, &query)?;
            let rids: Vec<Rid> = page.builds.iter().map(|b| b.rid.clone()).collect();
            let jobs = search::job_rids_of_each(c, &rids)?;
            Ok((page, jobs))
        })
        .await?;
    Ok(Json(SearchBuildsResponse {
        data: page.builds.iter().zip(jobs).map(|(b, j)| convert::build(b, j)).collect(),
        next_page_token: page.next.as_ref().map(|c| convert::search_token(&req, c)),
    }))
}
