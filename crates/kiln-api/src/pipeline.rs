//! The pipeline as the console's lineage and job spec pages see it: each dataset's state on
//! a branch, and a job spec's definition with its recent runs. Kiln's own surface (under
//! `/api/v1/catalog`), described in `docs/api.md`.

use serde::{Deserialize, Serialize};

use crate::build2::{BuildPolicy, JobSpecInfo, JobStatus, JobVariant, null_as_default};
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

// On the wire the spec's fields sit beside the others (`flatten`, which is how it is
// written). It is read through `JobSpecDetailWire`, a plain struct with the same keys:
// serde's `flatten` decoder buffers every key into its `Content` tree and decodes the spec
// a second time from there, which cost the console's wasm about 2 KiB. (A plain comment,
// not a doc comment: utoipa would put it into the OpenAPI description.)
/// `GET /api/v1/catalog/jobspecs/{rid}`: a job spec's definition and its recent runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", from = "JobSpecDetailWire")]
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

/// [`JobSpecDetail`] as it is read: [`JobSpecInfo`]'s fields, with the same defaults, then
/// the detail's own.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct JobSpecDetailWire {
    rid: Rid,
    name: String,
    #[serde(default, deserialize_with = "null_as_default")]
    inputs: Vec<Rid>,
    #[serde(default, deserialize_with = "null_as_default")]
    outputs: Vec<Rid>,
    timeout_seconds: Option<u64>,
    #[serde(default)]
    build_policy: BuildPolicy,
    #[serde(default)]
    variant: JobVariant,
    command: String,
    folder: String,
    runs: Vec<JobRun>,
}

impl From<JobSpecDetailWire> for JobSpecDetail {
    fn from(w: JobSpecDetailWire) -> Self {
        JobSpecDetail {
            spec: JobSpecInfo {
                rid: w.rid,
                name: w.name,
                inputs: w.inputs,
                outputs: w.outputs,
                timeout_seconds: w.timeout_seconds,
                build_policy: w.build_policy,
                variant: w.variant,
            },
            command: w.command,
            folder: w.folder,
            runs: w.runs,
        }
    }
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
        assert_eq!(serde_json::to_value(&detail).expect("encodes"), json);
    }

    /// Read without `flatten`: the spec's keys decode as `JobSpecInfo` alone would decode
    /// them (null and missing lists are empty, missing policy and variant the defaults).
    #[test]
    fn a_job_spec_detail_reads_the_spec_fields_as_job_spec_info_does() {
        let json = serde_json::json!({
            "rid": "ri.foundry.main.jobspec.a", "name": "a", "inputs": null, "timeoutSeconds": 60,
            "variant": "long-running", "command": "sh run.sh", "folder": "/p", "runs": [], "unknown": 1
        });
        let detail: JobSpecDetail = serde_json::from_value(json.clone()).expect("decodes");
        let info: JobSpecInfo = serde_json::from_value(json).expect("decodes as the spec alone");
        assert_eq!(detail.spec, info);
        assert!(detail.spec.inputs.is_empty() && detail.spec.outputs.is_empty());
        assert_eq!(
            (detail.spec.build_policy, detail.spec.variant),
            (BuildPolicy::AnyInputUpdated, JobVariant::LongRunning)
        );
        let missing = serde_json::json!({"rid": "ri.foundry.main.jobspec.a", "name": "a", "folder": "/p", "runs": []});
        let error = serde_json::from_value::<JobSpecDetail>(missing).expect_err("command is required");
        assert!(error.to_string().contains("command"), "{error}");
    }
}
