//! The embedded demo pipeline, driven by the exact body foundry-dev-tools sends.

use crate::helpers::TestServer;
use kiln_api::build2::{BuildStatus, JobStatus};

#[tokio::test]
async fn the_foundry_dev_tools_body_builds_the_demo_report() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = kiln_server::ServerConfig::new(dir.path().join("data"));
    config.ui_dir = dir.path().join("no-ui");
    let server = kiln_server::start(config).await.expect("server with the demo pipeline");
    let s = TestServer { base: server.url(), server: Some(server), dir, client: reqwest::Client::new(), token: None };

    let catalog = s.get_json("/api/v1/catalog/datasets?q=report/summary").await;
    let rid = catalog["datasets"][0]["rid"].as_str().expect("the report dataset").to_owned();
    // The exact bytes foundry-dev-tools sends, with the demo report's RID put in.
    let fixture = include_str!("../../../kiln-api/tests/fixtures/fdt_submit_dataset_build.json");
    let placeholder = "ri.foundry.main.dataset.0b8f6c1e-2a71-5a3e-9d55-1f2e3c4d5e6f";
    assert!(fixture.contains(placeholder), "the fixture's dataset RID");
    let body = fixture.replace(placeholder, &rid);
    let r = s
        .client
        .post(s.url("/build2/api/manager/submitBuild"))
        .header("Content-Type", "application/json")
        .body(body)
        .send()
        .await
        .expect("submit");
    assert_eq!(r.status(), 200);
    let r: kiln_api::build2::SubmitBuildResponse = r.json().await.expect("a submit response");
    assert_eq!(r.is_new_submission, None);
    let b = s.finished(&r.build_rid).await;
    assert_eq!(b.status, BuildStatus::Succeeded, "{:#?}", b.jobs);
    assert!(b.jobs.len() >= 6, "the report pulls in its never-built upstream: {:#?}", b.jobs);
    assert!(b.jobs.iter().all(|j| j.status == JobStatus::Succeeded));
    let report = s.output_file(TestServer::job_of(&b, "summary-report"), "master", "report.txt");
    assert!(report.contains("Revenue by region") && report.contains("total"), "{report}");
    assert!(!b.jobs.iter().any(|j| j.job_spec_name == "customer-lifetime"), "the slow job is not upstream");
}
