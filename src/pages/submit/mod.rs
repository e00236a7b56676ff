//! The submit page: compose job-spec selections and options, see the exact request,
//! preview it, submit it, and land on the new build's report. Back returns to the form as
//! it was (the draft is kept), with what the service made of the submission above it.
//! Sending the very request this browser sent lately asks first (see `recent`).
//!
//! One `use_reducer` store (`state`) holds the form; children get a stable
//! `Callback<Action>`. Everything derived (the request, the problems) is computed from the
//! form on each change by pure functions (`wire`, `validation`).

pub use crate::catalog_index;
pub mod draft;
pub mod options;
pub mod params_editor;
pub mod prefill;
pub mod preview;
pub mod recent;
pub mod request_view;
pub mod result;
pub mod rid_field;
pub mod selection_text_field;
pub mod selections;
pub mod snippets;
pub mod state;
pub mod text_syntax;
pub mod validation;
pub mod wire;

use std::collections::BTreeMap;
use std::rc::Rc;

use yew::prelude::*;
use yew_router::prelude::*;

use self::options::OptionsEditor;
use self::prefill::PrefillQuery;
use self::preview::PreviewPanel;
use self::recent::Submitted;
use self::request_view::RequestView;
use self::result::SubmitResult;
use self::selection_text_field::SelectionTextField;
use self::selections::SelectionsEditor;
use self::state::{Action, FormState, FormStore};
use self::validation::{Problem, field_id, for_service, messages, owner_key, validate_with};
use crate::components::modal::Modal;
use crate::components::toasts::Toaster;
use crate::hooks::catalog::{CatalogLoad, use_catalog};
use crate::route::Route;
use crate::session::{SessionAction, use_session};
use crate::time_fmt::{duration, now_millis};

/// A note above the form: where a prefill came from, or that the form was reset; with a
/// way back to the draft that was set aside.
#[derive(Debug, Clone, PartialEq)]
struct Notice {
    text: String,
    restorable: bool,
    error: bool,
}

fn focus(id: &str) {
    let element = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id(id));
    if let Some(element) = element.and_then(|e| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(e).ok()) {
        let _ = element.focus();
    }
}

/// Where a problem's "go there" button leads.
fn problem_target(key: &str) -> String {
    if key == "jobSpecSelections" { "selections-title".to_owned() } else { field_id(key) }
}

/// Why the service refused the last submission, and the form it refused: once the form
/// changes the note no longer describes it, so it goes.
#[derive(Debug, Clone, PartialEq)]
struct Refusal {
    text: String,
    form: FormState,
}

/// An identical request this browser sent lately, found when Submit was pressed: the
/// dialog asks before sending it again. `elapsed` is fixed when it opens.
#[derive(Debug, Clone, PartialEq)]
struct Repeat {
    earlier: Submitted,
    elapsed: i64,
}

/// "10 s ago", "under 1 s ago": the console's duration words.
fn ago(elapsed_ms: i64) -> String {
    format!("{} ago", duration(elapsed_ms))
}

/// A problem's line under Submit: a button that leads to its field.
fn problem_button(problem: &Problem) -> Html {
    let target = problem_target(&problem.key);
    let onclick = Callback::from(move |_: MouseEvent| focus(&target));
    html! { <button type="button" class="link-button" {onclick}>{ problem.summary.clone() }</button> }
}

/// The one line the narrow screens' sticky bar shows: the first problem, and how many more.
fn why_short(problems: &[Problem]) -> Html {
    let Some(first) = problems.first() else { return html! {} };
    html! {
        <p class="why-short">
            <span class="why-short-intro">{ "Submit is off: " }</span>
            { problem_button(first) }
            if problems.len() > 1 { <span class="why-short-more">{ format!(" (and {} more)", problems.len() - 1) }</span> }
        </p>
    }
}

/// Every problem, each its own line (every bad chip too), each leading to its field.
fn why_disabled(problems: &[Problem]) -> Html {
    let intro = match problems.len() {
        1 => "Submit is off until this is fixed:".to_owned(),
        n => format!("Submit is off until these {n} things are fixed:"),
    };
    html! {
        <>
            <p class="why-intro">{ intro }</p>
            <ul class="why-list">
                { for problems.iter().map(|p| html! { <li>{ problem_button(p) }</li> }) }
            </ul>
            { why_short(problems) }
        </>
    }
}

#[component]
pub fn SubmitPage() -> Html {
    let session = use_session();
    let store = use_reducer(|| FormStore::new(draft::load().unwrap_or_default()));
    let on_action: Callback<Action> = {
        let dispatcher = store.dispatcher();
        (*use_memo((), move |_| Callback::from(move |action| dispatcher.dispatch(action)))).clone()
    };
    let catalog_load = use_catalog();
    // A service without a catalog says so, rather than that it failed to load.
    let catalog_unavailable = session.service().capabilities().catalog.reason();
    let catalog = match &catalog_load {
        CatalogLoad::Ready(c) => Some(c.clone()),
        _ => None,
    };
    let notice = use_state(|| None::<Notice>);
    // What the last submission of this tab gave back, for Back from its report.
    let result = use_state(|| recent::last().map(Rc::new));
    let submitting = use_state(|| false);
    let refusal = use_state(|| None::<Refusal>);
    let repeat = use_state(|| None::<Repeat>);
    let navigator = use_navigator();
    let toaster = use_context::<Toaster>();

    // The draft follows every edit, so a reload, a failed submit or Back from the report
    // loses nothing.
    use_effect_with(store.form.clone(), draft::save);

    // A prefill link replaces the form (the old draft is set aside), then the query goes
    // from the URL so a reload restores the edited draft instead of prefilling again.
    let location = use_location();
    let query: PrefillQuery = location.as_ref().and_then(|l| l.query::<PrefillQuery>().ok()).unwrap_or_default();
    {
        let (client, notice, navigator, on_action) =
            (session.client(), notice.clone(), navigator.clone(), on_action.clone());
        let current = store.form.clone();
        use_effect_with(query, move |query| {
            if !query.is_empty() {
                let query = query.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    match prefill::load(&client, &query).await {
                        Ok(p) => {
                            let restorable = draft::set_aside(&current);
                            on_action.emit(Action::Replace(p.form));
                            notice.set(Some(Notice { text: p.note, restorable, error: false }));
                        }
                        Err(text) => notice.set(Some(Notice { text, restorable: false, error: true })),
                    }
                    if let Some(navigator) = navigator {
                        navigator.replace(&Route::Submit);
                    }
                });
            }
        });
    }

    let form = &store.form;
    let service = session.service();
    let problems = use_memo((form.clone(), service, catalog.clone()), |(form, service, catalog)| {
        for_service(
            validate_with(form, catalog.as_deref()),
            &service.capabilities(),
            service.refusal(&wire::to_request(form)),
        )
    });
    let messages = use_memo((problems.clone(), store.server_errors.clone()), |(p, s)| messages(p, s));
    let request = use_memo(form.clone(), wire::to_request);
    let form_rc = use_memo(form.clone(), Clone::clone);

    let blocked = *submitting || !problems.is_empty();
    // Sends the request; on success goes to the build's report, on a refusal keeps the
    // form and says why next to the field (or at the top).
    let send = {
        let (session, store, request, submitting, refusal) =
            (session.clone(), store.clone(), request.clone(), submitting.clone(), refusal.clone());
        let (navigator, toaster) = (navigator.clone(), toaster.clone());
        Callback::from(move |()| {
            submitting.set(true);
            refusal.set(None);
            let (session, store, request, submitting, refusal) =
                (session.clone(), store.clone(), request.clone(), submitting.clone(), refusal.clone());
            let (navigator, toaster) = (navigator.clone(), toaster.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match session.service().submit(&request, &session.team).await {
                    Ok(response) => {
                        recent::record(Submitted {
                            team: session.team.as_str().to_owned(),
                            request: recent::fingerprint(&request),
                            build_rid: response.build_rid.to_string(),
                            at: now_millis(),
                        });
                        recent::keep_last(&response);
                        if let Some(toaster) = &toaster {
                            toaster.note(format!("Build submitted. {}", result::outcome(&response)), None);
                        }
                        submitting.set(false);
                        if let Some(navigator) = &navigator {
                            navigator.push(&Route::BuildReport { rid: response.build_rid.to_string() });
                        }
                    }
                    Err(error) => {
                        let form = store.form.clone();
                        match error.field().and_then(|f| owner_key(&form, f)) {
                            Some(key) => {
                                refusal.set(Some(Refusal {
                                    text: format!("The service refused the build: {error} The form is unchanged; the message is next to the field."),
                                    form,
                                }));
                                let target = problem_target(&key);
                                store.dispatch(Action::ServerErrors(crate::sort::map_from([(key, error.to_string())])));
                                focus(&target);
                            }
                            None => {
                                refusal.set(Some(Refusal {
                                    text: "The service refused the build (see the message at the top). The form is unchanged.".to_owned(),
                                    form,
                                }));
                                session.dispatch(SessionAction::ShowError(error));
                            }
                        }
                        submitting.set(false);
                    }
                }
            });
        })
    };
    let onsubmit = {
        let (session, request, problems, submitting, repeat, send) =
            (session.clone(), request.clone(), problems.clone(), submitting.clone(), repeat.clone(), send.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if *submitting || repeat.is_some() {
                return;
            }
            if let Some(first) = problems.first() {
                focus(&problem_target(&first.key));
                return;
            }
            let now = now_millis();
            let sent = recent::load(now);
            let same = recent::same_as(&sent, session.team.as_str(), &recent::fingerprint(&request), now);
            match same {
                Some(earlier) => repeat.set(Some(Repeat { elapsed: now - earlier.at, earlier: earlier.clone() })),
                None => send.emit(()),
            }
        })
    };
    let on_repeat_cancel = {
        let repeat = repeat.clone();
        Callback::from(move |()| repeat.set(None))
    };
    let on_repeat_confirm = {
        let (repeat, send) = (repeat.clone(), send.clone());
        Callback::from(move |_: MouseEvent| {
            repeat.set(None);
            send.emit(());
        })
    };
    let on_reset = {
        let (on_action, notice, result, refusal, form) =
            (on_action.clone(), notice.clone(), result.clone(), refusal.clone(), store.form.clone());
        Callback::from(move |_: MouseEvent| {
            let restorable = draft::set_aside(&form);
            draft::clear();
            recent::forget_last();
            on_action.emit(Action::Replace(FormState::default()));
            on_action.emit(Action::ServerErrors(BTreeMap::new()));
            result.set(None);
            refusal.set(None);
            notice.set(restorable.then(|| Notice { text: "The form was reset.".to_owned(), restorable, error: false }));
        })
    };
    let on_restore = {
        let (on_action, notice) = (on_action.clone(), notice.clone());
        Callback::from(move |_: MouseEvent| {
            if let Some(previous) = draft::take_set_aside() {
                on_action.emit(Action::Replace(previous));
            }
            notice.set(None);
        })
    };
    let on_dismiss_result = {
        let result = result.clone();
        Callback::from(move |()| {
            recent::forget_last();
            result.set(None);
        })
    };
    // The refusal note stands only while the form is the one refused.
    let refusal_note = refusal.as_ref().filter(|r| r.form == *form).map(|r| r.text.clone());

    let preview_blocked: Option<AttrValue> =
        (!problems.is_empty()).then(|| "Fix the problems listed by Submit first.".into());
    let submit_label = if *submitting { "Submitting…" } else { "Submit build" };

    html! {
        <section class="page submit-page">
            <div class="page-head">
                <h1>{ "Submit a build" }</h1>
                <p class="help">{ "Choose what to run, set the options, check the request, then submit. Your draft is kept in this browser." }</p>
            </div>
            if let Some(n) = &*notice {
                <div class={classes!("notice", "form-notice", n.error.then_some("notice-error"))} role="status">
                    <span>{ n.text.clone() }</span>
                    if n.restorable {
                        <button type="button" class="button-quiet" onclick={on_restore.clone()}>{ "Bring back the previous draft" }</button>
                    }
                </div>
            }
            if let Some(response) = &*result {
                <SubmitResult response={response.clone()} catalog={catalog.clone()} on_dismiss={on_dismiss_result} />
            }
            if let Some(r) = &*repeat {
                <Modal title="Submit the same build again?" title_id="resubmit-title" on_close={on_repeat_cancel.clone()} class="resubmit-dialog">
                    <p class="resubmit-when">{ format!("The same build was submitted {} from this browser.", ago(r.elapsed)) }</p>
                    <p>
                        { "That build: " }
                        <Link<Route> to={Route::BuildReport { rid: r.earlier.build_rid.clone() }} classes="resubmit-earlier mono">{ r.earlier.build_rid.clone() }</Link<Route>>
                    </p>
                    <div class="actions">
                        <button type="button" class="button-primary resubmit-confirm" onclick={on_repeat_confirm}>{ "Submit anyway" }</button>
                        // Focused first: Enter alone must not start a second build.
                        <button type="button" class="resubmit-cancel" onclick={on_repeat_cancel.reform(|_: MouseEvent| ())} data-autofocus="">{ "Cancel" }</button>
                    </div>
                </Modal>
            }
            if let Some(reason) = catalog_unavailable {
                <p class="notice catalog-notice" role="note">{ reason }</p>
            } else if let CatalogLoad::Failed(why) = &catalog_load {
                <p class="notice catalog-notice">{ format!("The catalog could not be loaded. {why} Names, search and branch suggestions are off; you can still paste RIDs.") }</p>
            }
            <form class="form submit-form" {onsubmit} novalidate=true>
                <div class="submit-main">
                    <SelectionTextField selections={form.selections.clone()} catalog={catalog.clone()} next_id={form.next_id} on_action={on_action.clone()} />
                    <SelectionsEditor selections={form.selections.clone()} catalog={catalog.clone()} messages={messages.clone()} on_action={on_action.clone()} />
                    <OptionsEditor form={form_rc} catalog={catalog.clone()} messages={messages.clone()} on_action={on_action.clone()} />
                </div>
                <aside class="submit-side" aria-label="Submit, preview and request">
                    <div class="card submit-bar">
                        <div class="actions">
                            <button type="submit" class="button-primary submit-button" aria-disabled={blocked.to_string()}
                                aria-describedby="submit-why">{ submit_label }</button>
                            <button type="button" onclick={on_reset}>{ "Reset form" }</button>
                        </div>
                        <div id="submit-why" class="submit-why" aria-live="polite">
                            if !problems.is_empty() { { why_disabled(&problems) } }
                            else if *submitting { <p>{ "Sending the request…" }</p> }
                            // After a refusal "Ready to submit." would contradict the note beside it.
                            else if refusal_note.is_none() { <p class="ready">{ "Ready to submit." }</p> }
                            if let Some(note) = refusal_note { <p class="field-error submit-note">{ note }</p> }
                        </div>
                    </div>
                    <PreviewPanel request={request.clone()} blocked={preview_blocked} catalog={catalog.clone()} />
                    <RequestView request={request.clone()} incomplete={!problems.is_empty()} />
                </aside>
            </form>
        </section>
    }
}
