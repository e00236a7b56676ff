//! Foundry's public Orchestration v2 API (`{foundryUrl}/api/v2`), and the mapping between
//! it and the console's own shapes. The form composes a build2 request; `create_request`
//! says what that request means as a `CreateBuildRequest`, or why it cannot be sent. The
//! mapping functions are pure, so tests pin them without a service.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;

use kiln_api::build2::{
    BranchFallbacks, BuildJob, BuildReport, BuildStatus, JobReport, JobResult, JobSpecSelection, SubmitBuildRequest,
    SubmitBuildResponse,
};
use kiln_api::orchestration::{
    Build, BuildTarget, ConnectingTarget, CreateBuildRequest, Dataset, Duration, EqualsField,
    GetJobsBatchRequestElement, GetJobsBatchResponse, Job, JobOutput, ListJobsOfBuildResponse, MAX_JOBS_BATCH,
    ManualTarget, OrderByDirection, SearchBuildsFilter, SearchBuildsOrderBy, SearchBuildsOrderByItem,
    SearchBuildsRequest, SearchBuildsResponse, TimeField, UpstreamTarget,
};
use kiln_api::{Rid, TeamName, Timestamp};

use super::{ApiError, Client, Surface, encode};

/// Why a request the form composed has no equivalent in the public API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unmappable {
    /// The form has no selection at all.
    NoTarget,
    /// A job-spec selection (at this index): the public API builds datasets only.
    JobSpecs { index: usize },
    /// Selections of different kinds: a public build has exactly one target.
    MixedKinds,
    /// More than one connecting selection: their union is not one connecting target.
    SeveralConnecting,
}

impl fmt::Display for Unmappable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unmappable::NoTarget => f.write_str("Add a selection: it says which datasets the build targets."),
            Unmappable::JobSpecs { index } => write!(
                f,
                "Selection {}: job-spec selections are not in Foundry's public API. Choose datasets, upstream or connecting.",
                index + 1
            ),
            Unmappable::MixedKinds => f.write_str(
                "A Foundry build has one target: make every selection the same kind (datasets, upstream or connecting).",
            ),
            Unmappable::SeveralConnecting => f.write_str(
                "A Foundry build has one connecting target: merge the connecting selections into one, or submit them one by one.",
            ),
        }
    }
}

fn push_new(into: &mut Vec<Rid>, rids: &[Rid]) {
    for rid in rids {
        if !into.contains(rid) {
            into.push(rid.clone());
        }
    }
}

/// The public API's target for the form's selections. Several datasets selections (or
/// several upstream ones) are one target with all their datasets, which is what building
/// them together means.
fn target(selections: &[JobSpecSelection]) -> Result<BuildTarget, Unmappable> {
    if let Some(index) = selections.iter().position(|s| matches!(s, JobSpecSelection::JobSpecs(_))) {
        return Err(Unmappable::JobSpecs { index });
    }
    let first = selections.first().ok_or(Unmappable::NoTarget)?;
    if selections.iter().any(|s| s.kind() != first.kind()) {
        return Err(Unmappable::MixedKinds);
    }
    let mut target = match first {
        JobSpecSelection::Datasets(_) => BuildTarget::Manual(ManualTarget::default()),
        JobSpecSelection::Upstream(_) => BuildTarget::Upstream(UpstreamTarget::default()),
        JobSpecSelection::Connecting(_) if selections.len() > 1 => return Err(Unmappable::SeveralConnecting),
        JobSpecSelection::Connecting(_) => BuildTarget::Connecting(ConnectingTarget::default()),
        JobSpecSelection::JobSpecs(_) => return Err(Unmappable::JobSpecs { index: 0 }),
    };
    for selection in selections {
        match (&mut target, selection) {
            (BuildTarget::Manual(t), JobSpecSelection::Datasets(s)) => push_new(&mut t.target_rids, &s.dataset_rids),
            (BuildTarget::Upstream(t), JobSpecSelection::Upstream(s)) => {
                push_new(&mut t.target_rids, &s.dataset_rids);
                push_new(&mut t.ignored_rids, &s.dataset_rids_to_ignore);
            }
            (BuildTarget::Connecting(t), JobSpecSelection::Connecting(s)) => {
                // build2 walks from upstream to downstream; the public API from inputs
                // (not built) to targets (built).
                push_new(&mut t.input_rids, &s.upstream_dataset_rids);
                push_new(&mut t.target_rids, &s.downstream_dataset_rids);
                push_new(&mut t.ignored_rids, &s.dataset_rids_to_ignore);
            }
            _ => return Err(Unmappable::MixedKinds),
        }
    }
    Ok(target)
}

/// The `CreateBuildRequest` that `request` means. Only the options the public API has are
/// read (see `Capabilities::option`); the form shows the others disabled.
pub fn create_request(request: &SubmitBuildRequest) -> Result<CreateBuildRequest, Unmappable> {
    Ok(CreateBuildRequest {
        target: target(&request.job_spec_selections)?,
        branch_name: request.branch.clone().filter(|b| !b.trim().is_empty()),
        fallback_branches: request.fallback_branches().to_vec(),
        force_build: request.force_build,
        // N attempts are the first one and N - 1 retries.
        retry_count: request.num_run_job_attempts.map(|attempts| (attempts - 1).max(0)),
        retry_backoff_duration: request.retry_backoff_duration.map(Duration::seconds),
        abort_on_failure: request.finish_on_failures,
        notifications_enabled: request.suppress_notifications.map(|suppress| !suppress),
    })
}

/// What the submit page shows after a public build was created. The public API has no
/// build groups and says nothing about jobs at creation, so the group is the build.
pub fn submitted(build: &Build) -> SubmitBuildResponse {
    SubmitBuildResponse {
        is_new_submission: None,
        build_rid: build.rid.clone(),
        build_group_rid: build.rid.clone(),
        jobs_created: Default::default(),
        jobs_in_other_builds: Default::default(),
    }
}

/// The path of the create endpoint, for the request view and for `create`.
pub const CREATE_PATH: &str = "/v2/orchestration/builds/create";

pub async fn create(client: &Client, request: &CreateBuildRequest) -> Result<Build, ApiError> {
    client.post(Surface::Foundry, CREATE_PATH, request).await
}

/// One build, or `None` when the service does not know it (404 `BuildNotFound`).
pub async fn build(client: &Client, rid: &Rid) -> Result<Option<Build>, ApiError> {
    not_found_as_none(client.get(Surface::Foundry, &format!("/v2/orchestration/builds/{}", encode(rid.as_str()))).await)
}

fn not_found_as_none<T>(answer: Result<T, ApiError>) -> Result<Option<T>, ApiError> {
    match answer {
        Ok(value) => Ok(Some(value)),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    }
}

pub async fn search(client: &Client, request: &SearchBuildsRequest) -> Result<SearchBuildsResponse, ApiError> {
    client.post(Surface::Foundry, "/v2/orchestration/builds/search", request).await
}

/// The cheapest question that needs the service and the token: the newest build.
pub async fn ping(client: &Client) -> Result<(), ApiError> {
    let request = SearchBuildsRequest {
        where_: SearchBuildsFilter::Gte {
            field: TimeField::StartedTime,
            value: serde_json::Value::from("1970-01-01T00:00:00Z"),
        },
        order_by: None,
        page_token: None,
        page_size: Some(1),
    };
    search(client, &request).await.map(drop)
}

/// Where a build is in Foundry's own UI (its job tracker).
pub fn job_tracker_url(foundry_url: &str, build_rid: &Rid) -> String {
    format!(
        "{}/workspace/data-integration/job-tracker/builds/{}",
        foundry_url.trim_end_matches('/'),
        encode(build_rid.as_str())
    )
}

/// The options a public build was created with, as the report's request shows them. The
/// public `Build` does not return its target, so the request has no selections.
fn request_of(build: &Build) -> SubmitBuildRequest {
    SubmitBuildRequest {
        branch: Some(build.branch_name.clone()),
        branch_fallbacks: Some(BranchFallbacks { branches: build.fallback_branches.clone() }),
        finish_on_failures: Some(build.abort_on_failure),
        num_run_job_attempts: Some(build.retry_count.saturating_add(1)),
        retry_backoff_duration: build.retry_backoff_duration.whole_seconds(),
        ..SubmitBuildRequest::default()
    }
}

fn dataset_outputs(job: &Job) -> Vec<kiln_api::build2::JobOutput> {
    job.outputs
        .iter()
        .filter_map(|o| match o {
            JobOutput::DatasetJobOutput(d) => Some(kiln_api::build2::JobOutput {
                dataset_rid: d.dataset_rid.clone(),
                transaction_rid: d.output_transaction_rid.clone(),
            }),
            JobOutput::TransactionalMediaSetJobOutput(_) => None,
        })
        .collect()
}

/// A job's name on the pages: the public API has no job specs, so a job is named by
/// what it writes (dataset names where known, else RIDs).
fn job_name(job: &Job, names: &HashMap<Rid, String>) -> String {
    let outputs: Vec<String> = dataset_outputs(job)
        .iter()
        .map(|o| names.get(&o.dataset_rid).cloned().unwrap_or_else(|| o.dataset_rid.to_string()))
        .collect();
    if outputs.is_empty() { format!("Job {}", job.rid) } else { outputs.join(", ") }
}

/// One job as the build report lists it. The public `Job` has no job spec, inputs,
/// dependencies or attempts, so those stay empty (the job's own RID stands in for its
/// job spec, which nothing in Foundry mode links to).
fn build_job(job: &Job, names: &HashMap<Rid, String>) -> BuildJob {
    BuildJob {
        rid: job.rid.clone(),
        job_spec_rid: job.rid.clone(),
        job_spec_name: job_name(job, names),
        status: job.job_status,
        reason: None,
        inputs: Vec::new(),
        outputs: dataset_outputs(job),
        depends_on: Vec::new(),
        attempt_count: 0,
        started_time: job.latest_attempt_start_time.or(Some(job.started_time)),
        finished_time: job.finished_time,
        error: None,
    }
}

/// The build report the pages show, from `Build` and every page of `Build.jobs` (in the
/// build's job order). There is no team or run number in the public API: the team is the
/// default one and the run number 0, and `Capabilities::teams_surface` keeps pages from
/// showing either.
pub fn build_report(build: &Build, jobs: &[Job], names: &HashMap<Rid, String>) -> BuildReport {
    let position = |job: &Job| build.job_rids.iter().position(|r| *r == job.rid).unwrap_or(usize::MAX);
    let mut ordered: Vec<&Job> = jobs.iter().collect();
    crate::sort::sort_by(&mut ordered, |a, b| position(a).cmp(&position(b)));
    BuildReport {
        rid: build.rid.clone(),
        build_group_rid: build.rid.clone(),
        team: TeamName::default_team(),
        run_id: 0,
        status: build.status,
        branch: build.branch_name.clone(),
        branch_fallbacks: BranchFallbacks { branches: build.fallback_branches.clone() },
        created_by: build.created_by.clone(),
        created_time: build.created_time,
        started_time: jobs.iter().map(|j| j.started_time).min(),
        finished_time: build.finished_time,
        request: request_of(build),
        job_rids: build.job_rids.clone(),
        jobs: ordered.into_iter().map(|j| build_job(j, names)).collect(),
    }
}

/// The job page from a public `Job`: status, times and outputs; no attempts or inputs.
pub fn job_report(job: &Job, names: &HashMap<Rid, String>) -> JobReport {
    let outputs = dataset_outputs(job);
    JobReport {
        rid: job.rid.clone(),
        build_rid: job.build_rid.clone(),
        job_spec_rid: job.rid.clone(),
        job_spec_name: job_name(job, names),
        status: job.job_status,
        reason: None,
        stale_reason: None,
        timeout_seconds: None,
        queued_behind: None,
        inputs: Vec::new(),
        job_results: crate::sort::map_from(
            outputs.iter().map(|o| (o.dataset_rid.clone(), JobResult { transaction_rid: o.transaction_rid.clone() })),
        ),
        outputs,
        attempts: Vec::new(),
    }
}

/// Every job of a build, following `nextPageToken` to the last page.
pub async fn all_jobs(client: &Client, build: &Rid) -> Result<Vec<Job>, ApiError> {
    let mut jobs = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut path = format!("/v2/orchestration/builds/{}/jobs?pageSize=500", encode(build.as_str()));
        if let Some(t) = &token {
            path.push_str(&format!("&pageToken={}", encode(t)));
        }
        let page: ListJobsOfBuildResponse = client.get(Surface::Foundry, &path).await?;
        jobs.extend(page.data);
        match page.next_page_token {
            Some(next) if Some(&next) != token.as_ref() => token = Some(next),
            _ => return Ok(jobs),
        }
    }
}

pub async fn job(client: &Client, rid: &Rid) -> Result<Option<Job>, ApiError> {
    not_found_as_none(client.get(Surface::Foundry, &format!("/v2/orchestration/jobs/{}", encode(rid.as_str()))).await)
}

/// Asks the service to cancel a running build (204 once asked).
pub async fn cancel(client: &Client, rid: &Rid) -> Result<(), ApiError> {
    let path = format!("/v2/orchestration/builds/{}/cancel", encode(rid.as_str()));
    client.post_json::<_, serde_json::Value>(Surface::Foundry, &path, &serde_json::json!({}), &[]).await.map(drop)
}

thread_local! {
    /// Dataset names by RID for this tab: a dataset's name is asked for once.
    static NAMES: RefCell<HashMap<Rid, String>> = RefCell::new(HashMap::new());
}

/// The names of these datasets, from `GET /v2/datasets/{rid}`, each asked for once per
/// tab. A dataset that cannot be read is left out (the page shows its RID).
pub async fn dataset_names(client: &Client, rids: impl IntoIterator<Item = Rid>) -> HashMap<Rid, String> {
    let mut names = HashMap::new();
    for rid in rids {
        if let Some(name) = NAMES.with(|n| n.borrow().get(&rid).cloned()) {
            names.insert(rid, name);
            continue;
        }
        let answer: Result<Dataset, ApiError> =
            client.get(Surface::Foundry, &format!("/v2/datasets/{}", encode(rid.as_str()))).await;
        if let Ok(dataset) = answer {
            NAMES.with(|n| n.borrow_mut().insert(rid.clone(), dataset.name.clone()));
            names.insert(rid, dataset.name);
        }
    }
    names
}

/// The output datasets of these jobs, once each.
pub fn output_rids(jobs: &[Job]) -> Vec<Rid> {
    let mut rids: Vec<Rid> = Vec::new();
    for output in jobs.iter().flat_map(dataset_outputs) {
        if !rids.contains(&output.dataset_rid) {
            rids.push(output.dataset_rid);
        }
    }
    rids
}

/// What the builds list filters on; every part optional.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BuildFilters {
    pub status: Option<BuildStatus>,
    pub branch: Option<String>,
    pub created_by: Option<String>,
    /// Started at or after.
    pub from: Option<Timestamp>,
    /// Started before.
    pub to: Option<Timestamp>,
}

/// How many builds one page of the list asks for.
pub const SEARCH_PAGE_SIZE: i64 = 100;

/// The search for these filters, newest first. `where` is required, so with no filter it
/// is "started since the epoch", which every build is.
pub fn search_request(filters: &BuildFilters, page_token: Option<String>) -> SearchBuildsRequest {
    let eq = |field, value: &str| SearchBuildsFilter::Eq { field, value: serde_json::Value::from(value) };
    let mut items = Vec::new();
    if let Some(status) = filters.status {
        items.push(eq(EqualsField::Status, &status.to_string()));
    }
    if let Some(branch) = &filters.branch {
        items.push(eq(EqualsField::BranchName, branch));
    }
    if let Some(who) = &filters.created_by {
        items.push(eq(EqualsField::CreatedBy, who));
    }
    if let Some(from) = filters.from {
        items.push(SearchBuildsFilter::Gte { field: TimeField::StartedTime, value: from.to_string().into() });
    }
    if let Some(to) = filters.to {
        items.push(SearchBuildsFilter::Lt { field: TimeField::StartedTime, value: to.to_string().into() });
    }
    let where_ = match items.len() {
        0 => SearchBuildsFilter::Gte { field: TimeField::StartedTime, value: "1970-01-01T00:00:00Z".into() },
        1 => items.remove(0),
        _ => SearchBuildsFilter::And { items },
    };
    SearchBuildsRequest {
        where_,
        order_by: Some(SearchBuildsOrderBy {
            fields: vec![SearchBuildsOrderByItem { field: TimeField::StartedTime, direction: OrderByDirection::Desc }],
        }),
        page_token,
        page_size: Some(SEARCH_PAGE_SIZE),
    }
}

/// Jobs by RID, in batches of at most `MAX_JOBS_BATCH`; unknown RIDs are left out.
pub async fn jobs_batch(client: &Client, rids: &[Rid]) -> Result<Vec<Job>, ApiError> {
    let mut jobs = Vec::new();
    for chunk in rids.chunks(MAX_JOBS_BATCH) {
        let body: Vec<GetJobsBatchRequestElement> =
            chunk.iter().map(|r| GetJobsBatchRequestElement { job_rid: r.clone() }).collect();
        let answer: GetJobsBatchResponse =
            client.post(Surface::Foundry, "/v2/orchestration/jobs/getBatch", &body).await?;
        jobs.extend(answer.data.into_values());
    }
    Ok(jobs)
}

/// One page of the builds list: the builds, and the names of the datasets each writes.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BuildsFound {
    pub builds: Vec<Build>,
    /// Output dataset names (or RIDs) by build RID.
    pub outputs: HashMap<Rid, Vec<String>>,
    pub next_page_token: Option<String>,
}

/// A page of the builds list, with each build's output datasets named.
pub async fn find_builds(
    client: &Client,
    filters: &BuildFilters,
    page_token: Option<String>,
) -> Result<BuildsFound, ApiError> {
    let page = search(client, &search_request(filters, page_token)).await?;
    let job_rids: Vec<Rid> = page.data.iter().flat_map(|b| b.job_rids.iter().cloned()).collect();
    let jobs = jobs_batch(client, &job_rids).await?;
    let names = dataset_names(client, output_rids(&jobs)).await;
    let mut outputs: HashMap<Rid, Vec<String>> = HashMap::new();
    for job in &jobs {
        let written = outputs.entry(job.build_rid.clone()).or_default();
        for output in dataset_outputs(job) {
            let name = names.get(&output.dataset_rid).cloned().unwrap_or_else(|| output.dataset_rid.to_string());
            if !written.contains(&name) {
                written.push(name);
            }
        }
    }
    Ok(BuildsFound { builds: page.data, outputs, next_page_token: page.next_page_token })
}
