//! Live scheduling state, and the passes that start, finish and cancel jobs.

use std::collections::HashMap;
use std::sync::Arc;

use kiln_api::build2::{BuildStatus, FailureStrategy, JobStatus};
use kiln_api::teams::{Event, Notification};
use kiln_api::{ErrorName, Rid};
use tokio::sync::watch;

use super::runner::JobContext;
use super::{BuildOptions, Engine, EngineError};
use crate::store::builds::{self, BuildRow, JobRow};
use crate::store::{notifications, now_ms, ts_or_epoch};
use crate::views;

#[derive(Debug, Default)]
pub(crate) struct Live {
    pub builds: HashMap<Rid, LiveBuild>,
    pub jobs: HashMap<Rid, LiveJob>,
    /// Outcomes of jobs whose builds have finished, for builds that still wait on them.
    pub finished: HashMap<Rid, Outcome>,
    /// Jobs holding a worker slot.
    pub running: usize,
    pub next_seq: u64,
}

#[derive(Debug)]
pub(crate) struct LiveBuild {
    pub row: BuildRow,
    pub opts: Arc<BuildOptions>,
    /// This build's own jobs, in dependency order.
    pub jobs: Vec<Rid>,
    /// Jobs of other builds of the group that this build waits for.
    pub waits_on: Vec<Rid>,
    pub stopping: bool,
    pub stop_reason: Option<String>,
}

#[derive(Debug)]
pub(crate) struct LiveJob {
    pub row: JobRow,
    pub spec: usize,
    /// Submission order; older jobs get workers first.
    pub seq: u64,
    pub cancel: Option<watch::Sender<Option<String>>>,
    /// Finished without producing its outputs (failed, canceled or skipped for that).
    pub broken: bool,
    pub holds_worker: bool,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Outcome {
    pub status: JobStatus,
    pub broken: bool,
    pub spec: usize,
}

impl Live {
    /// A job's outcome, or `None` while it is still waiting or running.
    pub fn outcome(&self, rid: &Rid) -> Option<Outcome> {
        if let Some(j) = self.jobs.get(rid) {
            return j.row.status.is_terminal().then_some(Outcome {
                status: j.row.status,
                broken: j.broken,
                spec: j.spec,
            });
        }
        // A job from before a restart: it finished one way or another long ago.
        Some(self.finished.get(rid).copied().unwrap_or(Outcome {
            status: JobStatus::Succeeded,
            broken: false,
            spec: usize::MAX,
        }))
    }

    pub fn is_active(&self, rid: &Rid) -> bool {
        self.jobs.get(rid).is_some_and(|j| !j.row.status.is_terminal())
    }
}

enum Decision {
    Wait,
    Start,
    Skip(String),
    Fail(String),
}

impl Engine {
    /// One scheduling pass: settles jobs whose inputs failed and starts ready jobs while
    /// workers are free.
    pub(super) async fn tick(&self) -> Result<(), EngineError> {
        let mut live = self.inner.live.lock().await;
        let mut waiting: Vec<(u64, Rid)> = live
            .jobs
            .values()
            .filter(|j| j.row.status == JobStatus::Waiting)
            .map(|j| (j.seq, j.row.rid.clone()))
            .collect();
        waiting.sort();
        let mut touched_builds = Vec::new();
        for (_, rid) in waiting {
            let decision = self.decide(&live, &rid);
            match decision {
                Decision::Wait => {}
                Decision::Start if live.running < self.inner.workers => self.start_job(&mut live, &rid).await?,
                Decision::Start => {}
                Decision::Skip(reason) => {
                    self.set_terminal(&mut live, &rid, JobStatus::DidNotRun, Some(reason), None, true).await?;
                    touched_builds.push(rid);
                }
                Decision::Fail(reason) => {
                    self.set_terminal(&mut live, &rid, JobStatus::Failed, Some(reason.clone()), Some(reason), true)
                        .await?;
                    self.after_failure(&mut live, &rid).await?;
                    touched_builds.push(rid);
                }
            }
        }
        if !touched_builds.is_empty() {
            // A skipped or failed job may settle its dependents: look again.
            self.inner.wake.notify_one();
        }
        for rid in touched_builds {
            if let Some(build) = live.jobs.get(&rid).map(|j| j.row.build_rid.clone()) {
                self.finish_build_if_done(&mut live, &build).await?;
            }
        }
        Ok(())
    }

    fn decide(&self, live: &Live, rid: &Rid) -> Decision {
        let Some(job) = live.jobs.get(rid) else { return Decision::Wait };
        let Some(build) = live.builds.get(&job.row.build_rid) else { return Decision::Wait };
        let mut broken_deps = Vec::new();
        for dep in &job.row.depends_on {
            match live.outcome(dep) {
                None => return Decision::Wait,
                Some(o) if o.broken => broken_deps.push(o),
                Some(_) => {}
            }
        }
        if let Some(behind) = &job.row.queued_behind
            && live.is_active(behind)
        {
            return Decision::Wait;
        }
        let pipeline = &self.inner.pipeline;
        let spec = &pipeline.job_specs[job.spec];
        let mut skip = None;
        for dep in broken_deps {
            let Some(dep_spec) = pipeline.job_specs.get(dep.spec) else { continue };
            for &input in spec.inputs.iter().filter(|i| dep_spec.outputs.contains(i)) {
                let ds = &pipeline.datasets[input];
                let why = format!("input {} was not built: job spec {} ended {}", ds.name, dep_spec.name, dep.status);
                match build.opts.input_strategies.get(&ds.rid) {
                    Some(FailureStrategy::Continue) => {}
                    Some(FailureStrategy::Fail) => return Decision::Fail(format!("inputFailureStrategy FAIL: {why}")),
                    None => {
                        skip.get_or_insert(format!("upstream failed: {why}"));
                    }
                }
            }
        }
        match skip {
            Some(reason) => Decision::Skip(reason),
            None => Decision::Start,
        }
    }

    async fn start_job(&self, live: &mut Live, rid: &Rid) -> Result<(), EngineError> {
        let (tx, rx) = watch::channel(None);
        let now = now_ms();
        let Some(job) = live.jobs.get_mut(rid) else { return Ok(()) };
        job.row.status = JobStatus::Running;
        job.row.started_ms = Some(now);
        job.cancel = Some(tx);
        job.holds_worker = true;
        let spec = job.spec;
        let build_rid = job.row.build_rid.clone();
        live.running += 1;
        self.save_job(live, rid).await?;
        let Some(build) = live.builds.get_mut(&build_rid) else { return Ok(()) };
        if build.row.started_ms.is_none() {
            build.row.started_ms = Some(now);
            let b = build.row.rid.clone();
            self.inner.store.call(move |c| builds::set_build_started(c, &b, now)).await?;
            self.publish(Event::Build(views::team_build(&self.inner.data, &build.row)));
        }
        let ctx = JobContext {
            job: rid.clone(),
            spec,
            build_rid: build.row.rid.clone(),
            team: build.row.team.clone(),
            run_id: build.row.run_id,
            opts: build.opts.clone(),
            log_dir: self.inner.data.build_dir(&build.row.team, build.row.run_id, false),
            cancel: rx,
        };
        let engine = self.clone();
        tokio::spawn(async move { engine.run_job(ctx).await });
        Ok(())
    }

    /// Persists a job's row and tells the watchers.
    pub(super) async fn save_job(&self, live: &Live, rid: &Rid) -> Result<(), EngineError> {
        let Some(job) = live.jobs.get(rid) else { return Ok(()) };
        let row = job.row.clone();
        let event = live.builds.get(&row.build_rid).map(|b| views::job_event(&b.row, &row));
        self.inner.store.call(move |c| builds::update_job(c, &row)).await?;
        if let Some(e) = event {
            self.publish(Event::Job(e));
        }
        Ok(())
    }

    /// Changes a live job's row under the lock and saves it.
    pub(super) async fn update_job(&self, rid: &Rid, f: impl FnOnce(&mut JobRow)) -> Result<(), EngineError> {
        let mut live = self.inner.live.lock().await;
        if let Some(job) = live.jobs.get_mut(rid) {
            f(&mut job.row);
        }
        self.save_job(&live, rid).await
    }

    /// Ends a job without cascading; frees its worker.
    async fn set_terminal(
        &self,
        live: &mut Live,
        rid: &Rid,
        status: JobStatus,
        reason: Option<String>,
        error: Option<String>,
        broken: bool,
    ) -> Result<(), EngineError> {
        let Some(job) = live.jobs.get_mut(rid) else { return Ok(()) };
        if job.row.status.is_terminal() {
            return Ok(());
        }
        job.row.status = status;
        // A job that ran keeps the reason it ran for unless its end has a reason of its own.
        if reason.is_some() {
            job.row.reason = reason;
        }
        job.row.error = error;
        job.row.finished_ms = Some(now_ms());
        job.broken = broken;
        job.cancel = None;
        if std::mem::take(&mut job.holds_worker) {
            live.running = live.running.saturating_sub(1);
        }
        self.save_job(live, rid).await
    }

    /// Called by a job's runner when the job has ended.
    pub(super) async fn job_finished(
        &self,
        rid: &Rid,
        status: JobStatus,
        reason: Option<String>,
        error: Option<String>,
    ) -> Result<(), EngineError> {
        let mut live = self.inner.live.lock().await;
        let broken = status != JobStatus::Succeeded;
        self.set_terminal(&mut live, rid, status, reason, error, broken).await?;
        if status == JobStatus::Failed {
            self.after_failure(&mut live, rid).await?;
        }
        let build = live.jobs.get(rid).map(|j| j.row.build_rid.clone());
        if let Some(build) = build {
            self.finish_build_if_done(&mut live, &build).await?;
        }
        // Builds of other groups may wait on this job through their dependencies.
        let others: Vec<Rid> = live.builds.keys().cloned().collect();
        for b in others {
            self.finish_build_if_done(&mut live, &b).await?;
        }
        drop(live);
        self.inner.wake.notify_one();
        Ok(())
    }

    /// finishOnFailures: a job failed for good, so the rest of its build stops.
    async fn after_failure(&self, live: &mut Live, failed: &Rid) -> Result<(), EngineError> {
        let Some(job) = live.jobs.get(failed) else { return Ok(()) };
        let name = job.row.job_spec_name.clone();
        let Some(build) = live.builds.get(&job.row.build_rid) else { return Ok(()) };
        if !build.opts.finish_on_failures {
            return Ok(());
        }
        let others: Vec<Rid> = build.jobs.iter().filter(|r| *r != failed).cloned().collect();
        for rid in others {
            let reason = format!("finishOnFailures: the build finished after job {name} failed");
            self.cancel_job(live, &rid, reason, JobStatus::DidNotRun).await?;
        }
        Ok(())
    }

    /// Cancels a job: a running one is killed (its runner reports CANCELED), a waiting one
    /// ends at once with `waiting_status`.
    pub(super) async fn cancel_job(
        &self,
        live: &mut Live,
        rid: &Rid,
        reason: String,
        waiting_status: JobStatus,
    ) -> Result<(), EngineError> {
        let Some(job) = live.jobs.get(rid) else { return Ok(()) };
        match job.row.status {
            JobStatus::Waiting => {
                self.set_terminal(live, rid, waiting_status, Some(reason), None, true).await?;
            }
            JobStatus::Running => {
                if let Some(tx) = &job.cancel {
                    tx.send_replace(Some(reason));
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Stops a running build: kills its running jobs and cancels the waiting ones.
    pub async fn stop(&self, build_rid: &Rid) -> Result<(), EngineError> {
        self.stop_because(build_rid, "stopped by a user").await
    }

    async fn stop_because(&self, build_rid: &Rid, reason: &str) -> Result<(), EngineError> {
        let mut live = self.inner.live.lock().await;
        let Some(build) = live.builds.get_mut(build_rid) else {
            return Err(EngineError::conflict(ErrorName::BuildNotRunning, "the build is not running"));
        };
        build.stopping = true;
        build.stop_reason = Some(reason.to_owned());
        let jobs = build.jobs.clone();
        for rid in jobs {
            self.cancel_job(&mut live, &rid, reason.to_owned(), JobStatus::Canceled).await?;
        }
        self.finish_build_if_done(&mut live, build_rid).await?;
        drop(live);
        self.inner.wake.notify_one();
        Ok(())
    }

    /// Stops every live build; used at shutdown. Returns once no job holds a worker, or
    /// after `grace`.
    pub async fn stop_all(&self, grace: std::time::Duration) {
        let builds: Vec<Rid> = self.inner.live.lock().await.builds.keys().cloned().collect();
        for b in builds {
            if let Err(e) = self.stop_because(&b, "the server shut down").await {
                tracing::warn!(build = %b, error = %e, "could not stop build at shutdown");
            }
        }
        let deadline = tokio::time::Instant::now() + grace;
        while tokio::time::Instant::now() < deadline {
            if self.inner.live.lock().await.running == 0 {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    /// Finishes a build whose jobs have all ended: its status, a notification, and the
    /// hand-over of its jobs' outcomes to builds that still wait on them.
    pub(super) async fn finish_build_if_done(&self, live: &mut Live, build_rid: &Rid) -> Result<(), EngineError> {
        let Some(build) = live.builds.get(build_rid) else { return Ok(()) };
        let own_done = build.jobs.iter().all(|r| live.jobs.get(r).is_none_or(|j| j.row.status.is_terminal()));
        // A stopped build does not wait for jobs it shares with other builds.
        let others_done = build.stopping || build.waits_on.iter().all(|r| live.outcome(r).is_some());
        if !own_done || !others_done {
            return Ok(());
        }
        let statuses: Vec<JobStatus> =
            build.jobs.iter().filter_map(|r| live.jobs.get(r)).map(|j| j.row.status).collect();
        let status = if build.stopping {
            BuildStatus::Canceled
        } else if statuses.contains(&JobStatus::Failed) {
            BuildStatus::Failed
        } else if statuses.contains(&JobStatus::Canceled) {
            BuildStatus::Canceled
        } else {
            BuildStatus::Succeeded
        };
        let error = match status {
            BuildStatus::Failed => build
                .jobs
                .iter()
                .filter_map(|r| live.jobs.get(r))
                .find(|j| j.row.status == JobStatus::Failed)
                .map(|j| {
                    format!("job {} failed: {}", j.row.job_spec_name, j.row.error.as_deref().unwrap_or("unknown error"))
                }),
            BuildStatus::Canceled if build.stopping => build.stop_reason.clone(),
            _ => None,
        };
        let Some(mut build) = live.builds.remove(build_rid) else { return Ok(()) };
        for rid in &build.jobs {
            if let Some(job) = live.jobs.remove(rid) {
                live.finished
                    .insert(rid.clone(), Outcome { status: job.row.status, broken: job.broken, spec: job.spec });
            }
        }
        if live.builds.is_empty() {
            // Outcomes are kept only for live jobs that depend on them; none are left.
            live.finished.clear();
        }
        let now = now_ms();
        build.row.status = status;
        build.row.finished_ms = Some(now);
        build.row.error = error.clone();
        let rid = build.row.rid.clone();
        self.inner.store.call(move |c| builds::finish_build(c, &rid, status, error.as_deref(), now)).await?;
        self.publish(Event::Build(views::team_build(&self.inner.data, &build.row)));
        if !build.opts.suppress_notifications {
            self.notify_finished(&build.row).await?;
        }
        tracing::info!(build = %build.row.rid, team = %build.row.team, run_id = build.row.run_id, %status, "build finished");
        Ok(())
    }

    async fn notify_finished(&self, b: &BuildRow) -> Result<(), EngineError> {
        let state = b.team_state();
        let mut n = Notification {
            id: 0,
            build_rid: b.rid.clone(),
            team: b.team.clone(),
            run_id: b.run_id,
            state,
            time: ts_or_epoch(b.finished_ms.unwrap_or_else(now_ms)),
            message: format!("Build {} of team {} finished: {state}", b.run_id, b.team),
        };
        let row = n.clone();
        n.id = self.inner.store.call(move |c| notifications::insert(c, &row)).await?;
        self.publish(Event::Notification(n));
        Ok(())
    }
}
