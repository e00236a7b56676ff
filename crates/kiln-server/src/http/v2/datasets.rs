//! `GET /api/v2/datasets/{datasetRid}`: enough of Foundry's Datasets API for clients to name
//! the datasets that builds and jobs refer to.

use crate::http::openapi::{Invalid, NotFound, Unauthenticated};
use axum::Json;
use axum::extract::State;
use kiln_api::Rid;
use kiln_api::orchestration::{Dataset, FoundryError, PreviewQuery};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::convert;
use super::error::V2Error;
use crate::http::AppState;
use crate::http::auth::Caller;
use crate::http::extract::{ApiPath, ApiQuery, rid_param};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_dataset))
}

/// Every caller sees every dataset, as in the catalog.
#[utoipa::path(get, path = "/api/v2/datasets/{dataset_rid}", tag = "orchestration",
    params(("dataset_rid" = inline(Rid), Path), PreviewQuery),
    responses((status = 200, description = "The Dataset", body = Dataset),
        Invalid, Unauthenticated, NotFound))]
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
