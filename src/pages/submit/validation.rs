//! What is wrong with a form, per field, in words a person understands.
//!
//! Fields are named by the request path the service uses in a Conjure error's
//! `parameters.field` (`jobSpecSelections[0].datasets.datasetRids`, `branch`, …), so the
//! form's own messages and the service's land in the same place.

use std::collections::BTreeMap;

use kiln_api::Rid;

use super::catalog_index::{CatalogIndex, RidKind};
use super::params_editor::parse_params;
use super::state::{FormState, RidList, SelectionKind};
use crate::api::Capabilities;
use crate::api::foundry::Unmappable;

/// A message for one field. `invalid` marks a value that is wrong (shown in red, with
/// `aria-invalid`); otherwise something is still missing (shown as a quiet hint).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldMessage {
    pub text: String,
    pub invalid: bool,
}

/// One problem that keeps the form from being submitted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub key: String,
    pub message: FieldMessage,
}

pub fn selection_key(index: usize) -> String {
    format!("jobSpecSelections[{index}]")
}

pub fn list_key(index: usize, kind: SelectionKind, list: RidList) -> String {
    format!("jobSpecSelections[{index}].{}.{}", kind.wire(), kind.list_key(list))
}

pub fn fallback_key(index: usize) -> String {
    format!("branchFallbacks.branches[{index}]")
}

pub fn input_failure_key(index: usize) -> String {
    format!("inputFailureStrategies[{index}].inputDatasetRid")
}

/// The element id of a field's control; its help and error are `<id>-help`, `<id>-error`.
pub fn field_id(key: &str) -> String {
    let mut id = String::from("f-");
    id.extend(key.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }));
    id
}

/// Why one RID text cannot be sent, if it cannot.
pub fn rid_problem(text: &str) -> Option<String> {
    Rid::parse(text).err().map(|e| format!("“{}” is not a RID: {e}", text.trim()))
}

/// How a chip looks: what the catalog knows about its RID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChipStatus {
    Known(String),
    /// A RID the catalog does not know (or no catalog was loaded).
    Unknown,
    /// A RID the catalog knows as the other kind.
    WrongKind(RidKind),
    Malformed(String),
}

pub fn chip_status(text: &str, expected: RidKind, catalog: Option<&CatalogIndex>) -> ChipStatus {
    if let Err(e) = Rid::parse(text) {
        return ChipStatus::Malformed(e.to_string());
    }
    let Some(catalog) = catalog else { return ChipStatus::Unknown };
    match catalog.kind_of(text) {
        Some(kind) if kind == expected => ChipStatus::Known(catalog.name(text).unwrap_or_default().to_owned()),
        Some(kind) => ChipStatus::WrongKind(kind),
        None => ChipStatus::Unknown,
    }
}

fn missing(key: String, text: impl Into<String>) -> Problem {
    Problem { key, message: FieldMessage { text: text.into(), invalid: false } }
}

fn invalid(key: String, text: impl Into<String>) -> Problem {
    Problem { key, message: FieldMessage { text: text.into(), invalid: true } }
}

fn whole_number(text: &str) -> Option<i64> {
    text.trim().parse().ok()
}

/// Every problem of the form, in the order the form shows its fields. RIDs the catalog
/// does not know are flagged on their chips but do not block: the catalog may lag the
/// service, and the service answers for them.
pub fn validate(form: &FormState) -> Vec<Problem> {
    let mut problems = Vec::new();
    if form.selections.is_empty() {
        problems.push(missing("jobSpecSelections".into(), "Add at least one selection: it says what the build runs."));
    }
    for (i, selection) in form.selections.iter().enumerate() {
        for &list in selection.kind.lists() {
            let key = list_key(i, selection.kind, list);
            let texts = selection.list(list);
            if let Some(bad) = texts.iter().find_map(|t| rid_problem(t)) {
                problems.push(invalid(key, format!("{bad}. Remove it or fix it.")));
            } else if texts.is_empty() && selection.kind.list_required(list) {
                problems.push(missing(key, format!("Selection {}: {}.", i + 1, selection.kind.list_missing(list))));
            }
        }
    }
    if form.branch.trim().contains(char::is_whitespace) {
        problems.push(invalid("branch".into(), "A branch name cannot contain spaces."));
    }
    let branch = if form.branch.trim().is_empty() { kiln_api::build2::DEFAULT_BRANCH } else { form.branch.trim() };
    for (i, fallback) in form.fallbacks.iter().enumerate() {
        let name = fallback.name.trim();
        let key = fallback_key(i);
        if name.is_empty() {
            problems.push(missing(key, format!("Fallback branch {}: type a branch name, or remove the row.", i + 1)));
        } else if name.contains(char::is_whitespace) {
            problems.push(invalid(key, format!("Fallback branch {}: a branch name cannot contain spaces.", i + 1)));
        } else if name == branch {
            problems.push(invalid(key, format!("Fallback branch {}: “{name}” is the build's own branch.", i + 1)));
        } else if form.fallbacks[..i].iter().any(|f| f.name.trim() == name) {
            problems.push(invalid(key, format!("Fallback branch {}: “{name}” is already in the list.", i + 1)));
        }
    }
    if !form.attempts.trim().is_empty() && whole_number(&form.attempts).is_none_or(|n| n < 1) {
        problems.push(invalid(
            "numRunJobAttempts".into(),
            "Attempts must be a whole number, 1 or more (1 means a failed job is not retried).",
        ));
    }
    if !form.retry_backoff.trim().is_empty() && whole_number(&form.retry_backoff).is_none_or(|n| n < 0) {
        problems.push(invalid(
            "retryBackoffDuration".into(),
            "Retry backoff must be a whole number of seconds, 0 or more.",
        ));
    }
    if let Err(e) = parse_params(&form.build_parameters) {
        problems.push(invalid("buildParameters".into(), e.sentence()));
    }
    for (i, row) in form.input_failures.iter().enumerate() {
        let key = input_failure_key(i);
        if row.dataset.trim().is_empty() {
            problems.push(missing(
                key,
                format!("Input failure strategy {}: choose the input dataset, or remove the row.", i + 1),
            ));
        } else if let Some(bad) = rid_problem(&row.dataset) {
            problems.push(invalid(key, format!("Input failure strategy {}: {bad}.", i + 1)));
        }
    }
    if !form.build_group_rid.trim().is_empty()
        && let Some(bad) = rid_problem(&form.build_group_rid)
    {
        problems.push(invalid("buildGroupRid".into(), format!("{bad}.")));
    }
    problems
}

/// Every field key the form shows, so a service error can find its field.
pub fn field_keys(form: &FormState) -> Vec<String> {
    let mut keys: Vec<String> = [
        "jobSpecSelections",
        "submissionId",
        "buildGroupRid",
        "branch",
        "branchFallbacks",
        "forceBuild",
        "ignoreBuildPolicy",
        "finishOnFailures",
        "numRunJobAttempts",
        "forceRetry",
        "retryBackoffDuration",
        "buildParameters",
        "suppressNotifications",
        "exceededDurationMode",
        "inputFailureStrategies",
        "outputQueueStrategy",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    for (i, selection) in form.selections.iter().enumerate() {
        keys.push(selection_key(i));
        keys.extend(selection.kind.lists().iter().map(|&list| list_key(i, selection.kind, list)));
    }
    keys.extend((0..form.fallbacks.len()).map(fallback_key));
    keys.extend((0..form.input_failures.len()).map(input_failure_key));
    keys
}

/// The form field a service error's `field` belongs to: the longest key that is the
/// field itself or a prefix of it ending where an index or a sub-key begins.
/// `jobSpecSelections[0].datasets.datasetRids[1]` belongs to
/// `jobSpecSelections[0].datasets.datasetRids`.
pub fn owner_key(form: &FormState, field: &str) -> Option<String> {
    field_keys(form)
        .into_iter()
        .filter(|key| {
            field == key
                || field.strip_prefix(key.as_str()).is_some_and(|rest| rest.starts_with('[') || rest.starts_with('.'))
        })
        .max_by_key(String::len)
}

/// Messages by key: the service's (about the last submission) win over the form's own.
pub fn messages(problems: &[Problem], server: &BTreeMap<String, String>) -> BTreeMap<String, FieldMessage> {
    let mut out: BTreeMap<String, FieldMessage> = BTreeMap::new();
    for p in problems {
        out.entry(p.key.clone()).or_insert_with(|| p.message.clone());
    }
    for (key, text) in server {
        out.insert(key.clone(), FieldMessage { text: text.clone(), invalid: true });
    }
    out
}

/// The problems that matter for the service in use: none on options it does not read
/// (the form shows those disabled and does not send them), plus why the request cannot be
/// sent to it as it is, placed on the selection it is about.
pub fn for_service(problems: Vec<Problem>, capabilities: &Capabilities, refusal: Option<Unmappable>) -> Vec<Problem> {
    let mut kept: Vec<Problem> = problems.into_iter().filter(|p| capabilities.option(&p.key).is_available()).collect();
    if let Some(why) = refusal {
        let key = match why {
            Unmappable::JobSpecs { index } => selection_key(index),
            _ => "jobSpecSelections".to_owned(),
        };
        if !kept.iter().any(|p| p.key == key) {
            kept.insert(0, invalid(key, why.to_string()));
        }
    }
    kept
}
