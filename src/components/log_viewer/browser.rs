//! The few browser calls the log viewer makes: visibility, the URL fragment, downloads.

use std::time::Duration;

use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Blob, BlobPropertyBag, Element, HtmlAnchorElement, MouseEvent, Url};

/// Whether the page is in a background tab (then nobody reads the log, so we do not ask).
pub fn page_hidden() -> bool {
    web_sys::window().and_then(|w| w.document()).is_some_and(|d| d.hidden())
}

/// The URL fragment of the page, such as `#L42`.
pub fn current_fragment() -> String {
    web_sys::window().and_then(|w| w.location().hash().ok()).unwrap_or_default()
}

/// Puts `fragment` in the address bar without scrolling, reloading or a history entry.
///
/// `history.replaceState` is called through `Reflect` because the crate does not enable
/// web-sys's `History` binding. The router's own state object is kept as it is.
pub fn set_fragment(fragment: &str) {
    let Some(window) = web_sys::window() else { return };
    let Ok(history) = js_sys::Reflect::get(&window, &JsValue::from_str("history")) else { return };
    let Ok(replace) = js_sys::Reflect::get(&history, &JsValue::from_str("replaceState")) else { return };
    let Ok(replace) = replace.dyn_into::<js_sys::Function>() else { return };
    let state = js_sys::Reflect::get(&history, &JsValue::from_str("state")).unwrap_or(JsValue::NULL);
    // A bare "#L42" would resolve against the page's <base href="/">, not the current
    // path, so the URL is spelled out in full.
    let location = window.location();
    let url = format!("{}{}{fragment}", location.pathname().unwrap_or_default(), location.search().unwrap_or_default());
    let _ = replace.call3(&history, &state, &JsValue::from_str(""), &JsValue::from_str(&url));
}

/// The 1-based line number of the line link a click landed on, if it landed on one.
pub fn clicked_line_number(event: &MouseEvent) -> Option<usize> {
    let target: Element = event.target()?.dyn_into().ok()?;
    let link = target.closest("a.ln").ok()??;
    link.get_attribute("data-line")?.parse().ok()
}

/// Saves `text` as a file called `name` through a temporary object URL.
pub fn download_text(text: &str, name: &str) {
    // A failed download has no better fallback than doing nothing; the button stays.
    let _ = try_download(text, name);
}

fn try_download(text: &str, name: &str) -> Result<(), JsValue> {
    let document = web_sys::window().and_then(|w| w.document()).ok_or_else(|| JsValue::from_str("no document"))?;
    let options = BlobPropertyBag::new();
    options.set_type("text/plain;charset=utf-8");
    let blob = Blob::new_with_str_sequence_and_options(&js_sys::Array::of1(&JsValue::from_str(text)), &options)?;
    let url = Url::create_object_url_with_blob(&blob)?;
    let link: HtmlAnchorElement = document.create_element("a")?.dyn_into()?;
    link.set_href(&url);
    link.set_download(name);
    link.click();
    // The browser reads the URL after this task; revoke it once the download has started.
    wasm_bindgen_futures::spawn_local(async move {
        gloo_timers::future::sleep(Duration::from_secs(30)).await;
        let _ = Url::revoke_object_url(&url);
    });
    Ok(())
}
