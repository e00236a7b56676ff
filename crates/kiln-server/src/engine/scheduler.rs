//! Live scheduling state, and the passes that start, finish and cancel jobs.
//!
//! Lock discipline: [`Live`] sits behind a `std::sync::Mutex`, so nothing can be awaited
//! while it is held (a future holding its guard is not `Send`, and the runtime refuses it).
//! Each pass decides under the lock, queues the changes it decided on [`Changes`] before
//! letting go, and waits for them to be written, when it must, after letting go.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, MutexGuard};
use std::time::{Duration, Instant};

use kiln_api::build2::{BuildStatus, FailureStrategy, JobStatus};
use kiln_api::teams::Notification;
use kiln_api::{ErrorName, Rid};
use tokio::sync::watch;

use super::changes::{Change, Written, written};
use super::runner::JobContext;
use super::{BuildOptions, Engine, EngineError};
use crate::paths::DataDir;
use crate::store::builds::{BuildRow, JobRow};
use crate::store::{StoreError, now_ms, ts_or_epoch};
use crate::views;

/// How long a job whose start could not be recorded waits before it is tried again.
const START_RETRY: Duration = Duration::from_secs(1);

#[derive(Debug, Default)]
pub(crate) struct Live {
    pub builds: HashMap<Rid, LiveBuild>,
    pub jobs: HashMap<Rid, LiveJob>,
    /// Outcomes of jobs whose builds have finished, for builds that still wait on them.
    pub finished: HashMap<Rid, Outcome>,
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
    pub phase: BuildPhase,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum BuildPhase {
    /// Its submission is writing its rows: none of its jobs is started, stopped or ended yet.
    Submitting,
    Active,
    /// Stopped: its jobs are being canceled, and it ends CANCELED for this reason.
    Stopping {
        reason: String,
    },
}

#[derive(Debug)]
pub(crate) struct LiveJob {
    /// The job's stored row. Its `status` is not read here: `state` is the truth, and
    /// [`LiveJob::stored`] writes it into the row.
    pub row: JobRow,
    pub spec: usize,
    /// Submission order; older jobs get workers first.
    pub seq: u64,
    pub state: JobState,
}

/// Where a job is. Each state carries what only it has: the stop waiting to be applied to
/// a starting job, the channel that stops a running one, the end of a finished one. A job
/// holds a worker exactly while it is `Starting` or `Running`.
#[derive(Debug)]
pub(crate) enum JobState {
    /// Waits for its dependencies, the job it is queued behind, or a worker; not before
    /// `not_before` when its last start could not be recorded.
    Waiting {
        not_before: Option<Instant>,
    },
    /// Holds a worker while its RUNNING row is written; its runner starts once it is. `stop`
    /// is a cancel that came meanwhile.
    Starting {
        stop: Option<Stop>,
    },
    /// Holds a worker; its runner stops when told through `cancel`.
    Running {
        cancel: watch::Sender<Option<String>>,
    },
    Done(End),
}

/// A cancel that reached a job while its start was being written.
#[derive(Debug, Clone)]
pub(crate) struct Stop {
    reason: String,
    /// How the job ends if its start is not recorded (so it never ran).
    if_waiting: End,
}

/// How a job ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum End {
    /// It ran and committed its outputs.
    Succeeded,
    /// It did not need to run (up to date, or held back by its build policy): its existing
    /// outputs stand.
    NotNeeded,
    /// It did not run: an input was not built, or the build finished on a failure.
    Skipped,
    Failed,
    Canceled,
}

impl End {
    pub fn status(self) -> JobStatus {
        match self {
            End::Succeeded => JobStatus::Succeeded,
            End::NotNeeded | End::Skipped => JobStatus::DidNotRun,
            End::Failed => JobStatus::Failed,
            End::Canceled => JobStatus::Canceled,
        }
    }

    /// Whether the job's outputs are there for its consumers.
    pub fn outputs_stand(self) -> bool {
        matches!(self, End::Succeeded | End::NotNeeded)
    }
}

impl JobState {
    pub fn status(&self) -> JobStatus {
        match self {
            JobState::Waiting { .. } => JobStatus::Waiting,
            JobState::Starting { .. } | JobState::Running { .. } => JobStatus::Running,
            JobState::Done(end) => end.status(),
        }
    }

    pub fn is_active(&self) -> bool {
        !matches!(self, JobState::Done(_))
    }

    pub fn holds_worker(&self) -> bool {
        matches!(self, JobState::Starting { .. } | JobState::Running { .. })
    }
}

impl LiveJob {
    /// The row to store: the kept fields with the status of the current state.
    pub fn stored(&self) -> JobRow {
        JobRow { status: self.state.status(), ..self.row.clone() }
    }
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Outcome {
    pub end: End,
    pub spec: usize,
}

impl Live {
    /// A job's outcome, or `None` while it is still waiting or running.
    pub fn outcome(&self, rid: &Rid) -> Option<Outcome> {
        if let Some(j) = self.jobs.get(rid) {
            return match j.state {
                JobState::Done(end) => Some(Outcome { end, spec: j.spec }),
                _ => None,
            };
        }
        // A job from before a restart: it finished one way or another long ago.
        Some(self.finished.get(rid).copied().unwrap_or(Outcome { end: End::Succeeded, spec: usize::MAX }))
    }

    pub fn is_active(&self, rid: &Rid) -> bool {
        self.jobs.get(rid).is_some_and(|j| j.state.is_active())
    }

    /// Workers in use: there is no counter to get out of step with the jobs.
    pub fn busy_workers(&self) -> usize {
        self.jobs.values().filter(|j| j.state.holds_worker()).count()
    }

    /// The stored row of a job and the event that announces it.
    pub fn job_change(&self, rid: &Rid) -> Option<Change> {
        let job = self.jobs.get(rid)?;
        let build = self.builds.get(&job.row.build_rid)?;
        let row = job.stored();
        Some(Change::Job { event: Box::new(views::job_event(&build.row, &row)), row: Box::new(row) })
    }

    fn schedulable(&self, job: &LiveJob, now: Instant) -> bool {
        matches!(job.state, JobState::Waiting { not_before } if not_before.is_none_or(|t| t <= now))
            && self.builds.get(&job.row.build_rid).is_some_and(|b| b.phase != BuildPhase::Submitting)
    }
}

enum Decision {
    Wait,
    Start,
    Skip(String),
    Fail(String),
}

impl Engine {
    /// The live state. A pass that panicked while holding it left it as it was; the others
    /// carry on with that rather than stop every build.
    pub(super) fn live(&self) -> MutexGuard<'_, Live> {
        self.inner.live.lock().unwrap_or_else(|poisoned| {
            tracing::error!("a scheduler pass panicked while holding the lock; carrying on");
            self.inner.live.clear_poison();
            poisoned.into_inner()
        })
    }

    /// One scheduling pass: settles jobs whose inputs failed and starts ready jobs while
    /// workers are free. Each start becomes real once its RUNNING row is written.
    pub(super) async fn tick(&self) {
        let starts = self.schedule();
        for (rid, write) in starts {
            let result = written(write).await;
            self.commit_start(&rid, result);
        }
    }

    fn schedule(&self) -> Vec<(Rid, Written)> {
        let mut live = self.live();
        let now = Instant::now();
        let mut waiting: Vec<(u64, Rid)> =
            live.jobs.values().filter(|j| live.schedulable(j, now)).map(|j| (j.seq, j.row.rid.clone())).collect();
        waiting.sort();
        let mut busy = live.busy_workers();
        let mut changes = Vec::new();
        let mut starts = Vec::new();
        let mut touched = Vec::new();
        for (_, rid) in waiting {
            match self.decide(&live, &rid) {
                Decision::Wait => {}
                Decision::Start if busy < self.inner.workers => {
                    busy += 1;
                    // What was decided before goes on its own: a start that cannot be written
                    // must not take other changes down with it.
                    self.inner.changes.push(std::mem::take(&mut changes));
                    starts.push((rid.clone(), self.begin_start(&mut live, &rid)));
                }
                Decision::Start => {}
                Decision::Skip(reason) => {
                    end_job(&mut live, &mut changes, &rid, End::Skipped, Some(reason), None);
                    touched.push(rid);
                }
                Decision::Fail(reason) => {
                    end_job(&mut live, &mut changes, &rid, End::Failed, Some(reason.clone()), Some(reason));
                    after_failure(&mut live, &mut changes, &rid);
                    touched.push(rid);
                }
            }
        }
        if !touched.is_empty() {
            // A skipped or failed job may settle its dependents: look again.
            self.inner.wake.notify_one();
        }
        for rid in touched {
            if let Some(build) = live.jobs.get(&rid).map(|j| j.row.build_rid.clone()) {
                finish_build_if_done(&mut live, &mut changes, &self.inner.data, &build);
            }
        }
        self.inner.changes.push(changes);
        starts
    }

    fn decide(&self, live: &Live, rid: &Rid) -> Decision {
        let Some(job) = live.jobs.get(rid) else { return Decision::Wait };
        let Some(build) = live.builds.get(&job.row.build_rid) else { return Decision::Wait };
        let mut broken_deps = Vec::new();
        for dep in &job.row.depends_on {
            match live.outcome(dep) {
                None => return Decision::Wait,
                Some(o) if !o.end.outputs_stand() => broken_deps.push(o),
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
                let why =
                    format!("input {} was not built: job spec {} ended {}", ds.name, dep_spec.name, dep.end.status());
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

    /// Takes a worker for a job and queues its RUNNING row; the start is committed or rolled
    /// back by [`Engine::commit_start`] once the write is done.
    fn begin_start(&self, live: &mut Live, rid: &Rid) -> Written {
        if let Some(job) = live.jobs.get_mut(rid) {
            job.state = JobState::Starting { stop: None };
            job.row.started_ms = Some(now_ms());
        }
        self.inner.changes.push_acked(live.job_change(rid).into_iter().collect())
    }

    /// Finishes a start: with its row written the runner starts (or the job ends at once
    /// if it was canceled meanwhile); without, the job waits again and its worker is free.
    fn commit_start(&self, rid: &Rid, result: Result<(), StoreError>) {
        let mut live = self.live();
        let mut changes = Vec::new();
        let Some(job) = live.jobs.get_mut(rid) else { return };
        let JobState::Starting { stop } = &mut job.state else { return };
        let stop = stop.take();
        let build_rid = job.row.build_rid.clone();
        match (result, stop) {
            (Ok(()), None) => {
                let (tx, rx) = watch::channel(None);
                job.state = JobState::Running { cancel: tx };
                let spec = job.spec;
                let started = job.row.started_ms.unwrap_or_else(now_ms);
                let Some(build) = live.builds.get_mut(&build_rid) else { return };
                if build.row.started_ms.is_none() {
                    build.row.started_ms = Some(started);
                    changes.push(Change::BuildStarted {
                        rid: build_rid.clone(),
                        ms: started,
                        event: views::team_build(&self.inner.data, &build.row),
                    });
                }
                let ctx = JobContext {
                    job: rid.clone(),
                    spec,
                    build_rid,
                    team: build.row.team.clone(),
                    run_id: build.row.run_id,
                    opts: build.opts.clone(),
                    log_dir: self.inner.data.build_dir(&build.row.team, build.row.run_id, false),
                    cancel: rx,
                };
                let engine = self.clone();
                self.spawn_supervised(rid.clone(), async move { engine.run_job(ctx).await });
            }
            (Ok(()), Some(stop)) => {
                // Recorded as running, so it ends the way a killed running job does.
                end_job(&mut live, &mut changes, rid, End::Canceled, Some(stop.reason), None);
                finish_build_if_done(&mut live, &mut changes, &self.inner.data, &build_rid);
            }
            (Err(e), stop) => {
                tracing::error!(job = %rid, error = %e, "could not record the start of a job; it waits again");
                job.row.started_ms = None;
                job.state = JobState::Waiting { not_before: Some(Instant::now() + START_RETRY) };
                if let Some(stop) = stop {
                    end_job(&mut live, &mut changes, rid, stop.if_waiting, Some(stop.reason), None);
                    finish_build_if_done(&mut live, &mut changes, &self.inner.data, &build_rid);
                } else {
                    let engine = self.clone();
                    tokio::spawn(async move {
                        tokio::time::sleep(START_RETRY).await;
                        engine.inner.wake.notify_one();
                    });
                }
                // The freed worker may go to another job at once.
                self.inner.wake.notify_one();
            }
        }
        self.inner.changes.push(changes);
    }

    /// Runs a job's runner and watches it: a runner that panics (or is dropped) instead of
    /// reporting an end leaves its job FAILED with the reason, and its worker free.
    pub(super) fn spawn_supervised(&self, job: Rid, runner: impl Future<Output = ()> + Send + 'static) {
        let handle = tokio::spawn(runner);
        let engine = self.clone();
        tokio::spawn(async move {
            let Err(e) = handle.await else { return };
            let why = if e.is_panic() { panic_message(e.into_panic()) } else { "it was cancelled".to_owned() };
            tracing::error!(job = %job, why, "a job's runner died before reporting the job's end");
            let reason = format!("the job's runner died: {why}");
            if let Err(e) = engine.job_finished(&job, JobStatus::Failed, Some(reason.clone()), Some(reason)).await {
                tracing::error!(job = %job, error = %e, "could not record the end of a job whose runner died");
            }
        });
    }

    /// Changes a live job's row (not its state) and waits until it is written.
    pub(super) async fn update_job(&self, rid: &Rid, f: impl FnOnce(&mut JobRow)) -> Result<(), EngineError> {
        let write = {
            let mut live = self.live();
            let Some(job) = live.jobs.get_mut(rid) else { return Ok(()) };
            f(&mut job.row);
            self.inner.changes.push_acked(live.job_change(rid).into_iter().collect())
        };
        Ok(written(write).await?)
    }

    /// Called by a job's runner (or its supervisor) when the job has ended.
    pub(super) async fn job_finished(
        &self,
        rid: &Rid,
        status: JobStatus,
        reason: Option<String>,
        error: Option<String>,
    ) -> Result<(), EngineError> {
        let end = match status {
            JobStatus::Succeeded => End::Succeeded,
            JobStatus::Canceled => End::Canceled,
            JobStatus::DidNotRun => End::Skipped,
            JobStatus::Failed | JobStatus::Waiting | JobStatus::Running => End::Failed,
        };
        let write = {
            let mut live = self.live();
            let mut changes = Vec::new();
            end_job(&mut live, &mut changes, rid, end, reason, error);
            if end == End::Failed {
                after_failure(&mut live, &mut changes, rid);
            }
            if let Some(build) = live.jobs.get(rid).map(|j| j.row.build_rid.clone()) {
                finish_build_if_done(&mut live, &mut changes, &self.inner.data, &build);
            }
            // Builds of other groups may wait on this job through their dependencies.
            let others: Vec<Rid> = live.builds.keys().cloned().collect();
            for b in others {
                finish_build_if_done(&mut live, &mut changes, &self.inner.data, &b);
            }
            self.inner.changes.push_acked(changes)
        };
        self.inner.wake.notify_one();
        Ok(written(write).await?)
    }

    /// Stops a running build: kills its running jobs and cancels the waiting ones.
    pub async fn stop(&self, build_rid: &Rid) -> Result<(), EngineError> {
        self.stop_because(build_rid, "stopped by a user").await
    }

    async fn stop_because(&self, build_rid: &Rid, reason: &str) -> Result<(), EngineError> {
        let write = {
            let mut live = self.live();
            let Some(build) = live.builds.get_mut(build_rid).filter(|b| b.phase != BuildPhase::Submitting) else {
                return Err(EngineError::conflict(ErrorName::BuildNotRunning, "the build is not running"));
            };
            build.phase = BuildPhase::Stopping { reason: reason.to_owned() };
            let jobs = build.jobs.clone();
            let mut changes = Vec::new();
            for rid in jobs {
                cancel_job(&mut live, &mut changes, &rid, reason.to_owned(), End::Canceled);
            }
            finish_build_if_done(&mut live, &mut changes, &self.inner.data, build_rid);
            self.inner.changes.push_acked(changes)
        };
        self.inner.wake.notify_one();
        Ok(written(write).await?)
    }

    /// Stops every live build; used at shutdown. Returns once no job holds a worker, or
    /// after `grace`.
    pub async fn stop_all(&self, grace: Duration) {
        let builds: Vec<Rid> = {
            let live = self.live();
            live.builds.iter().filter(|(_, b)| b.phase != BuildPhase::Submitting).map(|(rid, _)| rid.clone()).collect()
        };
        for b in builds {
            if let Err(e) = self.stop_because(&b, "the server shut down").await {
                tracing::warn!(build = %b, error = %e, "could not stop build at shutdown");
            }
        }
        let deadline = tokio::time::Instant::now() + grace;
        while tokio::time::Instant::now() < deadline {
            let busy = self.live().busy_workers();
            if busy == 0 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// Ends a job without cascading; a job that already ended keeps its end.
pub(super) fn end_job(
    live: &mut Live,
    changes: &mut Vec<Change>,
    rid: &Rid,
    end: End,
    reason: Option<String>,
    error: Option<String>,
) {
    let Some(job) = live.jobs.get_mut(rid) else { return };
    if !job.state.is_active() {
        return;
    }
    job.state = JobState::Done(end);
    // A job that ran keeps the reason it ran for unless its end has a reason of its own.
    if reason.is_some() {
        job.row.reason = reason;
    }
    job.row.error = error;
    job.row.finished_ms = Some(now_ms());
    changes.extend(live.job_change(rid));
}

/// finishOnFailures: a job failed for good, so the rest of its build stops.
fn after_failure(live: &mut Live, changes: &mut Vec<Change>, failed: &Rid) {
    let Some(job) = live.jobs.get(failed) else { return };
    let reason = format!("finishOnFailures: the build finished after job {} failed", job.row.job_spec_name);
    let Some(build) = live.builds.get(&job.row.build_rid) else { return };
    if !build.opts.finish_on_failures {
        return;
    }
    let others: Vec<Rid> = build.jobs.iter().filter(|r| *r != failed).cloned().collect();
    for rid in others {
        cancel_job(live, changes, &rid, reason.clone(), End::Skipped);
    }
}

/// Cancels a job: a running one is told to stop (its runner reports CANCELED), a waiting
/// one ends at once as `if_waiting`, a starting one when its start is settled.
pub(super) fn cancel_job(live: &mut Live, changes: &mut Vec<Change>, rid: &Rid, reason: String, if_waiting: End) {
    let Some(job) = live.jobs.get_mut(rid) else { return };
    match &mut job.state {
        JobState::Waiting { .. } => {}
        JobState::Starting { stop } => {
            stop.get_or_insert(Stop { reason, if_waiting });
            return;
        }
        JobState::Running { cancel } => {
            cancel.send_replace(Some(reason));
            return;
        }
        JobState::Done(_) => return,
    }
    end_job(live, changes, rid, if_waiting, Some(reason), None);
}

/// Finishes a build whose jobs have all ended: its status, a notification, and the
/// hand-over of its jobs' outcomes to builds that still wait on them.
pub(super) fn finish_build_if_done(live: &mut Live, changes: &mut Vec<Change>, data: &DataDir, build_rid: &Rid) {
    let Some(build) = live.builds.get(build_rid) else { return };
    let stop_reason = match &build.phase {
        BuildPhase::Submitting => return,
        BuildPhase::Active => None,
        BuildPhase::Stopping { reason } => Some(reason.clone()),
    };
    let own_done = build.jobs.iter().all(|r| !live.is_active(r));
    // A stopped build does not wait for jobs it shares with other builds.
    let others_done = stop_reason.is_some() || build.waits_on.iter().all(|r| live.outcome(r).is_some());
    if !own_done || !others_done {
        return;
    }
    let ended: Vec<(End, &JobRow)> = build
        .jobs
        .iter()
        .filter_map(|r| live.jobs.get(r))
        .filter_map(|j| match j.state {
            JobState::Done(end) => Some((end, &j.row)),
            _ => None,
        })
        .collect();
    let first_failed = ended.iter().find(|(end, _)| *end == End::Failed).map(|(_, row)| *row);
    let status = if stop_reason.is_some() {
        BuildStatus::Canceled
    } else if first_failed.is_some() {
        BuildStatus::Failed
    } else if ended.iter().any(|(end, _)| *end == End::Canceled) {
        BuildStatus::Canceled
    } else {
        BuildStatus::Succeeded
    };
    let error = match status {
        BuildStatus::Failed => first_failed
            .map(|j| format!("job {} failed: {}", j.job_spec_name, j.error.as_deref().unwrap_or("unknown error"))),
        BuildStatus::Canceled => stop_reason,
        _ => None,
    };
    let Some(mut build) = live.builds.remove(build_rid) else { return };
    for rid in &build.jobs {
        if let Some(job) = live.jobs.remove(rid)
            && let JobState::Done(end) = job.state
        {
            live.finished.insert(rid.clone(), Outcome { end, spec: job.spec });
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
    changes.push(Change::BuildFinished {
        rid: build.row.rid.clone(),
        status,
        error,
        ms: now,
        event: views::team_build(data, &build.row),
    });
    if !build.opts.suppress_notifications {
        changes.push(Change::Notification(notification(&build.row)));
    }
    tracing::info!(build = %build.row.rid, team = %build.row.team, run_id = build.row.run_id, %status, "build finished");
}

fn notification(b: &BuildRow) -> Notification {
    let state = b.team_state();
    Notification {
        id: 0,
        build_rid: b.rid.clone(),
        team: b.team.clone(),
        run_id: b.run_id,
        state,
        time: ts_or_epoch(b.finished_ms.unwrap_or_else(now_ms)),
        message: format!("Build {} of team {} finished: {state}", b.run_id, b.team),
    }
}

fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    match payload.downcast::<String>() {
        Ok(s) => *s,
        Err(payload) => match payload.downcast::<&'static str>() {
            Ok(s) => (*s).to_owned(),
            Err(_) => "a panic without a message".to_owned(),
        },
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use kiln_api::TeamName;
    use kiln_api::build2::{BuildStatus, JobStatus, SubmitBuildRequest};
    use kiln_api::teams::{Event, TeamBuildState};
    use tokio::sync::watch;

    use super::JobState;
    use crate::engine::Engine;
    use crate::events::EventBus;
    use crate::paths::DataDir;
    use crate::pipeline::{Pipeline, job_spec_rid};
    use crate::store::{Store, builds};

    /// An engine over a one-job pipeline whose scheduler loop is not started, so that the
    /// test moves the job itself.
    fn engine(dir: &std::path::Path) -> Engine {
        let pipeline = dir.join("pipeline.toml");
        std::fs::write(&pipeline, "[[job_specs]]\nname = \"j\"\noutputs = [\"out\"]\ncommand = \"true\"\n")
            .expect("write the pipeline");
        let pipeline = Arc::new(Pipeline::load(&pipeline).expect("a valid pipeline"));
        let data = DataDir::new(dir.join("data"));
        std::fs::create_dir_all(dir.join("data")).expect("data dir");
        let store = Store::open(&data.database()).expect("open the store");
        let executor = crate::engine::executor::Executor::local().expect("the local executor");
        Engine::new(store, pipeline, data, EventBus::default(), 1, executor)
    }

    fn request() -> SubmitBuildRequest {
        serde_json::from_value(serde_json::json!({
            "jobSpecSelections": [{"type": "jobSpecs", "jobSpecs": {"jobSpecRids": [job_spec_rid("j")], "isRequired": true}}]
        }))
        .expect("a submit request")
    }

    #[tokio::test]
    async fn a_runner_that_panics_ends_its_job_failed_and_frees_its_worker() {
        let dir = tempfile::tempdir().expect("temp dir");
        let engine = engine(dir.path());
        let mut events = engine.events().subscribe();
        let team = TeamName::parse("t").expect("a team");
        let r = engine.submit("tester", &team, request()).await.expect("submitted");
        let job = r.jobs_created.values().next().expect("a job").clone();
        {
            // As its start would leave it: holding the only worker, its runner going.
            let mut live = engine.live();
            let j = live.jobs.get_mut(&job).expect("the live job");
            j.state = JobState::Running { cancel: watch::channel(None).0 };
            assert_eq!(live.busy_workers(), 1);
        }
        engine.spawn_supervised(job.clone(), async { panic!("boom in the runner") });

        let deadline = std::time::Duration::from_secs(10);
        let finished = tokio::time::timeout(deadline, async {
            loop {
                match events.recv().await {
                    Ok(Event::Build(b)) if b.status.state == TeamBuildState::Failed => return b,
                    Ok(_) => {}
                    Err(e) => panic!("event stream ended: {e}"),
                }
            }
        })
        .await
        .expect("the build fails in time");
        assert_eq!(finished.build_rid, r.build_rid);
        assert_eq!(engine.live().busy_workers(), 0, "the worker is free again");

        let (build, row) = engine
            .store()
            .call(move |c| Ok((builds::get_build(c, &r.build_rid)?, builds::get_job(c, &job)?)))
            .await
            .expect("read back");
        let row = row.expect("the job row");
        assert_eq!(row.status, JobStatus::Failed);
        let error = row.error.unwrap_or_default();
        assert!(error.contains("runner died") && error.contains("boom in the runner"), "{error}");
        assert_eq!(build.expect("the build row").status, BuildStatus::Failed);
    }

    #[tokio::test]
    async fn a_stop_does_not_wait_for_a_submission_that_is_importing() {
        let dir = tempfile::tempdir().expect("temp dir");
        let engine = engine(dir.path());
        let team = TeamName::parse("t").expect("a team");
        let r = engine.submit("tester", &team, request()).await.expect("submitted");
        // What a submission holds while it hashes and copies large source folders.
        let _importing = engine.inner.submit_lock.lock().await;
        let stop = tokio::time::timeout(std::time::Duration::from_secs(10), engine.stop(&r.build_rid)).await;
        stop.expect("the stop did not wait for the submission").expect("stopped");
        let rid = r.build_rid.clone();
        let build = engine.store().call(move |c| builds::get_build(c, &rid)).await.expect("read back");
        assert_eq!(build.expect("the build row").status, BuildStatus::Canceled);
    }
}
