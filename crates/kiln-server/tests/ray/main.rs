//! The Ray executor against a real Ray head (`cargo xtask test` starts one on loopback and
//! sets `KILN_RAY_ADDRESS`). Each test is `#[ignore]`d so that a plain `cargo test` without
//! a head does not fail; xtask runs them with `--ignored`, and then a missing head fails
//! them instead of skipping them.

#[allow(dead_code)]
#[path = "../api/helpers.rs"]
mod helpers;

mod bench;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use kiln_api::Rid;
use kiln_api::build2::{BuildReport, BuildStatus, JobStatus, Placement};
use kiln_server::config::ExecutorConfig;
use kiln_server::engine::executor::RayConfig;
use serde_json::{Value, json};

use helpers::TestServer;

/// Ray starts each job's runtime in a second or two; a chain of them takes a while.
const RAY_DEADLINE: Duration = Duration::from_secs(240);

fn ray_address() -> String {
    std::env::var("KILN_RAY_ADDRESS")
        .expect("KILN_RAY_ADDRESS names a Ray head's dashboard (cargo xtask test starts one and sets it)")
}

async fn start_on_ray(pipeline: Option<&str>, files: &[(&str, &str)]) -> TestServer {
    let demo = pipeline.is_none();
    helpers::start_with(pipeline.unwrap_or(""), files, |mut c| {
        c.executor = ExecutorConfig::Ray(RayConfig { address: ray_address() });
        if demo {
            c.pipeline = None;
        }
        c
    })
    .await
}

async fn finished(s: &TestServer, rid: &Rid) -> BuildReport {
    helpers::until(&format!("build {rid} to finish"), RAY_DEADLINE, || async {
        let b = s.build(rid).await;
        b.status.is_terminal().then_some(b)
    })
    .await
}

/// Ray's own view of a job: its status.
async fn ray_status(id: &str) -> String {
    let v: Value = reqwest::get(format!("{}/api/jobs/{id}", ray_address()))
        .await
        .expect("Ray answers")
        .json()
        .await
        .expect("JSON");
    v["status"].as_str().unwrap_or_default().to_owned()
}

/// The Ray jobs whose submission id starts with `prefix`.
async fn ray_jobs_with_prefix(prefix: &str) -> Vec<String> {
    let v: Value =
        reqwest::get(format!("{}/api/jobs/", ray_address())).await.expect("Ray answers").json().await.expect("JSON");
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|j| j["submission_id"].as_str())
        .filter(|id| id.starts_with(prefix))
        .map(str::to_owned)
        .collect()
}

fn submission_id_of(p: &Option<Placement>) -> String {
    match p {
        Some(Placement::Ray { submission_id, .. }) => submission_id.clone(),
        other => panic!("expected a Ray placement, got {other:?}"),
    }
}

/// The submission id of a job's running attempt, once it runs on Ray.
async fn running_on_ray(s: &TestServer, job: &Rid) -> String {
    helpers::until("the job to run on Ray", RAY_DEADLINE, || async {
        let report = s.job(job).await;
        let id = report.attempts.last().and_then(|a| match &a.placement {
            Some(Placement::Ray { submission_id, .. }) => Some(submission_id.clone()),
            _ => None,
        })?;
        (ray_status(&id).await == "RUNNING").then_some(id)
    })
    .await
}

#[tokio::test]
#[ignore = "needs a Ray head: cargo xtask test starts one"]
async fn the_demo_report_builds_on_ray() {
    let s = start_on_ray(None, &[]).await;
    let r = s.submit(helpers::datasets_body(&["report/summary"], json!({}))).await;
    let b = finished(&s, &r.build_rid).await;
    assert_eq!(b.status, BuildStatus::Succeeded, "{:#?}", b.jobs);
    assert_eq!(b.jobs.len(), 6);
    let report = TestServer::job_of(&b, "summary-report");
    assert!(s.output_file(report, "master", "report.txt").contains("Revenue"), "the report has content");
    let job = s.job(&report.rid).await;
    let id = submission_id_of(&job.attempts[0].placement);
    assert!(id.starts_with("kiln-") && id.ends_with("-1"), "{id}");
    assert_eq!(ray_status(&id).await, "SUCCEEDED");
    // The node's address comes from Ray.
    assert!(
        matches!(&job.attempts[0].placement, Some(Placement::Ray { node_address: Some(a), .. }) if !a.is_empty()),
        "{:?}",
        job.attempts[0].placement
    );
}

#[tokio::test]
#[ignore = "needs a Ray head: cargo xtask test starts one"]
async fn exit_75_is_retried_on_ray() {
    let s = start_on_ray(None, &[]).await;
    let body = helpers::datasets_body(&["agg/customer-segments"], json!({"numRunJobAttempts": 2}));
    let r = s.submit(body).await;
    let b = finished(&s, &r.build_rid).await;
    assert_eq!(b.status, BuildStatus::Succeeded, "{:#?}", b.jobs);
    let job = s.job(&TestServer::job_of(&b, "customer-segments").rid).await;
    assert_eq!(job.attempts.len(), 2);
    assert_eq!((job.attempts[0].exit_code, job.attempts[0].retryable), (Some(75), true));
    assert_eq!(job.attempts[1].exit_code, Some(0));
    assert!(submission_id_of(&job.attempts[1].placement).ends_with("-2"));
}

const SLEEPER: &str = r#"
[[job_specs]]
name = "sleeper"
outputs = ["out/sleeper"]
command = "sleep 300"
timeout_seconds = 3
"#;

#[tokio::test]
#[ignore = "needs a Ray head: cargo xtask test starts one"]
async fn timeouts_stop_the_ray_job_and_cancel_or_retry() {
    let s = start_on_ray(Some(SLEEPER), &[]).await;
    let r = s.submit(helpers::datasets_body(&["out/sleeper"], json!({"exceededDurationMode": "CANCEL"}))).await;
    let b = finished(&s, &r.build_rid).await;
    assert_eq!(b.status, BuildStatus::Canceled);
    let job = s.job(&b.jobs[0].rid).await;
    assert_eq!(job.status, JobStatus::Canceled);
    assert!(job.reason.as_deref().is_some_and(|r| r.contains("timeout")), "{:?}", job.reason);
    assert_eq!(ray_status(&submission_id_of(&job.attempts[0].placement)).await, "STOPPED");

    let body =
        helpers::datasets_body(&["out/sleeper"], json!({"exceededDurationMode": "RETRY", "numRunJobAttempts": 2}));
    let r = s.submit(body).await;
    let b = finished(&s, &r.build_rid).await;
    assert_eq!(b.status, BuildStatus::Failed);
    let job = s.job(&b.jobs[0].rid).await;
    assert_eq!(job.attempts.len(), 2, "a timeout in RETRY mode is retried");
    assert!(job.attempts.iter().all(|a| a.retryable));
    for a in &job.attempts {
        assert_eq!(ray_status(&submission_id_of(&a.placement)).await, "STOPPED");
    }
}

#[tokio::test]
#[ignore = "needs a Ray head: cargo xtask test starts one"]
async fn stop_ends_the_ray_job() {
    let s = start_on_ray(Some(&SLEEPER.replace("timeout_seconds = 3", "")), &[]).await;
    let r = s.submit(helpers::datasets_body(&["out/sleeper"], json!({}))).await;
    let job_rid = r.jobs_created.values().next().expect("a job").clone();
    let id = running_on_ray(&s, &job_rid).await;
    let run_id = s.build(&r.build_rid).await.run_id;
    s.post_json(&format!("/api/v1/teams/default/builds/{run_id}/stop"), &json!({})).await;
    let b = finished(&s, &r.build_rid).await;
    assert_eq!(b.status, BuildStatus::Canceled);
    assert_eq!(b.jobs[0].status, JobStatus::Canceled);
    assert_eq!(ray_status(&id).await, "STOPPED", "Ray's own status of the stopped job");
}

const TALKER: &str = r#"
[[job_specs]]
name = "talker"
outputs = ["out/talker"]
command = "echo first line; while [ ! -f go ]; do sleep 0.1; done; echo second line; echo oops >&2"
"#;

#[tokio::test]
#[ignore = "needs a Ray head: cargo xtask test starts one"]
async fn logs_tail_while_the_ray_job_runs() {
    let s = start_on_ray(Some(TALKER), &[]).await;
    let r = s.submit(helpers::datasets_body(&["out/talker"], json!({}))).await;
    let job_rid = r.jobs_created.values().next().expect("a job").clone();
    let run_id = s.build(&r.build_rid).await.run_id;
    let log = format!("/api/v1/teams/default/builds/{run_id}/jobs/{job_rid}/log");
    let text = helpers::until("the first line in the log while the job runs", RAY_DEADLINE, || async {
        let r = s.get(&log).await;
        let complete = r.headers().get("kiln-log-complete").is_some_and(|v| v == "true");
        let text = r.text().await.ok()?;
        text.contains("first line").then_some((text, complete))
    })
    .await;
    assert!(!text.1, "the log is not complete while the job waits");
    assert!(!text.0.contains("second line"));
    assert_eq!(s.job(&job_rid).await.status, JobStatus::Running);
    std::fs::write(s.project().join("go"), "").expect("write go");
    let b = finished(&s, &r.build_rid).await;
    assert_eq!(b.status, BuildStatus::Succeeded, "{:#?}", b.jobs);
    let text = s.get(&log).await.text().await.expect("log");
    assert!(text.contains("first line\nsecond line\noops\n"), "{text}");
    assert!(!text.contains("job_manager.py"), "Ray's own lines are left out: {text}");
}

const TWO: &str = r#"
[[job_specs]]
name = "quick"
outputs = ["out/quick"]
command = "while [ ! -f go ]; do sleep 0.1; done; echo done > $KILN_OUTPUT_0/result.txt"

[[job_specs]]
name = "long"
outputs = ["out/long"]
command = "sleep 300"
"#;

#[tokio::test]
#[ignore = "needs a Ray head: cargo xtask test starts one"]
async fn a_restart_after_kill_9_finds_the_ray_jobs() {
    let dir = tempfile::tempdir().expect("temp dir");
    let project = dir.path().join("project");
    helpers::write_files(&project, &[("pipeline.toml", TWO)]);
    let data = dir.path().join("data");
    let mut child = Command::new(env!("CARGO_BIN_EXE_kiln-server"))
        .args(["--addr", "127.0.0.1:0", "--ui-dir", "none", "--workers", "2", "--executor", "ray", "--ray-address"])
        .arg(ray_address())
        .arg("--data-dir")
        .arg(&data)
        .arg("--pipeline")
        .arg(project.join("pipeline.toml"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the binary");
    let stdout = child.stdout.take().expect("stdout");
    let line = tokio::time::timeout(
        RAY_DEADLINE,
        tokio::task::spawn_blocking(move || {
            let mut line = String::new();
            BufReader::new(stdout).read_line(&mut line).map(|_| line)
        }),
    )
    .await
    .expect("the server starts in time")
    .expect("join")
    .expect("the listening line");
    let base = line.trim().strip_prefix("kiln-server listening on ").expect("listening line").to_owned();
    let mut s = TestServer { base, server: None, dir, client: reqwest::Client::new(), token: None };

    let r = s.submit(helpers::datasets_body(&["out/quick", "out/long"], json!({}))).await;
    let quick = r.jobs_created[&Rid::parse(&helpers::job_spec("quick")).expect("rid")].clone();
    let long = r.jobs_created[&Rid::parse(&helpers::job_spec("long")).expect("rid")].clone();
    let quick_id = running_on_ray(&s, &quick).await;
    let long_id = running_on_ray(&s, &long).await;

    // Crash mid-build. Ray's jobs run on; one of them finishes while the server is down.
    child.kill().expect("kill -9 the server");
    child.wait().expect("reap the server");
    std::fs::write(project.join("go"), "").expect("write go");
    helpers::until("the quick job to finish on Ray", RAY_DEADLINE, || async {
        (ray_status(&quick_id).await == "SUCCEEDED").then_some(())
    })
    .await;
    assert_eq!(ray_status(&long_id).await, "RUNNING");

    let mut config = kiln_server::ServerConfig::new(data);
    config.pipeline = Some(project.join("pipeline.toml"));
    config.executor = ExecutorConfig::Ray(RayConfig { address: ray_address() });
    let server = kiln_server::start(config).await.expect("restart");
    s.base = server.url();
    s.server = Some(server);

    let b = s.build(&r.build_rid).await;
    assert_eq!(b.status, BuildStatus::Failed, "the long job was lost with the crash");
    // The job that ended while the server was down has its real outcome and its output.
    let q = TestServer::job_of(&b, "quick");
    assert_eq!(q.status, JobStatus::Succeeded, "{q:#?}");
    assert_eq!(s.output_file(q, "master", "result.txt"), "done\n");
    let qr = s.job(&quick).await;
    assert_eq!((qr.attempts.len(), qr.attempts[0].exit_code), (1, Some(0)));
    // The one still running was stopped, and its job failed with the restart.
    let l = TestServer::job_of(&b, "long");
    assert_eq!((l.status, l.reason.as_deref()), (JobStatus::Failed, Some("server restarted")));
    assert_eq!(ray_status(&long_id).await, "STOPPED");
    // Nothing ran twice: one Ray job per Kiln job.
    for (job, id) in [(&quick, &quick_id), (&long, &long_id)] {
        let prefix = id.trim_end_matches("-1");
        assert_eq!(ray_jobs_with_prefix(prefix).await, vec![id.clone()], "Ray jobs of {job}");
    }
    // Nothing new starts on its own after the restart either.
    assert_eq!(s.build(&r.build_rid).await.status, BuildStatus::Failed);
    s.shutdown().await;
}

#[tokio::test]
#[ignore = "needs a Ray head: cargo xtask test starts one"]
async fn a_data_dir_ray_cannot_see_is_refused() {
    // The server runs in a mount namespace of its own with a tmpfs over its data dir: it
    // sees files that Ray's node, outside the namespace, does not (a per-node path).
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).expect("mkdir");
    let script = format!(
        "mount -t tmpfs kiln-probe-test {data} && exec {bin} --addr 127.0.0.1:0 --ui-dir none --data-dir {data} \
         --executor ray --ray-address {ray}",
        data = shell(&data),
        bin = shell(Path::new(env!("CARGO_BIN_EXE_kiln-server"))),
        ray = ray_address(),
    );
    let out = tokio::time::timeout(
        RAY_DEADLINE,
        tokio::task::spawn_blocking(move || Command::new("unshare").args(["--mount", "sh", "-c", &script]).output()),
    )
    .await
    .expect("the server gives up in time")
    .expect("join")
    .expect("unshare runs (root, CAP_SYS_ADMIN)");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "the server must refuse to start; stderr: {stderr}");
    assert!(stderr.contains("is not shared with the Ray cluster"), "{stderr}");
    assert!(stderr.contains("mounts at the same path"), "{stderr}");
    assert!(String::from_utf8_lossy(&out.stdout).is_empty(), "it never listened");
}

fn shell(p: &Path) -> String {
    format!("'{}'", p.display().to_string().replace('\'', r"'\''"))
}
