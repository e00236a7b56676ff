//! The request itself: the exact JSON body, read-only, with copy buttons for the JSON, a
//! `curl` command and the `foundry-dev-tools` call.

use std::rc::Rc;

use kiln_api::build2::SubmitBuildRequest;
use yew::prelude::*;

use super::snippets::{curl_command, python_call};
use crate::session::use_session;

/// Copies text to the clipboard; `done` hears whether it worked.
fn copy(text: String, done: Callback<bool>) {
    let Some(window) = web_sys::window() else { return done.emit(false) };
    let promise = window.navigator().clipboard().write_text(&text);
    wasm_bindgen_futures::spawn_local(async move {
        done.emit(wasm_bindgen_futures::JsFuture::from(promise).await.is_ok());
    });
}

/// An absolute URL: relative service URLs in config.json are relative to this page.
fn absolute(url: &str) -> String {
    if url.starts_with("http://") || url.starts_with("https://") {
        return url.to_owned();
    }
    let origin = web_sys::window().and_then(|w| w.location().origin().ok()).unwrap_or_default();
    format!("{origin}{url}")
}

#[derive(Properties, PartialEq)]
pub struct RequestViewProps {
    pub request: Rc<SubmitBuildRequest>,
    /// Whether the form still has problems, so this JSON leaves parts out.
    pub incomplete: bool,
}

#[component]
pub fn RequestView(props: &RequestViewProps) -> Html {
    let session = use_session();
    let status = use_state(String::new);
    let (url, body) = session.service().submission(&props.request);
    let json = match body {
        Some(body) => body,
        None => "(this service cannot take the request as it is: see what Submit lists)".to_owned(),
    };
    let team = session.team.to_string();
    let url = absolute(&url);
    let curl = curl_command(&url, &team, session.token.is_some(), &json);
    let python = python_call(&props.request, &team);

    let copy_button = |label: &'static str, what: &'static str, text: String| {
        let status = status.clone();
        let onclick = Callback::from(move |_: MouseEvent| {
            let status = status.clone();
            copy(
                text.clone(),
                Callback::from(move |ok: bool| {
                    status.set(if ok {
                        format!("Copied the {what}.")
                    } else {
                        format!("The browser did not allow copying the {what}.")
                    })
                }),
            );
        });
        html! { <button type="button" {onclick}>{ label }</button> }
    };

    html! {
        <section class="card request-view" aria-labelledby="request-title">
            <h2 id="request-title">{ "The request" }</h2>
            <p class="help">{ format!("Exactly the JSON body Submit sends to POST {url}.") }</p>
            if props.incomplete {
                <p class="field-hint">{ "The form still has problems; parts that are not valid yet are left out below." }</p>
            }
            <div class="actions copy-actions">
                { copy_button("Copy JSON", "JSON", json.clone()) }
                { copy_button("Copy curl", "curl command", curl.clone()) }
                { copy_button("Copy Python", "foundry-dev-tools call", python.clone()) }
                <span class="copy-status" role="status" aria-live="polite">{ (*status).clone() }</span>
            </div>
            <pre class="code request-json" tabindex="0" aria-label="Request JSON">{ json }</pre>
            <details>
                <summary>{ "curl command" }</summary>
                <pre class="code" tabindex="0" aria-label="curl command">{ curl }</pre>
            </details>
            <details>
                <summary>{ "foundry-dev-tools (Python)" }</summary>
                <pre class="code" tabindex="0" aria-label="foundry-dev-tools call">{ python }</pre>
            </details>
        </section>
    }
}
