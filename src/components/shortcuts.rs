//! Keyboard shortcuts for the whole console: `/` search, `g b` / `g s` go to Builds and
//! Submit, `j` / `k` move through rows, Enter opens one, `?` lists them all. None fire while
//! a person types in a field.
//!
//! Rows are found in the page, not registered by it: a row is an element with
//! `data-kbd-row`, a row of the builds list, or a body row of a table in `<main>`, so every
//! list gets `j` / `k` without knowing about this module.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{Element, HtmlElement, KeyboardEvent};
use yew::prelude::*;
use yew_router::prelude::*;

use super::modal::Modal;
use crate::route::Route;

/// What a key press asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shortcut {
    FocusSearch,
    GoBuilds,
    GoSubmit,
    NextRow,
    PreviousRow,
    OpenRow,
    ShowHelp,
}

/// Every shortcut with its keys, as the `?` sheet lists them.
pub const SHEET: [(&str, &str); 7] = [
    ("/", "Focus the search box of the page (or the header's open box)"),
    ("g then b", "Go to Builds"),
    ("g then s", "Go to Submit"),
    ("j", "Next row of the list or table"),
    ("k", "Previous row"),
    ("Enter", "Open the chosen row"),
    ("?", "Show this list"),
];

/// How long after `g` the second key still counts.
const CHORD_MS: f64 = 1500.0;

/// Turns key presses into shortcuts; remembers a pending `g`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Keys {
    g_at: Option<f64>,
}

impl Keys {
    /// The shortcut `key` (a `KeyboardEvent.key`) means at time `now_ms`. Presses with
    /// Ctrl, Alt or Meta are the browser's and never shortcuts.
    pub fn press(&mut self, key: &str, modified: bool, now_ms: f64) -> Option<Shortcut> {
        let chord = self.g_at.take().is_some_and(|at| now_ms - at <= CHORD_MS);
        if modified {
            return None;
        }
        match (chord, key) {
            (true, "b") => Some(Shortcut::GoBuilds),
            (true, "s") => Some(Shortcut::GoSubmit),
            (_, "g") => {
                self.g_at = Some(now_ms);
                None
            }
            (_, "/") => Some(Shortcut::FocusSearch),
            (_, "j") => Some(Shortcut::NextRow),
            (_, "k") => Some(Shortcut::PreviousRow),
            (_, "Enter") => Some(Shortcut::OpenRow),
            (_, "?") => Some(Shortcut::ShowHelp),
            _ => None,
        }
    }
}

/// Whether the key went to something a person types in (where `j` is a letter).
fn is_typing_target(target: Option<&Element>) -> bool {
    let Some(el) = target else { return false };
    let tag = el.tag_name().to_ascii_lowercase();
    matches!(tag.as_str(), "input" | "textarea" | "select")
        || el.dyn_ref::<HtmlElement>().is_some_and(|h| h.is_content_editable())
        || el.closest("[role=dialog]").ok().flatten().is_some()
}

const ROWS: &str = "main [data-kbd-row], main .build-row:not(.build-row-head), main table tbody tr";
/// The attribute that marks the row `j` / `k` moved to.
const CURRENT: &str = "data-kbd-current";

fn document() -> Option<web_sys::Document> {
    web_sys::window()?.document()
}

fn rows() -> Vec<Element> {
    let Some(list) = document().and_then(|d| d.query_selector_all(ROWS).ok()) else { return Vec::new() };
    (0..list.length()).filter_map(|i| list.item(i)).filter_map(|n| n.dyn_into::<Element>().ok()).collect()
}

/// Moves the row marker by `step` and focuses the row's link, so Enter opens it.
fn move_row(step: isize) {
    let rows = rows();
    if rows.is_empty() {
        return;
    }
    let current = rows.iter().position(|r| r.has_attribute(CURRENT));
    let next = match current {
        None if step > 0 => 0,
        None => rows.len() - 1,
        Some(i) => i.saturating_add_signed(step).min(rows.len() - 1),
    };
    if let Some(i) = current {
        let _ = rows[i].remove_attribute(CURRENT);
    }
    let row = &rows[next];
    let _ = row.set_attribute(CURRENT, "");
    let link = row.query_selector("a[href]").ok().flatten().and_then(|a| a.dyn_into::<HtmlElement>().ok());
    match link {
        Some(link) => {
            let _ = link.focus();
        }
        None => {
            let _ = row.set_attribute("tabindex", "-1");
            if let Some(row) = row.dyn_ref::<HtmlElement>() {
                let _ = row.focus();
            }
        }
    }
    row.scroll_into_view_with_bool(false);
}

/// Enter on a marked row that has focus itself (not its link, which opens natively).
fn open_row(target: Option<&Element>) -> bool {
    let Some(row) = target.filter(|t| t.has_attribute(CURRENT)) else { return false };
    let link = row.query_selector("a[href], button").ok().flatten().and_then(|a| a.dyn_into::<HtmlElement>().ok());
    link.map(|l| l.click()).is_some()
}

fn focus_search() {
    let Some(doc) = document() else { return };
    let field = doc
        .query_selector("main [data-shortcut-search], main input[type=search]")
        .ok()
        .flatten()
        .or_else(|| doc.get_element_by_id("open-rid"));
    if let Some(field) = field.and_then(|f| f.dyn_into::<HtmlElement>().ok()) {
        let _ = field.focus();
    }
}

/// Listens on the document for shortcuts; renders the `?` sheet when asked.
#[component]
pub fn Shortcuts() -> Html {
    let navigator = use_navigator();
    let help = use_state_eq(|| false);
    {
        let help = help.clone();
        use_effect_with(navigator, move |navigator| {
            let keys = Rc::new(RefCell::new(Keys::default()));
            let navigator = navigator.clone();
            let listener = Closure::<dyn Fn(KeyboardEvent)>::new(move |e: KeyboardEvent| {
                let target = e.target().and_then(|t| t.dyn_into::<Element>().ok());
                if e.default_prevented() || is_typing_target(target.as_ref()) {
                    return;
                }
                let modified = e.ctrl_key() || e.alt_key() || e.meta_key();
                let Some(shortcut) = keys.borrow_mut().press(&e.key(), modified, js_sys::Date::now()) else {
                    return;
                };
                let handled = match shortcut {
                    Shortcut::FocusSearch => {
                        focus_search();
                        true
                    }
                    Shortcut::GoBuilds | Shortcut::GoSubmit => {
                        let to = if shortcut == Shortcut::GoBuilds { Route::Home } else { Route::Submit };
                        if let Some(nav) = &navigator {
                            nav.push(&to);
                        }
                        true
                    }
                    Shortcut::NextRow => {
                        move_row(1);
                        true
                    }
                    Shortcut::PreviousRow => {
                        move_row(-1);
                        true
                    }
                    Shortcut::OpenRow => open_row(target.as_ref()),
                    Shortcut::ShowHelp => {
                        help.set(true);
                        true
                    }
                };
                if handled {
                    e.prevent_default();
                }
            });
            let doc = document();
            if let Some(doc) = &doc {
                let _ = doc.add_event_listener_with_callback("keydown", listener.as_ref().unchecked_ref());
            }
            move || {
                if let Some(doc) = doc {
                    let _ = doc.remove_event_listener_with_callback("keydown", listener.as_ref().unchecked_ref());
                }
            }
        });
    }
    if !*help {
        return html! {};
    }
    let on_close = {
        let help = help.clone();
        Callback::from(move |()| help.set(false))
    };
    let close = on_close.reform(|_: MouseEvent| ());
    html! {
        <Modal title="Keyboard shortcuts" title_id="shortcuts-title" {on_close} class="shortcuts-sheet">
            <p class="help">{ "They work anywhere except while you type in a field." }</p>
            <dl class="shortcut-list">
                { for SHEET.iter().map(|(keys, what)| html! {
                    <div class="shortcut">
                        <dt>{ for keys.split(" then ").enumerate().map(|(i, k)| html! {
                            <>{ if i > 0 { " then " } else { "" } }<kbd>{ k }</kbd></>
                        }) }</dt>
                        <dd>{ *what }</dd>
                    </div>
                }) }
            </dl>
            <div class="actions">
                <button type="button" onclick={close} data-autofocus="">{ "Close" }</button>
            </div>
        </Modal>
    }
}

#[cfg(test)]
mod tests {
    use wasm_bindgen_test::wasm_bindgen_test;

    use super::*;

    #[wasm_bindgen_test]
    fn single_keys_and_g_chords() {
        let mut keys = Keys::default();
        assert_eq!(keys.press("/", false, 0.0), Some(Shortcut::FocusSearch));
        assert_eq!(keys.press("g", false, 10.0), None);
        assert_eq!(keys.press("b", false, 20.0), Some(Shortcut::GoBuilds));
        assert_eq!(keys.press("b", false, 30.0), None, "b alone is nothing");
        assert_eq!(keys.press("g", false, 40.0), None);
        assert_eq!(keys.press("s", false, 50.0), Some(Shortcut::GoSubmit));
        assert_eq!(keys.press("j", false, 60.0), Some(Shortcut::NextRow));
        assert_eq!(keys.press("k", false, 60.0), Some(Shortcut::PreviousRow));
        assert_eq!(keys.press("?", false, 60.0), Some(Shortcut::ShowHelp));
    }

    #[wasm_bindgen_test]
    fn a_late_second_key_or_a_modifier_is_no_chord() {
        let mut keys = Keys::default();
        keys.press("g", false, 0.0);
        assert_eq!(keys.press("b", false, CHORD_MS + 1.0), None);
        keys.press("g", false, 0.0);
        assert_eq!(keys.press("s", true, 5.0), None, "Ctrl+S is the browser's");
        assert_eq!(keys.press("j", true, 5.0), None);
    }
}
