//! The request itself: the exact JSON body, read-only, with copy buttons for the JSON, a
//! `curl` command and the call of the service's official Python client.

use std::rc::Rc;

use kiln_api::build2::SubmitBuildRequest;
use yew::prelude::*;

use super::snippets::{curl_command, python_call, sdk_call};
use crate::api::OfficialClient;
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
    let service = session.service();
    let (url, body) = service.submission(&props.request);
    let cannot = "(this service cannot take the request as it is: see what Submit lists)";
    let team = session.team.to_string();
    let url = absolute(&url);
    let json = body.clone().unwrap_or_else(|| cannot.to_owned());
    let filed_under = service.capabilities().teams_surface.then_some(team.as_str());
    let curl = curl_command(&url, filed_under, session.token.is_some(), &json);
    let (python_name, python_what, python) = match service.official_client() {
        OfficialClient::FoundryDevTools => {
            ("foundry-dev-tools", "foundry-dev-tools call", python_call(&props.request, &team))
        }
        OfficialClient::FoundrySdk { hostname, http } => (
            "foundry-platform-sdk",
            "foundry-platform-sdk call",
            body.as_deref()
                .and_then(|b| serde_json::from_str(b).ok())
                .map_or_else(|| cannot.to_owned(), |b| sdk_call(&b, &hostname, http)),
        ),
    };

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
                { copy_button("Copy Python", python_what, python.clone()) }
                <span class="copy-status" role="status" aria-live="polite">{ (*status).clone() }</span>
            </div>
            <pre class="code request-json" tabindex="0" aria-label="Request JSON">{ json }</pre>
            <details>
                <summary>{ "curl command" }</summary>
                <pre class="code" tabindex="0" aria-label="curl command">{ curl }</pre>
            </details>
            <details>
                <summary>{ format!("{python_name} (Python)") }</summary>
                <pre class="code python-call" tabindex="0" aria-label={python_what}>{ python }</pre>
            </details>
        </section>
    }
}
