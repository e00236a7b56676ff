//! Running one job: resolving its inputs, its attempts with retries, backoff and
//! timeouts, and committing its outputs as transactions.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use kiln_api::build2::{ExceededDurationMode, JobInput, JobOutput, JobStatus};
use kiln_api::{Rid, TeamName};
use tokio::sync::watch;

use super::executor::{AttemptExit, AttemptSpec, Resources, Running, StartFailure};
use super::{BuildOptions, Engine, EngineError};
use crate::store::builds::{self, AttemptRow};
use crate::store::transactions::{self, TransactionRow};
use crate::store::{StoreError, now_ms};

/// The exit code a command uses to ask for a retry (EX_TEMPFAIL).
pub const RETRY_EXIT_CODE: i32 = 75;

#[derive(Debug)]
pub(crate) struct JobContext {
    pub job: Rid,
    pub spec: usize,
    pub build_rid: Rid,
    pub team: TeamName,
    pub run_id: u64,
    pub opts: Arc<BuildOptions>,
    pub log_dir: PathBuf,
    pub cancel: watch::Receiver<Option<String>>,
}

/// How one attempt ended.
#[derive(Debug)]
enum AttemptOutcome {
    Succeeded,
    Failed { exit_code: Option<i32>, signal: Option<i32>, error: String, retryable: bool },
    Canceled { signal: Option<i32>, reason: String },
}

fn signal_of(exit: &AttemptExit) -> Option<i32> {
    match exit {
        AttemptExit::Signal(s) => Some(*s),
        _ => None,
    }
}

/// Waits until someone asks the job to stop, and says why.
async fn cancelled(rx: &mut watch::Receiver<Option<String>>) -> String {
    loop {
        if let Some(reason) = rx.borrow_and_update().clone() {
            return reason;
        }
        if rx.changed().await.is_err() {
            // Nobody can cancel any more; wait forever.
            std::future::pending::<()>().await;
        }
    }
}

impl Engine {
    pub(super) async fn run_job(&self, mut ctx: JobContext) {
        let (status, reason, error) = match self.run_attempts(&mut ctx).await {
            Ok(end) => end,
            Err(e) => {
                tracing::error!(job = %ctx.job, error = %e, "job could not be run");
                let msg = "internal error while running the job (see the server log)".to_owned();
                (JobStatus::Failed, Some(msg.clone()), Some(msg))
            }
        };
        let staging = self.inner.data.staging_root(&ctx.job);
        if let Err(e) = tokio::fs::remove_dir_all(&staging).await
            && e.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!(dir = %staging.display(), error = %e, "could not clean staging folder");
        }
        if let Err(e) = self.job_finished(&ctx.job, status, reason, error).await {
            tracing::error!(job = %ctx.job, error = %e, "could not record the end of a job");
        }
    }

    /// Returns the job's final status, reason and error.
    async fn run_attempts(
        &self,
        ctx: &mut JobContext,
    ) -> Result<(JobStatus, Option<String>, Option<String>), EngineError> {
        let inputs = match self.resolve_inputs(ctx).await? {
            Ok(inputs) => inputs,
            Err(message) => return Ok((JobStatus::Failed, Some(message.clone()), Some(message))),
        };
        let resolved = inputs.clone();
        self.update_job(&ctx.job, move |row| row.inputs = resolved).await?;
        let mut attempt = 0;
        loop {
            attempt += 1;
            if attempt > 1 && !ctx.opts.backoff.is_zero() {
                tokio::select! {
                    () = tokio::time::sleep(ctx.opts.backoff) => {}
                    reason = cancelled(&mut ctx.cancel) => return Ok((JobStatus::Canceled, Some(reason), None)),
                }
            }
            let started = now_ms();
            let mut row = AttemptRow {
                job_rid: ctx.job.clone(),
                number: attempt,
                started_ms: started,
                finished_ms: None,
                exit_code: None,
                signal: None,
                error: None,
                retryable: false,
                placement: None,
            };
            let insert = row.clone();
            self.inner.store.call(move |c| builds::upsert_attempt(c, &insert)).await?;
            self.update_job(&ctx.job, |job| job.attempt_count = attempt).await?;

            let outcome = self.run_attempt(ctx, attempt, &inputs).await?;
            row.finished_ms = Some(now_ms());
            let end = match outcome {
                AttemptOutcome::Succeeded => {
                    row.exit_code = Some(0);
                    None
                }
                AttemptOutcome::Failed { exit_code, signal, error, retryable } => {
                    row.exit_code = exit_code;
                    row.signal = signal;
                    row.error = Some(error.clone());
                    row.retryable = retryable || ctx.opts.force_retry;
                    if row.retryable && attempt < ctx.opts.max_attempts {
                        Some(None)
                    } else {
                        Some(Some((JobStatus::Failed, Some(error.clone()), Some(error))))
                    }
                }
                AttemptOutcome::Canceled { signal, reason } => {
                    row.signal = signal;
                    row.error = Some(reason.clone());
                    Some(Some((JobStatus::Canceled, Some(reason), None)))
                }
            };
            let finished = row.clone();
            self.inner.store.call(move |c| builds::upsert_attempt(c, &finished)).await?;
            match end {
                None => return self.commit_outputs(ctx, attempt, &inputs).await,
                Some(Some(final_state)) => return Ok(final_state),
                Some(None) => tracing::info!(job = %ctx.job, attempt, "retryable failure; trying again"),
            }
        }
    }

    /// Each input's transaction on the build's branch or, failing that, on each fallback.
    async fn resolve_inputs(&self, ctx: &JobContext) -> Result<Result<Vec<JobInput>, String>, EngineError> {
        let pipeline = self.inner.pipeline.clone();
        let spec_inputs: Vec<(String, Rid)> = pipeline.job_specs[ctx.spec]
            .inputs
            .iter()
            .map(|&d| (pipeline.datasets[d].name.clone(), pipeline.datasets[d].rid.clone()))
            .collect();
        let branches = ctx.opts.search_branches.clone();
        self.inner
            .store
            .call(move |c| {
                let mut out = Vec::new();
                for (name, rid) in spec_inputs {
                    let found = branches.iter().find_map(|b| transactions::latest(c, &rid, b).transpose());
                    match found.transpose()? {
                        Some(t) => out.push(JobInput {
                            dataset_rid: rid,
                            branch: Some(t.branch),
                            transaction_rid: Some(t.rid),
                        }),
                        None => {
                            return Ok(Err(format!(
                                "input {name} has no transaction on branch {}",
                                branches.join(" or ")
                            )));
                        }
                    }
                }
                Ok(Ok(out))
            })
            .await
            .map_err(EngineError::from)
    }

    async fn run_attempt(
        &self,
        ctx: &mut JobContext,
        attempt: u32,
        inputs: &[JobInput],
    ) -> Result<AttemptOutcome, EngineError> {
        let pipeline = self.inner.pipeline.clone();
        let spec = &pipeline.job_specs[ctx.spec];
        let data = &self.inner.data;
        let staging = data.staging(&ctx.job, attempt);
        let mut env = vec![
            ("KILN_BUILD_PARAMETERS".to_owned(), ctx.opts.parameters_json.clone()),
            ("KILN_BRANCH".to_owned(), ctx.opts.branch.clone()),
            ("KILN_ATTEMPT".to_owned(), attempt.to_string()),
            ("KILN_BUILD_RID".to_owned(), ctx.build_rid.to_string()),
            ("KILN_JOB_RID".to_owned(), ctx.job.to_string()),
            ("KILN_TEAM".to_owned(), ctx.team.to_string()),
            ("KILN_RUN_ID".to_owned(), ctx.run_id.to_string()),
        ];
        for (i, input) in inputs.iter().enumerate() {
            let (Some(branch), Some(txn)) = (&input.branch, &input.transaction_rid) else { continue };
            let dir = data.transaction_dir(&input.dataset_rid, branch, txn);
            env.push((format!("KILN_INPUT_{i}"), dir.display().to_string()));
        }
        for i in 0..spec.outputs.len() {
            let dir = staging.join(format!("out-{i}"));
            tokio::fs::create_dir_all(&dir).await?;
            env.push((format!("KILN_OUTPUT_{i}"), dir.display().to_string()));
        }
        tokio::fs::create_dir_all(&ctx.log_dir).await?;
        let attempt_spec = AttemptSpec {
            job: ctx.job.clone(),
            attempt,
            command: spec.command.clone(),
            dir: spec.dir.clone(),
            env,
            log: ctx.log_dir.join(format!("{}.attempt-{attempt}.log", spec.name)),
            resources: Resources { num_cpus: spec.num_cpus, memory: spec.memory },
        };
        let mut running = match self.inner.executor.start(&attempt_spec).await {
            Ok(running) => running,
            Err(StartFailure { message, retryable }) => {
                return Ok(AttemptOutcome::Failed { exit_code: None, signal: None, error: message, retryable });
            }
        };
        // Recorded before anything else is awaited: a restart finds the attempt by it.
        self.record_placement(&ctx.job, attempt, &running).await?;
        let timeout = spec.timeout_seconds.map(Duration::from_secs);
        let expired = async {
            match timeout {
                Some(t) => tokio::time::sleep(t).await,
                None => std::future::pending().await,
            }
        };
        let outcome = tokio::select! {
            exit = running.wait() => match exit? {
                AttemptExit::Code(0) => AttemptOutcome::Succeeded,
                AttemptExit::Code(code) => AttemptOutcome::Failed {
                    exit_code: Some(code),
                    signal: None,
                    error: if code == RETRY_EXIT_CODE {
                        format!("exited with code {code} (retryable)")
                    } else {
                        format!("exited with code {code}")
                    },
                    retryable: code == RETRY_EXIT_CODE,
                },
                AttemptExit::Signal(signal) => AttemptOutcome::Failed {
                    exit_code: None,
                    signal: Some(signal),
                    error: format!("killed by signal {signal} that Kiln did not send"),
                    retryable: true,
                },
                AttemptExit::Lost(why) => AttemptOutcome::Failed {
                    exit_code: None,
                    signal: None,
                    error: format!("{why} (retryable)"),
                    retryable: true,
                },
            },
            reason = cancelled(&mut ctx.cancel) => {
                let exit = running.kill().await?;
                AttemptOutcome::Canceled { signal: signal_of(&exit), reason }
            }
            () = expired => {
                let exit = running.kill().await?;
                let seconds = timeout.map_or(0, |t| t.as_secs());
                match ctx.opts.exceeded_duration_mode {
                    ExceededDurationMode::Cancel => AttemptOutcome::Canceled {
                        signal: signal_of(&exit),
                        reason: format!("exceeded its timeout of {seconds} s (exceededDurationMode CANCEL)"),
                    },
                    ExceededDurationMode::Retry => AttemptOutcome::Failed {
                        exit_code: None,
                        signal: signal_of(&exit),
                        error: format!("exceeded its timeout of {seconds} s (exceededDurationMode RETRY)"),
                        retryable: true,
                    },
                }
            }
        };
        // Ray tells the node only once the job runs: record what we know now.
        self.record_placement(&ctx.job, attempt, &running).await?;
        Ok(outcome)
    }

    /// Where an attempt runs, and for a local one its process group, in the store.
    async fn record_placement(&self, job: &Rid, attempt: u32, running: &Running) -> Result<(), EngineError> {
        let job = job.clone();
        let placement = running.placement();
        let mark = running.mark();
        self.inner.store.call(move |c| builds::set_attempt_placement(c, &job, attempt, &placement, mark)).await?;
        Ok(())
    }

    /// Moves each output folder into a new transaction on the build's branch.
    async fn commit_outputs(
        &self,
        ctx: &JobContext,
        attempt: u32,
        inputs: &[JobInput],
    ) -> Result<(JobStatus, Option<String>, Option<String>), EngineError> {
        let outputs = commit_staged(&self.inner, ctx.spec, &ctx.job, attempt, &ctx.opts.branch, inputs).await?;
        self.update_job(&ctx.job, move |row| row.outputs = outputs).await?;
        Ok((JobStatus::Succeeded, None, None))
    }
}

/// Moves each staged output folder of an attempt into a new transaction on `branch` and
/// records the transactions; shared by the runner and the restart's recovery of a Ray job
/// that succeeded while the server was down.
pub(super) async fn commit_staged(
    inner: &super::Inner,
    spec_index: usize,
    job: &Rid,
    attempt: u32,
    branch: &str,
    inputs: &[JobInput],
) -> Result<Vec<JobOutput>, EngineError> {
    let spec = &inner.pipeline.job_specs[spec_index];
    let staging = inner.data.staging(job, attempt);
    let read: BTreeMap<Rid, Rid> =
        inputs.iter().filter_map(|i| i.transaction_rid.clone().map(|t| (i.dataset_rid.clone(), t))).collect();
    let mut rows = Vec::new();
    let mut outputs = Vec::new();
    for (i, &d) in spec.outputs.iter().enumerate() {
        let ds = &inner.pipeline.datasets[d];
        let txn = crate::ids::new_rid(crate::ids::RidKind::Transaction);
        let target = inner.data.transaction_dir(&ds.rid, branch, &txn);
        if let Some(parent) = target.parent() {
            tokio::fs::create_dir_all(parent).await?;
        }
        tokio::fs::rename(staging.join(format!("out-{i}")), &target).await?;
        outputs.push(JobOutput { dataset_rid: ds.rid.clone(), transaction_rid: Some(txn.clone()) });
        rows.push(TransactionRow {
            seq: 0,
            rid: txn,
            dataset_rid: ds.rid.clone(),
            branch: branch.to_owned(),
            created_ms: now_ms(),
            job_rid: Some(job.clone()),
            definition_hash: Some(spec.definition_hash.clone()),
            inputs: read.clone(),
            source_hash: None,
        });
    }
    inner
        .store
        .call(move |c| {
            let tx = c.transaction().map_err(StoreError::from)?;
            for row in &rows {
                transactions::insert(&tx, row)?;
            }
            tx.commit().map_err(StoreError::from)
        })
        .await?;
    Ok(outputs)
}
