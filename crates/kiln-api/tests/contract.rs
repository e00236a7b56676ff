//! Round trips of JSON written from the contract (docs/api.md), not from our own output:
//! each fixture must read into its type and write back to the same JSON value.

use kiln_api::build2::{
    BuildReport, JobReport, JobSpecForDatasetRequest, JobSpecInfo, JobSpecSelection, SubmitBuildRequest,
    SubmitBuildResponse,
};
use kiln_api::teams::{
    BuildsPage, CatalogDatasets, CatalogJobSpecs, Event, Health, JobEvent, Lineage, NotificationsResponse,
    PathResponse, PreviewResponse, RuntimeConfig, StopResponse, TagsRequest, TeamBuildDetail, TeamsResponse, WhoAmI,
};
use kiln_api::{ConjureError, ErrorCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("parse {path}: {e}"))
}

/// Reads `value` as `T`, writes it back, and checks nothing was lost or invented.
fn round_trip<T: Serialize + DeserializeOwned>(value: &Value) -> T {
    let typed: T =
        serde_json::from_value(value.clone()).unwrap_or_else(|e| panic!("read {}: {e}", std::any::type_name::<T>()));
    let back = serde_json::to_value(&typed).expect("serialize");
    assert_eq!(&back, value, "{} did not round-trip", std::any::type_name::<T>());
    typed
}

#[test]
fn foundry_dev_tools_submit_body_reads_and_writes_back_unchanged() {
    let raw =
        std::fs::read_to_string(format!("{}/tests/fixtures/fdt_submit_dataset_build.json", env!("CARGO_MANIFEST_DIR")))
            .expect("fixture");
    let request: SubmitBuildRequest = serde_json::from_str(&raw).expect("the exact foundry-dev-tools bytes parse");
    let back = serde_json::to_value(&request).expect("serialize");
    assert_eq!(back, serde_json::from_str::<Value>(&raw).expect("json"));
    // Every key foundry-dev-tools sends is present in what Kiln writes, in its order.
    let written = serde_json::to_string(&request).expect("serialize");
    let order = [
        "jobSpecSelections",
        "submissionId",
        "buildGroupRid",
        "branch",
        "branchFallbacks",
        "forceBuild",
        "ignoreBuildPolicy",
        "finishOnFailures",
        "numRunJobAttempts",
        "forceRetry",
        "retryBackoffDuration",
        "buildParameters",
        "suppressNotifications",
        "exceededDurationMode",
        "inputFailureStrategies",
        "outputQueueStrategy",
    ];
    let positions: Vec<usize> = order
        .iter()
        .map(|k| written.find(&format!("\"{k}\":")).unwrap_or_else(|| panic!("{k} missing from {written}")))
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "keys out of foundry-dev-tools order: {written}");
    assert!(written.contains("\"finishOnFailures\":null"), "the plural stays on the wire");
    match &request.job_spec_selections[..] {
        [JobSpecSelection::Datasets(d)] => {
            assert_eq!(d.is_required, Some(true));
            assert_eq!(d.dataset_rids[0].kind(), "dataset");
        }
        other => panic!("expected one datasets selection, got {other:?}"),
    }
}

#[test]
fn submit_with_every_option_round_trips() {
    let request: SubmitBuildRequest = round_trip(&fixture("submit_all_options.json"));
    let kinds: Vec<&str> = request.job_spec_selections.iter().map(JobSpecSelection::kind).collect();
    assert_eq!(kinds, ["datasets", "jobSpecs", "upstream", "connecting"]);
    assert_eq!(request.fallback_branches(), ["master", "release"]);
    let selection = serde_json::to_string(&request.job_spec_selections[2]).expect("serialize");
    assert!(selection.starts_with("{\"type\":\"upstream\",\"upstream\":{"), "tag first, then payload: {selection}");
}

#[test]
fn responses_and_reports_round_trip() {
    round_trip::<SubmitBuildResponse>(&fixture("submit_response.json"));
    let report: BuildReport = round_trip(&fixture("build_report.json"));
    assert_eq!(report.jobs[1].depends_on, [report.jobs[0].rid.clone()]);
    round_trip::<JobReport>(&fixture("job_report.json"));
    let pair = fixture("jobspec_for_dataset.json");
    round_trip::<JobSpecForDatasetRequest>(&pair["request"]);
    round_trip::<JobSpecInfo>(&pair["response"]);
    let error: ConjureError = round_trip(&fixture("error.json"));
    assert_eq!(error.error_code, ErrorCode::InvalidArgument);
    assert_eq!(error.field(), Some("jobSpecSelections[0].datasets.datasetRids[0]"));
}

#[test]
fn teams_surface_round_trips() {
    let all = fixture("teams.json");
    round_trip::<WhoAmI>(&all["whoami"]);
    round_trip::<TeamsResponse>(&all["teams"]);
    round_trip::<BuildsPage>(&all["buildsPage"]);
    let detail: TeamBuildDetail = round_trip(&all["buildDetail"]);
    assert!(detail.build.archived);
    round_trip::<PathResponse>(&all["path"]);
    round_trip::<StopResponse>(&all["stop"]);
    round_trip::<TagsRequest>(&all["tags"]);
    round_trip::<PreviewResponse>(&all["preview"]);
    round_trip::<CatalogDatasets>(&all["datasets"]);
    round_trip::<CatalogJobSpecs>(&all["jobSpecs"]);
    round_trip::<Lineage>(&all["lineage"]);
    round_trip::<NotificationsResponse>(&all["notifications"]);
    let job: JobEvent = round_trip(&all["jobEvent"]);
    round_trip::<Health>(&all["health"]);
    round_trip::<RuntimeConfig>(&all["config"]);
    // Events travel as an SSE name plus JSON data.
    let event = Event::Job(job);
    let data = event.data().expect("serialize");
    assert_eq!(Event::parse(event.name(), &data).map(|r| r.ok()), Some(Some(event)));
    assert!(Event::parse("heartbeat", "{}").is_none());
}

#[test]
fn unknown_keys_are_ignored_and_null_is_absent() {
    let mut body = fixture("fdt_submit_dataset_build.json");
    body["someFutureOption"] = json!({"x": 1});
    body["jobSpecSelections"][0]["datasets"]["extra"] = json!(true);
    body["branchFallbacks"] = Value::Null;
    let request: SubmitBuildRequest = serde_json::from_value(body).expect("extra keys are fine");
    assert_eq!(request.fallback_branches(), [] as [String; 0]);
    assert_eq!(request.branch_or_default(), "master");
    let minimal: SubmitBuildRequest =
        serde_json::from_value(json!({"jobSpecSelections": [{"type": "jobSpecs", "jobSpecs": {"jobSpecRids": null}}]}))
            .expect("absent keys are fine");
    assert!(minimal.branch.is_none() && minimal.force_build.is_none());
    let config: RuntimeConfig = serde_json::from_value(json!({})).expect("all defaults");
    assert_eq!(config, RuntimeConfig::default());
}

#[test]
fn wrong_shapes_are_rejected_with_a_reason() {
    let cases = [
        (json!({"jobSpecSelections": [{"type": "everything", "everything": {}}]}), "unknown selection type"),
        (json!({"jobSpecSelections": [{"type": "datasets", "jobSpecs": {}}]}), "needs a \"datasets\" object"),
        (json!({"jobSpecSelections": [{"datasets": {"datasetRids": []}}]}), "type"),
        (json!({"jobSpecSelections": [], "forceBuild": "yes"}), "invalid type"),
        (json!({"jobSpecSelections": [], "exceededDurationMode": "PAUSE"}), "unknown variant"),
        (json!({"jobSpecSelections": [], "buildParameters": [1, 2]}), "invalid type"),
    ];
    for (body, expected) in cases {
        let err = serde_json::from_value::<SubmitBuildRequest>(body.clone()).expect_err("must be rejected").to_string();
        assert!(err.contains(expected), "{body}: {err}");
    }
}

#[test]
fn each_malformed_rid_is_rejected_naming_the_bad_part() {
    let cases = [
        ("dataset.abc", "starts with \"ri.\""),
        ("ri.foundry.main.dataset", "five parts"),
        ("ri.Foundry.main.dataset.a", "service \"Foundry\""),
        ("ri.foundry.Main.dataset.a", "instance \"Main\""),
        ("ri.foundry.main.Dataset.a", "type \"Dataset\""),
        ("ri.foundry.main.dataset.a b", "locator \"a b\""),
    ];
    for (rid, expected) in cases {
        let body = json!({"jobSpecSelections": [{"type": "datasets", "datasets": {"datasetRids": [rid]}}]});
        let err = serde_json::from_value::<SubmitBuildRequest>(body).expect_err("bad RID").to_string();
        assert!(err.contains(expected), "{rid}: {err}");
    }
}
