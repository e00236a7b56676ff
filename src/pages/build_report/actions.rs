//! What a person can do with a build: stop it, edit and resubmit it, rerun its failed
//! jobs, watch it.

use std::rc::Rc;

use kiln_api::build2::{BuildReport, JobStatus};
use serde::Serialize;
use yew::prelude::*;
use yew_router::prelude::*;

use crate::components::modal::Modal;
use crate::notify;
use crate::route::{CompareQuery, Route};
use crate::session::use_session;

/// `/submit?from=<rid>` and `/submit?rerun=<rid>`: the submit page prefills from them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SubmitFrom {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rerun: Option<String>,
}

/// Whether the build has jobs worth running again.
pub fn has_failed_jobs(report: &BuildReport) -> bool {
    report.jobs.iter().any(|j| matches!(j.status, JobStatus::Failed | JobStatus::Canceled))
}

#[derive(Debug, Clone, PartialEq)]
enum Stop {
    Idle,
    Confirming,
    Stopping,
    Done(String),
    Failed(String),
}

#[derive(Properties, PartialEq)]
pub struct BuildActionsProps {
    pub report: Rc<BuildReport>,
    /// Told when an action changed the build, so the report is fetched again at once.
    pub on_changed: Callback<()>,
}

#[component]
pub fn BuildActions(props: &BuildActionsProps) -> Html {
    let session = use_session();
    let stop = use_state_eq(|| Stop::Idle);
    let watching = use_state_eq(|| notify::is_watched(props.report.rid.as_str()));
    let report = &props.report;
    let running = !report.status.is_terminal();

    let ask = {
        let stop = stop.clone();
        Callback::from(move |_: MouseEvent| stop.set(Stop::Confirming))
    };
    let cancel = {
        let stop = stop.clone();
        Callback::from(move |()| stop.set(Stop::Idle))
    };
    let cancel_click = cancel.reform(|_: MouseEvent| ());
    let service = session.service();
    let capabilities = service.capabilities();
    let title = service.build_title(report).to_lowercase();
    let description = service.build_description(report);
    let confirm = {
        let stop = stop.clone();
        let (service, report) = (service.clone(), report.clone());
        let on_changed = props.on_changed.clone();
        Callback::from(move |_: MouseEvent| {
            stop.set(Stop::Stopping);
            let (stop, service, report, on_changed) =
                (stop.clone(), service.clone(), report.clone(), on_changed.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match service.stop(&report).await {
                    Ok(message) => stop.set(Stop::Done(message)),
                    Err(error) => stop.set(Stop::Failed(error.to_string())),
                }
                on_changed.emit(());
            });
        })
    };
    let toggle_watch = {
        let watching = watching.clone();
        let rid = report.rid.to_string();
        Callback::from(move |_: MouseEvent| {
            if *watching {
                notify::unwatch(&rid);
                watching.set(false);
            } else {
                notify::watch(&rid);
                watching.set(true);
                // The browser only shows its permission prompt from a click like this one.
                if notify::permission() == notify::Permission::Ask {
                    wasm_bindgen_futures::spawn_local(async {
                        notify::request_permission().await;
                    });
                }
            }
        })
    };

    let rid = report.rid.to_string();
    let stop_support = service.stop_support(session.teams_available);
    let stop_controls = match (&*stop, stop_support.reason()) {
        (_, Some(reason)) if running => html! { <p class="help stop-unavailable">{ reason }</p> },
        (_, Some(_)) => Html::default(),
        (Stop::Stopping, None) => {
            html! { <button type="button" class="button-danger" disabled=true>{ "Stopping…" }</button> }
        }
        // The same Stop button, open dialog or not: the dialog gives focus back to it, so
        // it must be the same element after the dialog closes.
        (state, None) if running => html! {
            <>
                <button type="button" class="button-danger stop-build" onclick={ask}>{ "Stop" }</button>
                if *state == Stop::Confirming {
                    <Modal title={format!("Stop {description}?")} title_id="stop-title" on_close={cancel} class="stop-dialog">
                        <p>{ "Every running job of it is killed." }</p>
                        <div class="actions">
                            <button type="button" class="button-danger stop-confirm" onclick={confirm}>
                                { format!("Stop {title}") }
                            </button>
                            // Focused first: Enter alone must not kill a build.
                            <button type="button" onclick={cancel_click} data-autofocus="">{ "Keep it running" }</button>
                        </div>
                    </Modal>
                }
            </>
        },
        _ => Html::default(),
    };
    let resubmit_unavailable = capabilities.resubmit.reason();
    let compare_previous = capabilities.teams_surface && session.teams_available && report.run_id > 1;
    let outcome = match &*stop {
        Stop::Done(message) => html! { <p class="action-result" role="status">{ message.clone() }</p> },
        Stop::Failed(message) => {
            html! { <p class="action-error" role="alert">{ format!("Could not stop the build: {message}") }</p> }
        }
        _ => Html::default(),
    };
    html! {
        <div class="build-actions">
            <div class="actions">
                { stop_controls }
                if resubmit_unavailable.is_some() {
                    <button type="button" disabled=true aria-describedby="resubmit-unavailable">{ "Edit & resubmit" }</button>
                } else {
                    <Link<Route, SubmitFrom> to={Route::Submit} query={Some(SubmitFrom { from: Some(rid.clone()), rerun: None })}
                        classes="button">{ "Edit & resubmit" }</Link<Route, SubmitFrom>>
                }
                if resubmit_unavailable.is_none() && report.status.is_terminal() && has_failed_jobs(report) {
                    <Link<Route, SubmitFrom> to={Route::Submit} query={Some(SubmitFrom { from: None, rerun: Some(rid.clone()) })}
                        classes="button">{ "Rerun failed jobs" }</Link<Route, SubmitFrom>>
                }
                // Run numbers are Kiln's teams surface's: the compare page finds the build before.
                if compare_previous {
                    <Link<Route, CompareQuery> to={Route::Compare} query={Some(CompareQuery { a: None, b: Some(rid.clone()) })}
                        classes="button compare-previous">{ "Compare with previous" }</Link<Route, CompareQuery>>
                }
                if running {
                    <button type="button" class="watch" onclick={toggle_watch} aria-pressed={watching.to_string()}
                        title="Get a browser notification when this build finishes">
                        { if *watching { "Watching" } else { "Watch" } }
                    </button>
                }
            </div>
            if let Some(reason) = resubmit_unavailable {
                <p class="help" id="resubmit-unavailable">{ reason }</p>
            }
            { outcome }
        </div>
    }
}
