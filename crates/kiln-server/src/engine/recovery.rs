//! What a start-up does about the attempts a crashed run left without an end, before the
//! store marks the rest "server restarted" and the scheduler starts.
//!
//! - Local attempts: every recorded process group still alive and really ours is killed
//!   (see [`process::kill_leftovers`]), and the job fails as "server restarted".
//! - Ray attempts (the server runs with the Ray executor): each attempt's Ray job is looked
//!   up by its derived submission id, whether or not the crash let us record it.
//!   - One that ended while the server was down is recorded with its real outcome: its
//!     exit code, its log, and on success its outputs, committed as transactions as if the
//!     server had watched it end.
//!   - One that still runs is **stopped**, not adopted: its build's other jobs were lost
//!     with the crash (the build ends either way), and waiting for it would hold a start-up
//!     or need a second kind of running job. Its job fails as "server restarted".
//!
//!   No attempt is submitted again, so nothing runs twice.

use kiln_api::build2::{JobStatus, Placement};

use super::executor::ray::{Ray, submission_id};
use super::executor::{AttemptExit, Executor};
use super::process::{self, Leftover};
use super::runner::{RETRY_EXIT_CODE, commit_staged};
use super::{Engine, EngineError};
use crate::store::builds::{self, AttemptRow, UnfinishedAttempt};
use crate::store::now_ms;

impl Engine {
    /// Finishes what a crashed run left running; call before [`Engine::start`].
    pub async fn recover(&self) -> Result<(), EngineError> {
        let unfinished = self.inner.store.call(|c| builds::unfinished_attempts(c)).await?;
        if unfinished.is_empty() {
            return Ok(());
        }
        // Local attempts, and under the local executor also those a crash left without a
        // placement (spawned, not yet recorded). Never a Ray job's: on a one-machine cluster
        // its processes carry the same KILN_* markers, and Ray's lookup below handles it.
        let ray = matches!(self.inner.executor, Executor::Ray(_));
        let leftovers: Vec<Leftover> = unfinished
            .iter()
            .filter(|a| match &a.placement {
                Some(Placement::Local) => true,
                Some(Placement::Ray { .. }) => false,
                None => !ray,
            })
            .map(|a| Leftover { job_rid: a.job_rid.to_string(), attempt: a.number, mark: a.group })
            .collect();
        let killed = tokio::task::spawn_blocking(move || process::kill_leftovers(&leftovers))
            .await
            .map_err(|e| EngineError::Io(std::io::Error::other(e)))?;
        if killed > 0 {
            tracing::warn!(groups = killed, "killed process groups that a previous run left running");
        }
        match &self.inner.executor {
            Executor::Ray(ray) => {
                for attempt in &unfinished {
                    self.recover_ray_attempt(ray, attempt).await?;
                }
            }
            Executor::Local(_) => {
                for a in unfinished.iter().filter(|a| matches!(a.placement, Some(Placement::Ray { .. }))) {
                    tracing::warn!(
                        job = %a.job_rid,
                        attempt = a.number,
                        "this attempt ran on Ray, but the server now runs the local executor: it is recorded as failed"
                    );
                }
            }
        }
        Ok(())
    }

    async fn recover_ray_attempt(&self, ray: &Ray, a: &UnfinishedAttempt) -> Result<(), EngineError> {
        let id = submission_id(&a.job_rid, a.number);
        let unreachable = |e| EngineError::Io(std::io::Error::other(e));
        let Some(mut info) = ray.job(&id).await.map_err(unreachable)? else {
            // Never submitted: the crash came first. Nothing ran, nothing to stop.
            return Ok(());
        };
        let still_running = !info.status.is_terminal();
        if still_running {
            tracing::warn!(submission_id = %id, "stopping a Ray job that a previous run left running");
            info = ray.stop_and_wait(&id).await.map_err(unreachable)?.unwrap_or(info);
        }
        let job_rid = a.job_rid.clone();
        let found = self
            .inner
            .store
            .call(move |c| {
                let Some(job) = builds::get_job(c, &job_rid)? else { return Ok(None) };
                Ok(builds::get_build(c, &job.build_rid)?.map(|b| (b, job)))
            })
            .await?;
        let Some((build, mut job)) = found else { return Ok(()) };

        // The log: Ray keeps all of it, so it is written again from the start.
        let log_path =
            self.inner.data.attempt_log(&build.team, build.run_id, build.archived, &job.job_spec_name, a.number);
        if let Some(dir) = log_path.parent() {
            tokio::fs::create_dir_all(dir).await?;
        }
        let mut log = std::fs::File::create(&log_path)?;
        if let Err(e) = ray.copy_log(&id, &mut log, &mut 0, true).await {
            tracing::warn!(submission_id = %id, error = %e, "could not copy the log of a Ray job at restart");
        }

        let placement = Placement::Ray { submission_id: id.clone(), node_address: info.node() };
        let (job_rid, number) = (a.job_rid.clone(), a.number);
        self.inner.store.call(move |c| builds::set_attempt_placement(c, &job_rid, number, &placement, None)).await?;

        let exit = info.exit();
        let mut row = AttemptRow {
            job_rid: a.job_rid.clone(),
            number: a.number,
            started_ms: a.started_ms,
            finished_ms: Some(now_ms()),
            exit_code: None,
            signal: None,
            error: None,
            retryable: false,
            placement: None,
        };
        match &exit {
            AttemptExit::Code(code) => row.exit_code = Some(*code),
            AttemptExit::Signal(signal) => row.signal = Some(*signal),
            AttemptExit::Lost(_) => {}
        }
        if still_running {
            // The job is left RUNNING: the store's recovery fails it as "server restarted".
            row.error = Some("stopped at restart: the server restarted while this Ray job ran".into());
            self.inner.store.call(move |c| builds::upsert_attempt(c, &row)).await?;
            return Ok(());
        }
        let spec = self.inner.pipeline.job_specs.iter().position(|s| s.rid == job.job_spec_rid);
        match (exit, spec) {
            (AttemptExit::Code(0), Some(spec)) => {
                job.outputs = commit_staged(&self.inner, spec, &job.rid, a.number, &build.branch, &job.inputs).await?;
                job.status = JobStatus::Succeeded;
                tracing::info!(submission_id = %id, job = %job.rid, "a Ray job succeeded while the server was down");
            }
            (exit, _) => {
                row.retryable = !matches!(exit, AttemptExit::Code(c) if c != RETRY_EXIT_CODE);
                let error = match exit {
                    AttemptExit::Code(0) => "succeeded on Ray while the server was down, but its job spec is no \
                                             longer in the pipeline"
                        .to_owned(),
                    AttemptExit::Code(code) if code == RETRY_EXIT_CODE => {
                        format!("exited with code {code} (retryable) while the server was down")
                    }
                    AttemptExit::Code(code) => format!("exited with code {code} while the server was down"),
                    AttemptExit::Signal(signal) => format!("killed by signal {signal} while the server was down"),
                    AttemptExit::Lost(why) => format!("{why} (while the server was down)"),
                };
                row.error = Some(error.clone());
                job.status = JobStatus::Failed;
                job.reason = Some(error.clone());
                job.error = Some(error);
            }
        }
        job.finished_ms = Some(now_ms());
        self.inner
            .store
            .call(move |c| {
                builds::upsert_attempt(c, &row)?;
                builds::update_job(c, &job)
            })
            .await?;
        Ok(())
    }
}
