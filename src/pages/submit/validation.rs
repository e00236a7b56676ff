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

/// One problem that keeps the form from being submitted. `message` is shown by its field,
/// which has a label, so it does not name the field; `summary` is the line in the "Submit is
/// off" list, which has no label beside it, so it does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub key: String,
    pub message: FieldMessage,
    pub summary: String,
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

fn missing(key: String, text: impl Into<String>, summary: impl Into<String>) -> Problem {
    Problem { key, message: FieldMessage { text: text.into(), invalid: false }, summary: summary.into() }
}

fn invalid(key: String, text: impl Into<String>, summary: impl Into<String>) -> Problem {
    Problem { key, message: FieldMessage { text: text.into(), invalid: true }, summary: summary.into() }
}

fn whole_number(text: &str) -> Option<i64> {
    text.trim().parse().ok()
}

/// The bounds the contract states (docs/api.md) and kiln-server enforces.
pub const ATTEMPTS: std::ops::RangeInclusive<i64> = 1..=100;
pub const BACKOFF_SECONDS: std::ops::RangeInclusive<i64> = 0..=3600;

/// Upper-cases an ASCII first letter (the texts are the console's own English).
fn sentence_case(s: &str) -> String {
    let mut out = s.to_owned();
    if let Some(first) = out.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    out
}

/// What is wrong with one RID chip, if anything: malformed always; with a loaded catalog,
/// also a RID of the other kind or one the catalog does not know. The text starts with
/// the chip (its name when the catalog knows it), so a list of them says which is which.
fn chip_problem(text: &str, expected: RidKind, catalog: Option<&CatalogIndex>) -> Option<String> {
    match chip_status(text, expected, catalog) {
        ChipStatus::Known(_) => None,
        ChipStatus::Malformed(why) => Some(format!("“{}” is not a RID: {why}", text.trim())),
        ChipStatus::WrongKind(kind) => {
            let name = catalog.and_then(|c| c.name(text)).unwrap_or(text);
            Some(format!("“{name}” is a {}, not a {}", kind.noun(), expected.noun()))
        }
        ChipStatus::Unknown if catalog.is_some() => {
            Some(format!("“{}” is no {} in the catalog", text.trim(), expected.noun()))
        }
        ChipStatus::Unknown => None,
    }
}

/// Every problem of the form, in the order the form shows its fields, without the
/// catalog: only what is wrong whatever the service knows.
pub fn validate(form: &FormState) -> Vec<Problem> {
    validate_with(form, None)
}

/// Every problem of the form, in the order the form shows its fields. With a loaded
/// catalog, a RID of the wrong kind (a job spec among datasets) or one the catalog does
/// not know blocks too: the service would refuse it, and the chip already says so.
pub fn validate_with(form: &FormState, catalog: Option<&CatalogIndex>) -> Vec<Problem> {
    let mut problems = Vec::new();
    if form.selections.is_empty() {
        let text = "Add at least one selection: it says what the build runs.";
        problems.push(missing("jobSpecSelections".into(), text, text));
    }
    for (i, selection) in form.selections.iter().enumerate() {
        let n = i + 1;
        for &list in selection.kind.lists() {
            let key = list_key(i, selection.kind, list);
            let label = selection.kind.list_label(list);
            let texts = selection.list(list);
            // One problem per bad chip, so the list under Submit names each of them.
            let bad: Vec<String> =
                texts.iter().filter_map(|t| chip_problem(t, selection.kind.holds(list), catalog)).collect();
            for why in &bad {
                problems.push(invalid(
                    key.clone(),
                    format!("{why}. Remove it or fix it."),
                    format!("Selection {n}, {label}: {why}."),
                ));
            }
            if texts.is_empty() && selection.kind.list_required(list) {
                let need = selection.kind.list_missing(list);
                problems.push(missing(key, format!("{}.", sentence_case(need)), format!("Selection {n}: {need}.")));
            }
        }
    }
    if form.branch.trim().contains(char::is_whitespace) {
        problems.push(invalid(
            "branch".into(),
            "Cannot contain spaces.",
            "Branch: a branch name cannot contain spaces.",
        ));
    }
    let branch = if form.branch.trim().is_empty() { kiln_api::build2::DEFAULT_BRANCH } else { form.branch.trim() };
    for (i, fallback) in form.fallbacks.iter().enumerate() {
        let name = fallback.name.trim();
        let key = fallback_key(i);
        let row = format!("Fallback branch {}", i + 1);
        if name.is_empty() {
            problems.push(missing(
                key,
                "Type a branch name, or remove the row.",
                format!("{row}: type a branch name, or remove the row."),
            ));
        } else if name.contains(char::is_whitespace) {
            problems.push(invalid(
                key,
                "Cannot contain spaces.",
                format!("{row}: a branch name cannot contain spaces."),
            ));
        } else if name == branch {
            let why = format!("“{name}” is the build's own branch.");
            problems.push(invalid(key, why.clone(), format!("{row}: {why}")));
        } else if form.fallbacks[..i].iter().any(|f| f.name.trim() == name) {
            let why = format!("“{name}” is already in the list.");
            problems.push(invalid(key, why.clone(), format!("{row}: {why}")));
        }
    }
    if !form.attempts.trim().is_empty() && whole_number(&form.attempts).is_none_or(|n| !ATTEMPTS.contains(&n)) {
        let (low, high) = (ATTEMPTS.start(), ATTEMPTS.end());
        problems.push(invalid(
            "numRunJobAttempts".into(),
            format!("Must be a whole number between {low} and {high} ({low} means a failed job is not retried)."),
            format!("Attempts per job: must be a whole number between {low} and {high}."),
        ));
    }
    if !form.retry_backoff.trim().is_empty()
        && whole_number(&form.retry_backoff).is_none_or(|n| !BACKOFF_SECONDS.contains(&n))
    {
        let (low, high) = (BACKOFF_SECONDS.start(), BACKOFF_SECONDS.end());
        problems.push(invalid(
            "retryBackoffDuration".into(),
            format!("Must be a whole number of seconds between {low} and {high} (an hour)."),
            format!("Retry backoff: must be a whole number of seconds between {low} and {high}."),
        ));
    }
    if let Err(e) = parse_params(&form.build_parameters) {
        let sentence = e.sentence();
        problems.push(invalid("buildParameters".into(), sentence.clone(), format!("Build parameters: {sentence}")));
    }
    for (i, row) in form.input_failures.iter().enumerate() {
        let key = input_failure_key(i);
        let n = i + 1;
        if row.dataset.trim().is_empty() {
            problems.push(missing(
                key,
                "Choose the input dataset, or remove the row.",
                format!("Input failure strategy {n}: choose the input dataset, or remove the row."),
            ));
        } else if let Some(why) = chip_problem(&row.dataset, RidKind::Dataset, catalog) {
            problems.push(invalid(key, format!("{why}."), format!("Input failure strategy {n}: {why}.")));
        }
    }
    if !form.build_group_rid.trim().is_empty()
        && let Some(bad) = rid_problem(&form.build_group_rid)
    {
        problems.push(invalid("buildGroupRid".into(), format!("{bad}."), format!("Build group RID: {bad}.")));
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
/// Several problems of one field (two bad chips) make one message of their sentences.
pub fn messages(problems: &[Problem], server: &BTreeMap<String, String>) -> BTreeMap<String, FieldMessage> {
    let mut out: BTreeMap<String, FieldMessage> = BTreeMap::new();
    for p in problems {
        match out.get_mut(&p.key) {
            Some(m) => {
                m.text.push(' ');
                m.text.push_str(&p.message.text);
                m.invalid |= p.message.invalid;
            }
            None => {
                out.insert(p.key.clone(), p.message.clone());
            }
        }
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
            let text = why.to_string();
            kept.insert(0, invalid(key, text.clone(), text));
        }
    }
    kept
}
