//! The pipeline as the console's lineage and job spec pages see it: each dataset's state on
//! a branch, and a job spec's definition with its recent runs. Kiln's own surface (under
//! `/api/v1/catalog`), described in `docs/api.md`.

use serde::{Deserialize, Serialize};

use crate::build2::{JobSpecInfo, JobStatus};
use crate::{Rid, TeamName, Timestamp};

/// Query of `GET /api/v1/catalog/lineage/state`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct LineageStateQuery {
    /// The branch whose state is wanted; `master` when absent.
    pub branch: Option<String>,
}

/// `GET /api/v1/catalog/lineage/state`: every dataset's state on one branch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct LineageState {
    pub branch: String,
    pub datasets: Vec<DatasetState>,
}

/// Where a dataset stands on a branch, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub enum Freshness {
    /// Built from the latest inputs with the current definition (or a source with content).
    UpToDate,
    /// A build would run its job spec: an input changed, the definition changed, or an
    /// input is itself stale upstream.
    Stale,
    /// No transaction on the branch yet.
    NeverBuilt,
    /// The last job that tried to build it on the branch failed.
    LastBuildFailed,
}

impl Freshness {
    pub const ALL: [Freshness; 4] =
        [Freshness::UpToDate, Freshness::Stale, Freshness::NeverBuilt, Freshness::LastBuildFailed];

    /// The words the console shows.
    pub fn label(self) -> &'static str {
        match self {
            Freshness::UpToDate => "Up to date",
            Freshness::Stale => "Stale",
            Freshness::NeverBuilt => "Never built",
            Freshness::LastBuildFailed => "Last build failed",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct DatasetState {
    pub rid: Rid,
    pub state: Freshness,
    /// One sentence: why the dataset is in this state.
    pub reason: String,
    pub latest_transaction_rid: Option<Rid>,
    pub updated_time: Option<Timestamp>,
    /// The last finished job (succeeded or failed) of its job spec on the branch.
    pub last_job: Option<JobRun>,
}

/// One job of a job spec, in some build.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct JobRun {
    pub job_rid: Rid,
    pub build_rid: Rid,
    pub team: TeamName,
    pub run_id: u64,
    pub branch: String,
    pub status: JobStatus,
    pub started_time: Option<Timestamp>,
    pub finished_time: Option<Timestamp>,
    pub attempt_count: u32,
    pub error: Option<String>,
}

/// Query of `GET /api/v1/catalog/jobspecs/{rid}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct JobSpecQuery {
    /// How many recent runs to return: 1 to 200, default 30.
    pub limit: Option<u32>,
}

/// `GET /api/v1/catalog/jobspecs/{rid}`: a job spec's definition and its recent runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct JobSpecDetail {
    #[serde(flatten)]
    pub spec: JobSpecInfo,
    /// The command, run with `sh -c`.
    pub command: String,
    /// The folder the command runs in.
    pub folder: String,
    /// Newest first; jobs that never started (not stale, or cancelled while waiting) are left out.
    pub runs: Vec<JobRun>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn freshness_is_camel_case_on_the_wire() {
        let words: Vec<String> = Freshness::ALL.iter().map(|f| serde_json::to_string(f).expect("encodes")).collect();
        assert_eq!(words, [r#""upToDate""#, r#""stale""#, r#""neverBuilt""#, r#""lastBuildFailed""#]);
    }

    #[test]
    fn a_job_spec_detail_flattens_the_spec() {
        let json = serde_json::json!({
            "rid": "ri.foundry.main.jobspec.a", "name": "a", "inputs": [], "outputs": [],
            "timeoutSeconds": null, "buildPolicy": "any-input-updated", "variant": "batch",
            "command": "sh run.sh", "folder": "/p", "runs": []
        });
        let detail: JobSpecDetail = serde_json::from_value(json.clone()).expect("decodes");
        assert_eq!(detail.command, "sh run.sh");
        assert_eq!(serde_json::to_value(&detail).expect("encodes")["name"], "a");
    }
}
