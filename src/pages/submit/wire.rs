//! Between the form and the wire: the request a form sends, and the form a request (or a
//! build report) fills in. Pure functions, so tests can pin the exact JSON.
//!
//! The request has every key, the way `foundry-dev-tools` sends it: `branchFallbacks`,
//! `buildParameters` and `inputFailureStrategies` are always present (empty when unset);
//! a checkbox that is off and a blank number are `null`, which the contract treats as the
//! service default.

use kiln_api::Rid;
use kiln_api::build2::{
    BranchFallbacks, BuildReport, ConnectingSelection, DatasetsSelection, InputFailureStrategy, JobSpecSelection,
    JobSpecsSelection, JobStatus, SubmitBuildRequest, UpstreamSelection,
};

use super::params_editor::parse_params;
use super::state::{FallbackDraft, FormState, InputFailureDraft, SelectionDraft, SelectionKind};

fn rids(texts: &[String]) -> Vec<Rid> {
    texts.iter().filter_map(|t| Rid::parse(t).ok()).collect()
}

fn non_blank(text: &str) -> Option<String> {
    let t = text.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

fn flag(on: bool) -> Option<bool> {
    on.then_some(true)
}

pub fn selection_to_wire(s: &SelectionDraft) -> JobSpecSelection {
    match s.kind {
        SelectionKind::Datasets => JobSpecSelection::Datasets(DatasetsSelection {
            dataset_rids: rids(&s.rids),
            is_required: Some(s.is_required),
        }),
        SelectionKind::JobSpecs => JobSpecSelection::JobSpecs(JobSpecsSelection {
            job_spec_rids: rids(&s.rids),
            is_required: Some(s.is_required),
        }),
        SelectionKind::Upstream => JobSpecSelection::Upstream(UpstreamSelection {
            dataset_rids: rids(&s.rids),
            dataset_rids_to_ignore: rids(&s.ignore),
        }),
        SelectionKind::Connecting => JobSpecSelection::Connecting(ConnectingSelection {
            upstream_dataset_rids: rids(&s.rids),
            downstream_dataset_rids: rids(&s.downstream),
            dataset_rids_to_ignore: rids(&s.ignore),
        }),
    }
}

/// The request this form sends. What is not valid yet (a malformed RID, a number that is
/// not one, JSON that does not parse) is left out; `validation` keeps such a form from
/// being submitted, so this only shapes the live preview of the JSON.
pub fn to_request(form: &FormState) -> SubmitBuildRequest {
    SubmitBuildRequest {
        job_spec_selections: form.selections.iter().map(selection_to_wire).collect(),
        submission_id: non_blank(&form.submission_id),
        build_group_rid: Rid::parse(&form.build_group_rid).ok(),
        branch: non_blank(&form.branch),
        branch_fallbacks: Some(BranchFallbacks {
            branches: form.fallbacks.iter().filter_map(|f| non_blank(&f.name)).collect(),
        }),
        force_build: flag(form.force_build),
        ignore_build_policy: flag(form.ignore_build_policy),
        finish_on_failures: flag(form.finish_on_failures),
        num_run_job_attempts: form.attempts.trim().parse().ok(),
        force_retry: flag(form.force_retry),
        retry_backoff_duration: form.retry_backoff.trim().parse().ok(),
        build_parameters: Some(parse_params(&form.build_parameters).unwrap_or_default()),
        suppress_notifications: flag(form.suppress_notifications),
        exceeded_duration_mode: form.exceeded_duration_mode,
        input_failure_strategies: Some(
            form.input_failures
                .iter()
                .filter_map(|row| {
                    Rid::parse(&row.dataset)
                        .ok()
                        .map(|rid| InputFailureStrategy { input_dataset_rid: rid, failure_strategy: row.strategy })
                })
                .collect(),
        ),
        output_queue_strategy: form.output_queue_strategy,
    }
}

fn texts(rids: &[Rid]) -> Vec<String> {
    rids.iter().map(Rid::to_string).collect()
}

/// The form that sends `request` again (Edit & resubmit). A `false` flag becomes an
/// unchecked box, which sends `null`: the contract reads both as "off".
pub fn from_request(request: &SubmitBuildRequest) -> FormState {
    let mut form = FormState { selections: Vec::new(), ..FormState::default() };
    let mut next_id = 1;
    let mut id = || {
        let current = next_id;
        next_id += 1;
        current
    };
    for selection in &request.job_spec_selections {
        let mut draft = SelectionDraft::new(id(), SelectionKind::Datasets);
        match selection {
            JobSpecSelection::Datasets(p) => {
                draft.rids = texts(&p.dataset_rids);
                draft.is_required = p.is_required.unwrap_or(true);
            }
            JobSpecSelection::JobSpecs(p) => {
                draft.kind = SelectionKind::JobSpecs;
                draft.rids = texts(&p.job_spec_rids);
                draft.is_required = p.is_required.unwrap_or(true);
            }
            JobSpecSelection::Upstream(p) => {
                draft.kind = SelectionKind::Upstream;
                draft.rids = texts(&p.dataset_rids);
                draft.ignore = texts(&p.dataset_rids_to_ignore);
            }
            JobSpecSelection::Connecting(p) => {
                draft.kind = SelectionKind::Connecting;
                draft.rids = texts(&p.upstream_dataset_rids);
                draft.downstream = texts(&p.downstream_dataset_rids);
                draft.ignore = texts(&p.dataset_rids_to_ignore);
            }
        }
        form.selections.push(draft);
    }
    form.branch = request.branch.clone().unwrap_or_default();
    form.fallbacks =
        request.fallback_branches().iter().map(|name| FallbackDraft { id: id(), name: name.clone() }).collect();
    form.force_build = request.force_build.unwrap_or(false);
    form.ignore_build_policy = request.ignore_build_policy.unwrap_or(false);
    form.finish_on_failures = request.finish_on_failures.unwrap_or(false);
    form.attempts = request.num_run_job_attempts.map(|n| n.to_string()).unwrap_or_default();
    form.force_retry = request.force_retry.unwrap_or(false);
    form.retry_backoff = request.retry_backoff_duration.map(|n| n.to_string()).unwrap_or_default();
    form.build_parameters = match &request.build_parameters {
        Some(params) if !params.is_empty() => serde_json::to_string_pretty(params).unwrap_or_else(|_| "{}".to_owned()),
        _ => "{}".to_owned(),
    };
    form.suppress_notifications = request.suppress_notifications.unwrap_or(false);
    form.exceeded_duration_mode = request.exceeded_duration_mode;
    form.input_failures = request
        .input_failure_strategies
        .iter()
        .flatten()
        .map(|s| InputFailureDraft { id: id(), dataset: s.input_dataset_rid.to_string(), strategy: s.failure_strategy })
        .collect();
    form.output_queue_strategy = request.output_queue_strategy;
    form.submission_id = request.submission_id.clone().unwrap_or_default();
    form.build_group_rid = request.build_group_rid.as_ref().map(Rid::to_string).unwrap_or_default();
    form.next_id = id();
    form
}

/// The job specs of a build whose jobs failed or were canceled, in the report's order.
pub fn failed_job_specs(report: &BuildReport) -> Vec<String> {
    let mut specs: Vec<String> = Vec::new();
    for job in &report.jobs {
        let spec = job.job_spec_rid.to_string();
        if matches!(job.status, JobStatus::Failed | JobStatus::Canceled) && !specs.contains(&spec) {
            specs.push(spec);
        }
    }
    specs
}

/// "Re-run failed": the build's options, with one required job-spec selection of the job
/// specs whose jobs failed or were canceled in it.
pub fn rerun_form(report: &BuildReport) -> FormState {
    let mut form = from_request(&report.request);
    let mut selection = SelectionDraft::new(form.next_id, SelectionKind::JobSpecs);
    selection.rids = failed_job_specs(report);
    selection.is_required = true;
    form.next_id += 1;
    form.selections = vec![selection];
    // The first build's submission id would return that build instead of a new one.
    form.submission_id.clear();
    form
}

/// "Build this dataset": `foundry-dev-tools`' `submit_dataset_build` shape, one required
/// datasets selection on a branch, not forced.
pub fn dataset_form(dataset: &str, branch: Option<&str>) -> FormState {
    let mut form = FormState::default();
    form.selections[0].rids = vec![dataset.trim().to_owned()];
    if let Some(branch) = branch {
        form.branch = branch.to_owned();
    }
    form
}
