//! The catalog: datasets, job specs and the whole lineage, for the console's pickers.

use axum::Json;
use axum::extract::State;
use kiln_api::ErrorName;
use kiln_api::teams::{
    CatalogDataset, CatalogDatasets, CatalogJobSpec, CatalogJobSpecs, CatalogQuery, DatasetBranch, Lineage,
};

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::auth::Caller;
use super::error::AppError;
use super::extract::ApiQuery;
use super::openapi::{Invalid, Unauthenticated};
use crate::pipeline::Pipeline;
use crate::staleness::Snapshot;
use crate::store::{transactions, ts};

const DEFAULT_LIMIT: u32 = 100;
const MAX_LIMIT: u32 = 1000;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(datasets)).routes(routes!(job_specs)).routes(routes!(lineage))
}

fn limit_of(q: &CatalogQuery) -> Result<usize, AppError> {
    match q.limit.unwrap_or(DEFAULT_LIMIT) {
        0 => Err(AppError::bad(ErrorName::InvalidQuery, "limit", format!("limit is from 1 to {MAX_LIMIT}"))),
        n => Ok(n.min(MAX_LIMIT) as usize),
    }
}

fn matches(q: &CatalogQuery, name: &str, rid: &str) -> bool {
    match q.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => true,
        Some(needle) => {
            let needle = needle.to_lowercase();
            name.to_lowercase().contains(&needle) || rid.to_lowercase().contains(&needle)
        }
    }
}

async fn snapshot(state: &AppState) -> Result<Snapshot, AppError> {
    Ok(Snapshot::new(state.engine.store().read(transactions::latest_all).await?))
}

fn all_datasets(pipeline: &Pipeline, snapshot: &Snapshot) -> Vec<CatalogDataset> {
    pipeline
        .datasets
        .iter()
        .map(|d| CatalogDataset {
            rid: d.rid.clone(),
            name: d.name.clone(),
            produced_by: d.produced_by.map(|s| pipeline.job_specs[s].rid.clone()),
            branches: snapshot
                .branches_of(&d.rid)
                .into_iter()
                .map(|t| DatasetBranch {
                    name: t.branch.clone(),
                    latest_transaction_rid: Some(t.rid.clone()),
                    updated_time: ts(Some(t.created_ms)),
                })
                .collect(),
        })
        .collect()
}

fn all_job_specs(pipeline: &Pipeline) -> Vec<CatalogJobSpec> {
    (0..pipeline.job_specs.len())
        .map(|i| {
            let info = pipeline.job_spec_info(i);
            CatalogJobSpec { rid: info.rid, name: info.name, inputs: info.inputs, outputs: info.outputs }
        })
        .collect()
}

/// The pipeline's datasets with their branches, filtered by name or RID.
#[utoipa::path(get, path = "/api/v1/catalog/datasets", tag = "catalog", params(CatalogQuery),
    responses((status = 200, description = "The matching datasets", body = CatalogDatasets), Invalid, Unauthenticated))]
async fn datasets(
    State(state): State<AppState>,
    _caller: Caller,
    ApiQuery(q): ApiQuery<CatalogQuery>,
) -> Result<Json<CatalogDatasets>, AppError> {
    let limit = limit_of(&q)?;
    let snapshot = snapshot(&state).await?;
    let datasets = all_datasets(state.engine.pipeline(), &snapshot)
        .into_iter()
        .filter(|d| matches(&q, &d.name, d.rid.as_str()))
        .take(limit)
        .collect();
    Ok(Json(CatalogDatasets { datasets }))
}

/// The pipeline's job specs, filtered by name or RID.
#[utoipa::path(get, path = "/api/v1/catalog/jobspecs", tag = "catalog", params(CatalogQuery),
    responses((status = 200, description = "The matching job specs", body = CatalogJobSpecs), Invalid, Unauthenticated))]
async fn job_specs(
    State(state): State<AppState>,
    _caller: Caller,
    ApiQuery(q): ApiQuery<CatalogQuery>,
) -> Result<Json<CatalogJobSpecs>, AppError> {
    let limit = limit_of(&q)?;
    let job_specs = all_job_specs(state.engine.pipeline())
        .into_iter()
        .filter(|s| matches(&q, &s.name, s.rid.as_str()))
        .take(limit)
        .collect();
    Ok(Json(CatalogJobSpecs { job_specs }))
}

/// The whole lineage graph.
#[utoipa::path(get, path = "/api/v1/catalog/lineage", tag = "catalog",
    responses((status = 200, description = "Every dataset and job spec", body = Lineage), Unauthenticated))]
async fn lineage(State(state): State<AppState>, _caller: Caller) -> Result<Json<Lineage>, AppError> {
    let snapshot = snapshot(&state).await?;
    let pipeline = state.engine.pipeline();
    Ok(Json(Lineage { datasets: all_datasets(pipeline, &snapshot), job_specs: all_job_specs(pipeline) }))
}
