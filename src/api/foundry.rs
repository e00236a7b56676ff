//! Foundry's public Orchestration v2 API (`{foundryUrl}/api/v2`), and the mapping between
//! it and the console's own shapes. The form composes a build2 request; `create_request`
//! says what that request means as a `CreateBuildRequest`, or why it cannot be sent. The
//! mapping functions are pure, so tests pin them without a service.

use std::fmt;

use kiln_api::Rid;
use kiln_api::build2::{JobSpecSelection, SubmitBuildRequest, SubmitBuildResponse};
use kiln_api::orchestration::{
    Build, BuildTarget, ConnectingTarget, CreateBuildRequest, Duration, ManualTarget, SearchBuildsFilter,
    SearchBuildsRequest, SearchBuildsResponse, TimeField, UpstreamTarget,
};

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
