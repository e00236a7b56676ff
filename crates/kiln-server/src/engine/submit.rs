//! Submission and preview of builds. Both resolve selections and decide staleness with
//! the same functions, so a preview shows exactly what a submission would run.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use kiln_api::build2::{JobInput, JobOutput, JobStatus, OutputQueueStrategy, SubmitBuildRequest, SubmitBuildResponse};
use kiln_api::teams::{Event, PreviewJob, PreviewResponse};
use kiln_api::{ErrorName, Rid, TeamName};

use super::changes::{Change, written};
use super::scheduler::{BuildPhase, End, JobState, Live, LiveBuild, LiveJob, cancel_job, finish_build_if_done};
use super::{BuildOptions, Engine, EngineError};
use crate::ids::{RidKind, new_rid};
use crate::lineage;
use crate::staleness::{self, Plan, Snapshot};
use crate::store::builds::{self, BuildRow, JobRow};
use crate::store::{now_ms, transactions};
use crate::views;

const SELECTION_ERROR: ErrorName = ErrorName::InvalidJobSpecSelection;

/// How a new build's jobs relate to the live ones, decided under the scheduler's lock.
#[derive(Debug, Default)]
struct Relation {
    rows: Vec<JobRow>,
    jobs_created: BTreeMap<Rid, Rid>,
    jobs_in_other_builds: BTreeMap<Rid, Rid>,
    /// Live jobs of other builds of the group that this build shares.
    waits_on: Vec<Rid>,
    /// Live jobs this build supersedes (outputQueueStrategy SUPERSEDE).
    to_supersede: Vec<Rid>,
}

impl Engine {
    async fn plan_for(&self, req: &SubmitBuildRequest, pending: &HashSet<usize>) -> Result<Plan, EngineError> {
        let pipeline = self.inner.pipeline.clone();
        let selected = lineage::resolve(&pipeline, &req.job_spec_selections)
            .map_err(|e| EngineError::invalid(SELECTION_ERROR, e.field, e.message))?;
        let snapshot = Snapshot::new(self.inner.store.read(transactions::latest_all).await?);
        Ok(staleness::plan(&pipeline, &selected, req, &snapshot, pending))
    }

    async fn check_group(&self, req: &SubmitBuildRequest) -> Result<(), EngineError> {
        if let Some(group) = req.build_group_rid.clone() {
            let known = self.inner.store.read(move |c| builds::group_exists(c, &group)).await?;
            if !known {
                return Err(EngineError::invalid(
                    ErrorName::BuildGroupNotFound,
                    "buildGroupRid",
                    "no build group with this RID exists; leave it empty to start a new group",
                ));
            }
        }
        Ok(())
    }

    /// What a submission of `req` would run, without running or importing anything.
    pub async fn preview(&self, req: &SubmitBuildRequest) -> Result<PreviewResponse, EngineError> {
        BuildOptions::from_request(&self.inner.pipeline, req)?;
        self.check_group(req).await?;
        let pending = self.pending_sources().await?;
        let plan = self.plan_for(req, &pending).await?;
        let pipeline = &self.inner.pipeline;
        Ok(PreviewResponse {
            jobs: plan
                .jobs
                .iter()
                .map(|j| PreviewJob {
                    job_spec_rid: pipeline.job_specs[j.spec].rid.clone(),
                    name: pipeline.job_specs[j.spec].name.clone(),
                    will_run: j.will_run,
                    reason: Some(j.reason.clone()),
                    selected_by: j.selected_by.iter().copied().collect(),
                })
                .collect(),
            ignored_datasets: plan.ignored_datasets,
        })
    }

    /// Submits a build for `team`.
    pub async fn submit(
        &self,
        user: &str,
        team: &TeamName,
        req: SubmitBuildRequest,
    ) -> Result<SubmitBuildResponse, EngineError> {
        let opts = Arc::new(BuildOptions::from_request(&self.inner.pipeline, &req)?);
        self.check_group(&req).await?;
        // One submission at a time from here on: idempotency and queueing decisions need a
        // stable set of builds. Imports and the insert happen under this lock, not under the
        // scheduler's, so job ends and stops go on meanwhile.
        let _one_at_a_time = self.inner.submit_lock.lock().await;
        if let Some(id) = req.submission_id.clone() {
            let lookup = id.clone();
            if let Some(first) = self.inner.store.read(move |c| builds::submission(c, &lookup)).await? {
                return self.existing_submission(&first).await;
            }
        }
        self.import_sources().await?;
        let plan = self.plan_for(&req, &HashSet::new()).await?;

        let build_rid = new_rid(RidKind::Build);
        let group_rid = req.build_group_rid.clone().unwrap_or_else(|| new_rid(RidKind::BuildGroup));
        let now = now_ms();
        let mut build = BuildRow {
            seq: 0,
            rid: build_rid.clone(),
            group_rid: group_rid.clone(),
            team: team.clone(),
            run_id: 0,
            status: kiln_api::build2::BuildStatus::Running,
            branch: opts.branch.clone(),
            fallbacks: req.fallback_branches().to_vec(),
            created_by: user.to_owned(),
            created_ms: now,
            started_ms: None,
            finished_ms: None,
            request: req.clone(),
            tags: Vec::new(),
            archived: false,
            error: None,
        };

        // Decide how this build's jobs relate to the live ones, and hold its place (as
        // `Submitting`, so nothing of it is scheduled before its rows are stored).
        let relation = {
            let mut live = self.live();
            let relation = self.relate(&live, &plan, &opts, &build_rid, &group_rid, now);
            let mut own = Vec::new();
            for row in &relation.rows {
                live.next_seq += 1;
                let seq = live.next_seq;
                own.push(row.rid.clone());
                let spec = self.inner.pipeline.job_spec_index(&row.job_spec_rid).unwrap_or_default();
                let state = if row.status == JobStatus::Waiting {
                    JobState::Waiting { not_before: None }
                } else {
                    JobState::Done(End::NotNeeded)
                };
                live.jobs.insert(row.rid.clone(), LiveJob { row: row.clone(), spec, seq, state });
            }
            let waits_on = relation.waits_on.clone();
            live.builds.insert(
                build_rid.clone(),
                LiveBuild { row: build.clone(), opts, jobs: own, waits_on, phase: BuildPhase::Submitting },
            );
            relation
        };

        let insert_build = build.clone();
        let insert_rows = relation.rows.clone();
        let submission = req.submission_id.clone();
        let stored = self
            .inner
            .store
            .call(move |c| {
                let tx = c.transaction().map_err(crate::store::StoreError::from)?;
                let mut b = insert_build;
                b.run_id = builds::next_run_id(&tx, &b.team)?;
                let seq = builds::insert_build(&tx, &b)?;
                for row in &insert_rows {
                    builds::insert_job(&tx, row)?;
                }
                if let Some(id) = submission {
                    builds::insert_submission(&tx, &id, &b.rid)?;
                }
                tx.commit().map_err(crate::store::StoreError::from)?;
                Ok((seq, b.run_id))
            })
            .await;
        let (seq, run_id) = match stored {
            Ok(ids) => ids,
            Err(e) => {
                let mut live = self.live();
                if let Some(b) = live.builds.remove(&build_rid) {
                    for rid in b.jobs {
                        live.jobs.remove(&rid);
                    }
                }
                return Err(e.into());
            }
        };
        build.seq = seq;
        build.run_id = run_id;
        // The runner makes the folder too; this one is for builds where nothing runs.
        if let Err(e) = tokio::fs::create_dir_all(self.inner.data.build_dir(team, run_id, false)).await {
            tracing::warn!(build = %build_rid, error = %e, "could not create the build's folder");
        }
        tracing::info!(build = %build_rid, %team, run_id, jobs = relation.rows.len(), "build submitted");

        let write = {
            let mut live = self.live();
            let mut changes = vec![Change::Publish(Event::Build(views::team_build(&self.inner.data, &build)))];
            if let Some(b) = live.builds.get_mut(&build_rid) {
                b.row = build;
                b.phase = BuildPhase::Active;
            }
            for rid in &relation.to_supersede {
                let reason = format!("superseded by build {build_rid} (outputQueueStrategy SUPERSEDE)");
                cancel_job(&mut live, &mut changes, rid, reason, End::Canceled);
            }
            finish_build_if_done(&mut live, &mut changes, &self.inner.data, &build_rid);
            self.inner.changes.push_acked(changes)
        };
        self.inner.wake.notify_one();
        written(write).await?;
        Ok(SubmitBuildResponse {
            is_new_submission: req.submission_id.as_ref().map(|_| true),
            build_rid,
            build_group_rid: group_rid,
            jobs_created: relation.jobs_created,
            jobs_in_other_builds: relation.jobs_in_other_builds,
        })
    }

    /// A new build's job rows and how they relate to live jobs: jobs shared with a build of
    /// the same group, jobs queued behind or superseding a live job of the same spec.
    fn relate(
        &self,
        live: &Live,
        plan: &Plan,
        opts: &BuildOptions,
        build_rid: &Rid,
        group_rid: &Rid,
        now: i64,
    ) -> Relation {
        let pipeline = &self.inner.pipeline;
        // Which job each will-run spec of this build is (ours or a shared one).
        let mut job_of_spec: HashMap<usize, Rid> = HashMap::new();
        let mut out = Relation::default();
        for (position, planned) in plan.jobs.iter().enumerate() {
            let spec = &pipeline.job_specs[planned.spec];
            let group_member = live.jobs.values().find(|j| {
                j.spec == planned.spec
                    && j.state.is_active()
                    && live
                        .builds
                        .get(&j.row.build_rid)
                        .is_some_and(|b| b.row.group_rid == *group_rid && b.opts.branch == opts.branch)
            });
            if planned.will_run
                && let Some(shared) = group_member
            {
                out.jobs_in_other_builds.insert(spec.rid.clone(), shared.row.rid.clone());
                job_of_spec.insert(planned.spec, shared.row.rid.clone());
                out.waits_on.push(shared.row.rid.clone());
                continue;
            }
            let job_rid = new_rid(RidKind::Job);
            let mut queued_behind = None;
            if planned.will_run {
                job_of_spec.insert(planned.spec, job_rid.clone());
                let strategy = opts.output_queue_strategy.unwrap_or_else(|| spec.variant.default_queue_strategy());
                let mut others: Vec<&LiveJob> = live
                    .jobs
                    .values()
                    .filter(|j| {
                        j.spec == planned.spec
                            && j.state.is_active()
                            && live.builds.get(&j.row.build_rid).is_some_and(|b| b.opts.branch == opts.branch)
                    })
                    .collect();
                others.sort_by_key(|j| j.seq);
                match strategy {
                    OutputQueueStrategy::QueueUp => {
                        if let Some(last) = others.last() {
                            queued_behind = Some(last.row.rid.clone());
                            out.jobs_in_other_builds.insert(spec.rid.clone(), last.row.rid.clone());
                        }
                    }
                    OutputQueueStrategy::Supersede => {
                        out.to_supersede.extend(others.iter().map(|j| j.row.rid.clone()));
                    }
                }
            }
            let depends_on: Vec<Rid> = if planned.will_run {
                pipeline.upstream_specs(planned.spec).filter_map(|p| job_of_spec.get(&p).cloned()).collect()
            } else {
                Vec::new()
            };
            out.jobs_created.insert(spec.rid.clone(), job_rid.clone());
            out.rows.push(JobRow {
                rid: job_rid,
                build_rid: build_rid.clone(),
                position: position as i64,
                job_spec_rid: spec.rid.clone(),
                job_spec_name: spec.name.clone(),
                status: if planned.will_run { JobStatus::Waiting } else { JobStatus::DidNotRun },
                reason: Some(planned.reason.clone()),
                stale_reason: planned.stale_reason.clone(),
                timeout_seconds: spec.timeout_seconds,
                queued_behind,
                inputs: spec
                    .inputs
                    .iter()
                    .map(|&d| JobInput {
                        dataset_rid: pipeline.datasets[d].rid.clone(),
                        branch: None,
                        transaction_rid: None,
                    })
                    .collect(),
                outputs: spec
                    .outputs
                    .iter()
                    .map(|&d| JobOutput { dataset_rid: pipeline.datasets[d].rid.clone(), transaction_rid: None })
                    .collect(),
                depends_on,
                attempt_count: 0,
                started_ms: None,
                finished_ms: if planned.will_run { None } else { Some(now) },
                error: None,
            });
        }
        out
    }

    async fn existing_submission(&self, first: &Rid) -> Result<SubmitBuildResponse, EngineError> {
        let rid = first.clone();
        let (build, jobs) =
            self.inner.store.read(move |c| Ok((builds::get_build(c, &rid)?, builds::jobs_of(c, &rid)?))).await?;
        let Some(build) = build else {
            return Err(EngineError::conflict(
                ErrorName::SubmissionBuildGone,
                "the first build of this submission id is gone; use a new submission id",
            ));
        };
        Ok(SubmitBuildResponse {
            is_new_submission: Some(false),
            build_rid: build.rid,
            build_group_rid: build.group_rid,
            jobs_created: jobs.into_iter().map(|j| (j.job_spec_rid, j.rid)).collect(),
            jobs_in_other_builds: BTreeMap::new(),
        })
    }
}
