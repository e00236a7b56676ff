//! The submit form's one store: the form as the person typed it, and the messages the
//! service attached to fields of the last submission. `Action` is every edit.
//!
//! The form keeps text exactly as typed (RIDs, numbers, JSON) so that a half-typed value
//! is never lost; `wire::to_request` turns it into the request and `validation` says what
//! is wrong with it.

use std::collections::BTreeMap;
use std::rc::Rc;

use kiln_api::build2::{DEFAULT_BRANCH, ExceededDurationMode, FailureStrategy, OutputQueueStrategy};
use serde::{Deserialize, Serialize};
use yew::Reducible;

use super::catalog_index::RidKind;

/// The four kinds of job-spec selection the contract knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SelectionKind {
    Datasets,
    JobSpecs,
    Upstream,
    Connecting,
}

impl SelectionKind {
    pub const ALL: [SelectionKind; 4] =
        [SelectionKind::Datasets, SelectionKind::JobSpecs, SelectionKind::Upstream, SelectionKind::Connecting];

    /// The `type` on the wire, which is also the key of the payload.
    pub fn wire(self) -> &'static str {
        match self {
            SelectionKind::Datasets => "datasets",
            SelectionKind::JobSpecs => "jobSpecs",
            SelectionKind::Upstream => "upstream",
            SelectionKind::Connecting => "connecting",
        }
    }

    pub fn from_wire(wire: &str) -> Option<Self> {
        SelectionKind::ALL.into_iter().find(|k| k.wire() == wire)
    }

    pub fn label(self) -> &'static str {
        match self {
            SelectionKind::Datasets => "Datasets",
            SelectionKind::JobSpecs => "Job specs",
            SelectionKind::Upstream => "Upstream",
            SelectionKind::Connecting => "Connecting",
        }
    }

    /// One sentence on what the build service does with a selection of this kind.
    pub fn meaning(self) -> &'static str {
        match self {
            SelectionKind::Datasets => "Runs the job specs that produce these datasets.",
            SelectionKind::JobSpecs => "Runs exactly these job specs.",
            SelectionKind::Upstream => {
                "Starts at these datasets and runs every job spec upstream of them, stopping at ignored datasets."
            }
            SelectionKind::Connecting => {
                "Runs every job spec on a path from an upstream dataset to a downstream dataset; ignored datasets cut paths."
            }
        }
    }

    /// The RID lists a selection of this kind has, in the order the form shows them.
    pub fn lists(self) -> &'static [RidList] {
        match self {
            SelectionKind::Datasets | SelectionKind::JobSpecs => &[RidList::Main],
            SelectionKind::Upstream => &[RidList::Main, RidList::Ignore],
            SelectionKind::Connecting => &[RidList::Main, RidList::Downstream, RidList::Ignore],
        }
    }

    /// Whether the kind has an `isRequired` flag.
    pub fn has_required(self) -> bool {
        matches!(self, SelectionKind::Datasets | SelectionKind::JobSpecs)
    }

    /// What a list of this kind holds.
    pub fn holds(self, list: RidList) -> RidKind {
        match (self, list) {
            (SelectionKind::JobSpecs, RidList::Main) => RidKind::JobSpec,
            _ => RidKind::Dataset,
        }
    }

    /// The wire key of one of this kind's lists.
    pub fn list_key(self, list: RidList) -> &'static str {
        match (self, list) {
            (SelectionKind::Datasets | SelectionKind::Upstream, RidList::Main) => "datasetRids",
            (SelectionKind::JobSpecs, _) => "jobSpecRids",
            (SelectionKind::Connecting, RidList::Main) => "upstreamDatasetRids",
            (_, RidList::Downstream) => "downstreamDatasetRids",
            (_, RidList::Ignore) => "datasetRidsToIgnore",
        }
    }

    /// The label of one of this kind's lists.
    pub fn list_label(self, list: RidList) -> &'static str {
        match (self, list) {
            (SelectionKind::Datasets, RidList::Main) => "Datasets to build",
            (SelectionKind::JobSpecs, _) => "Job specs to run",
            (SelectionKind::Upstream, RidList::Main) => "Start from datasets",
            (SelectionKind::Connecting, RidList::Main) => "Upstream datasets",
            (_, RidList::Downstream) => "Downstream datasets",
            (_, RidList::Ignore) => "Datasets to ignore",
        }
    }

    /// What an empty list still needs, as the end of a sentence.
    pub fn list_missing(self, list: RidList) -> &'static str {
        match (self, list) {
            (SelectionKind::Datasets, RidList::Main) => "add at least one dataset to build",
            (SelectionKind::JobSpecs, _) => "add at least one job spec to run",
            (SelectionKind::Upstream, RidList::Main) => "add at least one dataset to start from",
            (SelectionKind::Connecting, RidList::Main) => "add at least one upstream dataset",
            (_, RidList::Downstream) => "add at least one downstream dataset",
            (_, RidList::Ignore) => "",
        }
    }

    /// Whether a list must hold at least one RID for the selection to mean anything.
    pub fn list_required(self, list: RidList) -> bool {
        list != RidList::Ignore
    }
}

/// One of the (up to three) RID lists of a selection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RidList {
    /// Datasets or job specs to build, or where an upstream or connecting walk starts.
    Main,
    /// Where a connecting walk ends.
    Downstream,
    /// Datasets the walk must not enter.
    Ignore,
}

/// A selection as the person edits it. Switching the kind keeps every list, so a wrong
/// choice of kind loses nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SelectionDraft {
    pub id: u32,
    pub kind: SelectionKind,
    pub rids: Vec<String>,
    pub downstream: Vec<String>,
    pub ignore: Vec<String>,
    pub is_required: bool,
}

impl SelectionDraft {
    pub fn new(id: u32, kind: SelectionKind) -> Self {
        SelectionDraft { id, kind, rids: Vec::new(), downstream: Vec::new(), ignore: Vec::new(), is_required: true }
    }

    pub fn list(&self, list: RidList) -> &[String] {
        match list {
            RidList::Main => &self.rids,
            RidList::Downstream => &self.downstream,
            RidList::Ignore => &self.ignore,
        }
    }

    fn list_mut(&mut self, list: RidList) -> &mut Vec<String> {
        match list {
            RidList::Main => &mut self.rids,
            RidList::Downstream => &mut self.downstream,
            RidList::Ignore => &mut self.ignore,
        }
    }
}

/// One fallback branch row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FallbackDraft {
    pub id: u32,
    pub name: String,
}

/// One input failure strategy row; `dataset` is empty until one is chosen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputFailureDraft {
    pub id: u32,
    pub dataset: String,
    pub strategy: FailureStrategy,
}

/// Every field of the form, as typed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct FormState {
    pub selections: Vec<SelectionDraft>,
    pub branch: String,
    pub fallbacks: Vec<FallbackDraft>,
    pub force_build: bool,
    pub ignore_build_policy: bool,
    pub finish_on_failures: bool,
    pub attempts: String,
    pub force_retry: bool,
    pub retry_backoff: String,
    pub build_parameters: String,
    pub suppress_notifications: bool,
    pub exceeded_duration_mode: Option<ExceededDurationMode>,
    pub input_failures: Vec<InputFailureDraft>,
    pub output_queue_strategy: Option<OutputQueueStrategy>,
    pub submission_id: String,
    pub build_group_rid: String,
    /// The next id for a selection or row; ids key list items so yew keeps their DOM.
    pub next_id: u32,
}

impl Default for FormState {
    /// One empty datasets selection on `master`, every option at its service default.
    fn default() -> Self {
        FormState {
            selections: vec![SelectionDraft::new(1, SelectionKind::Datasets)],
            branch: DEFAULT_BRANCH.to_owned(),
            fallbacks: Vec::new(),
            force_build: false,
            ignore_build_policy: false,
            finish_on_failures: false,
            attempts: String::new(),
            force_retry: false,
            retry_backoff: String::new(),
            build_parameters: "{}".to_owned(),
            suppress_notifications: false,
            exceeded_duration_mode: None,
            input_failures: Vec::new(),
            output_queue_strategy: None,
            submission_id: String::new(),
            build_group_rid: String::new(),
            next_id: 2,
        }
    }
}

impl FormState {
    fn take_id(&mut self) -> u32 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// Whether the person has put anything in the form worth keeping.
    pub fn is_blank(&self) -> bool {
        let fresh = FormState { next_id: self.next_id, ..FormState::default() };
        let selections_blank =
            self.selections.iter().all(|s| s.rids.is_empty() && s.downstream.is_empty() && s.ignore.is_empty());
        let mut rest = self.clone();
        rest.selections = fresh.selections.clone();
        selections_blank && rest == fresh
    }

    /// The RIDs a target holds now.
    pub fn rids(&self, target: RidTarget) -> Vec<String> {
        match target {
            RidTarget::Selection { id, list } => {
                self.selections.iter().find(|s| s.id == id).map(|s| s.list(list).to_vec()).unwrap_or_default()
            }
            RidTarget::FailureInput { id } => self
                .input_failures
                .iter()
                .find(|r| r.id == id && !r.dataset.is_empty())
                .map(|r| vec![r.dataset.clone()])
                .unwrap_or_default(),
        }
    }

    pub fn selection_index(&self, id: u32) -> Option<usize> {
        self.selections.iter().position(|s| s.id == id)
    }
}

/// The checkboxes of the options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flag {
    ForceBuild,
    IgnoreBuildPolicy,
    FinishOnFailures,
    ForceRetry,
    SuppressNotifications,
}

/// The free-text options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextField {
    Branch,
    Attempts,
    RetryBackoff,
    BuildParameters,
    SubmissionId,
    BuildGroupRid,
}

/// Which RID list an edit is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RidTarget {
    Selection { id: u32, list: RidList },
    FailureInput { id: u32 },
}

/// Every edit the form knows.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    AddSelection(SelectionKind),
    RemoveSelection(u32),
    DuplicateSelection(u32),
    /// Moves a selection by `delta` places (−1 up, +1 down), clamped to the list.
    MoveSelection {
        id: u32,
        delta: i32,
    },
    SetKind {
        id: u32,
        kind: SelectionKind,
    },
    SetRequired {
        id: u32,
        required: bool,
    },
    /// Replaces a whole RID list.
    SetRids {
        target: RidTarget,
        rids: Vec<String>,
    },
    /// Appends RIDs a list does not hold yet (a single-RID field takes the first).
    /// Appending in the store, not in the field, means two quick edits never undo each other.
    AddRids {
        target: RidTarget,
        rids: Vec<String>,
    },
    RemoveRid {
        target: RidTarget,
        rid: String,
    },
    /// Removes a list's last RID (Backspace in an empty box).
    PopRid(RidTarget),
    SetFlag(Flag, bool),
    SetText(TextField, String),
    AddFallback,
    SetFallback {
        id: u32,
        name: String,
    },
    RemoveFallback(u32),
    MoveFallback {
        id: u32,
        delta: i32,
    },
    SetExceededMode(Option<ExceededDurationMode>),
    SetQueueStrategy(Option<OutputQueueStrategy>),
    AddInputFailure,
    SetInputFailureStrategy {
        id: u32,
        strategy: FailureStrategy,
    },
    RemoveInputFailure(u32),
    /// A whole new form: a restored draft, a prefill, or a reset.
    Replace(FormState),
    /// New selections from the text field; none leaves one empty datasets selection.
    ReplaceSelections(Vec<SelectionDraft>),
    /// What the service said about fields of the last submission, by form field key.
    ServerErrors(BTreeMap<String, String>),
}

/// The store: the form, and the service's messages about the last submission.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FormStore {
    pub form: FormState,
    pub server_errors: BTreeMap<String, String>,
}

impl FormStore {
    pub fn new(form: FormState) -> Self {
        FormStore { form, server_errors: BTreeMap::new() }
    }
}

fn move_by<T>(items: &mut [T], from: usize, delta: i32) {
    let to = (from as i64 + i64::from(delta)).clamp(0, items.len().saturating_sub(1) as i64) as usize;
    if from < to {
        items[from..=to].rotate_left(1);
    } else {
        items[to..=from].rotate_right(1);
    }
}

/// Trims, drops empties and duplicates, keeping the first occurrence's place.
fn clean_rids(rids: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(rids.len());
    for rid in rids {
        let rid = rid.trim().to_owned();
        if !rid.is_empty() && !out.contains(&rid) {
            out.push(rid);
        }
    }
    out
}

impl FormState {
    /// Applies one edit. Pure, so the reducer and the tests share it.
    pub fn apply(&mut self, action: Action) {
        match action {
            Action::AddSelection(kind) => {
                let id = self.take_id();
                self.selections.push(SelectionDraft::new(id, kind));
            }
            Action::RemoveSelection(id) => self.selections.retain(|s| s.id != id),
            Action::DuplicateSelection(id) => {
                if let Some(i) = self.selection_index(id) {
                    let mut copy = self.selections[i].clone();
                    copy.id = self.take_id();
                    self.selections.insert(i + 1, copy);
                }
            }
            Action::MoveSelection { id, delta } => {
                if let Some(i) = self.selection_index(id) {
                    move_by(&mut self.selections, i, delta);
                }
            }
            Action::SetKind { id, kind } => {
                if let Some(s) = self.selections.iter_mut().find(|s| s.id == id) {
                    s.kind = kind;
                }
            }
            Action::SetRequired { id, required } => {
                if let Some(s) = self.selections.iter_mut().find(|s| s.id == id) {
                    s.is_required = required;
                }
            }
            Action::SetRids { target: RidTarget::Selection { id, list }, rids } => {
                if let Some(s) = self.selections.iter_mut().find(|s| s.id == id) {
                    *s.list_mut(list) = clean_rids(rids);
                }
            }
            Action::SetRids { target: RidTarget::FailureInput { id }, rids } => {
                if let Some(row) = self.input_failures.iter_mut().find(|r| r.id == id) {
                    row.dataset = clean_rids(rids).into_iter().next().unwrap_or_default();
                }
            }
            // A field of one RID: what is added replaces what was there.
            Action::AddRids { target: target @ RidTarget::FailureInput { .. }, rids } => {
                self.apply(Action::SetRids { target, rids });
            }
            Action::AddRids { target, rids } => {
                let mut list = self.rids(target);
                list.extend(rids);
                self.apply(Action::SetRids { target, rids: list });
            }
            Action::RemoveRid { target, rid } => {
                let list = self.rids(target).into_iter().filter(|r| *r != rid).collect();
                self.apply(Action::SetRids { target, rids: list });
            }
            Action::PopRid(target) => {
                let mut list = self.rids(target);
                list.pop();
                self.apply(Action::SetRids { target, rids: list });
            }
            Action::SetFlag(flag, on) => {
                let field = match flag {
                    Flag::ForceBuild => &mut self.force_build,
                    Flag::IgnoreBuildPolicy => &mut self.ignore_build_policy,
                    Flag::FinishOnFailures => &mut self.finish_on_failures,
                    Flag::ForceRetry => &mut self.force_retry,
                    Flag::SuppressNotifications => &mut self.suppress_notifications,
                };
                *field = on;
            }
            Action::SetText(which, text) => {
                let field = match which {
                    TextField::Branch => &mut self.branch,
                    TextField::Attempts => &mut self.attempts,
                    TextField::RetryBackoff => &mut self.retry_backoff,
                    TextField::BuildParameters => &mut self.build_parameters,
                    TextField::SubmissionId => &mut self.submission_id,
                    TextField::BuildGroupRid => &mut self.build_group_rid,
                };
                *field = text;
            }
            Action::AddFallback => {
                let id = self.take_id();
                self.fallbacks.push(FallbackDraft { id, name: String::new() });
            }
            Action::SetFallback { id, name } => {
                if let Some(f) = self.fallbacks.iter_mut().find(|f| f.id == id) {
                    f.name = name;
                }
            }
            Action::RemoveFallback(id) => self.fallbacks.retain(|f| f.id != id),
            Action::MoveFallback { id, delta } => {
                if let Some(i) = self.fallbacks.iter().position(|f| f.id == id) {
                    move_by(&mut self.fallbacks, i, delta);
                }
            }
            Action::SetExceededMode(mode) => self.exceeded_duration_mode = mode,
            Action::SetQueueStrategy(strategy) => self.output_queue_strategy = strategy,
            Action::AddInputFailure => {
                let id = self.take_id();
                self.input_failures.push(InputFailureDraft {
                    id,
                    dataset: String::new(),
                    strategy: FailureStrategy::Continue,
                });
            }
            Action::SetInputFailureStrategy { id, strategy } => {
                if let Some(row) = self.input_failures.iter_mut().find(|r| r.id == id) {
                    row.strategy = strategy;
                }
            }
            Action::RemoveInputFailure(id) => self.input_failures.retain(|r| r.id != id),
            Action::Replace(form) => *self = form,
            Action::ReplaceSelections(selections) => {
                self.selections = selections;
                if self.selections.is_empty() {
                    let id = self.take_id();
                    self.selections.push(SelectionDraft::new(id, SelectionKind::Datasets));
                }
                let after = self.selections.iter().map(|s| s.id + 1).max().unwrap_or(0);
                self.next_id = self.next_id.max(after);
            }
            Action::ServerErrors(_) => {}
        }
    }
}

impl Reducible for FormStore {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            Action::ServerErrors(errors) => next.server_errors = errors,
            action => {
                next.form.apply(action);
                // The service's objections were about the request it saw; once the
                // request changes they may no longer hold, so they go.
                if next.form != self.form {
                    next.server_errors.clear();
                }
            }
        }
        Rc::new(next)
    }
}

#[cfg(test)]
mod replace_selections_tests {
    use wasm_bindgen_test::wasm_bindgen_test;

    use super::*;

    #[wasm_bindgen_test]
    fn replacing_selections_keeps_ids_fresh_and_never_leaves_none() {
        let mut form = FormState::default();
        let mut one = SelectionDraft::new(40, SelectionKind::Upstream);
        one.rids = vec!["ri.foundry.main.dataset.a".to_owned()];
        form.apply(Action::ReplaceSelections(vec![one]));
        assert_eq!(form.selections.len(), 1);
        assert!(form.next_id > 40, "later selections get ids above the text's");
        form.apply(Action::ReplaceSelections(vec![]));
        assert_eq!(form.selections.len(), 1, "an empty text leaves one empty selection to fill");
        assert_eq!(form.selections[0].kind, SelectionKind::Datasets);
        assert!(form.selections[0].rids.is_empty());
    }
}
