//! A field of RIDs shown as chips: type or paste many at once (newlines, commas,
//! semicolons, spaces), see each one's catalog name, see malformed or unknown ones
//! flagged on the chip, and search the catalog by name or RID as you type.
//!
//! The text box is an ARIA combobox with a listbox of catalog hits: ArrowDown/ArrowUp move
//! through the hits, Enter picks one (or adds what was typed), Escape closes the list, and
//! Backspace in an empty box removes the last chip.

use std::rc::Rc;

use kiln_api::rid::split_rids;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::catalog_index::{CatalogIndex, Hit, RidKind};
use super::state::{Action, RidTarget};
use super::validation::{ChipStatus, FieldMessage, chip_status};

const MAX_HITS: usize = 8;

/// The RIDs in pasted text, when it is a paste of RIDs (a separator, or a RID prefix)
/// rather than a name to search for.
pub fn pasted_rids(text: &str) -> Option<Vec<String>> {
    let trimmed = text.trim();
    let has_separator = trimmed.contains(|c: char| c.is_whitespace() || c == ',' || c == ';');
    (has_separator || trimmed.starts_with("ri.")).then(|| split_rids(trimmed).into_iter().map(str::to_owned).collect())
}

/// The text of a paste event, read without the web-sys clipboard features.
fn paste_text(event: &Event) -> Option<String> {
    let data = js_sys::Reflect::get(event, &JsValue::from_str("clipboardData")).ok()?;
    let get = js_sys::Reflect::get(&data, &JsValue::from_str("getData")).ok()?.dyn_into::<js_sys::Function>().ok()?;
    get.call1(&data, &JsValue::from_str("text")).ok()?.as_string()
}

#[derive(Properties, PartialEq)]
pub struct RidFieldProps {
    /// The text box's id; the label, help, error and list ids derive from it.
    pub id: AttrValue,
    pub label: AttrValue,
    #[prop_or_default]
    pub help: Option<AttrValue>,
    pub expected: RidKind,
    pub values: Vec<String>,
    pub target: RidTarget,
    pub on_action: Callback<Action>,
    pub catalog: Option<Rc<CatalogIndex>>,
    #[prop_or_default]
    pub message: Option<FieldMessage>,
}

#[component]
pub fn RidField(props: &RidFieldProps) -> Html {
    let text = use_state(String::new);
    let open = use_state(|| false);
    let active = use_state(|| None::<usize>);
    let input_ref = use_node_ref();

    let hits: Vec<Hit> = match (&props.catalog, text.trim().starts_with("ri.")) {
        (Some(catalog), false) => catalog.search(props.expected, &text, MAX_HITS),
        _ => Vec::new(),
    };
    let expanded = *open && !hits.is_empty();

    // The store appends and dedupes, so quick edits in a row never see a stale list.
    let commit = {
        let (target, on_action) = (props.target, props.on_action.clone());
        move |rids: Vec<String>| {
            if !rids.is_empty() {
                on_action.emit(Action::AddRids { target, rids });
            }
        }
    };

    let oninput = {
        let (text, open, active, commit) = (text.clone(), open.clone(), active.clone(), commit.clone());
        Callback::from(move |e: InputEvent| {
            let input: HtmlInputElement = e.target_unchecked_into();
            let value = input.value();
            // Typing a separator after RIDs adds them; a name with spaces stays a search.
            let ends_with_separator = value.ends_with(|c: char| c.is_whitespace() || c == ',' || c == ';');
            let tokens = split_rids(&value);
            if ends_with_separator && !tokens.is_empty() && tokens.iter().all(|t| t.starts_with("ri.")) {
                commit(tokens.into_iter().map(str::to_owned).collect());
                input.set_value("");
                text.set(String::new());
                open.set(false);
                return;
            }
            let looks_like_rid = value.trim().starts_with("ri.");
            text.set(value);
            open.set(true);
            active.set((!looks_like_rid).then_some(0));
        })
    };

    let onpaste = {
        let (text, open, commit) = (text.clone(), open.clone(), commit.clone());
        Callback::from(move |e: Event| {
            let Some(pasted) = paste_text(&e) else { return };
            let Some(rids) = pasted_rids(&pasted) else { return };
            e.prevent_default();
            commit(rids);
            if let Some(input) = e.target_dyn_into::<HtmlInputElement>() {
                input.set_value("");
            }
            text.set(String::new());
            open.set(false);
        })
    };

    let pick = {
        let (text, open, active, commit, input_ref) =
            (text.clone(), open.clone(), active.clone(), commit.clone(), input_ref.clone());
        Callback::from(move |rid: String| {
            commit(vec![rid]);
            if let Some(input) = input_ref.cast::<HtmlInputElement>() {
                input.set_value("");
                let _ = input.focus();
            }
            text.set(String::new());
            open.set(false);
            active.set(None);
        })
    };

    let onkeydown = {
        let (text, open, active, commit, pick) =
            (text.clone(), open.clone(), active.clone(), commit.clone(), pick.clone());
        let hit_rids: Vec<String> = hits.iter().map(|h| h.rid.clone()).collect();
        let (has_values, target, on_action) = (!props.values.is_empty(), props.target, props.on_action.clone());
        Callback::from(move |e: KeyboardEvent| {
            let count = hit_rids.len();
            match e.key().as_str() {
                "ArrowDown" if count > 0 => {
                    e.prevent_default();
                    open.set(true);
                    active.set(Some(active.map_or(0, |i| (i + 1) % count)));
                }
                "ArrowUp" if count > 0 => {
                    e.prevent_default();
                    open.set(true);
                    active.set(Some(active.map_or(count - 1, |i| (i + count - 1) % count)));
                }
                "Enter" => {
                    // Enter never submits the form from here: it picks or adds.
                    e.prevent_default();
                    match (*open, *active) {
                        (true, Some(i)) if i < count => pick.emit(hit_rids[i].clone()),
                        _ => {
                            let input: HtmlInputElement = e.target_unchecked_into();
                            let typed: Vec<String> =
                                split_rids(&input.value()).into_iter().map(str::to_owned).collect();
                            if !typed.is_empty() {
                                commit(typed);
                                input.set_value("");
                                text.set(String::new());
                                open.set(false);
                            }
                        }
                    }
                }
                "Escape" if *open => {
                    e.prevent_default();
                    e.stop_propagation();
                    open.set(false);
                    active.set(None);
                }
                "Backspace" if text.is_empty() && has_values => on_action.emit(Action::PopRid(target)),
                _ => {}
            }
        })
    };

    let onblur = {
        let (open, active) = (open.clone(), active.clone());
        Callback::from(move |_: FocusEvent| {
            open.set(false);
            active.set(None);
        })
    };
    let onfocus = {
        let open = open.clone();
        Callback::from(move |_: FocusEvent| open.set(true))
    };

    let id = props.id.as_str();
    let list_id = format!("{id}-list");
    let help_id = format!("{id}-help");
    let error_id = format!("{id}-error");
    let chips_label = format!("{}: chosen", props.label);
    let catalog = props.catalog.as_deref();

    let chips = props.values.iter().map(|rid| {
        let status = chip_status(rid, props.expected, catalog);
        let (class, name, flag) = match &status {
            ChipStatus::Known(name) => ("chip", name.clone(), None),
            ChipStatus::Unknown if catalog.is_none() => ("chip", rid.clone(), None),
            ChipStatus::Unknown => ("chip chip-unknown", rid.clone(), Some(format!("unknown {}", props.expected.noun()))),
            ChipStatus::WrongKind(kind) => {
                ("chip chip-bad", catalog.and_then(|c| c.name(rid)).unwrap_or(rid).to_owned(),
                 Some(format!("a {}, not a {}", kind.noun(), props.expected.noun())))
            }
            ChipStatus::Malformed(why) => ("chip chip-bad", rid.clone(), Some(format!("malformed: {why}"))),
        };
        let show_rid = matches!(status, ChipStatus::Known(_) | ChipStatus::WrongKind(_));
        let remove = {
            let (target, rid) = (props.target, rid.clone());
            props.on_action.reform(move |_: MouseEvent| Action::RemoveRid { target, rid: rid.clone() })
        };
        html! {
            <li class={class} key={rid.clone()} title={rid.clone()} data-rid={rid.clone()}>
                <span class="chip-name">{ name.clone() }</span>
                if show_rid { <span class="chip-rid">{ rid.clone() }</span> }
                if let Some(flag) = flag { <span class="chip-flag">{ flag }</span> }
                <button type="button" class="chip-remove" aria-label={format!("Remove {name}")} onclick={remove}>{ "×" }</button>
            </li>
        }
    });

    let options = hits.iter().enumerate().map(|(i, hit)| {
        let selected = *active == Some(i);
        let onmousedown = Callback::from(|e: MouseEvent| e.prevent_default());
        let onclick = pick.reform({
            let rid = hit.rid.clone();
            move |_: MouseEvent| rid.clone()
        });
        html! {
            <li id={format!("{id}-opt-{i}")} role="option" aria-selected={selected.to_string()}
                class={classes!("option", selected.then_some("option-active"))} {onmousedown} {onclick}>
                <span class="option-name">{ hit.name.clone() }</span>
                <span class="option-rid">{ hit.rid.clone() }</span>
            </li>
        }
    });

    let active_id = active.filter(|_| expanded).map(|i| format!("{id}-opt-{i}"));
    let invalid = props.message.as_ref().is_some_and(|m| m.invalid);
    let focus_input = {
        let input_ref = input_ref.clone();
        Callback::from(move |e: MouseEvent| {
            // Clicks on the box's empty space focus the text box; chip buttons keep theirs.
            let on_box = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                .is_some_and(|el| el.class_name().split_whitespace().any(|c| c == "rid-box"));
            if on_box && let Some(input) = input_ref.cast::<HtmlInputElement>() {
                let _ = input.focus();
            }
        })
    };
    let placeholder = match (&props.catalog, props.expected) {
        (Some(_), RidKind::Dataset) => "Search datasets by name, or paste RIDs",
        (Some(_), RidKind::JobSpec) => "Search job specs by name, or paste RIDs",
        (None, _) => "Paste or type RIDs",
    };
    let help = props.help.clone().map(|h| h.to_string()).unwrap_or_default();

    html! {
        <div class={classes!("field", "rid-field", invalid.then_some("rid-field-invalid"))}>
            <label for={id.to_owned()}>{ props.label.clone() }</label>
            <div class="rid-box" onclick={focus_input}>
                if !props.values.is_empty() {
                    <ul class="chips" aria-label={chips_label}>{ for chips }</ul>
                }
                <input id={id.to_owned()} ref={input_ref} type="text" role="combobox" autocomplete="off" spellcheck="false"
                    aria-autocomplete="list" aria-expanded={expanded.to_string()} aria-controls={list_id.clone()}
                    aria-activedescendant={active_id} aria-invalid={invalid.to_string()}
                    aria-describedby={format!("{help_id} {error_id}")} placeholder={placeholder}
                    value={(*text).clone()} {oninput} {onkeydown} {onpaste} {onblur} {onfocus} />
            </div>
            <ul id={list_id} role="listbox" class="listbox" aria-label={format!("{} matches", props.label)} hidden={!expanded}>
                { for options }
            </ul>
            <p class="help" id={help_id}>{ help }</p>
            <p class={if invalid { "field-error" } else { "field-hint" }} id={error_id}>
                { props.message.as_ref().map(|m| m.text.clone()).unwrap_or_default() }
            </p>
        </div>
    }
}
