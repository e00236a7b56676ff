//! The filter bar. Every change becomes a new [`Filters`], which the page writes into the
//! URL; the bar reads its values back from there, so back and forward work too. Text
//! fields apply as the person types, after a short pause.

use kiln_api::teams::{ArchivedFilter, TeamBuildState};
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use super::filters::{Filters, non_blank};
use crate::hooks::debounce::{TYPING_PAUSE_MS, use_debouncer};

#[derive(Properties, PartialEq)]
pub struct FilterBarProps {
    pub filters: Filters,
    pub on_change: Callback<Filters>,
}

fn input_value(e: &Event) -> Option<String> {
    non_blank(Some(e.target_unchecked_into::<HtmlInputElement>().value()))
}

#[component]
pub fn FilterBar(props: &FilterBarProps) -> Html {
    let f = &props.filters;
    let change = |apply: fn(&mut Filters, &Event)| {
        let (filters, on_change) = (f.clone(), props.on_change.clone());
        Callback::from(move |e: Event| {
            let mut next = filters.clone();
            apply(&mut next, &e);
            if next != filters {
                on_change.emit(next);
            }
        })
    };
    let on_state = change(|f, e| {
        f.state = e.target_unchecked_into::<HtmlSelectElement>().value().parse::<TeamBuildState>().ok();
    });
    let on_archived = change(|f, e| {
        f.archived = match e.target_unchecked_into::<HtmlSelectElement>().value().as_str() {
            "true" => ArchivedFilter::True,
            "all" => ArchivedFilter::All,
            _ => ArchivedFilter::False,
        };
    });
    // Text fields apply as the person types, once typing pauses; Enter or leaving the field
    // applies at once. The pause reads the filters as they are when it ends (`latest`), so
    // a change made meanwhile in another control is kept.
    let debouncer = use_debouncer(TYPING_PAUSE_MS);
    let latest = use_mut_ref(Filters::default);
    *latest.borrow_mut() = f.clone();
    let typing = |apply: fn(&mut Filters, Option<String>)| {
        let (latest, debouncer, on_change) = (latest.clone(), debouncer.clone(), props.on_change.clone());
        Callback::from(move |e: InputEvent| {
            let value = non_blank(Some(e.target_unchecked_into::<HtmlInputElement>().value()));
            let (latest, on_change) = (latest.clone(), on_change.clone());
            debouncer.call(move || {
                let current = latest.borrow().clone();
                let mut next = current.clone();
                apply(&mut next, value);
                if next != current {
                    on_change.emit(next);
                }
            });
        })
    };
    let now = |apply: fn(&mut Filters, Option<String>)| {
        let (latest, debouncer, on_change) = (latest.clone(), debouncer.clone(), props.on_change.clone());
        Callback::from(move |e: Event| {
            debouncer.cancel();
            let current = latest.borrow().clone();
            let mut next = current.clone();
            apply(&mut next, input_value(&e));
            if next != current {
                on_change.emit(next);
            }
        })
    };
    let [set_tag, set_dataset, set_text]: [fn(&mut Filters, Option<String>); 3] =
        [|f, v| f.tag = v, |f, v| f.dataset = v, |f, v| f.text = v];
    let (on_tag, on_dataset, on_text) = (now(set_tag), now(set_dataset), now(set_text));
    let (typing_tag, typing_dataset, typing_text) = (typing(set_tag), typing(set_dataset), typing(set_text));
    let on_clear = {
        let (filters, on_change) = (f.clone(), props.on_change.clone());
        Callback::from(move |_: MouseEvent| {
            on_change.emit(Filters { sort: filters.sort, dir: filters.dir, ..Filters::default() })
        })
    };
    // A form so Enter in a text field applies it at once rather than reloading the page.
    let onsubmit = Callback::from(|e: SubmitEvent| e.prevent_default());
    let archived_value = match f.archived {
        ArchivedFilter::False => "false",
        ArchivedFilter::True => "true",
        ArchivedFilter::All => "all",
    };
    html! {
        <form class="filter-bar" role="search" aria-label="Filter builds" {onsubmit}>
            <div class="filter filter-text">
                <label for="filter-q">{ "Search" }</label>
                <input id="filter-q" type="search" value={f.text.clone().unwrap_or_default()} onchange={on_text} oninput={typing_text}
                    placeholder="Run id, RID, tag, person, job…" autocomplete="off" />
            </div>
            <div class="filter">
                <label for="filter-state">{ "State" }</label>
                <select id="filter-state" onchange={on_state}>
                    <option value="" selected={f.state.is_none()}>{ "Any state" }</option>
                    { for TeamBuildState::ALL.iter().map(|s| html! {
                        <option value={s.as_str()} selected={f.state == Some(*s)}>{ s.as_str() }</option>
                    }) }
                </select>
            </div>
            <div class="filter">
                <label for="filter-tag">{ "Tag" }</label>
                <input id="filter-tag" type="text" value={f.tag.clone().unwrap_or_default()} onchange={on_tag} oninput={typing_tag} autocomplete="off" />
            </div>
            <div class="filter">
                <label for="filter-dataset">{ "Dataset" }</label>
                <input id="filter-dataset" type="text" value={f.dataset.clone().unwrap_or_default()} onchange={on_dataset} oninput={typing_dataset}
                    placeholder="Name or RID" autocomplete="off" />
            </div>
            <div class="filter">
                <label for="filter-archived">{ "Showing" }</label>
                <select id="filter-archived" onchange={on_archived} value={archived_value}>
                    <option value="false" selected={f.archived == ArchivedFilter::False}>{ "Current builds" }</option>
                    <option value="true" selected={f.archived == ArchivedFilter::True}>{ "Archived builds" }</option>
                    <option value="all" selected={f.archived == ArchivedFilter::All}>{ "All builds" }</option>
                </select>
            </div>
            if f.is_filtered() {
                <button type="button" class="button-quiet filter-clear" onclick={on_clear}>{ "Clear filters" }</button>
            }
        </form>
    }
}
