//! The lineage page's dataset states and the job spec page's definition and runs.

use kiln_api::build2::{BuildStatus, JobStatus};
use kiln_api::pipeline::{Freshness, JobSpecDetail, LineageState};
use serde_json::json;

use crate::helpers::{self, TestServer};
use crate::selections::{LINEAGE, SRC};

async fn states(s: &TestServer, branch: &str) -> LineageState {
    let v = s.get_json(&format!("/api/v1/catalog/lineage/state?branch={branch}")).await;
    serde_json::from_value(v).expect("a LineageState")
}

fn state_of<'a>(l: &'a LineageState, name: &str) -> &'a kiln_api::pipeline::DatasetState {
    let rid = helpers::dataset(name);
    l.datasets.iter().find(|d| d.rid.as_str() == rid).unwrap_or_else(|| panic!("no dataset {name}"))
}

#[tokio::test]
async fn dataset_states_follow_builds_source_changes_and_upstream() {
    let s = helpers::start(LINEAGE, &[SRC]).await;
    let before = states(&s, "master").await;
    assert_eq!(before.branch, "master");
    assert_eq!(state_of(&before, "src").state, Freshness::UpToDate, "sources are imported at start-up");
    assert_eq!(state_of(&before, "A").state, Freshness::NeverBuilt);
    assert!(state_of(&before, "A").reason.contains("no transaction"), "{:?}", state_of(&before, "A"));

    s.run(helpers::datasets_body(&["A", "B"], json!({})), BuildStatus::Succeeded).await;
    let built = states(&s, "master").await;
    for name in ["src", "A", "B"] {
        assert_eq!(state_of(&built, name).state, Freshness::UpToDate, "{name}: {:?}", state_of(&built, name));
    }
    for name in ["C", "D", "E"] {
        assert_eq!(state_of(&built, name).state, Freshness::NeverBuilt, "{name}");
    }
    let b = state_of(&built, "B");
    assert!(b.latest_transaction_rid.is_some() && b.updated_time.is_some());
    assert_eq!(b.last_job.as_ref().map(|j| j.status), Some(JobStatus::Succeeded));

    helpers::write_files(&s.project(), &[("src/data.txt", "changed\n")]);
    let changed = states(&s, "master").await;
    assert_eq!(state_of(&changed, "src").state, Freshness::Stale);
    let a = state_of(&changed, "A");
    assert_eq!(a.state, Freshness::Stale);
    assert!(a.reason.contains("new content"), "{a:?}");
    let b = state_of(&changed, "B");
    assert_eq!(b.state, Freshness::Stale, "B's input A is stale upstream");
    assert!(b.reason.contains("input A"), "{b:?}");

    // Another branch has no builds: everything a job spec produces is never built there.
    let other = states(&s, "feature").await;
    assert_eq!(other.branch, "feature");
    assert_eq!(state_of(&other, "A").state, Freshness::NeverBuilt);
}

#[tokio::test]
async fn a_failed_last_build_is_its_own_state_with_the_error() {
    const FAILING: &str = r#"
[[datasets]]
name = "src"
source_dir = "src"

[[job_specs]]
name = "f"
inputs = ["src"]
outputs = ["F"]
command = "echo boom >&2; exit 3"
"#;
    let s = helpers::start(FAILING, &[SRC]).await;
    s.run(helpers::datasets_body(&["F"], json!({})), BuildStatus::Failed).await;
    let l = states(&s, "master").await;
    let f = state_of(&l, "F");
    assert_eq!(f.state, Freshness::LastBuildFailed, "{f:?}");
    assert!(f.reason.contains("job spec f failed"), "{f:?}");
    assert_eq!(f.last_job.as_ref().map(|j| j.status), Some(JobStatus::Failed));
}

#[tokio::test]
async fn a_job_spec_detail_has_its_definition_and_runs_newest_first() {
    let s = helpers::start(LINEAGE, &[SRC]).await;
    let first = s.run(helpers::job_specs_body(&["a"], json!({})), BuildStatus::Succeeded).await;
    let second = s.run(helpers::job_specs_body(&["a"], json!({"forceBuild": true})), BuildStatus::Succeeded).await;
    let rid = helpers::job_spec("a");
    let v = s.get_json(&format!("/api/v1/catalog/jobspecs/{rid}")).await;
    let detail: JobSpecDetail = serde_json::from_value(v).expect("a JobSpecDetail");
    assert_eq!(detail.spec.name, "a");
    assert_eq!(detail.command, "cp $KILN_INPUT_0/* $KILN_OUTPUT_0/");
    assert!(detail.folder.ends_with("project"), "{}", detail.folder);
    let builds: Vec<_> = detail.runs.iter().map(|r| r.build_rid.clone()).collect();
    assert_eq!(builds, [second.rid.clone(), first.rid.clone()], "newest first");
    assert!(detail.runs.iter().all(|r| r.status == JobStatus::Succeeded && r.finished_time.is_some()));

    let one = s.get_json(&format!("/api/v1/catalog/jobspecs/{rid}?limit=1")).await;
    assert_eq!(one["runs"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn bad_job_spec_and_state_requests_get_the_contract_error() {
    let s = helpers::start(LINEAGE, &[SRC]).await;
    let unknown = s.get("/api/v1/catalog/jobspecs/ri.foundry.main.jobspec.nope").await;
    helpers::conjure(unknown, 404, "NOT_FOUND").await;
    let malformed = s.get("/api/v1/catalog/jobspecs/not-a-rid").await;
    helpers::conjure(malformed, 400, "INVALID_ARGUMENT").await;
    let rid = helpers::job_spec("a");
    let zero = s.get(&format!("/api/v1/catalog/jobspecs/{rid}?limit=0")).await;
    let body = helpers::conjure(zero, 400, "INVALID_ARGUMENT").await;
    assert_eq!(body["parameters"]["field"], "limit");
    let empty = s.get("/api/v1/catalog/lineage/state?branch=").await;
    let body = helpers::conjure(empty, 400, "INVALID_ARGUMENT").await;
    assert_eq!(body["parameters"]["field"], "branch");
}
