//! Shared helpers: a server on a temp dir, a client, polling with a deadline.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use kiln_api::Rid;
use kiln_api::build2::{BuildReport, BuildStatus, JobReport, SubmitBuildResponse};
use kiln_server::{RunningServer, ServerConfig};
use serde_json::{Value, json};

pub const DEADLINE: Duration = Duration::from_secs(30);

pub struct TestServer {
    pub server: Option<RunningServer>,
    pub dir: tempfile::TempDir,
    pub client: reqwest::Client,
    pub base: String,
    pub token: Option<String>,
}

/// Writes `pipeline` (TOML) and any `files` into a temp dir and starts a server on it.
pub async fn start(pipeline: &str, files: &[(&str, &str)]) -> TestServer {
    start_with(pipeline, files, |c| c).await
}

pub async fn start_with(
    pipeline: &str,
    files: &[(&str, &str)],
    tweak: impl FnOnce(ServerConfig) -> ServerConfig,
) -> TestServer {
    let dir = tempfile::tempdir().expect("temp dir");
    let project = dir.path().join("project");
    write_files(&project, &[("pipeline.toml", pipeline)]);
    write_files(&project, files);
    let mut config = ServerConfig::new(dir.path().join("data"));
    config.pipeline = Some(project.join("pipeline.toml"));
    config.ui_dir = dir.path().join("no-ui");
    config.workers = 4;
    let config = tweak(config);
    let server = kiln_server::start(config).await.expect("server starts");
    let base = server.url();
    TestServer { server: Some(server), dir, client: reqwest::Client::new(), base, token: None }
}

pub fn write_files(root: &Path, files: &[(&str, &str)]) {
    for (rel, content) in files {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
        std::fs::write(&path, content).expect("write file");
    }
}

impl TestServer {
    pub fn project(&self) -> PathBuf {
        self.dir.path().join("project")
    }

    pub fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn auth(&self, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.token {
            Some(t) => req.bearer_auth(t),
            None => req,
        }
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.auth(self.client.get(self.url(path))).send().await.expect("GET")
    }

    pub async fn post(&self, path: &str, body: &Value) -> reqwest::Response {
        self.auth(self.client.post(self.url(path)).json(body)).send().await.expect("POST")
    }

    pub async fn put(&self, path: &str, body: &Value) -> reqwest::Response {
        self.auth(self.client.put(self.url(path)).json(body)).send().await.expect("PUT")
    }

    pub async fn get_json(&self, path: &str) -> Value {
        let r = self.get(path).await;
        assert!(r.status().is_success(), "GET {path}: {}", r.status());
        r.json().await.expect("JSON")
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> Value {
        let r = self.post(path, body).await;
        let status = r.status();
        let text = r.text().await.expect("body");
        assert!(status.is_success(), "POST {path}: {status} {text}");
        serde_json::from_str(&text).expect("JSON")
    }

    pub async fn submit(&self, body: Value) -> SubmitBuildResponse {
        let v = self.post_json("/build2/api/manager/submitBuild", &body).await;
        serde_json::from_value(v).expect("a submit response")
    }

    pub async fn preview(&self, body: Value) -> Value {
        self.post_json("/api/v1/builds/preview", &body).await
    }

    pub async fn build(&self, rid: &Rid) -> BuildReport {
        let r = self.get(&format!("/build2/api/info/builds2/{rid}")).await;
        assert_eq!(r.status(), 200, "build report of {rid}");
        r.json().await.expect("a build report")
    }

    pub async fn job(&self, rid: &Rid) -> JobReport {
        let r = self.get(&format!("/build2/api/info/jobs3/{rid}")).await;
        assert_eq!(r.status(), 200, "job report of {rid}");
        r.json().await.expect("a job report")
    }

    /// Waits until the build has finished and returns its report.
    pub async fn finished(&self, rid: &Rid) -> BuildReport {
        until(&format!("build {rid} to finish"), DEADLINE, || async {
            let b = self.build(rid).await;
            b.status.is_terminal().then_some(b)
        })
        .await
    }

    /// Submits and waits for the end; asserts the final status.
    pub async fn run(&self, body: Value, expect: BuildStatus) -> BuildReport {
        let r = self.submit(body).await;
        let b = self.finished(&r.build_rid).await;
        assert_eq!(b.status, expect, "build status; jobs: {:#?}", b.jobs);
        b
    }

    /// The job of a build report by job spec name.
    pub fn job_of<'a>(b: &'a BuildReport, name: &str) -> &'a kiln_api::build2::BuildJob {
        b.jobs.iter().find(|j| j.job_spec_name == name).unwrap_or_else(|| panic!("no job {name} in {:#?}", b.jobs))
    }

    /// The content of an output file of a job's first output.
    pub fn output_file(&self, job: &kiln_api::build2::BuildJob, branch: &str, file: &str) -> String {
        let out = &job.outputs[0];
        let txn = out.transaction_rid.as_ref().expect("an output transaction");
        let path =
            self.data().join("datasets").join(out.dataset_rid.as_str()).join(branch).join(txn.as_str()).join(file);
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
    }

    pub async fn shutdown(mut self) -> tempfile::TempDir {
        if let Some(s) = self.server.take() {
            s.shutdown().await;
        }
        self.dir
    }
}

/// Polls `f` every 20 ms until it answers `Some`, or panics after `timeout`.
pub async fn until<T, F, Fut>(what: &str, timeout: Duration, mut f: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = f().await {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

pub fn dataset(name: &str) -> String {
    kiln_server::pipeline::dataset_rid(name).to_string()
}

pub fn job_spec(name: &str) -> String {
    kiln_server::pipeline::job_spec_rid(name).to_string()
}

/// A submit body selecting the producers of `datasets`, with extra options merged in.
pub fn datasets_body(datasets: &[&str], extra: Value) -> Value {
    let rids: Vec<String> = datasets.iter().map(|d| dataset(d)).collect();
    let mut body = json!({
        "jobSpecSelections": [{"type": "datasets", "datasets": {"datasetRids": rids, "isRequired": true}}],
    });
    merge(&mut body, extra);
    body
}

pub fn job_specs_body(specs: &[&str], extra: Value) -> Value {
    let rids: Vec<String> = specs.iter().map(|d| job_spec(d)).collect();
    let mut body = json!({
        "jobSpecSelections": [{"type": "jobSpecs", "jobSpecs": {"jobSpecRids": rids, "isRequired": true}}],
    });
    merge(&mut body, extra);
    body
}

pub fn merge(body: &mut Value, extra: Value) {
    if let (Some(b), Value::Object(e)) = (body.as_object_mut(), extra) {
        b.extend(e);
    }
}

/// Sends a raw HTTP/1.1 request line, so that no client normalises `..` or `%2e%2e`
/// away, and returns the status code and body.
pub async fn raw_get(base: &str, path: &str, token: Option<&str>) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let auth = token.map(|t| format!("Authorization: Bearer {t}\r\n")).unwrap_or_default();
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Connection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut response = String::new();
    tokio::time::timeout(DEADLINE, stream.read_to_string(&mut response)).await.expect("in time").expect("read");
    let status = response.split(' ').nth(1).and_then(|s| s.parse().ok()).expect("a status code");
    let body = response.split("\r\n\r\n").nth(1).unwrap_or_default().to_owned();
    (status, body)
}

/// Asserts a Conjure error body with this status and error code; returns the body.
pub async fn conjure(response: reqwest::Response, status: u16, code: &str) -> Value {
    assert_eq!(response.status().as_u16(), status, "status");
    let body: Value = response.json().await.expect("a JSON error body");
    assert_eq!(body["errorCode"], code, "{body}");
    assert_conjure_body(&body, status);
    body
}

/// Asserts that `body` is a Conjure error body Kiln sends with `status`: its name is one of
/// Kiln's, sent with the code and status the name fixes, with an instance id and a message.
pub fn assert_conjure_body(body: &Value, status: u16) {
    let name = body["errorName"].as_str().and_then(kiln_api::ErrorName::from_wire);
    let name = name.unwrap_or_else(|| panic!("errorName is not a kiln_api::ErrorName: {body}"));
    assert_eq!(serde_json::to_value(name.code()).ok().as_ref(), Some(&body["errorCode"]), "{body}");
    assert_eq!(name.http_status(), status, "{body}");
    assert!(body["errorInstanceId"].as_str().is_some_and(|n| !n.is_empty()), "{body}");
    assert!(body["parameters"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{body}");
}

/// The live processes of process group `pgid` (from /proc).
pub fn group_members(pgid: u32) -> Vec<u32> {
    let Ok(dir) = std::fs::read_dir("/proc") else { return Vec::new() };
    dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { return false };
            let Some(end) = stat.rfind(')') else { return false };
            // After the command name: state, ppid, pgrp. A zombie is already dead.
            let fields: Vec<&str> = stat[end + 1..].split_whitespace().collect();
            fields.first() != Some(&"Z") && fields.get(2).and_then(|g| g.parse::<u32>().ok()) == Some(pgid)
        })
        .collect()
}
