//! The selections as one line of text, in step with the structured editors both ways:
//! typing a valid text replaces the selections; editing them re-writes the text. The
//! syntax is documented under the field.

use std::rc::Rc;

use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::catalog_index::CatalogIndex;
use super::state::{Action, SelectionDraft};
use super::text_syntax::{from_text, same_text, to_text};
use crate::selection_text::ParseError;

#[derive(Properties, PartialEq)]
pub struct SelectionTextProps {
    pub selections: Vec<SelectionDraft>,
    pub catalog: Option<Rc<CatalogIndex>>,
    /// The form's next free id, for the selections the text makes.
    pub next_id: u32,
    pub on_action: Callback<Action>,
}

/// The text, with a caret under the column an error points at.
fn pointer(text: &str, error: &ParseError) -> String {
    let caret: String = " ".repeat(error.column.saturating_sub(1));
    format!("{text}\n{caret}^")
}

#[component]
pub fn SelectionTextField(props: &SelectionTextProps) -> Html {
    let catalog = props.catalog.as_deref();
    let text = use_state(|| to_text(&props.selections, catalog));
    let error = use_state(|| None::<ParseError>);
    // The selections the text last produced; other changes came from the editors. The
    // text is rewritten only for those, and when the catalog arrives (RIDs become names),
    // never for the person's own typing (a trailing space must stay).
    let produced = use_mut_ref(|| props.selections.clone());
    let had_catalog = use_mut_ref(|| props.catalog.is_some());
    {
        let (text, error, produced, had_catalog) = (text.clone(), error.clone(), produced.clone(), had_catalog.clone());
        let catalog = props.catalog.clone();
        use_effect_with((props.selections.clone(), props.catalog.is_some()), move |(selections, has_catalog)| {
            let from_editors = !same_text(&produced.borrow(), selections);
            let catalog_arrived = *has_catalog && !*had_catalog.borrow();
            *had_catalog.borrow_mut() = *has_catalog;
            if from_editors || (catalog_arrived && error.is_none()) {
                *produced.borrow_mut() = selections.clone();
                text.set(to_text(selections, catalog.as_deref()));
                error.set(None);
            }
        });
    }
    let oninput = {
        let (text, error, produced) = (text.clone(), error.clone(), produced.clone());
        let (catalog, next_id, on_action) = (props.catalog.clone(), props.next_id, props.on_action.clone());
        Callback::from(move |e: InputEvent| {
            let input: HtmlInputElement = e.target_unchecked_into();
            let value = input.value();
            match from_text(&value, catalog.as_deref(), next_id) {
                Ok(selections) => {
                    error.set(None);
                    // A space or a comma more changes nothing; the editors keep their DOM.
                    if !same_text(&produced.borrow(), &selections) {
                        *produced.borrow_mut() = selections.clone();
                        on_action.emit(Action::ReplaceSelections(selections));
                    }
                }
                Err(e) => error.set(Some(e)),
            }
            text.set(value);
        })
    };
    let invalid = error.is_some();
    html! {
        <section class="card selection-text">
            <label id="selection-text-label" for="selection-text" class="label">{ "Selections as text" }</label>
            <input id="selection-text" type="text" value={(*text).clone()} {oninput} autocomplete="off" spellcheck="false"
                placeholder="+report/summary -agg/revenue-by-product job:clean-orders?" aria-invalid={invalid.to_string()}
                aria-describedby="selection-text-error selection-text-help" class="mono" />
            <div id="selection-text-error">
                if let Some(e) = &*error {
                    <p class="field-error" role="alert">{ format!("Column {}: {}.", e.column, e.message) }</p>
                    <div class="params-pointer"><pre aria-hidden="true">{ pointer(&text, e) }</pre></div>
                }
            </div>
            <details id="selection-text-help" class="syntax-help">
                <summary>{ "Syntax" }</summary>
                <p class="help">{ "One term per selection; terms are separated by spaces or commas and combine like selections do. A name is a dataset's or job spec's name, or a RID." }</p>
                <table class="syntax-table">
                    <thead><tr><th>{ "Text" }</th><th>{ "Selection" }</th></tr></thead>
                    <tbody>
                        <tr><td><code>{ "report/summary" }</code></td><td>{ "Datasets: build report/summary" }</td></tr>
                        <tr><td><code>{ "job:clean-orders" }</code></td><td>{ "Job specs: run clean-orders" }</td></tr>
                        <tr><td><code>{ "+report/summary" }</code></td><td>{ "Upstream: report/summary and everything upstream of it" }</td></tr>
                        <tr><td><code>{ "raw/orders..report/summary" }</code></td><td>{ "Connecting: every job spec on a path from raw/orders to report/summary" }</td></tr>
                        <tr><td><code>{ "+report/summary -agg/x" }</code></td><td>{ "Ignore agg/x in the upstream or connecting term before it" }</td></tr>
                        <tr><td><code>{ "report/summary?" }</code>{ ", " }<code>{ "job:x?" }</code></td><td>{ "Not required: skip it when the service does not know it" }</td></tr>
                        <tr><td><code>{ "a|b" }</code></td><td>{ "Several datasets (or job specs) in one term" }</td></tr>
                    </tbody>
                </table>
            </details>
        </section>
    }
}
