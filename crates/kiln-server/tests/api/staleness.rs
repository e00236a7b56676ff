//! Staleness: up-to-date job specs do not run unless forced; changed sources, changed
//! definitions and rebuilt inputs make them run.

use kiln_api::build2::{BuildStatus, JobStatus};
use serde_json::json;

use crate::helpers::{self, TestServer};
use crate::selections::{LINEAGE, SRC};

#[tokio::test]
async fn fresh_job_specs_are_skipped_unless_forced() {
    let s = helpers::start(LINEAGE, &[SRC]).await;
    let body = || helpers::datasets_body(&["A", "B"], json!({}));
    let first = s.run(body(), BuildStatus::Succeeded).await;
    assert!(first.jobs.iter().all(|j| j.status == JobStatus::Succeeded));

    let second = s.run(body(), BuildStatus::Succeeded).await;
    for job in &second.jobs {
        assert_eq!(job.status, JobStatus::DidNotRun, "{job:?}");
        assert!(job.reason.as_deref().is_some_and(|r| r.contains("not stale")), "{job:?}");
    }

    let forced = s.run(helpers::datasets_body(&["B"], json!({"forceBuild": true})), BuildStatus::Succeeded).await;
    let b = TestServer::job_of(&forced, "b");
    assert_eq!(b.status, JobStatus::Succeeded);
    assert_eq!(b.attempt_count, 1);
}

#[tokio::test]
async fn a_changed_source_or_rebuilt_input_makes_consumers_stale() {
    let s = helpers::start(LINEAGE, &[SRC]).await;
    let body = || helpers::datasets_body(&["A", "B"], json!({}));
    s.run(body(), BuildStatus::Succeeded).await;

    helpers::write_files(&s.project(), &[("src/data.txt", "changed\n")]);
    let p = s.preview(body()).await;
    assert!(p["jobs"].as_array().expect("jobs").iter().all(|j| j["willRun"] == true), "{p}");
    let rebuilt = s.run(body(), BuildStatus::Succeeded).await;
    let a = TestServer::job_of(&rebuilt, "a");
    let b = TestServer::job_of(&rebuilt, "b");
    assert_eq!((a.status, b.status), (JobStatus::Succeeded, JobStatus::Succeeded));
    let b_report = s.job(&b.rid).await;
    assert!(b_report.stale_reason.as_deref().is_some_and(|r| r.contains("input A is rebuilt")), "{b_report:?}");
    assert_eq!(s.output_file(b, "master", "data.txt"), "changed\n");

    // Only B's input changed since: A is fresh, B is stale.
    s.run(helpers::job_specs_body(&["a"], json!({"forceBuild": true})), BuildStatus::Succeeded).await;
    let only_b = s.run(body(), BuildStatus::Succeeded).await;
    assert_eq!(TestServer::job_of(&only_b, "a").status, JobStatus::DidNotRun);
    let b = TestServer::job_of(&only_b, "b");
    assert_eq!(b.status, JobStatus::Succeeded);
    assert!(b.reason.as_deref().is_some_and(|r| r.contains("newer transaction")), "{b:?}");
}

#[tokio::test]
async fn a_changed_definition_makes_the_job_spec_stale_after_restart() {
    let s = helpers::start(LINEAGE, &[SRC]).await;
    s.run(helpers::datasets_body(&["A"], json!({})), BuildStatus::Succeeded).await;
    let dir = s.shutdown().await;
    let changed =
        LINEAGE.replacen("cp $KILN_INPUT_0/* $KILN_OUTPUT_0/", "cp $KILN_INPUT_0/data.txt $KILN_OUTPUT_0/", 1);
    std::fs::write(dir.path().join("project/pipeline.toml"), changed).expect("write");
    let mut config = kiln_server::ServerConfig::new(dir.path().join("data"));
    config.pipeline = Some(dir.path().join("project/pipeline.toml"));
    let server = kiln_server::start(config).await.expect("restart");
    let s = TestServer { base: server.url(), server: Some(server), dir, client: reqwest::Client::new(), token: None };
    let b = s.run(helpers::datasets_body(&["A"], json!({})), BuildStatus::Succeeded).await;
    let a = TestServer::job_of(&b, "a");
    assert_eq!(a.status, JobStatus::Succeeded);
    assert!(a.reason.as_deref().is_some_and(|r| r.contains("definition changed")), "{a:?}");
}
