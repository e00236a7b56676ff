//! The preview: what the service would run for this request and why, asked on demand.

use std::rc::Rc;

use kiln_api::build2::SubmitBuildRequest;
use kiln_api::teams::PreviewResponse;
use yew::prelude::*;

use super::catalog_index::CatalogIndex;
use super::state::SelectionKind;
use crate::api::ApiError;
use crate::session::use_session;

#[derive(Debug, Clone, PartialEq)]
enum PreviewState {
    Idle,
    Loading,
    Done { request: Rc<SubmitBuildRequest>, preview: PreviewResponse },
    NoEndpoint,
    Failed(ApiError),
}

#[derive(Properties, PartialEq)]
pub struct PreviewProps {
    pub request: Rc<SubmitBuildRequest>,
    /// Why a preview cannot be asked for yet, if it cannot.
    pub blocked: Option<AttrValue>,
    pub catalog: Option<Rc<CatalogIndex>>,
}

/// "#1 Datasets" for the selection at `index`, as the request names it.
fn selection_name(request: &SubmitBuildRequest, index: usize) -> String {
    let kind = request
        .job_spec_selections
        .get(index)
        .and_then(|s| SelectionKind::from_wire(s.kind()))
        .map(SelectionKind::label)
        .unwrap_or("?");
    format!("#{} {kind}", index + 1)
}

#[component]
pub fn PreviewPanel(props: &PreviewProps) -> Html {
    let session = use_session();
    let state = use_state(|| PreviewState::Idle);
    let run = {
        let (state, request, service) = (state.clone(), props.request.clone(), session.service());
        Callback::from(move |_: MouseEvent| {
            let (state, request, service) = (state.clone(), request.clone(), service.clone());
            state.set(PreviewState::Loading);
            wasm_bindgen_futures::spawn_local(async move {
                state.set(match service.preview(&request).await {
                    Ok(Some(preview)) => PreviewState::Done { request, preview },
                    Ok(None) => PreviewState::NoEndpoint,
                    Err(e) => PreviewState::Failed(e),
                });
            });
        })
    };
    let loading = matches!(*state, PreviewState::Loading);
    let name_of = |rid: &str| props.catalog.as_ref().and_then(|c| c.name(rid).map(str::to_owned));
    let body = match &*state {
        PreviewState::Idle => {
            html! { <p class="muted">{ "Ask the service what this request would run, without running anything." }</p> }
        }
        PreviewState::Loading => html! { <p class="muted" role="status">{ "Asking the service…" }</p> },
        PreviewState::NoEndpoint => html! {
            <p class="notice" role="status">{ "This service has no preview endpoint, so Kiln cannot show what would run. Submitting still works." }</p>
        },
        PreviewState::Failed(e) => {
            html! { <p class="field-error" role="alert">{ format!("The preview failed: {e}") }</p> }
        }
        PreviewState::Done { request, preview } => {
            let stale = **request != *props.request;
            let running = preview.jobs.iter().filter(|j| j.will_run).count();
            html! {
                <>
                    if stale {
                        <p class="notice stale">{ "The form changed since this preview. Preview again to see the current request." }</p>
                    }
                    <p class="preview-summary" role="status">
                        { format!("{running} of {} job specs will run.", preview.jobs.len()) }
                    </p>
                    if preview.jobs.is_empty() {
                        <p class="muted">{ "No job spec is selected by this request." }</p>
                    } else {
                        <div class="table-scroll">
                            <table class="preview-table">
                                <thead><tr><th scope="col">{ "Job spec" }</th><th scope="col">{ "Runs?" }</th><th scope="col">{ "Why" }</th><th scope="col">{ "Chosen by" }</th></tr></thead>
                                <tbody>
                                    { for preview.jobs.iter().map(|job| html! {
                                        <tr data-will-run={job.will_run.to_string()}>
                                            <td><span class="cell-name" title={job.job_spec_rid.to_string()}>{ job.name.clone() }</span></td>
                                            <td>
                                                if job.will_run { <span class="badge badge-running">{ "Will run" }</span> }
                                                else { <span class="badge badge-skipped">{ "Skipped" }</span> }
                                            </td>
                                            <td>{ job.reason.clone().unwrap_or_default() }</td>
                                            <td class="chosen-by">
                                                if job.selected_by.is_empty() { <span class="muted">{ "none: an input of a chosen job" }</span> }
                                                else { { job.selected_by.iter().map(|i| selection_name(request, *i)).collect::<Vec<_>>().join(", ") } }
                                            </td>
                                        </tr>
                                    }) }
                                </tbody>
                            </table>
                        </div>
                    }
                    if !preview.ignored_datasets.is_empty() {
                        <p class="ignored">
                            <strong>{ "Ignored datasets: " }</strong>
                            { preview.ignored_datasets.iter().map(|d| name_of(d.as_str()).unwrap_or_else(|| d.to_string())).collect::<Vec<_>>().join(", ") }
                        </p>
                    }
                </>
            }
        }
    };
    // A service without a preview says so where the preview would be.
    let unavailable = session.service().capabilities().preview.reason();
    let body = match unavailable {
        Some(reason) => {
            html! { <p class="notice preview-unavailable" id="preview-unavailable" role="note">{ reason }</p> }
        }
        None => body,
    };
    let disabled = loading || props.blocked.is_some() || unavailable.is_some();
    html! {
        <section class="card preview" aria-labelledby="preview-title" aria-busy={loading.to_string()}>
            <div class="card-head">
                <h2 id="preview-title">{ "Preview" }</h2>
                <button type="button" onclick={run} {disabled}
                    aria-describedby={if unavailable.is_some() { "preview-unavailable" } else { "preview-blocked" }}>
                    { if matches!(*state, PreviewState::Done { .. }) { "Preview again" } else { "Preview" } }
                </button>
            </div>
            // Where there is no preview, fixing the form would not bring one: only the reason shows.
            <p id="preview-blocked" class="field-hint">{ props.blocked.clone().filter(|_| unavailable.is_none()).unwrap_or_default() }</p>
            { body }
        </section>
    }
}
