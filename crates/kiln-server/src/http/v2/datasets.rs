//! `GET /api/v2/datasets/{datasetRid}`: enough of Foundry's Datasets API for clients to name
//! the datasets that builds and jobs refer to.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use kiln_api::orchestration::{Dataset, FoundryError, PreviewQuery};

use super::convert;
use super::error::V2Error;
use crate::http::AppState;
use crate::http::auth::Caller;
use crate::http::extract::{ApiPath, ApiQuery, rid_param};

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v2/datasets/{dataset_rid}", get(get_dataset))
}

/// Every caller sees every dataset, as in the catalog.
async fn get_dataset(
    State(state): State<AppState>,
    _caller: Caller,
    ApiPath(raw): ApiPath<String>,
    ApiQuery(_): ApiQuery<PreviewQuery>,
) -> Result<Json<Dataset>, V2Error> {
    let rid = rid_param(&raw, "datasetRid")?;
    let pipeline = state.engine.pipeline();
    match pipeline.dataset_index(&rid) {
        Some(d) => {
            let name = pipeline.datasets[d].name.clone();
            Ok(Json(Dataset { rid, parent_folder_rid: convert::folder_rid(&name), name }))
        }
        None => Err(V2Error::foundry(
            FoundryError::DatasetNotFound { dataset_rid: rid.clone() },
            format!("no dataset {rid}"),
        )),
    }
}
