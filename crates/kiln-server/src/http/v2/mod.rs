//! Foundry's public Orchestration v2 API under `/api/v2` (the SDK puts `/api` before each
//! path), and the one Datasets call clients use to name datasets.
//!
//! It runs on the same engine as build2 and teams: a create becomes a build2 submission,
//! and every build, whichever surface made it, can be read, listed and cancelled here.

mod builds;
mod convert;
mod datasets;
mod error;
mod jobs;

use kiln_api::Rid;
use kiln_api::orchestration::FoundryError;
use utoipa_axum::router::OpenApiRouter;

use super::AppState;
use super::auth::Caller;
use crate::store::builds::{self as store_builds, BuildRow};
use crate::store::search;
use error::V2Error;

/// In the OpenAPI document by path and status; the bodies are the SDK's models (docs/api.md).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().merge(builds::router()).merge(jobs::router()).merge(datasets::router())
}

/// A build the caller may see, with its job RIDs; another team's build is not found.
async fn visible_build(state: &AppState, caller: &Caller, rid: Rid) -> Result<(BuildRow, Vec<Rid>), V2Error> {
    let lookup = rid.clone();
    let found = state
        .engine
        .store()
        .read(move |c| {
            let Some(build) = store_builds::get_build(c, &lookup)? else { return Ok(None) };
            let jobs = search::job_rids_of(c, &lookup)?;
            Ok(Some((build, jobs)))
        })
        .await?;
    match found {
        Some((build, jobs)) if caller.can_see(&build.team) => Ok((build, jobs)),
        _ => Err(V2Error::foundry(FoundryError::BuildNotFound { build_rid: rid.clone() }, format!("no build {rid}"))),
    }
}
