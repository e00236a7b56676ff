//! The public API's shapes to and from Kiln's: a create request becomes a build2
//! submission (one engine serves every surface), stored rows become `Build` and `Job`, a
//! search's `where` tree becomes a checked [`Predicate`], and page tokens carry keyset
//! cursors.

use kiln_api::build2::{
    BranchFallbacks, BuildStatus, ConnectingSelection, DatasetsSelection, JobSpecSelection, SubmitBuildRequest,
    UpstreamSelection,
};
use kiln_api::orchestration::{
    Build, BuildTarget, CreateBuildRequest, DEFAULT_PAGE_SIZE, DatasetJobOutput, Duration, EqualsField, FilterType,
    FoundryError, Job, JobOutput, MAX_PAGE_SIZE, OrderByDirection, SearchBuildsFilter, SearchBuildsRequest, TimeField,
};
use kiln_api::{ErrorName, Rid, Timestamp};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::error::V2Error;
use crate::http::error::AppError;
use crate::lineage;
use crate::pipeline::Pipeline;
use crate::store::builds::{BuildRow, JobRow};
use crate::store::search::{Cursor, Predicate, SortKey, TimeColumn, principal_id};
use crate::store::{ts, ts_or_epoch};

/// `retryCount` N asks for N + 1 attempts; the engine allows at most 100.
const MAX_RETRY_COUNT: i64 = 99;
/// Conditions in one search filter, so the SQL stays small whatever the body size.
const MAX_FILTER_NODES: usize = 1000;
const INVALID_ARGUMENT: ErrorName = ErrorName::InvalidArgument;

fn not_found(kind: &str, rids: &[&Rid]) -> String {
    let list: Vec<&str> = rids.iter().map(|r| r.as_str()).collect();
    format!("no {kind} {} is known to this service", list.join(", "))
}

/// The build2 submission that a create request means, after checking its targets the way
/// Foundry names the failures.
pub fn submit_request(pipeline: &Pipeline, req: &CreateBuildRequest) -> Result<SubmitBuildRequest, V2Error> {
    let (targets, inputs) = match &req.target {
        BuildTarget::Manual(t) => (&t.target_rids, None),
        BuildTarget::Upstream(t) => (&t.target_rids, None),
        BuildTarget::Connecting(t) => (&t.target_rids, Some(&t.input_rids)),
    };
    if targets.is_empty() {
        return Err(V2Error::foundry(FoundryError::MissingBuildTargets {}, "name at least one target dataset"));
    }
    if inputs.is_some_and(Vec::is_empty) {
        return Err(V2Error::foundry(
            FoundryError::MissingConnectingBuildInputs {},
            "a connecting target needs at least one input dataset",
        ));
    }
    let unknown: Vec<&Rid> =
        targets.iter().chain(inputs.into_iter().flatten()).filter(|r| pipeline.dataset_index(r).is_none()).collect();
    if !unknown.is_empty() {
        let message = not_found("dataset", &unknown);
        let resource_rids = unknown.into_iter().cloned().collect();
        return Err(V2Error::foundry(FoundryError::BuildTargetsNotFound { resource_rids }, message));
    }
    if let BuildTarget::Manual(t) = &req.target {
        let sources: Vec<&Rid> = t
            .target_rids
            .iter()
            .filter(|r| pipeline.dataset_index(r).is_some_and(|d| pipeline.datasets[d].produced_by.is_none()))
            .collect();
        if !sources.is_empty() {
            let names: Vec<&str> = sources
                .iter()
                .filter_map(|r| pipeline.dataset_index(r))
                .map(|d| pipeline.datasets[d].name.as_str())
                .collect();
            let message = format!("no job spec produces {} (a source dataset cannot be built)", names.join(", "));
            let resource_rids = sources.into_iter().cloned().collect();
            return Err(V2Error::foundry(FoundryError::BuildTargetsMissingJobSpecs { resource_rids }, message));
        }
    }
    let selection = match &req.target {
        BuildTarget::Manual(t) => JobSpecSelection::Datasets(DatasetsSelection {
            dataset_rids: t.target_rids.clone(),
            is_required: Some(true),
        }),
        BuildTarget::Upstream(t) => JobSpecSelection::Upstream(UpstreamSelection {
            dataset_rids: t.target_rids.clone(),
            dataset_rids_to_ignore: t.ignored_rids.clone(),
        }),
        BuildTarget::Connecting(t) => JobSpecSelection::Connecting(ConnectingSelection {
            upstream_dataset_rids: t.input_rids.clone(),
            downstream_dataset_rids: t.target_rids.clone(),
            dataset_rids_to_ignore: t.ignored_rids.clone(),
        }),
    };
    match lineage::resolve(pipeline, std::slice::from_ref(&selection)) {
        Err(e) => return Err(V2Error::foundry(FoundryError::BuildTargetsResolutionError {}, e.message)),
        Ok(s) if s.specs.is_empty() => {
            return Err(V2Error::foundry(
                FoundryError::BuildTargetsResolutionError {},
                format!("the {} target resolves to no job spec to run", req.target.kind()),
            ));
        }
        Ok(_) => {}
    }
    let attempts = match req.retry_count {
        None => None,
        Some(n) if (0..=MAX_RETRY_COUNT).contains(&n) => Some(n + 1),
        Some(_) => {
            return Err(AppError::bad(
                INVALID_ARGUMENT,
                "retryCount",
                format!("retryCount is from 0 to {MAX_RETRY_COUNT} (retries after the first attempt)"),
            )
            .into());
        }
    };
    let backoff = match req.retry_backoff_duration {
        None => None,
        Some(d) => Some(d.whole_seconds().filter(|s| *s >= 0).ok_or_else(|| {
            AppError::bad(
                INVALID_ARGUMENT,
                "retryBackoffDuration",
                format!(
                    "{} {:?} is not a whole, non-negative number of seconds; use SECONDS, MINUTES, HOURS, DAYS \
                     or WEEKS (or whole seconds in MILLISECONDS)",
                    d.value, d.unit
                ),
            )
        })?),
    };
    Ok(SubmitBuildRequest {
        job_spec_selections: vec![selection],
        branch: req.branch_name.clone(),
        branch_fallbacks: (!req.fallback_branches.is_empty())
            .then(|| BranchFallbacks { branches: req.fallback_branches.clone() }),
        force_build: req.force_build,
        finish_on_failures: req.abort_on_failure,
        num_run_job_attempts: attempts,
        retry_backoff_duration: backoff,
        suppress_notifications: req.notifications_enabled.map(|on| !on),
        ..SubmitBuildRequest::default()
    })
}

/// A build2 request field as the public API names it, for errors the engine reports.
pub fn public_field(field: &str) -> String {
    if field == "branch" {
        return "branchName".to_owned();
    }
    if let Some(rest) = field.strip_prefix("branchFallbacks.branches") {
        return format!("fallbackBranches{rest}");
    }
    match field {
        "numRunJobAttempts" => "retryCount".to_owned(),
        "finishOnFailures" => "abortOnFailure".to_owned(),
        other => other.to_owned(),
    }
}

pub fn build(b: &BuildRow, job_rids: Vec<Rid>) -> Build {
    let attempts = b.request.num_run_job_attempts.unwrap_or(1).max(1);
    Build {
        rid: b.rid.clone(),
        branch_name: b.branch.clone(),
        created_time: ts_or_epoch(b.created_ms),
        created_by: principal_id(&b.created_by),
        fallback_branches: b.fallbacks.clone(),
        job_rids,
        retry_count: attempts - 1,
        retry_backoff_duration: Duration::seconds(b.request.retry_backoff_duration.unwrap_or(0)),
        abort_on_failure: b.request.finish_on_failures.unwrap_or(false),
        status: b.status,
        finished_time: ts(b.finished_ms),
        schedule_rid: None,
    }
}

/// A job of a build created at `build_created_ms`: its jobs wait for their dependencies
/// from then on.
pub fn job(build_created_ms: i64, j: &JobRow, latest_attempt_ms: Option<i64>) -> Job {
    Job {
        rid: j.rid.clone(),
        build_rid: j.build_rid.clone(),
        started_time: ts_or_epoch(build_created_ms),
        latest_attempt_start_time: ts(latest_attempt_ms),
        finished_time: ts(j.finished_ms),
        job_status: j.status,
        outputs: j
            .outputs
            .iter()
            .map(|o| {
                JobOutput::DatasetJobOutput(DatasetJobOutput {
                    dataset_rid: o.dataset_rid.clone(),
                    output_transaction_rid: o.transaction_rid.clone(),
                })
            })
            .collect(),
    }
}

/// The folder a dataset's path places it in: Kiln has no folders of its own, so a stable
/// RID stands for each parent path (`report` for `report/summary`; the root for `summary`).
pub fn folder_rid(dataset_name: &str) -> Rid {
    let parent = dataset_name.rsplit_once('/').map_or("", |(p, _)| p);
    let id = uuid::Uuid::new_v5(&FOLDER_NAMESPACE, format!("folder:{parent}").as_bytes());
    Rid::parse(&format!("ri.compass.main.folder.{id}")).expect("a UUID is a valid RID locator")
}

const FOLDER_NAMESPACE: uuid::Uuid = uuid::Uuid::from_u128(0x6b69_6c6e_666f_6c64_8000_0000_0000_0002);

/// The page size a request asks for: 100 when absent, at most [`MAX_PAGE_SIZE`].
pub fn page_size(requested: Option<i64>) -> Result<u32, V2Error> {
    match requested {
        None => Ok(DEFAULT_PAGE_SIZE as u32),
        Some(n) if n >= 1 => Ok(n.min(MAX_PAGE_SIZE) as u32),
        Some(n) => Err(V2Error::foundry(
            FoundryError::InvalidPageSize { page_size: n },
            format!("pageSize {n} is not a positive number"),
        )),
    }
}

fn bad_token(token: &str) -> V2Error {
    V2Error::foundry(
        FoundryError::InvalidPageToken { page_token: token.to_owned() },
        "use the nextPageToken of the previous page of the same request",
    )
}

/// The position cursor of a build's job list: `j<position>`.
pub fn jobs_token(position: i64) -> String {
    format!("j{position}")
}

pub fn parse_jobs_token(token: Option<&str>) -> Result<Option<i64>, V2Error> {
    match token.filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) => t.strip_prefix('j').and_then(|p| p.parse::<i64>().ok()).map(Some).ok_or_else(|| bad_token(t)),
    }
}

/// Which request a search token belongs to: the `where` tree and the order, hashed.
fn fingerprint(req: &SearchBuildsRequest) -> String {
    let canonical = serde_json::json!({"where": req.where_, "orderBy": req.order_by});
    let digest = Sha256::digest(canonical.to_string().as_bytes());
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// `s1.<fingerprint>.<snapshot>.<seq>[.<key>…]`: a keyset cursor bound to its request.
pub fn search_token(req: &SearchBuildsRequest, cursor: &Cursor) -> String {
    let mut token = format!("s1.{}.{}.{}", fingerprint(req), cursor.snapshot, cursor.seq);
    for key in &cursor.keys {
        token.push_str(&format!(".{key}"));
    }
    token
}

pub fn parse_search_token(req: &SearchBuildsRequest, keys: usize) -> Result<Option<Cursor>, V2Error> {
    let Some(token) = req.page_token.as_deref().filter(|t| !t.is_empty()) else { return Ok(None) };
    let mut parts = token.split('.');
    if parts.next() != Some("s1") || parts.next() != Some(fingerprint(req).as_str()) {
        return Err(bad_token(token));
    }
    let numbers: Vec<i64> = parts.map(str::parse).collect::<Result<_, _>>().map_err(|_| bad_token(token))?;
    match numbers.as_slice() {
        [snapshot, seq, rest @ ..] if rest.len() == keys => {
            Ok(Some(Cursor { snapshot: *snapshot, seq: *seq, keys: rest.to_vec() }))
        }
        _ => Err(bad_token(token)),
    }
}

/// The sort keys of a search: each field once, in the order given.
pub fn sort_keys(req: &SearchBuildsRequest) -> Vec<SortKey> {
    let mut keys: Vec<SortKey> = Vec::new();
    for item in req.order_by.iter().flat_map(|o| &o.fields) {
        let column = time_column(item.field);
        if !keys.iter().any(|k| k.column == column) {
            keys.push(SortKey { column, descending: item.direction == OrderByDirection::Desc });
        }
    }
    keys
}

fn time_column(field: TimeField) -> TimeColumn {
    match field {
        TimeField::StartedTime => TimeColumn::Started,
        TimeField::FinishedTime => TimeColumn::Finished,
    }
}

fn field_name<T: serde::Serialize>(field: &T) -> String {
    match serde_json::to_value(field) {
        Ok(Value::String(s)) => s,
        _ => String::new(),
    }
}

fn invalid_value(field: String, value: &Value, expected_type: FilterType, path: &str, what: &str) -> V2Error {
    V2Error::foundry(
        FoundryError::InvalidFilterValue { field: field.clone(), value: value.clone(), expected_type },
        format!("{path}: {field} takes {what}, not {value}"),
    )
}

/// Checks a `where` tree and turns it into a [`Predicate`]; errors say where in the tree.
pub fn predicate(filter: &SearchBuildsFilter) -> Result<Predicate, V2Error> {
    let mut nodes = 0;
    convert_filter(filter, "where", &mut nodes)
}

fn convert_filter(filter: &SearchBuildsFilter, path: &str, nodes: &mut usize) -> Result<Predicate, V2Error> {
    *nodes += 1;
    if *nodes > MAX_FILTER_NODES {
        return Err(AppError::bad(
            INVALID_ARGUMENT,
            path,
            format!("a search filter has at most {MAX_FILTER_NODES} conditions"),
        )
        .into());
    }
    let items = |items: &[SearchBuildsFilter], nodes: &mut usize| -> Result<Vec<Predicate>, V2Error> {
        items.iter().enumerate().map(|(i, f)| convert_filter(f, &format!("{path}.items[{i}]"), nodes)).collect()
    };
    Ok(match filter {
        SearchBuildsFilter::Not { value } => {
            Predicate::Not(Box::new(convert_filter(value, &format!("{path}.value"), nodes)?))
        }
        SearchBuildsFilter::And { items: list } if list.is_empty() => {
            return Err(V2Error::foundry(
                FoundryError::InvalidAndFilter {},
                format!("{path}: an and filter needs items"),
            ));
        }
        SearchBuildsFilter::Or { items: list } if list.is_empty() => {
            return Err(V2Error::foundry(
                FoundryError::InvalidOrFilter {},
                format!("{path}: an or filter needs items"),
            ));
        }
        SearchBuildsFilter::And { items: list } => Predicate::All(items(list, nodes)?),
        SearchBuildsFilter::Or { items: list } => Predicate::Any(items(list, nodes)?),
        SearchBuildsFilter::Lt { field, value } => Predicate::Before(time_column(*field), millis(*field, value, path)?),
        SearchBuildsFilter::Gte { field, value } => {
            Predicate::AtOrAfter(time_column(*field), millis(*field, value, path)?)
        }
        SearchBuildsFilter::Eq { field, value } => {
            let path = format!("{path}.value");
            let text = || value.as_str().map(str::to_owned);
            match field {
                EqualsField::CreatedBy => Predicate::CreatedBy(text().ok_or_else(|| {
                    invalid_value(field_name(field), value, FilterType::String, &path, "a principal id or user name")
                })?),
                EqualsField::BranchName => Predicate::Branch(text().ok_or_else(|| {
                    invalid_value(field_name(field), value, FilterType::String, &path, "a branch name")
                })?),
                EqualsField::Status => {
                    Predicate::Status(serde_json::from_value::<BuildStatus>(value.clone()).map_err(|_| {
                        let values = ["RUNNING", "SUCCEEDED", "FAILED", "CANCELED"].map(str::to_owned).to_vec();
                        invalid_value(field_name(field), value, FilterType::Enum { values }, &path, "a build status")
                    })?)
                }
                EqualsField::Rid => {
                    Predicate::Rid(text().and_then(|t| Rid::parse(&t).ok()).ok_or_else(|| {
                        invalid_value(field_name(field), value, FilterType::Rid, &path, "a build RID")
                    })?)
                }
            }
        }
    })
}

fn millis(field: TimeField, value: &Value, path: &str) -> Result<i64, V2Error> {
    value.as_str().and_then(|s| Timestamp::parse(s).ok()).map(|t| t.unix_millis()).ok_or_else(|| {
        invalid_value(field_name(&field), value, FilterType::DateTime, &format!("{path}.value"), "an RFC 3339 time")
    })
}
