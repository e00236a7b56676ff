//! The selections editor: any number of selections of the four kinds, each with its own
//! RID lists and `isRequired` where the kind has it; add, remove, duplicate and reorder.

use std::collections::BTreeMap;
use std::rc::Rc;

use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use super::catalog_index::CatalogIndex;
use super::rid_field::RidField;
use super::state::{Action, RidTarget, SelectionDraft, SelectionKind};
use super::validation::{FieldMessage, field_id, list_key, selection_key};
use crate::api::Support;
use crate::session::use_session;

/// Whether the service takes selections of this kind (Foundry's public API has no
/// job-spec selections).
fn kind_support(kind: SelectionKind, job_specs: Support) -> Support {
    if kind == SelectionKind::JobSpecs { job_specs } else { Support::Available }
}

/// Focuses an element by id once yew has re-rendered, so a moved selection's button
/// keeps the keyboard focus.
fn focus_later(id: String) {
    wasm_bindgen_futures::spawn_local(async move {
        let element = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id(&id));
        if let Some(element) = element.and_then(|e| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(e).ok()) {
            let _ = element.focus();
        }
    });
}

#[derive(Properties, PartialEq)]
pub struct SelectionsProps {
    pub selections: Vec<SelectionDraft>,
    pub catalog: Option<Rc<CatalogIndex>>,
    pub messages: Rc<BTreeMap<String, FieldMessage>>,
    pub on_action: Callback<Action>,
}

#[component]
pub fn SelectionsEditor(props: &SelectionsProps) -> Html {
    let count = props.selections.len();
    let job_specs = use_session().service().capabilities().job_spec_selections;
    let add = |kind: SelectionKind| {
        let onclick = props.on_action.reform(move |_: MouseEvent| Action::AddSelection(kind));
        let reason = kind_support(kind, job_specs).reason();
        html! {
            <button type="button" class="button-add" {onclick} data-add={kind.wire()} disabled={reason.is_some()}
                title={reason} aria-describedby={reason.map(|_| "selection-kinds-unavailable")}>
                <span aria-hidden="true">{ "+ " }</span>{ kind.label() }
            </button>
        }
    };
    let top = props.messages.get("jobSpecSelections");
    html! {
        <section class="card selections" aria-labelledby="selections-title">
            <h2 id="selections-title">{ "What to build" }</h2>
            <p class="help">{ "Selections are combined: the build runs every job spec that any selection chooses." }</p>
            <ol class="selection-list">
                { for props.selections.iter().enumerate().map(|(index, selection)| {
                    let keys: Vec<String> = selection.kind.lists().iter().map(|&l| list_key(index, selection.kind, l)).collect();
                    let mut messages: Vec<Option<FieldMessage>> = keys.iter().map(|k| props.messages.get(k).cloned()).collect();
                    messages.push(props.messages.get(&selection_key(index)).cloned()
                        .or_else(|| props.messages.get(&format!("{}.{}", selection_key(index), selection.kind.wire())).cloned()));
                    html! {
                        <li key={selection.id}>
                            <SelectionEditor {index} {count} selection={selection.clone()} catalog={props.catalog.clone()}
                                {messages} on_action={props.on_action.clone()} />
                        </li>
                    }
                }) }
            </ol>
            <div class="add-selection" role="group" aria-labelledby="add-selection-label">
                <span id="add-selection-label" class="add-selection-label">{ "Add a selection:" }</span>
                { add(SelectionKind::Datasets) }
                { add(SelectionKind::JobSpecs) }
                { add(SelectionKind::Upstream) }
                { add(SelectionKind::Connecting) }
            </div>
            if let Some(reason) = job_specs.reason() {
                <p class="field-hint unavailable" id="selection-kinds-unavailable">{ reason }</p>
            }
            if let Some(m) = top {
                <p class={if m.invalid { "field-error" } else { "field-hint" }} id="f-jobSpecSelections-error">{ m.text.clone() }</p>
            }
        </section>
    }
}

#[derive(Properties, PartialEq)]
pub struct SelectionEditorProps {
    pub index: usize,
    pub count: usize,
    pub selection: SelectionDraft,
    pub catalog: Option<Rc<CatalogIndex>>,
    /// One message per list of the kind, in order, then one for the whole selection.
    pub messages: Vec<Option<FieldMessage>>,
    pub on_action: Callback<Action>,
}

#[component]
pub fn SelectionEditor(props: &SelectionEditorProps) -> Html {
    let SelectionEditorProps { index, count, selection, .. } = props;
    let capabilities = use_session().service().capabilities();
    let job_specs = capabilities.job_spec_selections;
    let unavailable = kind_support(selection.kind, job_specs).reason();
    // A manual target has no such switch: every dataset must be buildable, so it shows on.
    let required_fixed =
        if selection.kind == SelectionKind::Datasets { capabilities.optional_datasets.reason() } else { None };
    let id = selection.id;
    let number = index + 1;
    let base = format!("sel-{id}");
    let on_kind = props.on_action.reform(move |e: Event| {
        let select: HtmlSelectElement = e.target_unchecked_into();
        let kind = SelectionKind::from_wire(&select.value()).unwrap_or(SelectionKind::Datasets);
        Action::SetKind { id, kind }
    });
    let on_required = props.on_action.reform(move |e: Event| {
        let input: HtmlInputElement = e.target_unchecked_into();
        Action::SetRequired { id, required: input.checked() }
    });
    let mover = |delta: i32, label: &'static str, symbol: &'static str, disabled: bool| {
        let button_id = format!("{base}-{}", if delta < 0 { "up" } else { "down" });
        let onclick = {
            let (on_action, button_id) = (props.on_action.clone(), button_id.clone());
            Callback::from(move |_: MouseEvent| {
                on_action.emit(Action::MoveSelection { id, delta });
                focus_later(button_id.clone());
            })
        };
        html! {
            <button type="button" id={button_id} class="icon-button" {onclick} {disabled}
                aria-label={format!("{label} selection {number}")} title={format!("{label} selection {number}")}>
                <span aria-hidden="true">{ symbol }</span>
            </button>
        }
    };
    let on_duplicate = props.on_action.reform(move |_: MouseEvent| Action::DuplicateSelection(id));
    let on_remove = props.on_action.reform(move |_: MouseEvent| Action::RemoveSelection(id));
    let required_help = match selection.kind {
        SelectionKind::JobSpecs => "On: an unknown or undeployed job spec fails the submission. Off: it is skipped.",
        _ => "On: a dataset that no job spec produces fails the submission. Off: it is skipped.",
    };
    let lists = selection.kind.lists().iter().enumerate().map(|(i, &list)| {
        let key = list_key(*index, selection.kind, list);
        let help = match list {
            super::state::RidList::Ignore => Some("Optional. The walk does not enter or pass these datasets."),
            _ => None,
        };
        html! {
            <RidField id={field_id(&key)} label={selection.kind.list_label(list)} help={help.map(AttrValue::from)}
                expected={selection.kind.holds(list)} values={selection.list(list).to_vec()}
                target={RidTarget::Selection { id, list }} on_action={props.on_action.clone()}
                catalog={props.catalog.clone()} message={props.messages.get(i).cloned().flatten()} />
        }
    });
    let whole = props.messages.get(selection.kind.lists().len()).cloned().flatten();
    html! {
        <section class="selection" aria-labelledby={format!("{base}-title")} data-kind={selection.kind.wire()}>
            <div class="selection-head">
                <h3 id={format!("{base}-title")}>{ format!("Selection {number}") }</h3>
                <div class="selection-kind">
                    <label for={format!("{base}-kind")}>{ "Kind" }</label>
                    <select id={format!("{base}-kind")} onchange={on_kind}>
                        { for SelectionKind::ALL.iter().map(|k| html! {
                            <option value={k.wire()} selected={*k == selection.kind}
                                disabled={*k != selection.kind && !kind_support(*k, job_specs).is_available()}>{ k.label() }</option>
                        }) }
                    </select>
                </div>
                <div class="selection-tools">
                    { mover(-1, "Move up", "↑", *index == 0) }
                    { mover(1, "Move down", "↓", index + 1 == *count) }
                    <button type="button" onclick={on_duplicate} aria-label={format!("Duplicate selection {number}")}>{ "Duplicate" }</button>
                    <button type="button" class="button-danger" onclick={on_remove} aria-label={format!("Remove selection {number}")}>{ "Remove" }</button>
                </div>
            </div>
            <p class="help selection-meaning">{ selection.kind.meaning() }</p>
            if let Some(reason) = unavailable {
                <p class="field-hint unavailable" id={format!("{base}-unavailable")}>{ reason }</p>
            }
            <fieldset class={classes!("bare", unavailable.map(|_| "selection-unavailable is-unavailable"))} disabled={unavailable.is_some()}
                aria-describedby={unavailable.map(|_| format!("{base}-unavailable"))}>
            { for lists }
            if selection.kind.has_required() {
                <div class={classes!("field", required_fixed.map(|_| "is-unavailable"))}>
                    <label class="checkbox" for={format!("{base}-required")}>
                        <input type="checkbox" id={format!("{base}-required")} checked={selection.is_required || required_fixed.is_some()}
                            onchange={on_required} disabled={required_fixed.is_some()}
                            aria-describedby={format!("{base}-required-help {base}-required-unavailable")} />
                        { "Required" }
                    </label>
                    <p class="help" id={format!("{base}-required-help")}>{ required_help }</p>
                    if let Some(reason) = required_fixed {
                        <p class="field-hint unavailable" id={format!("{base}-required-unavailable")}>{ reason }</p>
                    }
                </div>
            }
            </fieldset>
            if let Some(m) = whole {
                <p class={if m.invalid { "field-error" } else { "field-hint" }}>{ m.text }</p>
            }
        </section>
    }
}
