//! The Ray executor: each attempt is one Ray job, submitted through Ray's Jobs REST API
//! (`POST /api/jobs/`, `GET /api/jobs/{id}`, `GET /api/jobs/{id}/logs`,
//! `POST /api/jobs/{id}/stop`) on the head's dashboard port.
//!
//! The job's `submission_id` is derived from the job RID and the attempt number, so a
//! repeated submission (a retried request, a restart) can never start an attempt twice:
//! Ray refuses a second job with the same id, and we then follow the first.
//!
//! Inputs, outputs and logs stay folders under the data dir, so the data dir must be on
//! storage that every Ray node mounts at the same path; [`Ray::connect`] checks that with a
//! probe job before the server starts.

use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use kiln_api::Rid;
use kiln_api::build2::Placement;
use serde::Deserialize;
use serde_json::json;

use super::{AttemptExit, AttemptSpec, StartFailure};

/// How often a running job's status and log are read.
const POLL: Duration = Duration::from_millis(200);
/// How long one request to the dashboard may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// How long the storage probe job may take (a cold head starts its first job slowly).
const PROBE_TIMEOUT: Duration = Duration::from_secs(120);
/// How long a stopped job gets to report that it has stopped (Ray sends SIGTERM, then
/// SIGKILL after its own grace period of a few seconds).
const STOP_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, Clone)]
pub struct RayConfig {
    /// The dashboard's address, such as `http://127.0.0.1:8265`.
    pub address: String,
}

#[derive(Debug, thiserror::Error)]
pub enum RayError {
    #[error("cannot reach Ray's Jobs API at {address}: {source}")]
    Unreachable { address: String, source: reqwest::Error },
    #[error("Ray's Jobs API answered {status} to {what}: {body}")]
    Api { what: String, status: u16, body: String },
    #[error(
        "the data dir {dir} is not shared with the Ray cluster: {detail}. With --executor ray the data dir \
         must be on storage that every Ray node mounts at the same path (NFS or similar)"
    )]
    NotShared { dir: String, detail: String },
    #[error("file system error during the storage check: {0}")]
    Io(#[from] std::io::Error),
}

/// What `GET /api/jobs/{id}` says about a job (the fields Kiln reads).
#[derive(Debug, Clone, Deserialize)]
pub struct JobInfo {
    pub status: JobState,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub driver_exit_code: Option<i32>,
    #[serde(default)]
    pub driver_info: Option<DriverInfo>,
    /// `http://<node ip>:<port>` of the agent on the node that runs the entrypoint.
    #[serde(default)]
    pub driver_agent_http_address: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DriverInfo {
    #[serde(default)]
    pub node_ip_address: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum JobState {
    Pending,
    Running,
    Stopped,
    Succeeded,
    Failed,
}

impl JobState {
    pub fn is_terminal(self) -> bool {
        matches!(self, JobState::Stopped | JobState::Succeeded | JobState::Failed)
    }
}

impl JobInfo {
    /// The node's address: Ray fills `driver_info` for drivers that connect to Ray, and the
    /// agent address for every job (a plain `sh -c` never connects).
    pub fn node(&self) -> Option<String> {
        let from_driver = self.driver_info.as_ref().and_then(|d| d.node_ip_address.clone()).filter(|a| !a.is_empty());
        from_driver.or_else(|| {
            let agent = self.driver_agent_http_address.as_deref()?;
            let host = agent.split_once("://").map_or(agent, |(_, rest)| rest);
            let host = host.rsplit_once(':').map_or(host, |(h, _)| h);
            (!host.is_empty()).then(|| host.to_owned())
        })
    }

    /// How a finished job ended.
    pub fn exit(&self) -> AttemptExit {
        let message = self.message.clone().unwrap_or_default();
        let code = self.driver_exit_code.or_else(|| exit_code_in(&message));
        match (self.status, code) {
            (JobState::Succeeded, _) => AttemptExit::Code(0),
            // Python reports a death by signal N as the return code -N.
            (_, Some(c)) if c < 0 => AttemptExit::Signal(-c),
            (JobState::Failed, Some(c)) => AttemptExit::Code(c),
            (JobState::Stopped, _) => AttemptExit::Lost(format!("the Ray job was stopped: {message}")),
            _ => AttemptExit::Lost(if message.is_empty() {
                format!("the Ray job ended {:?} without an exit code", self.status)
            } else {
                format!("the Ray job ended without an exit code: {message}")
            }),
        }
    }
}

/// "Job entrypoint command failed with exit code 3, last available logs …" → 3.
fn exit_code_in(message: &str) -> Option<i32> {
    let rest = &message[message.find("exit code ")? + "exit code ".len()..];
    let end = rest.find(|c: char| !(c.is_ascii_digit() || c == '-')).unwrap_or(rest.len());
    rest[..end].parse().ok()
}

/// A line Ray adds to a job's log: its job manager's own log lines
/// (`2026-12-01 22:30:57,119\tINFO job_manager.py:581 -- …`) and "Running entrypoint for
/// job <id>: …". The job's own output is everything else.
fn is_ray_line(line: &str, id: &str) -> bool {
    if line.starts_with(&format!("Running entrypoint for job {id}: ")) {
        return true;
    }
    let Some((stamp, rest)) = line.split_once('\t') else { return false };
    let stamp_like = stamp.len() == 23 && stamp.as_bytes()[4] == b'-' && stamp.as_bytes()[19] == b',';
    stamp_like && rest.split_once(' ').is_some_and(|(_, src)| src.starts_with("job_manager.py:"))
}

/// Quotes `s` for `sh`.
fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// `kiln-<uuid of the job RID>-<attempt>`: one id per attempt, the same after a restart.
pub fn submission_id(job: &Rid, attempt: u32) -> String {
    let uuid = job.as_str().rsplit('.').next().unwrap_or(job.as_str());
    format!("kiln-{uuid}-{attempt}")
}

/// A client of one Ray cluster's Jobs API.
#[derive(Debug, Clone)]
pub struct Ray {
    client: reqwest::Client,
    address: String,
}

impl Ray {
    /// Connects to the dashboard and checks that Ray's nodes see `data_root` as we do.
    pub async fn connect(config: &RayConfig, data_root: &Path) -> Result<Ray, RayError> {
        let address = config.address.trim_end_matches('/').to_owned();
        let client = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .build()
            .map_err(|source| RayError::Unreachable { address: address.clone(), source })?;
        let ray = Ray { client, address };
        ray.check_shared_storage(data_root).await?;
        Ok(ray)
    }

    pub fn address(&self) -> &str {
        &self.address
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    fn unreachable(&self, source: reqwest::Error) -> RayError {
        RayError::Unreachable { address: self.address.clone(), source }
    }

    async fn answer(&self, what: String, resp: reqwest::Response) -> Result<reqwest::Response, RayError> {
        let status = resp.status();
        if status.is_success() {
            return Ok(resp);
        }
        let body = resp.text().await.unwrap_or_default();
        Err(RayError::Api { what, status: status.as_u16(), body })
    }

    /// Submits a job; a job that already has this id is left alone (it is the same attempt).
    async fn submit(&self, id: &str, body: serde_json::Value) -> Result<(), RayError> {
        let resp =
            self.client.post(self.url("/api/jobs/")).json(&body).send().await.map_err(|e| self.unreachable(e))?;
        match self.answer(format!("submitting job {id}"), resp).await {
            Ok(_) => Ok(()),
            Err(RayError::Api { body, .. }) if body.contains("already exists") => {
                tracing::info!(submission_id = id, "the Ray job exists already; following it");
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    /// A job's status, or `None` when Ray does not know it.
    pub async fn job(&self, id: &str) -> Result<Option<JobInfo>, RayError> {
        let resp =
            self.client.get(self.url(&format!("/api/jobs/{id}"))).send().await.map_err(|e| self.unreachable(e))?;
        if resp.status() == reqwest::StatusCode::NOT_FOUND {
            return Ok(None);
        }
        let resp = self.answer(format!("reading job {id}"), resp).await?;
        resp.json().await.map(Some).map_err(|e| self.unreachable(e))
    }

    /// Everything the job printed so far.
    pub async fn logs(&self, id: &str) -> Result<String, RayError> {
        #[derive(Deserialize)]
        struct Logs {
            logs: String,
        }
        let resp =
            self.client.get(self.url(&format!("/api/jobs/{id}/logs"))).send().await.map_err(|e| self.unreachable(e))?;
        let resp = self.answer(format!("reading the log of job {id}"), resp).await?;
        resp.json::<Logs>().await.map(|l| l.logs).map_err(|e| self.unreachable(e))
    }

    /// Asks Ray to stop a job (SIGTERM to its process group, SIGKILL after Ray's grace).
    pub async fn stop(&self, id: &str) -> Result<(), RayError> {
        let resp = self
            .client
            .post(self.url(&format!("/api/jobs/{id}/stop")))
            .send()
            .await
            .map_err(|e| self.unreachable(e))?;
        self.answer(format!("stopping job {id}"), resp).await.map(drop)
    }

    /// Stops a job and waits until Ray reports it ended.
    pub async fn stop_and_wait(&self, id: &str) -> Result<Option<JobInfo>, RayError> {
        let deadline = Instant::now() + STOP_TIMEOUT;
        let mut asked = false;
        loop {
            let Some(info) = self.job(id).await? else { return Ok(None) };
            if info.status.is_terminal() {
                return Ok(Some(info));
            }
            if !asked {
                self.stop(id).await?;
                asked = true;
            }
            if Instant::now() > deadline {
                return Ok(Some(info));
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Waits until a job has ended.
    async fn until_ended(&self, id: &str, timeout: Duration) -> Result<Option<JobInfo>, RayError> {
        let deadline = Instant::now() + timeout;
        loop {
            match self.job(id).await? {
                Some(info) if info.status.is_terminal() => return Ok(Some(info)),
                info if Instant::now() > deadline => return Ok(info),
                _ => tokio::time::sleep(POLL).await,
            }
        }
    }

    pub async fn start(&self, spec: &AttemptSpec) -> Result<Running, StartFailure> {
        let log = std::fs::File::create(&spec.log).map_err(|e| StartFailure {
            message: format!("could not create the log file {}: {e}", spec.log.display()),
            retryable: false,
        })?;
        let id = submission_id(&spec.job, spec.attempt);
        let env: serde_json::Map<String, serde_json::Value> =
            spec.env.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
        let mut body = json!({
            "submission_id": id,
            "entrypoint": format!(
                "cd {} && exec sh -c {}",
                sh_quote(&spec.dir.display().to_string()),
                sh_quote(&spec.command)
            ),
            "runtime_env": {"env_vars": env},
            "metadata": {"kiln_job_rid": spec.job.to_string(), "kiln_attempt": spec.attempt.to_string()},
        });
        if let Some(cpus) = spec.resources.num_cpus {
            body["entrypoint_num_cpus"] = json!(cpus);
        }
        if let Some(memory) = spec.resources.memory {
            body["entrypoint_memory"] = json!(memory);
        }
        self.submit(&id, body).await.map_err(|e| StartFailure {
            message: format!("could not submit the Ray job: {e}"),
            retryable: matches!(e, RayError::Unreachable { .. }),
        })?;
        Ok(Running { ray: self.clone(), id, log, copied: 0, node: None })
    }

    /// Copies the new part of `id`'s log into `log`; `copied` counts the bytes of Ray's log
    /// already handled. Only whole lines are copied until the job has `ended`, so that Ray's
    /// own lines can be recognised and left out.
    pub async fn copy_log(
        &self,
        id: &str,
        log: &mut std::fs::File,
        copied: &mut usize,
        ended: bool,
    ) -> Result<(), RayError> {
        let text = self.logs(id).await?;
        let Some(new) = text.get(*copied..) else { return Ok(()) };
        let take = if ended { new.len() } else { new.rfind('\n').map_or(0, |i| i + 1) };
        if take == 0 {
            return Ok(());
        }
        let kept: String = new[..take].split_inclusive('\n').filter(|line| !is_ray_line(line, id)).collect();
        // Synchronous and short: a cancelled wait never leaves `copied` behind the file.
        log.write_all(kept.as_bytes())?;
        *copied += take;
        Ok(())
    }

    /// Writes a token into `data_root` from this side, has a Ray job copy it, and reads
    /// the copy back. Refuses when the job cannot see the file or we cannot see its copy.
    async fn check_shared_storage(&self, data_root: &Path) -> Result<(), RayError> {
        let token = uuid::Uuid::new_v4().to_string();
        let dir = data_root.join(".kiln-probe").join(&token);
        std::fs::create_dir_all(&dir)?;
        std::fs::write(dir.join("from-server"), &token)?;
        let id = format!("kiln-probe-{token}");
        let result = self.probe(&id, &dir, &token).await;
        let _ = std::fs::remove_dir_all(&dir);
        result
    }

    async fn probe(&self, id: &str, dir: &Path, token: &str) -> Result<(), RayError> {
        let not_shared = |detail: String| RayError::NotShared { dir: dir.display().to_string(), detail };
        let entrypoint = format!("cd {} && cp from-server from-ray", sh_quote(&dir.display().to_string()));
        self.submit(id, json!({"submission_id": id, "entrypoint": entrypoint})).await?;
        let Some(info) = self.until_ended(id, PROBE_TIMEOUT).await? else {
            return Err(not_shared(format!("Ray lost the probe job {id}")));
        };
        if !info.status.is_terminal() {
            let _ = self.stop(id).await;
            return Err(not_shared(format!("the probe job {id} did not finish in {} s", PROBE_TIMEOUT.as_secs())));
        }
        if info.status != JobState::Succeeded {
            let log = self.logs(id).await.unwrap_or_default();
            return Err(not_shared(format!(
                "a Ray job could not read the probe file the server wrote there ({}; {})",
                info.message.unwrap_or_default().trim(),
                log.trim()
            )));
        }
        match std::fs::read_to_string(Path::new(dir).join("from-ray")) {
            Ok(text) if text == token => Ok(()),
            Ok(_) => Err(not_shared("the probe file a Ray job wrote there holds something else".into())),
            Err(e) => Err(not_shared(format!("the server cannot read the probe file a Ray job wrote there: {e}"))),
        }
    }
}

/// One attempt running as a Ray job.
#[derive(Debug)]
pub struct Running {
    ray: Ray,
    id: String,
    log: std::fs::File,
    /// Bytes of Ray's log already in the log file.
    copied: usize,
    node: Option<String>,
}

impl Running {
    pub fn placement(&self) -> Placement {
        Placement::Ray { submission_id: self.id.clone(), node_address: self.node.clone() }
    }

    pub async fn wait(&mut self) -> std::io::Result<AttemptExit> {
        loop {
            let info = self.ray.job(&self.id).await.map_err(std::io::Error::other)?;
            let Some(info) = info else {
                return Ok(AttemptExit::Lost(format!("Ray has no job {} any more", self.id)));
            };
            if self.node.is_none() {
                self.node = info.node();
            }
            // Read the log after the status: a job that has ended has written all of it.
            let ended = info.status.is_terminal();
            self.ray.copy_log(&self.id, &mut self.log, &mut self.copied, ended).await.map_err(std::io::Error::other)?;
            if ended {
                return Ok(info.exit());
            }
            tokio::time::sleep(POLL).await;
        }
    }

    pub async fn kill(&mut self) -> std::io::Result<AttemptExit> {
        let info = self.ray.stop_and_wait(&self.id).await.map_err(std::io::Error::other)?;
        let _ = self.ray.copy_log(&self.id, &mut self.log, &mut self.copied, true).await;
        Ok(match info {
            Some(info) if info.status.is_terminal() => info.exit(),
            Some(info) => AttemptExit::Lost(format!("Ray did not stop job {} in time ({:?})", self.id, info.status)),
            None => AttemptExit::Lost(format!("Ray has no job {} any more", self.id)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_from_messages() {
        assert_eq!(exit_code_in("Job entrypoint command failed with exit code 3, last available logs"), Some(3));
        assert_eq!(exit_code_in("failed with exit code 75"), Some(75));
        assert_eq!(exit_code_in("Job supervisor actor died"), None);
    }

    #[test]
    fn rays_own_lines_are_left_out() {
        assert!(is_ray_line("2026-12-01 22:30:57,119\tINFO job_manager.py:581 -- Runtime env is setting up.\n", "t1"));
        assert!(is_ray_line("Running entrypoint for job t1: cd /tmp && exec sh -c 'x'\n", "t1"));
        assert!(!is_ray_line("hi\n", "t1"));
        assert!(!is_ray_line("2026-12-01 22:30:57,119\tINFO my_script.py:1 -- mine\n", "t1"));
    }

    #[test]
    fn quoting_survives_quotes() {
        assert_eq!(sh_quote("it's"), r"'it'\''s'");
    }

    #[test]
    fn outcomes() {
        let info = |status, code: Option<i32>, message: &str| JobInfo {
            status,
            message: Some(message.into()),
            driver_exit_code: code,
            driver_info: None,
            driver_agent_http_address: Some("http://192.0.2.2:52365".into()),
        };
        assert_eq!(info(JobState::Running, None, "").node().as_deref(), Some("192.0.2.2"));
        assert_eq!(info(JobState::Succeeded, Some(0), "").exit(), AttemptExit::Code(0));
        assert_eq!(info(JobState::Failed, Some(75), "").exit(), AttemptExit::Code(75));
        assert_eq!(info(JobState::Failed, None, "failed with exit code 3").exit(), AttemptExit::Code(3));
        assert_eq!(info(JobState::Failed, Some(-9), "").exit(), AttemptExit::Signal(9));
        assert!(
            matches!(info(JobState::Failed, None, "node died").exit(), AttemptExit::Lost(m) if m.contains("node died"))
        );
    }

    #[test]
    fn submission_ids_name_the_job_and_attempt() {
        let rid = Rid::parse("ri.foundry.main.job.0f8fad5b-d9cb-469f-a165-70867728950e").expect("rid");
        assert_eq!(submission_id(&rid, 2), "kiln-0f8fad5b-d9cb-469f-a165-70867728950e-2");
    }
}
