//! A modal dialog frame that pages share: a title, the body; Escape and the backdrop
//! close it; focus starts inside, Tab cycles inside, and focus returns to the element that
//! had it (the button that opened the dialog) when the dialog goes away.

use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement};
use yew::prelude::*;

/// What can take focus inside a dialog, in the order Tab visits it.
const FOCUSABLE: &str = "a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex='-1'])";

#[derive(Properties, PartialEq)]
pub struct ModalProps {
    pub title: AttrValue,
    /// Unique in the page: it labels the dialog.
    pub title_id: AttrValue,
    pub on_close: Callback<()>,
    #[prop_or_default]
    pub class: Classes,
    pub children: Html,
}

fn focusables(root: &Element) -> Vec<HtmlElement> {
    let Ok(list) = root.query_selector_all(FOCUSABLE) else { return Vec::new() };
    (0..list.length()).filter_map(|i| list.item(i)).filter_map(|n| n.dyn_into::<HtmlElement>().ok()).collect()
}

fn active_element() -> Option<HtmlElement> {
    web_sys::window()?.document()?.active_element()?.dyn_into::<HtmlElement>().ok()
}

#[component]
pub fn Modal(props: &ModalProps) -> Html {
    let node = use_node_ref();
    {
        let node = node.clone();
        use_effect_with((), move |_| {
            let opener = active_element();
            // Focus what the dialog marks with `data-autofocus`, else its first control.
            if let Some(dialog) = node.cast::<Element>() {
                let marked = dialog
                    .query_selector("[data-autofocus]")
                    .ok()
                    .flatten()
                    .and_then(|e| e.dyn_into::<HtmlElement>().ok());
                if let Some(first) = marked.or_else(|| focusables(&dialog).into_iter().next()) {
                    let _ = first.focus();
                }
            }
            move || {
                // The opener may be gone (a row that re-rendered without its Stop button);
                // focusing a detached element would drop focus to the body silently.
                if let Some(opener) = opener.filter(|o| o.is_connected()) {
                    let _ = opener.focus();
                }
            }
        });
    }
    let onkeydown = {
        let on_close = props.on_close.clone();
        let node = node.clone();
        Callback::from(move |e: KeyboardEvent| match e.key().as_str() {
            "Escape" => {
                e.stop_propagation();
                on_close.emit(());
            }
            "Tab" => {
                let Some(dialog) = node.cast::<Element>() else { return };
                let items = focusables(&dialog);
                let (Some(first), Some(last)) = (items.first(), items.last()) else {
                    e.prevent_default();
                    return;
                };
                let active = active_element();
                let at_edge =
                    if e.shift_key() { active.as_ref() == Some(first) } else { active.as_ref() == Some(last) };
                let outside = active.as_ref().is_none_or(|a| !dialog.contains(Some(a)));
                if at_edge || outside {
                    e.prevent_default();
                    let _ = if e.shift_key() { last.focus() } else { first.focus() };
                }
            }
            _ => {}
        })
    };
    let on_backdrop = props.on_close.reform(|_: MouseEvent| ());
    html! {
        <div class="dialog-layer" {onkeydown}>
            <div class="dialog-backdrop" onclick={on_backdrop}></div>
            <div ref={node} class={classes!("dialog", "card", props.class.clone())} role="dialog" aria-modal="true"
                aria-labelledby={props.title_id.clone()}>
                <h2 id={props.title_id.clone()}>{ props.title.clone() }</h2>
                { props.children.clone() }
            </div>
        </div>
    }
}
