//! The pipeline pages' reads: each dataset's state on a branch, and one job spec with its
//! recent runs (Kiln's own surface, `docs/api.md`).

use kiln_api::Rid;
use kiln_api::pipeline::{JobSpecDetail, LineageState};

use super::{ApiError, Client, Surface, encode};

pub async fn lineage_state(client: &Client, branch: &str) -> Result<LineageState, ApiError> {
    client.get(Surface::Teams, &format!("/catalog/lineage/state?branch={}", encode(branch))).await
}

pub async fn job_spec(client: &Client, rid: &Rid, limit: u32) -> Result<JobSpecDetail, ApiError> {
    client.get(Surface::Teams, &format!("/catalog/jobspecs/{}?limit={limit}", encode(rid.as_str()))).await
}
