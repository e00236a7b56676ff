//! Stored rows as the wire types of the contract.

use kiln_api::build2::{Attempt, BranchFallbacks, BuildJob, BuildReport, JobReport, JobResult};
use kiln_api::teams::{JobEvent, Step, TeamBuild, TeamBuildDetail, TeamBuildStatus};

use crate::paths::DataDir;
use crate::store::builds::{AttemptRow, BuildRow, JobRow, ListedBuild};
use crate::store::{ts, ts_or_epoch};

pub fn team_build(data: &DataDir, b: &BuildRow) -> TeamBuild {
    listed_build(data, b.listed())
}

/// A build of a list page; it takes the row to move its strings instead of copying them.
pub fn listed_build(data: &DataDir, b: ListedBuild) -> TeamBuild {
    let status_ms = b.finished_ms.or(b.started_ms).unwrap_or(b.created_ms);
    let state = b.team_state();
    TeamBuild {
        path: data.build_dir(&b.team, b.run_id, b.archived).display().to_string(),
        team: b.team,
        run_id: b.run_id,
        build_rid: b.rid,
        tags: b.tags,
        archived: b.archived,
        created_by: b.created_by,
        created_time: ts_or_epoch(b.created_ms),
        status: TeamBuildStatus { timestamp: ts_or_epoch(status_ms), state, error: b.error },
    }
}

pub fn team_build_detail(data: &DataDir, b: &BuildRow, jobs: &[JobRow]) -> TeamBuildDetail {
    TeamBuildDetail {
        build: team_build(data, b),
        steps: jobs
            .iter()
            .map(|j| Step {
                name: j.job_spec_name.clone(),
                job_rid: j.rid.clone(),
                job_spec_rid: j.job_spec_rid.clone(),
                state: j.status,
                started_time: ts(j.started_ms),
                finished_time: ts(j.finished_ms),
                attempt: j.attempt_count,
                error: j.error.clone(),
            })
            .collect(),
    }
}

pub fn build_report(b: &BuildRow, jobs: &[JobRow]) -> BuildReport {
    BuildReport {
        rid: b.rid.clone(),
        build_group_rid: b.group_rid.clone(),
        team: b.team.clone(),
        run_id: b.run_id,
        status: b.status,
        branch: b.branch.clone(),
        branch_fallbacks: BranchFallbacks { branches: b.fallbacks.clone() },
        created_by: b.created_by.clone(),
        created_time: ts_or_epoch(b.created_ms),
        started_time: ts(b.started_ms),
        finished_time: ts(b.finished_ms),
        request: b.request.clone(),
        job_rids: jobs.iter().map(|j| j.rid.clone()).collect(),
        jobs: jobs.iter().map(build_job).collect(),
    }
}

pub fn build_job(j: &JobRow) -> BuildJob {
    BuildJob {
        rid: j.rid.clone(),
        job_spec_rid: j.job_spec_rid.clone(),
        job_spec_name: j.job_spec_name.clone(),
        status: j.status,
        reason: j.reason.clone(),
        inputs: j.inputs.iter().map(|i| i.dataset_rid.clone()).collect(),
        outputs: j.outputs.clone(),
        depends_on: j.depends_on.clone(),
        attempt_count: j.attempt_count,
        started_time: ts(j.started_ms),
        finished_time: ts(j.finished_ms),
        error: j.error.clone(),
    }
}

pub fn log_url(b: &BuildRow, job: &JobRow, attempt: u32) -> String {
    format!("/api/v1/teams/{}/builds/{}/jobs/{}/log?attempt={attempt}", b.team, b.run_id, job.rid)
}

pub fn job_report(b: &BuildRow, j: &JobRow, attempts: &[AttemptRow]) -> JobReport {
    JobReport {
        rid: j.rid.clone(),
        build_rid: j.build_rid.clone(),
        job_spec_rid: j.job_spec_rid.clone(),
        job_spec_name: j.job_spec_name.clone(),
        status: j.status,
        reason: j.reason.clone(),
        stale_reason: j.stale_reason.clone(),
        timeout_seconds: j.timeout_seconds,
        queued_behind: j.queued_behind.clone(),
        inputs: j.inputs.clone(),
        outputs: j.outputs.clone(),
        attempts: attempts
            .iter()
            .map(|a| Attempt {
                number: a.number,
                started_time: ts(Some(a.started_ms)),
                finished_time: ts(a.finished_ms),
                exit_code: a.exit_code,
                signal: a.signal,
                error: a.error.clone(),
                retryable: a.retryable,
                log_url: Some(log_url(b, j, a.number)),
                placement: a.placement.clone(),
            })
            .collect(),
        job_results: j
            .outputs
            .iter()
            .map(|o| (o.dataset_rid.clone(), JobResult { transaction_rid: o.transaction_rid.clone() }))
            .collect(),
    }
}

pub fn job_event(b: &BuildRow, j: &JobRow) -> JobEvent {
    JobEvent {
        rid: j.rid.clone(),
        build_rid: j.build_rid.clone(),
        team: b.team.clone(),
        run_id: b.run_id,
        job_spec_rid: j.job_spec_rid.clone(),
        job_spec_name: j.job_spec_name.clone(),
        status: j.status,
        attempt_count: j.attempt_count,
        started_time: ts(j.started_ms),
        finished_time: ts(j.finished_ms),
        error: j.error.clone(),
        reason: j.reason.clone(),
    }
}
