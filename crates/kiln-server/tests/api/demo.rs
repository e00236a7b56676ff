//! The embedded demo pipeline, driven by the exact body foundry-dev-tools sends.

use kiln_api::build2::{BuildStatus, JobStatus};
use serde_json::json;

use crate::helpers::TestServer;

#[tokio::test]
async fn the_foundry_dev_tools_body_builds_the_demo_report() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = kiln_server::ServerConfig::new(dir.path().join("data"));
    config.ui_dir = dir.path().join("no-ui");
    let server = kiln_server::start(config).await.expect("server with the demo pipeline");
    let s = TestServer { base: server.url(), server: Some(server), dir, client: reqwest::Client::new(), token: None };

    let catalog = s.get_json("/api/v1/catalog/datasets?q=report/summary").await;
    let rid = catalog["datasets"][0]["rid"].as_str().expect("the report dataset").to_owned();
    let body = json!({"jobSpecSelections": [{"datasets": {"datasetRids": [rid], "isRequired": true}, "type": "datasets"}],
        "submissionId": null, "buildGroupRid": null, "branch": "master", "branchFallbacks": {"branches": []},
        "forceBuild": null, "ignoreBuildPolicy": false, "finishOnFailures": null, "numRunJobAttempts": null,
        "forceRetry": null, "retryBackoffDuration": null, "buildParameters": {}, "suppressNotifications": null,
        "exceededDurationMode": null, "inputFailureStrategies": [], "outputQueueStrategy": null});
    let b = s.run(body, BuildStatus::Succeeded).await;
    assert!(b.jobs.len() >= 6, "the report pulls in its never-built upstream: {:#?}", b.jobs);
    assert!(b.jobs.iter().all(|j| j.status == JobStatus::Succeeded));
    let report = s.output_file(TestServer::job_of(&b, "summary-report"), "master", "report.txt");
    assert!(report.contains("Revenue by region") && report.contains("total"), "{report}");
    assert!(!b.jobs.iter().any(|j| j.job_spec_name == "customer-lifetime"), "the slow job is not upstream");
}
