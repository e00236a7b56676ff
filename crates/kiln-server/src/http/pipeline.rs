//! The lineage page's and job spec page's reads: every dataset's state on a branch, and a
//! job spec's definition with its recent runs. Computed here, from the same staleness rules
//! a build uses, so the console never re-derives them from raw rows.

use std::collections::HashMap;

use axum::Json;
use axum::extract::State;
use kiln_api::ErrorName;
use kiln_api::build2::{DEFAULT_BRANCH, JobStatus};
use kiln_api::pipeline::{DatasetState, JobRun, JobSpecDetail, JobSpecQuery, LineageState, LineageStateQuery};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::auth::Caller;
use super::error::AppError;
use super::extract::{ApiPath, ApiQuery, rid_param};
use super::openapi::{Invalid, NotFound, Unauthenticated};
use crate::staleness::{Snapshot, dataset_states};
use crate::store::history::{self, JobRunRow};
use crate::store::{transactions, ts};

const DEFAULT_RUNS: u32 = 30;
const MAX_RUNS: u32 = 200;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(lineage_state)).routes(routes!(job_spec))
}

fn job_run(r: JobRunRow) -> JobRun {
    JobRun {
        job_rid: r.job_rid,
        build_rid: r.build_rid,
        team: r.team,
        run_id: r.run_id,
        branch: r.branch,
        status: r.status,
        started_time: ts(r.started_ms),
        finished_time: ts(r.finished_ms),
        attempt_count: r.attempt_count,
        error: r.error,
    }
}

/// Every dataset's state on one branch, and why.
#[utoipa::path(get, path = "/api/v1/catalog/lineage/state", tag = "catalog", params(LineageStateQuery),
    responses((status = 200, description = "Each dataset's state", body = LineageState), Invalid, Unauthenticated))]
async fn lineage_state(
    State(state): State<AppState>,
    _caller: Caller,
    ApiQuery(q): ApiQuery<LineageStateQuery>,
) -> Result<Json<LineageState>, AppError> {
    let branch = match q.branch.as_deref().map(str::trim) {
        None => DEFAULT_BRANCH.to_owned(),
        Some("") => {
            return Err(AppError::bad(
                ErrorName::InvalidQuery,
                "branch",
                "name a branch, or leave branch out for master",
            ));
        }
        Some(b) => b.to_owned(),
    };
    let lookup = branch.clone();
    let (rows, last) = state
        .engine
        .store()
        .read(move |c| Ok((transactions::latest_all(c)?, history::last_finished_on_branch(c, &lookup)?)))
        .await?;
    let snapshot = Snapshot::new(rows);
    let pending = state.engine.pending_sources().await?;
    let pipeline = state.engine.pipeline();
    let mut last_by_spec: HashMap<usize, JobRunRow> = HashMap::new();
    for row in last {
        if let Some(spec) = pipeline.job_spec_index(&row.job_spec_rid) {
            last_by_spec.insert(spec, row);
        }
    }
    let failed: HashMap<usize, Option<String>> = last_by_spec
        .iter()
        .filter(|(_, r)| r.status == JobStatus::Failed)
        .map(|(&spec, r)| (spec, r.error.clone()))
        .collect();
    let verdicts = dataset_states(pipeline, &snapshot, &branch, &pending, &failed);
    let datasets = pipeline
        .datasets
        .iter()
        .zip(verdicts)
        .map(|(ds, verdict)| {
            let latest = snapshot.latest(&ds.rid, &branch);
            DatasetState {
                rid: ds.rid.clone(),
                state: verdict.state,
                reason: verdict.reason,
                latest_transaction_rid: latest.map(|t| t.rid.clone()),
                updated_time: latest.and_then(|t| ts(Some(t.created_ms))),
                last_job: ds.produced_by.and_then(|s| last_by_spec.get(&s)).cloned().map(job_run),
            }
        })
        .collect();
    Ok(Json(LineageState { branch, datasets }))
}

/// A job spec's definition and its recent runs.
#[utoipa::path(get, path = "/api/v1/catalog/jobspecs/{rid}", tag = "catalog",
    params(("rid" = inline(kiln_api::Rid), Path), JobSpecQuery),
    responses((status = 200, description = "The job spec and its recent runs", body = JobSpecDetail), Invalid, Unauthenticated, NotFound))]
async fn job_spec(
    State(state): State<AppState>,
    _caller: Caller,
    ApiPath(rid): ApiPath<String>,
    ApiQuery(q): ApiQuery<JobSpecQuery>,
) -> Result<Json<JobSpecDetail>, AppError> {
    let rid = rid_param(&rid, "jobSpecRid")?;
    let limit = match q.limit.unwrap_or(DEFAULT_RUNS) {
        0 => return Err(AppError::bad(ErrorName::InvalidQuery, "limit", format!("limit is from 1 to {MAX_RUNS}"))),
        n => n.min(MAX_RUNS),
    };
    let pipeline = state.engine.pipeline();
    let spec = pipeline.job_spec_index(&rid).ok_or_else(|| {
        AppError::new(ErrorName::JobSpecNotFound, format!("no job spec {rid} is deployed on this service"))
    })?;
    let lookup = rid.clone();
    let runs = state.engine.store().read(move |c| history::runs_of_spec(c, &lookup, limit)).await?;
    let js = &pipeline.job_specs[spec];
    Ok(Json(JobSpecDetail {
        spec: pipeline.job_spec_info(spec),
        command: js.command.clone(),
        folder: js.dir.display().to_string(),
        runs: runs.into_iter().map(job_run).collect(),
    }))
}
