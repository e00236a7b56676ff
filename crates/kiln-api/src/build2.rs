//! The build2 surface: the shape of Foundry's build2 service as `foundry-dev-tools` sends it.

use std::fmt;

use serde::de::{self, Deserializer};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};

use crate::{Rid, TeamName, Timestamp};

/// Treats `null` like an absent key: the type's default.
pub(crate) fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// The body of `POST /build2/api/manager/submitBuild`.
///
/// Field order and the always-present `null`s follow what `foundry-dev-tools` sends, so
/// the console's requests look exactly like that client's.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SubmitBuildRequest {
    #[serde(default, deserialize_with = "null_as_default")]
    pub job_spec_selections: Vec<JobSpecSelection>,
    pub submission_id: Option<String>,
    pub build_group_rid: Option<Rid>,
    pub branch: Option<String>,
    pub branch_fallbacks: Option<BranchFallbacks>,
    pub force_build: Option<bool>,
    pub ignore_build_policy: Option<bool>,
    /// Plural on the wire, as Foundry spells it.
    #[serde(rename = "finishOnFailures")]
    pub finish_on_failures: Option<bool>,
    pub num_run_job_attempts: Option<i64>,
    pub force_retry: Option<bool>,
    /// Seconds to wait between attempts.
    pub retry_backoff_duration: Option<i64>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub build_parameters: Option<serde_json::Map<String, serde_json::Value>>,
    pub suppress_notifications: Option<bool>,
    pub exceeded_duration_mode: Option<ExceededDurationMode>,
    pub input_failure_strategies: Option<Vec<InputFailureStrategy>>,
    pub output_queue_strategy: Option<OutputQueueStrategy>,
}

/// The branch used when a request names none.
pub const DEFAULT_BRANCH: &str = "master";

impl SubmitBuildRequest {
    /// The branch the build runs on, `master` when absent or blank.
    pub fn branch_or_default(&self) -> &str {
        match self.branch.as_deref() {
            Some(b) if !b.trim().is_empty() => b,
            _ => DEFAULT_BRANCH,
        }
    }

    pub fn fallback_branches(&self) -> &[String] {
        self.branch_fallbacks.as_ref().map(|f| f.branches.as_slice()).unwrap_or_default()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BranchFallbacks {
    #[serde(default, deserialize_with = "null_as_default")]
    pub branches: Vec<String>,
}

/// One job-spec selection. On the wire the tag is repeated as the payload's key:
/// `{"type": "datasets", "datasets": {...}}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobSpecSelection {
    Datasets(DatasetsSelection),
    JobSpecs(JobSpecsSelection),
    Upstream(UpstreamSelection),
    Connecting(ConnectingSelection),
}

impl JobSpecSelection {
    /// The wire name of this selection's kind.
    pub fn kind(&self) -> &'static str {
        match self {
            JobSpecSelection::Datasets(_) => "datasets",
            JobSpecSelection::JobSpecs(_) => "jobSpecs",
            JobSpecSelection::Upstream(_) => "upstream",
            JobSpecSelection::Connecting(_) => "connecting",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct DatasetsSelection {
    #[serde(default, deserialize_with = "null_as_default")]
    pub dataset_rids: Vec<Rid>,
    pub is_required: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct JobSpecsSelection {
    #[serde(default, deserialize_with = "null_as_default")]
    pub job_spec_rids: Vec<Rid>,
    pub is_required: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct UpstreamSelection {
    #[serde(default, deserialize_with = "null_as_default")]
    pub dataset_rids: Vec<Rid>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub dataset_rids_to_ignore: Vec<Rid>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ConnectingSelection {
    #[serde(default, deserialize_with = "null_as_default")]
    pub upstream_dataset_rids: Vec<Rid>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub downstream_dataset_rids: Vec<Rid>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub dataset_rids_to_ignore: Vec<Rid>,
}

impl Serialize for JobSpecSelection {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(2))?;
        map.serialize_entry("type", self.kind())?;
        match self {
            JobSpecSelection::Datasets(p) => map.serialize_entry("datasets", p)?,
            JobSpecSelection::JobSpecs(p) => map.serialize_entry("jobSpecs", p)?,
            JobSpecSelection::Upstream(p) => map.serialize_entry("upstream", p)?,
            JobSpecSelection::Connecting(p) => map.serialize_entry("connecting", p)?,
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for JobSpecSelection {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Raw {
            #[serde(rename = "type")]
            kind: Option<String>,
            datasets: Option<DatasetsSelection>,
            job_specs: Option<JobSpecsSelection>,
            upstream: Option<UpstreamSelection>,
            connecting: Option<ConnectingSelection>,
        }
        let raw = Raw::deserialize(deserializer)?;
        let kind = raw.kind.ok_or_else(|| de::Error::missing_field("type"))?;
        let missing = || de::Error::custom(format!("a \"{kind}\" selection needs a \"{kind}\" object"));
        match kind.as_str() {
            "datasets" => raw.datasets.map(JobSpecSelection::Datasets).ok_or_else(missing),
            "jobSpecs" => raw.job_specs.map(JobSpecSelection::JobSpecs).ok_or_else(missing),
            "upstream" => raw.upstream.map(JobSpecSelection::Upstream).ok_or_else(missing),
            "connecting" => raw.connecting.map(JobSpecSelection::Connecting).ok_or_else(missing),
            other => Err(de::Error::custom(format!(
                "unknown selection type \"{other}\"; expected datasets, jobSpecs, upstream or connecting"
            ))),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ExceededDurationMode {
    #[default]
    Cancel,
    Retry,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FailureStrategy {
    Continue,
    #[default]
    Fail,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct InputFailureStrategy {
    pub input_dataset_rid: Rid,
    pub failure_strategy: FailureStrategy,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OutputQueueStrategy {
    QueueUp,
    Supersede,
}

/// The answer to a submission.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SubmitBuildResponse {
    /// `None` without a submission id, `false` when the id was seen before.
    pub is_new_submission: Option<bool>,
    pub build_rid: Rid,
    pub build_group_rid: Rid,
    #[serde(default, deserialize_with = "null_as_default")]
    pub jobs_created: std::collections::BTreeMap<Rid, Rid>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub jobs_in_other_builds: std::collections::BTreeMap<Rid, Rid>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum BuildStatus {
    Running,
    Succeeded,
    Failed,
    Canceled,
}

impl BuildStatus {
    pub const ALL: [BuildStatus; 4] =
        [BuildStatus::Running, BuildStatus::Succeeded, BuildStatus::Failed, BuildStatus::Canceled];

    pub fn is_terminal(self) -> bool {
        !matches!(self, BuildStatus::Running)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            BuildStatus::Running => "RUNNING",
            BuildStatus::Succeeded => "SUCCEEDED",
            BuildStatus::Failed => "FAILED",
            BuildStatus::Canceled => "CANCELED",
        }
    }
}

impl fmt::Display for BuildStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum JobStatus {
    Waiting,
    Running,
    Succeeded,
    Failed,
    Canceled,
    DidNotRun,
}

impl JobStatus {
    pub const ALL: [JobStatus; 6] = [
        JobStatus::Waiting,
        JobStatus::Running,
        JobStatus::Succeeded,
        JobStatus::Failed,
        JobStatus::Canceled,
        JobStatus::DidNotRun,
    ];

    pub fn is_terminal(self) -> bool {
        !matches!(self, JobStatus::Waiting | JobStatus::Running)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Waiting => "WAITING",
            JobStatus::Running => "RUNNING",
            JobStatus::Succeeded => "SUCCEEDED",
            JobStatus::Failed => "FAILED",
            JobStatus::Canceled => "CANCELED",
            JobStatus::DidNotRun => "DID_NOT_RUN",
        }
    }
}

impl fmt::Display for JobStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `GET /build2/api/info/builds2/{buildRid}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct BuildReport {
    pub rid: Rid,
    pub build_group_rid: Rid,
    pub team: TeamName,
    pub run_id: u64,
    pub status: BuildStatus,
    pub branch: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub branch_fallbacks: BranchFallbacks,
    pub created_by: String,
    pub created_time: Timestamp,
    pub started_time: Option<Timestamp>,
    pub finished_time: Option<Timestamp>,
    pub request: SubmitBuildRequest,
    /// The build's job RIDs in job order, as Foundry's build report lists them
    /// (`foundry-dev-tools`' `build` command reads this).
    #[serde(default, deserialize_with = "null_as_default")]
    pub job_rids: Vec<Rid>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub jobs: Vec<BuildJob>,
}

/// One job as the build report lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct BuildJob {
    pub rid: Rid,
    pub job_spec_rid: Rid,
    pub job_spec_name: String,
    pub status: JobStatus,
    pub reason: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub inputs: Vec<Rid>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub outputs: Vec<JobOutput>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub depends_on: Vec<Rid>,
    #[serde(default)]
    pub attempt_count: u32,
    pub started_time: Option<Timestamp>,
    pub finished_time: Option<Timestamp>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct JobOutput {
    pub dataset_rid: Rid,
    pub transaction_rid: Option<Rid>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct JobInput {
    pub dataset_rid: Rid,
    /// The branch the input resolved on, after fallbacks; `None` until resolved.
    pub branch: Option<String>,
    pub transaction_rid: Option<Rid>,
}

/// `GET /build2/api/info/jobs3/{jobRid}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct JobReport {
    pub rid: Rid,
    pub build_rid: Rid,
    pub job_spec_rid: Rid,
    pub job_spec_name: String,
    pub status: JobStatus,
    pub reason: Option<String>,
    pub stale_reason: Option<String>,
    pub timeout_seconds: Option<u64>,
    pub queued_behind: Option<Rid>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub inputs: Vec<JobInput>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub outputs: Vec<JobOutput>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub attempts: Vec<Attempt>,
    /// One entry per output, keyed by the output dataset's RID, as Foundry's job report
    /// has it: iterating it yields the datasets the job wrote (what `foundry-dev-tools`'
    /// `build` command prints).
    #[serde(default, deserialize_with = "null_as_default")]
    pub job_results: std::collections::BTreeMap<Rid, JobResult>,
}

/// What a job left in one output dataset; the value of `jobResults` is Kiln's own.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobResult {
    /// The transaction the job committed, once it has.
    pub transaction_rid: Option<Rid>,
}

/// One run of a job's command.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Attempt {
    pub number: u32,
    pub started_time: Option<Timestamp>,
    pub finished_time: Option<Timestamp>,
    pub exit_code: Option<i32>,
    /// The number of the signal that ended the process, if one did.
    pub signal: Option<i32>,
    pub error: Option<String>,
    #[serde(default)]
    pub retryable: bool,
    pub log_url: Option<String>,
    /// Where the attempt ran; absent from services that do not say (and from attempts
    /// recorded before Kiln said).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placement: Option<Placement>,
}

/// Where an attempt ran: which executor, and for Ray which job on which node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Placement {
    /// A process group on the build service's own machine.
    Local,
    /// A job on a Ray cluster.
    #[serde(rename_all = "camelCase")]
    Ray {
        submission_id: String,
        /// The node the job's entrypoint ran on, once Ray has said.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        node_address: Option<String>,
    },
}

impl fmt::Display for Placement {
    /// `local`, `ray: <submission id>` or `ray: <submission id> on <node>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Placement::Local => f.write_str("local"),
            Placement::Ray { submission_id, node_address: None } => write!(f, "ray: {submission_id}"),
            Placement::Ray { submission_id, node_address: Some(node) } => write!(f, "ray: {submission_id} on {node}"),
        }
    }
}

/// `POST /build2/api/jobspecs/get-jobspec-for-dataset`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct JobSpecForDatasetRequest {
    pub dataset_rid: Rid,
    pub branch: Option<String>,
    pub branch_fallbacks: Option<BranchFallbacks>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum BuildPolicy {
    #[default]
    AnyInputUpdated,
    AllInputsUpdated,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum JobVariant {
    #[default]
    Batch,
    LongRunning,
}

impl JobVariant {
    /// The output queue strategy a job of this variant uses when the request names none.
    pub fn default_queue_strategy(self) -> OutputQueueStrategy {
        match self {
            JobVariant::Batch => OutputQueueStrategy::QueueUp,
            JobVariant::LongRunning => OutputQueueStrategy::Supersede,
        }
    }
}

/// A job spec: what produces which datasets, and how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct JobSpecInfo {
    pub rid: Rid,
    pub name: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub inputs: Vec<Rid>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub outputs: Vec<Rid>,
    pub timeout_seconds: Option<u64>,
    #[serde(default)]
    pub build_policy: BuildPolicy,
    #[serde(default)]
    pub variant: JobVariant,
}
