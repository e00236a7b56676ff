//! The public API's types against JSON written from `foundry-platform-sdk` 1.111.0's models
//! (`foundry_sdk/v2/orchestration/models.py`, `v2/datasets/models.py`, `v2/core/errors.py`):
//! each fixture reads into its type and writes back to the same JSON value. Every fixture
//! also validates with the SDK itself (the command is in docs/api.md).

use kiln_api::Rid;
use kiln_api::orchestration::{
    Build, BuildTarget, CreateBuildRequest, Dataset, Duration, FoundryError, GetBuildsBatchResponse, Job,
    ListJobsOfBuildResponse, SearchBuildsFilter, SearchBuildsRequest, SearchBuildsResponse, TimeUnit,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/orchestration.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {path}: {e}"));
    let all: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("parse {path}: {e}"));
    all[name].clone()
}

fn round_trip<T: Serialize + DeserializeOwned>(name: &str) -> T {
    let value = fixture(name);
    assert!(!value.is_null(), "no fixture {name}");
    let typed: T = serde_json::from_value(value.clone()).unwrap_or_else(|e| panic!("read {name}: {e}"));
    assert_eq!(serde_json::to_value(&typed).expect("serialize"), value, "{name} did not round-trip");
    typed
}

#[test]
fn builds_and_jobs_match_the_sdk_models() {
    let b: Build = round_trip("Build");
    assert_eq!(b.job_rids.len(), 2);
    let running: Build = round_trip("RunningBuild");
    assert!(running.finished_time.is_none() && running.schedule_rid.is_some());
    let job: Job = round_trip("Job");
    assert_eq!(job.outputs.len(), 2);
    round_trip::<SearchBuildsResponse>("SearchResponse");
    round_trip::<ListJobsOfBuildResponse>("JobsPage");
    round_trip::<GetBuildsBatchResponse>("BuildsBatch");
    round_trip::<Dataset>("Dataset");
}

#[test]
fn requests_read_every_target_and_option() {
    let manual: CreateBuildRequest = round_trip("CreateManual");
    assert!(matches!(manual.target, BuildTarget::Manual(_)));
    assert_eq!(manual.retry_backoff_duration.and_then(|d| d.whole_seconds()), Some(120));
    assert!(
        matches!(round_trip::<CreateBuildRequest>("CreateUpstream").target, BuildTarget::Upstream(t) if t.ignored_rids.len() == 1)
    );
    assert!(matches!(round_trip::<CreateBuildRequest>("CreateConnecting").target, BuildTarget::Connecting(_)));
    let search: SearchBuildsRequest = round_trip("Search");
    let SearchBuildsFilter::And { items } = &search.where_ else { panic!("an and filter") };
    assert_eq!(items.len(), 5);
    // What the SDK sends for absent options: nulls read as absent.
    let sent: CreateBuildRequest = serde_json::from_value(json!({"target": {"type": "upstream", "targetRids": []},
        "branchName": null, "fallbackBranches": null, "retryCount": null}))
    .expect("nulls");
    assert_eq!((sent.branch_name, sent.retry_count, sent.fallback_branches.len()), (None, None, 0));
    assert!(serde_json::from_value::<CreateBuildRequest>(json!({"target": {"type": "everything"}})).is_err());
}

#[test]
fn durations_convert_to_whole_seconds_or_refuse() {
    let d = |value, unit| Duration { value, unit }.whole_seconds();
    assert_eq!(d(3000, TimeUnit::Milliseconds), Some(3));
    assert_eq!(d(1500, TimeUnit::Milliseconds), None);
    assert_eq!(d(2, TimeUnit::Hours), Some(7200));
    assert_eq!(d(1, TimeUnit::Weeks), Some(604_800));
    assert_eq!(d(1, TimeUnit::Months), None);
    assert_eq!(d(1, TimeUnit::Years), None);
    assert_eq!(d(i64::MAX, TimeUnit::Days), None);
}

#[test]
fn errors_carry_the_sdks_names_and_parameters() {
    let rid = Rid::parse("ri.foundry.main.build.b1").expect("rid");
    let body = serde_json::to_value(
        FoundryError::BuildNotFound { build_rid: rid.clone() }.to_conjure("i-1", "no build ri.foundry.main.build.b1"),
    )
    .expect("json");
    assert_eq!(
        body,
        json!({"errorCode": "NOT_FOUND", "errorName": "BuildNotFound", "errorInstanceId": "i-1",
               "parameters": {"buildRid": "ri.foundry.main.build.b1", "message": "no build ri.foundry.main.build.b1"}})
    );
    let cases = [
        (FoundryError::BuildTargetsNotFound { resource_rids: vec![rid.clone()] }, json!({"resourceRids": [rid]}), 404),
        (FoundryError::BuildTargetsResolutionError {}, json!({}), 400),
        (FoundryError::InvalidPageSize { page_size: 0 }, json!({"pageSize": 0}), 400),
        (FoundryError::InvalidPageToken { page_token: "t".into() }, json!({"pageToken": "t"}), 400),
        (
            FoundryError::BatchRequestSizeExceededLimit { maximum_batch_size: 100, provided_batch_size: 101 },
            json!({"maximumBatchSize": 100, "providedBatchSize": 101}),
            400,
        ),
    ];
    for (error, params, status) in cases {
        let expected: std::collections::BTreeMap<String, Value> = serde_json::from_value(params).expect("an object");
        assert_eq!(error.parameters(), expected, "{}", error.name());
        assert_eq!(error.code().http_status(), status, "{}", error.name());
    }
}
