//! Foundry's public Orchestration v2 API (`/api/v2/orchestration`), field for field as the
//! official `foundry-platform-sdk` 1.111.0 models it (`foundry_sdk/v2/orchestration/models.py`).
//!
//! The SDK validates every answer against its pydantic models, so the answers here carry
//! every field those models require, spelled and typed as they are there. Requests are read
//! leniently, like the rest of the contract: `null` means absent, and a list the SDK always
//! sends may be missing.

mod errors;
mod search;

use serde::{Deserialize, Serialize};

pub use errors::{FilterType, FoundryError};
pub use search::{
    EqualsField, OrderByDirection, SearchBuildsFilter, SearchBuildsOrderBy, SearchBuildsOrderByItem,
    SearchBuildsRequest, SearchBuildsResponse, TimeField,
};

use crate::build2::{BuildStatus, JobStatus, null_as_default};
use crate::{Rid, Timestamp};

/// The largest `getBatch` of builds the SDK sends (`Len(max_length=100)`).
pub const MAX_BUILDS_BATCH: usize = 100;
/// The largest `getBatch` of jobs the SDK sends (`Len(max_length=500)`).
pub const MAX_JOBS_BATCH: usize = 500;
/// The page size when a request names none (the SDK documents 100 for search).
pub const DEFAULT_PAGE_SIZE: i64 = 100;
/// Larger page sizes are served as this many.
pub const MAX_PAGE_SIZE: i64 = 1000;

/// `Build`: what `GET /v2/orchestration/builds/{buildRid}` answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Build {
    pub rid: Rid,
    pub branch_name: String,
    pub created_time: Timestamp,
    /// A principal id (a UUID) in Foundry.
    pub created_by: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub fallback_branches: Vec<String>,
    /// The build's jobs, in job order.
    #[serde(default, deserialize_with = "null_as_default")]
    pub job_rids: Vec<Rid>,
    pub retry_count: i64,
    pub retry_backoff_duration: Duration,
    pub abort_on_failure: bool,
    pub status: BuildStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_time: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule_rid: Option<Rid>,
}

/// `core.Duration`, the type of `RetryBackoffDuration`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Duration {
    pub value: i64,
    pub unit: TimeUnit,
}

impl Duration {
    /// Whole seconds, or `None` for a unit without a fixed length (months, years), a
    /// fraction of a second, or an overflow.
    pub fn whole_seconds(&self) -> Option<i64> {
        let per_unit: i64 = match self.unit {
            TimeUnit::Milliseconds => {
                return (self.value % 1000 == 0).then_some(self.value / 1000);
            }
            TimeUnit::Seconds => 1,
            TimeUnit::Minutes => 60,
            TimeUnit::Hours => 3600,
            TimeUnit::Days => 86_400,
            TimeUnit::Weeks => 604_800,
            TimeUnit::Months | TimeUnit::Years => return None,
        };
        self.value.checked_mul(per_unit)
    }

    pub fn seconds(value: i64) -> Self {
        Duration { value, unit: TimeUnit::Seconds }
    }
}

/// `core.TimeUnit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TimeUnit {
    Milliseconds,
    Seconds,
    Minutes,
    Hours,
    Days,
    Weeks,
    Months,
    Years,
}

/// `BuildTarget`: which datasets to build, tagged by `type`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum BuildTarget {
    /// Exactly these datasets.
    Manual(ManualTarget),
    /// These datasets and everything upstream of them, except the ignored ones.
    Upstream(UpstreamTarget),
    /// Everything between the inputs (exclusive) and the targets (inclusive).
    Connecting(ConnectingTarget),
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ManualTarget {
    #[serde(default, deserialize_with = "null_as_default")]
    pub target_rids: Vec<Rid>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct UpstreamTarget {
    #[serde(default, deserialize_with = "null_as_default")]
    pub target_rids: Vec<Rid>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub ignored_rids: Vec<Rid>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ConnectingTarget {
    #[serde(default, deserialize_with = "null_as_default")]
    pub input_rids: Vec<Rid>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub target_rids: Vec<Rid>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub ignored_rids: Vec<Rid>,
}

impl BuildTarget {
    /// The wire name of this target's kind.
    pub fn kind(&self) -> &'static str {
        match self {
            BuildTarget::Manual(_) => "manual",
            BuildTarget::Upstream(_) => "upstream",
            BuildTarget::Connecting(_) => "connecting",
        }
    }
}

/// The body of `POST /v2/orchestration/builds/create`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CreateBuildRequest {
    pub target: BuildTarget,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branch_name: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub fallback_branches: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub force_build: Option<bool>,
    /// Retries after the first attempt: N means N + 1 attempts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_count: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_backoff_duration: Option<Duration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub abort_on_failure: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notifications_enabled: Option<bool>,
}

/// `Job`: what `GET /v2/orchestration/jobs/{jobRid}` answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Job {
    pub rid: Rid,
    pub build_rid: Rid,
    /// When the job started waiting for its dependencies.
    pub started_time: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest_attempt_start_time: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_time: Option<Timestamp>,
    pub job_status: JobStatus,
    #[serde(default, deserialize_with = "null_as_default")]
    pub outputs: Vec<JobOutput>,
}

/// `JobOutput`, tagged by `type`. Kiln only has dataset outputs; media sets are here so
/// that a Foundry answer still reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum JobOutput {
    DatasetJobOutput(DatasetJobOutput),
    TransactionalMediaSetJobOutput(TransactionalMediaSetJobOutput),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct DatasetJobOutput {
    pub dataset_rid: Rid,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_transaction_rid: Option<Rid>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct TransactionalMediaSetJobOutput {
    pub media_set_rid: Rid,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
}

/// One element of the `POST /v2/orchestration/builds/getBatch` body (a JSON list).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct GetBuildsBatchRequestElement {
    pub build_rid: Rid,
}

/// Builds by RID; RIDs that are not found (or not visible) are left out.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GetBuildsBatchResponse {
    #[serde(default, deserialize_with = "null_as_default")]
    pub data: std::collections::BTreeMap<Rid, Build>,
}

/// One element of the `POST /v2/orchestration/jobs/getBatch` body (a JSON list).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct GetJobsBatchRequestElement {
    pub job_rid: Rid,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GetJobsBatchResponse {
    #[serde(default, deserialize_with = "null_as_default")]
    pub data: std::collections::BTreeMap<Rid, Job>,
}

/// `GET /v2/orchestration/builds/{buildRid}/jobs`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ListJobsOfBuildResponse {
    #[serde(default, deserialize_with = "null_as_default")]
    pub data: Vec<Job>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_page_token: Option<String>,
}

/// The query of `GET …/builds/{buildRid}/jobs`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
#[serde(rename_all = "camelCase")]
pub struct PageQuery {
    pub page_size: Option<i64>,
    pub page_token: Option<String>,
    pub preview: Option<bool>,
}

/// The query of the endpoints whose only parameter is `preview`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct PreviewQuery {
    pub preview: Option<bool>,
}

/// `Dataset` of `GET /v2/datasets/{datasetRid}` (`foundry_sdk/v2/datasets/models.py`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Dataset {
    pub rid: Rid,
    pub name: String,
    pub parent_folder_rid: Rid,
}
