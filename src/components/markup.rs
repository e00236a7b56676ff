//! Drawings too large for the virtual DOM (a thousand-job graph, a thousand-bar timeline)
//! are written as one markup string and handed to the browser's parser, which builds
//! thousands of elements far faster than one `createElement` and `setAttribute` call each
//! from wasm. Everything the service said goes into that string through [`escape`], so it
//! stays text; events are handled once on the drawing's container (see
//! [`job_at`], [`follow_link`]), and the keyboard keeps its place when one is written again
//! ([`use_focus_kept`]).

use std::fmt::{self, Display};

use kiln_api::Rid;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement, MouseEvent};
use yew::prelude::*;

/// Text made safe for markup, both between tags and inside a quoted attribute.
pub struct Escaped<'a>(pub &'a str);

impl Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.0;
        while let Some(at) = rest.find(['&', '<', '>', '"', '\'']) {
            f.write_str(&rest[..at])?;
            f.write_str(match rest.as_bytes()[at] {
                b'&' => "&amp;",
                b'<' => "&lt;",
                b'>' => "&gt;",
                b'"' => "&quot;",
                _ => "&#39;",
            })?;
            rest = &rest[at + 1..];
        }
        f.write_str(rest)
    }
}

/// `text`, escaped for markup.
pub fn escape(text: &str) -> Escaped<'_> {
    Escaped(text)
}

/// The job a click or key press landed on, from the `data-job` of the element it hit or
/// of one around it.
pub fn job_at(event: &web_sys::Event) -> Option<Rid> {
    let target: Element = event.target()?.dyn_into().ok()?;
    let node = target.closest("[data-job]").ok()??;
    Rid::parse(&node.get_attribute("data-job")?).ok()
}

/// For a click on a link of a markup drawing (`<a href data-job>`): a plain left click is
/// a move within the app, so it goes to `open` instead of reloading the page; a click
/// with a modifier (a new tab, a new window) or another button is the browser's.
pub fn follow_link(event: &MouseEvent, open: &Callback<Rid>) {
    let plain = event.button() == 0 && !(event.ctrl_key() || event.meta_key() || event.shift_key() || event.alt_key());
    let on_link = event
        .target()
        .and_then(|t| t.dyn_into::<Element>().ok())
        .and_then(|t| t.closest("a[data-job]").ok().flatten())
        .is_some();
    if plain
        && on_link
        && let Some(rid) = job_at(event)
    {
        event.prevent_default();
        open.emit(rid);
    }
}

/// The `data-job` of the focused element, if it is inside `container`: a drawing written
/// again replaces its elements, so this is read before and given back after
/// ([`refocus`]), and a person moving through it with the keyboard keeps their place.
fn focused_job(container: &Element) -> Option<String> {
    let active = web_sys::window()?.document()?.active_element()?;
    if !container.contains(Some(&active)) {
        return None;
    }
    active.get_attribute("data-job")
}

/// Focuses the element of `job` inside `container` again (see [`focused_job`]).
fn refocus(container: &Element, job: &str) {
    let selector = format!("[data-job=\"{}\"]", job.replace(['"', '\\'], ""));
    if let Ok(Some(element)) = container.query_selector(&selector) {
        // SVG and HTML elements both have `focus()`; the binding calls it by name.
        let _ = element.unchecked_into::<HtmlElement>().focus();
    }
}

/// Keeps the keyboard's place in a markup drawing inside `container`: the focused job is
/// read while rendering, before `written` replaces the elements, and focused again after.
/// Call it on every render of the component that writes the drawing.
#[hook]
pub fn use_focus_kept<T: PartialEq + 'static>(container: &NodeRef, written: T) {
    let focused = use_mut_ref(|| None::<String>);
    if let Some(element) = container.cast::<Element>() {
        *focused.borrow_mut() = focused_job(&element);
    }
    let container = container.clone();
    use_effect_with(written, move |_| {
        if let (Some(element), Some(job)) = (container.cast::<Element>(), focused.borrow_mut().take()) {
            refocus(&element, &job);
        }
    });
}
