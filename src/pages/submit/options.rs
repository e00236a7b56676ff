//! Every build option of the contract as a proper control, each with its default in view
//! and one line of help.

use std::collections::BTreeMap;
use std::rc::Rc;

use kiln_api::build2::{ExceededDurationMode, FailureStrategy, OutputQueueStrategy};
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use super::catalog_index::{CatalogIndex, RidKind};
use super::params_editor::ParamsEditor;
use super::rid_field::RidField;
use super::state::{Action, Flag, FormState, RidTarget, TextField};
use super::validation::{FieldMessage, fallback_key, field_id, input_failure_key};
use crate::api::Capabilities;
use crate::session::use_session;

/// A fresh submission id: the browser's random UUID, or a time-and-random one where
/// `crypto.randomUUID` is missing (it needs a secure context).
pub fn new_submission_id() -> String {
    let from_crypto = (|| {
        let crypto = js_sys::Reflect::get(&js_sys::global(), &"crypto".into()).ok()?;
        let random_uuid = js_sys::Reflect::get(&crypto, &"randomUUID".into()).ok()?;
        let random_uuid: js_sys::Function = wasm_bindgen::JsCast::dyn_into(random_uuid).ok()?;
        random_uuid.call0(&crypto).ok()?.as_string()
    })();
    from_crypto.unwrap_or_else(|| {
        let random = (js_sys::Math::random() * 1e12) as u64;
        format!("kiln-{}-{random:x}", js_sys::Date::now() as u64)
    })
}

#[derive(Properties, PartialEq)]
pub struct OptionsProps {
    pub form: Rc<FormState>,
    pub catalog: Option<Rc<CatalogIndex>>,
    pub messages: Rc<BTreeMap<String, FieldMessage>>,
    pub on_action: Callback<Action>,
}

/// What every control needs: the messages by field key, and where edits go.
struct Wiring<'a> {
    messages: &'a BTreeMap<String, FieldMessage>,
    on_action: &'a Callback<Action>,
    /// Which options the service reads; the others are shown disabled with the reason.
    capabilities: Capabilities,
}

impl Wiring<'_> {
    fn unavailable(&self, key: &str) -> Option<&'static str> {
        self.capabilities.option(key).reason()
    }
}

/// The line under a control the service has no field for; empty otherwise.
fn unavailable_line(id: &str, reason: Option<&'static str>) -> Html {
    match reason {
        Some(reason) => html! { <p class="field-hint unavailable" id={format!("{id}-unavailable")}>{ reason }</p> },
        None => html! {},
    }
}

fn message_line(id: &str, message: Option<&FieldMessage>) -> Html {
    let (class, text) = match message {
        Some(m) if m.invalid => ("field-error", m.text.clone()),
        Some(m) => ("field-hint", m.text.clone()),
        None => ("field-error", String::new()),
    };
    html! { <p class={class} id={format!("{id}-error")}>{ text }</p> }
}

fn checkbox(key: &str, label: &str, help: &str, checked: bool, flag: Flag, w: &Wiring) -> Html {
    let id = field_id(key);
    let onchange = w.on_action.reform(move |e: Event| {
        let input: HtmlInputElement = e.target_unchecked_into();
        Action::SetFlag(flag, input.checked())
    });
    let unavailable = w.unavailable(key);
    html! {
        <div class={classes!("field", "opt", unavailable.map(|_| "is-unavailable"))}>
            <label class="checkbox" for={id.clone()}>
                <input type="checkbox" id={id.clone()} {checked} {onchange} disabled={unavailable.is_some()}
                    aria-describedby={format!("{id}-help {id}-error {id}-unavailable")} />
                { label.to_owned() }
            </label>
            <p class="help" id={format!("{id}-help")}>{ help.to_owned() }</p>
            { unavailable_line(&id, unavailable) }
            { message_line(&id, w.messages.get(key)) }
        </div>
    }
}

/// The wire key, placeholder and input mode of a text option.
fn text_traits(field: TextField) -> (&'static str, &'static str, &'static str) {
    match field {
        TextField::Branch => ("branch", "master", "text"),
        TextField::Attempts => ("numRunJobAttempts", "1", "numeric"),
        TextField::RetryBackoff => ("retryBackoffDuration", "0", "numeric"),
        TextField::BuildParameters => ("buildParameters", "{}", "text"),
        TextField::SubmissionId => ("submissionId", "none", "text"),
        TextField::BuildGroupRid => ("buildGroupRid", "ri.foundry.main.buildgroup.…", "text"),
    }
}

fn text_input(field: TextField, label: &str, help: &str, value: &str, w: &Wiring, extra: Html) -> Html {
    let (key, placeholder, inputmode) = text_traits(field);
    let id = field_id(key);
    let message = w.messages.get(key);
    let oninput = w.on_action.reform(move |e: InputEvent| {
        let input: HtmlInputElement = e.target_unchecked_into();
        Action::SetText(field, input.value())
    });
    let list = (field == TextField::Branch).then(|| "branch-suggestions".to_owned());
    let unavailable = w.unavailable(key);
    html! {
        <div class={classes!("field", "opt", unavailable.map(|_| "is-unavailable"))}>
            <label for={id.clone()}>{ label.to_owned() }</label>
            <div class="input-row">
                <input type="text" id={id.clone()} value={value.to_owned()} placeholder={placeholder.to_owned()}
                    inputmode={inputmode.to_owned()} autocomplete="off" spellcheck="false" {list} {oninput}
                    disabled={unavailable.is_some()}
                    aria-invalid={message.is_some_and(|m| m.invalid).to_string()}
                    aria-describedby={format!("{id}-help {id}-error {id}-unavailable")} />
                if unavailable.is_none() { { extra } }
            </div>
            <p class="help" id={format!("{id}-help")}>{ help.to_owned() }</p>
            { unavailable_line(&id, unavailable) }
            { message_line(&id, message) }
        </div>
    }
}

fn choice<T: Copy + PartialEq + 'static>(
    key: &str,
    label: &str,
    help: &str,
    value: Option<T>,
    choices: &[(Option<T>, &str, &str)],
    to_action: fn(Option<T>) -> Action,
    w: &Wiring,
) -> Html {
    let id = field_id(key);
    let values: Vec<Option<T>> = choices.iter().map(|(v, _, _)| *v).collect();
    let onchange = w.on_action.reform(move |e: Event| {
        let select: HtmlSelectElement = e.target_unchecked_into();
        let index = select.selected_index().max(0) as usize;
        to_action(values.get(index).copied().flatten())
    });
    let unavailable = w.unavailable(key);
    html! {
        <div class={classes!("field", "opt", unavailable.map(|_| "is-unavailable"))}>
            <label for={id.clone()}>{ label.to_owned() }</label>
            <select id={id.clone()} {onchange} disabled={unavailable.is_some()}
                aria-describedby={format!("{id}-help {id}-error {id}-unavailable")}>
                { for choices.iter().map(|(v, wire, text)| html! {
                    <option value={wire.to_string()} selected={*v == value}>{ text.to_string() }</option>
                }) }
            </select>
            <p class="help" id={format!("{id}-help")}>{ help.to_owned() }</p>
            { unavailable_line(&id, unavailable) }
            { message_line(&id, w.messages.get(key)) }
        </div>
    }
}

#[component]
pub fn OptionsEditor(props: &OptionsProps) -> Html {
    let form = &props.form;
    let on_action = &props.on_action;
    let messages = &*props.messages;
    let capabilities = use_session().service().capabilities();
    let w = Wiring { messages, on_action, capabilities };
    let failures_unavailable = w.unavailable("inputFailureStrategies");
    let params_unavailable = w.unavailable("buildParameters");
    let generate = on_action.reform(|_: MouseEvent| Action::SetText(TextField::SubmissionId, new_submission_id()));
    let branches = props.catalog.as_ref().map(|c| c.branches()).unwrap_or_default();

    let fallback_count = form.fallbacks.len();
    let fallbacks = form.fallbacks.iter().enumerate().map(|(i, f)| {
        let key = fallback_key(i);
        let id = field_id(&key);
        let fid = f.id;
        let message = messages.get(&key);
        let oninput = on_action.reform(move |e: InputEvent| {
            let input: HtmlInputElement = e.target_unchecked_into();
            Action::SetFallback { id: fid, name: input.value() }
        });
        let up = on_action.reform(move |_: MouseEvent| Action::MoveFallback { id: fid, delta: -1 });
        let down = on_action.reform(move |_: MouseEvent| Action::MoveFallback { id: fid, delta: 1 });
        let remove = on_action.reform(move |_: MouseEvent| Action::RemoveFallback(fid));
        let n = i + 1;
        html! {
            <li key={fid} class="row">
                <label for={id.clone()} class="row-label">{ format!("{n}.") }<span class="visually-hidden">{ format!(" Fallback branch {n}") }</span></label>
                <input type="text" id={id.clone()} value={f.name.clone()} list="branch-suggestions" autocomplete="off"
                    spellcheck="false" {oninput} aria-invalid={message.is_some_and(|m| m.invalid).to_string()}
                    aria-describedby={format!("{id}-error")} />
                <button type="button" class="icon-button" onclick={up} disabled={i == 0} aria-label={format!("Move fallback branch {n} up")}><span aria-hidden="true">{ "↑" }</span></button>
                <button type="button" class="icon-button" onclick={down} disabled={n == fallback_count} aria-label={format!("Move fallback branch {n} down")}><span aria-hidden="true">{ "↓" }</span></button>
                <button type="button" class="icon-button" onclick={remove} aria-label={format!("Remove fallback branch {n}")}><span aria-hidden="true">{ "×" }</span></button>
                { message_line(&id, message) }
            </li>
        }
    });

    let failure_rows = form.input_failures.iter().enumerate().map(|(i, row)| {
        let key = input_failure_key(i);
        let rid = row.id;
        let n = i + 1;
        let on_strategy = on_action.reform(move |e: Event| {
            let select: HtmlSelectElement = e.target_unchecked_into();
            let strategy = if select.value() == "FAIL" { FailureStrategy::Fail } else { FailureStrategy::Continue };
            Action::SetInputFailureStrategy { id: rid, strategy }
        });
        let remove = on_action.reform(move |_: MouseEvent| Action::RemoveInputFailure(rid));
        let values = if row.dataset.is_empty() { Vec::new() } else { vec![row.dataset.clone()] };
        html! {
            <li key={rid} class="failure-row">
                <RidField id={field_id(&key)} label={format!("Input dataset {n}")} expected={RidKind::Dataset} {values}
                    target={RidTarget::FailureInput { id: rid }} on_action={on_action.clone()}
                    catalog={props.catalog.clone()} message={messages.get(&key).cloned()} />
                <div class="field">
                    <label for={format!("ifs-{rid}-strategy")}>
                        { "If its producer fails" }<span class="visually-hidden">{ format!(" (input {n})") }</span>
                    </label>
                    <select id={format!("ifs-{rid}-strategy")} onchange={on_strategy}>
                        <option value="CONTINUE" selected={row.strategy == FailureStrategy::Continue}>{ "CONTINUE" }</option>
                        <option value="FAIL" selected={row.strategy == FailureStrategy::Fail}>{ "FAIL" }</option>
                    </select>
                </div>
                <button type="button" class="icon-button failure-remove" onclick={remove} aria-label={format!("Remove input failure strategy {n}")}><span aria-hidden="true">{ "×" }</span></button>
            </li>
        }
    });

    html! {
        <section class="card options" aria-labelledby="options-title">
            <h2 id="options-title">{ "Options" }</h2>
            <datalist id="branch-suggestions">
                { for branches.iter().map(|b| html! { <option value={b.clone()} /> }) }
            </datalist>

            <fieldset class="option-group">
                <legend>{ "Branches" }</legend>
                { text_input(TextField::Branch, "Branch", "Every job runs on this branch. Default: master.",
                    &form.branch, &w, html! {}) }
                <div class="field opt">
                    <span class="label" id="fallbacks-label">{ "Fallback branches" }</span>
                    <p class="help" id="fallbacks-help">{ "Tried in order when an input has no transaction on the branch. Default: none." }</p>
                    if !form.fallbacks.is_empty() {
                        <ol class="rows" aria-labelledby="fallbacks-label">{ for fallbacks }</ol>
                    }
                    { message_line(&field_id("branchFallbacks"), messages.get("branchFallbacks")) }
                    <button type="button" id="add-fallback" class="button-add" onclick={on_action.reform(|_: MouseEvent| Action::AddFallback)}>
                        <span aria-hidden="true">{ "+ " }</span>{ "Add fallback branch" }
                    </button>
                </div>
            </fieldset>

            <fieldset class="option-group">
                <legend>{ "What runs" }</legend>
                { checkbox("forceBuild", "Force build", "Run every selected job spec even if it is not stale. Default: off.",
                    form.force_build, Flag::ForceBuild, &w) }
                { checkbox("ignoreBuildPolicy", "Ignore build policy", "Run jobs whose build policy is not satisfied. Default: off.",
                    form.ignore_build_policy, Flag::IgnoreBuildPolicy, &w) }
                { checkbox("finishOnFailures", "Finish on failures", "When one job fails, cancel the rest and finish the build. Default: off.",
                    form.finish_on_failures, Flag::FinishOnFailures, &w) }
            </fieldset>

            <fieldset class="option-group">
                <legend>{ "Retries" }</legend>
                { text_input(TextField::Attempts, "Attempts per job", "Most attempts per job on a retryable error; 1 never retries. Default: 1.",
                    &form.attempts, &w, html! {}) }
                { checkbox("forceRetry", "Force retry", "Treat every error as retryable, still bounded by attempts. Default: off.",
                    form.force_retry, Flag::ForceRetry, &w) }
                { text_input(TextField::RetryBackoff, "Retry backoff (seconds)", "Seconds to wait between attempts. Default: retry at once.",
                    &form.retry_backoff, &w, html! {}) }
            </fieldset>

            <fieldset class="option-group">
                <legend>{ "Jobs" }</legend>
                { choice("exceededDurationMode", "Exceeded duration", "What happens to a job that outlives its job spec's timeout. Default: CANCEL.",
                    form.exceeded_duration_mode,
                    &[(None, "", "Service default"), (Some(ExceededDurationMode::Cancel), "CANCEL", "CANCEL — stop the job"),
                      (Some(ExceededDurationMode::Retry), "RETRY", "RETRY — run it again")],
                    Action::SetExceededMode, &w) }
                { choice("outputQueueStrategy", "Output queue strategy", "A new job for an output that already has a running or queued job. Default: QUEUE_UP for batch, SUPERSEDE for long-running job specs.",
                    form.output_queue_strategy,
                    &[(None, "", "Service default"),
                      (Some(OutputQueueStrategy::QueueUp), "QUEUE_UP", "QUEUE_UP — wait behind it"),
                      (Some(OutputQueueStrategy::Supersede), "SUPERSEDE", "SUPERSEDE — cancel it and run")],
                    Action::SetQueueStrategy, &w) }
                <fieldset class={classes!("field", "opt", "bare", failures_unavailable.map(|_| "is-unavailable"))}
                    disabled={failures_unavailable.is_some()} aria-describedby={field_id("inputFailureStrategies-unavailable")}>
                    <span class="label" id="ifs-label">{ "Input failure strategies" }</span>
                    <p class="help">{ "Per input: when the job producing it fails, CONTINUE on its last good transaction or FAIL the consumer. Default: none." }</p>
                    { unavailable_line(&field_id("inputFailureStrategies"), failures_unavailable) }
                    if !form.input_failures.is_empty() {
                        <ol class="rows failure-rows" aria-labelledby="ifs-label">{ for failure_rows }</ol>
                    }
                    { message_line(&field_id("inputFailureStrategies"), messages.get("inputFailureStrategies")) }
                    <button type="button" id="add-input-failure" class="button-add" onclick={on_action.reform(|_: MouseEvent| Action::AddInputFailure)}>
                        <span aria-hidden="true">{ "+ " }</span>{ "Add input failure strategy" }
                    </button>
                </fieldset>
            </fieldset>

            <fieldset class={classes!("option-group", params_unavailable.map(|_| "is-unavailable"))} disabled={params_unavailable.is_some()}>
                <legend>{ "Configuration" }</legend>
                { unavailable_line(&field_id("buildParameters"), params_unavailable) }
                <ParamsEditor value={form.build_parameters.clone()} message={messages.get("buildParameters").cloned()}
                    on_action={on_action.clone()} />
            </fieldset>

            <fieldset class="option-group">
                <legend>{ "Bookkeeping" }</legend>
                { checkbox("suppressNotifications", "Suppress notifications", "Send no completion notification for this build. Default: off.",
                    form.suppress_notifications, Flag::SuppressNotifications, &w) }
                { text_input(TextField::SubmissionId, "Submission id", "Idempotency key: submitting the same id again returns the first build. Default: none.",
                    &form.submission_id, &w,
                    html! { <button type="button" onclick={generate}>{ "Generate" }</button> }) }
                { text_input(TextField::BuildGroupRid, "Build group RID", "Join an existing build group; builds in one group act as one. Default: a new group.",
                    &form.build_group_rid, &w, html! {}) }
            </fieldset>
        </section>
    }
}
