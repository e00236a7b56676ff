//! The submit page: selection editors and their wire JSON, RID paste, validation
//! messages, drafts, and (with a test server) submission errors placed on their field.

use std::time::Duration;

use gloo_storage::{LocalStorage, Storage};
use js_sys::{Array, Function, Object, Reflect};
use kiln_api::TeamName;
use kiln_api::build2::{BuildReport, JobSpecSelection, SubmitBuildRequest};
use kiln_api::teams::{CatalogDataset, CatalogQuery, RuntimeConfig};
use kiln_console::api::Client;
use kiln_console::pages::submit::SubmitPage;
use kiln_console::pages::submit::draft;
use kiln_console::pages::submit::params_editor::parse_params;
use kiln_console::pages::submit::recent::{self, Submitted};
use kiln_console::pages::submit::rid_field::pasted_rids;
use kiln_console::pages::submit::snippets::{curl_command, python_call, shell_quote};
use kiln_console::pages::submit::state::{Action, Flag, FormState, RidList, RidTarget, SelectionKind, TextField};
use kiln_console::pages::submit::validation::{field_id, list_key, owner_key, validate};
use kiln_console::pages::submit::wire::{from_request, rerun_form, selection_to_wire, to_request};
use kiln_console::route::Route;
use serde_json::{Value, json};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;
use web_sys::{Element, HtmlElement, HtmlInputElement, HtmlTextAreaElement};
use yew::prelude::*;
use yew_router::prelude::*;

use crate::common::{focused, mount, query, query_all, require_server, test_config, text_of, wait_for};

const WAIT: Duration = Duration::from_secs(5);

// ---- helpers -------------------------------------------------------------------------

/// A configuration whose service is nowhere, so no catalog loads even when a test server
/// runs: the form's own checks alone, with made-up RIDs.
fn offline_config() -> RuntimeConfig {
    RuntimeConfig {
        build2_url: "http://127.0.0.1:9/build2/api".into(),
        teams_url: "http://127.0.0.1:9/api/v1".into(),
        ..test_config()
    }
}

/// Forgets what earlier tests left: the draft, the set-aside draft, the record of recent
/// submissions and the last answer.
fn forget_everything() {
    draft::clear();
    LocalStorage::delete(draft::SET_ASIDE_KEY);
    LocalStorage::delete(recent::RECENT_KEY);
    recent::forget_last();
}

/// A fresh page, offline (see [`offline_config`]), with nothing left over from another test.
async fn fresh_page() -> Element {
    forget_everything();
    let root = mount(offline_config(), Some("/submit"), html! { <SubmitPage /> });
    wait_for("the submit form", WAIT, || query(&root, ".submit-form").is_some()).await;
    root
}

/// A fresh page against the test server, with its catalog.
async fn served_page() -> Element {
    forget_everything();
    let root = mount(test_config(), Some("/submit"), html! { <SubmitPage /> });
    wait_for("the submit form", WAIT, || query(&root, ".submit-form").is_some()).await;
    root
}

fn id_sel(key: &str) -> String {
    format!("#{}", field_id(key))
}

/// Builds `new <ctor>(...args)` from the page's globals.
fn construct(ctor: &str, args: &[JsValue]) -> JsValue {
    let ctor: Function = Reflect::get(&js_sys::global(), &ctor.into()).expect("constructor").unchecked_into();
    let array: Array = args.iter().collect();
    Reflect::construct(&ctor, &array).expect("construct")
}

fn init(pairs: &[(&str, JsValue)]) -> Object {
    let object = Object::new();
    for (k, v) in pairs {
        Reflect::set(&object, &(*k).into(), v).expect("set");
    }
    Reflect::set(&object, &"bubbles".into(), &true.into()).expect("set bubbles");
    Reflect::set(&object, &"cancelable".into(), &true.into()).expect("set cancelable");
    object
}

fn dispatch(target: &Element, event: JsValue) {
    target.dispatch_event(event.unchecked_ref()).expect("dispatch");
}

fn el(root: &Element, selector: &str) -> HtmlElement {
    query(root, selector).unwrap_or_else(|| panic!("no element {selector}"))
}

/// Types `text` into an input or textarea the way the browser reports it: value, then `input`.
fn type_into(root: &Element, selector: &str, text: &str) {
    let element = el(root, selector);
    if let Some(input) = element.dyn_ref::<HtmlInputElement>() {
        input.set_value(text);
    } else if let Some(area) = element.dyn_ref::<HtmlTextAreaElement>() {
        area.set_value(text);
    }
    dispatch(&element, construct("InputEvent", &["input".into(), init(&[]).into()]));
}

/// Pastes `text` from a real clipboard event, as Ctrl+V would.
fn paste_into(root: &Element, selector: &str, text: &str) {
    let element = el(root, selector);
    let data = construct("DataTransfer", &[]);
    let set_data: Function = Reflect::get(&data, &"setData".into()).expect("setData").unchecked_into();
    set_data.call2(&data, &"text/plain".into(), &text.into()).expect("setData call");
    let event = construct("ClipboardEvent", &["paste".into(), init(&[("clipboardData", data.clone())]).into()]);
    // In Firefox ESR a handler finds none of the init's data in a synthetic paste event's
    // clipboardData; set as the event's own property, our DataTransfer reaches it in both.
    let property = Object::new();
    Reflect::set(&property, &"value".into(), &data).expect("set value");
    Reflect::define_property(event.unchecked_ref::<Object>(), &"clipboardData".into(), &property)
        .expect("defineProperty");
    dispatch(&element, event);
}

fn press(root: &Element, selector: &str, key: &str) {
    let element = el(root, selector);
    dispatch(&element, construct("KeyboardEvent", &["keydown".into(), init(&[("key", key.into())]).into()]));
}

fn click(root: &Element, selector: &str) {
    el(root, selector).click();
}

fn chips(root: &Element, field_selector: &str) -> Vec<String> {
    let Some(input) = query(root, field_selector) else { return Vec::new() };
    let field = input.closest(".rid-field").ok().flatten().expect("a RID input sits in a .rid-field");
    query_all(&field, ".chip").iter().filter_map(|c| c.get_attribute("data-rid")).collect()
}

/// The request JSON the page shows.
fn shown_request(root: &Element) -> Value {
    serde_json::from_str(&text_of(root, ".request-json")).expect("the request view holds JSON")
}

fn error_text(root: &Element, key: &str) -> String {
    text_of(root, &format!("#{}-error", field_id(key)))
}

fn submit_blocked(root: &Element) -> bool {
    el(root, ".submit-button").get_attribute("aria-disabled").as_deref() == Some("true")
}

const D1: &str = "ri.foundry.main.dataset.a1";
const D2: &str = "ri.foundry.main.dataset.b2";
const D3: &str = "ri.foundry.main.dataset.c3";
const J1: &str = "ri.foundry.main.jobspec.j1";
const J2: &str = "ri.foundry.main.jobspec.j2";

// ---- the wire JSON ---------------------------------------------------------------------

#[wasm_bindgen_test]
fn each_selection_kind_serialises_as_the_contract_says() {
    let mut form = FormState::default();
    form.apply(Action::SetRids { target: RidTarget::Selection { id: 1, list: RidList::Main }, rids: vec![D1.into()] });
    form.apply(Action::SetRequired { id: 1, required: false });
    for kind in [SelectionKind::JobSpecs, SelectionKind::Upstream, SelectionKind::Connecting] {
        form.apply(Action::AddSelection(kind));
    }
    let ids: Vec<u32> = form.selections.iter().map(|s| s.id).collect();
    let set = |form: &mut FormState, id: u32, list: RidList, rids: &[&str]| {
        let rids = rids.iter().map(|r| (*r).to_owned()).collect();
        form.apply(Action::SetRids { target: RidTarget::Selection { id, list }, rids });
    };
    set(&mut form, ids[1], RidList::Main, &[J1, J2]);
    set(&mut form, ids[2], RidList::Main, &[D3]);
    set(&mut form, ids[2], RidList::Ignore, &[D1]);
    set(&mut form, ids[3], RidList::Main, &[D1]);
    set(&mut form, ids[3], RidList::Downstream, &[D3]);
    let wire: Vec<Value> =
        form.selections.iter().map(|s| serde_json::to_value(selection_to_wire(s)).expect("json")).collect();
    assert_eq!(
        wire,
        [
            json!({"type": "datasets", "datasets": {"datasetRids": [D1], "isRequired": false}}),
            json!({"type": "jobSpecs", "jobSpecs": {"jobSpecRids": [J1, J2], "isRequired": true}}),
            json!({"type": "upstream", "upstream": {"datasetRids": [D3], "datasetRidsToIgnore": [D1]}}),
            json!({"type": "connecting", "connecting": {"upstreamDatasetRids": [D1], "downstreamDatasetRids": [D3], "datasetRidsToIgnore": []}}),
        ]
    );
    // The tag comes first and the payload sits under the tag's name, as foundry-dev-tools sends it.
    let text = serde_json::to_string(&selection_to_wire(&form.selections[3])).expect("json");
    assert!(text.starts_with(r#"{"type":"connecting","connecting":{"upstreamDatasetRids""#), "{text}");
}

#[wasm_bindgen_test]
async fn the_selection_editors_produce_the_contract_wire_json() {
    let root = fresh_page().await;
    let key = |i, kind, list| id_sel(&list_key(i, kind, list));
    paste_into(&root, &key(0, SelectionKind::Datasets, RidList::Main), D1);
    click(&root, "#sel-1-required");
    click(&root, "[data-add=jobSpecs]");
    click(&root, "[data-add=upstream]");
    click(&root, "[data-add=connecting]");
    wait_for("four selections", WAIT, || query_all(&root, ".selection").len() == 4).await;
    paste_into(&root, &key(1, SelectionKind::JobSpecs, RidList::Main), &format!("{J1}\n{J2}"));
    paste_into(&root, &key(2, SelectionKind::Upstream, RidList::Main), D3);
    paste_into(&root, &key(2, SelectionKind::Upstream, RidList::Ignore), D1);
    paste_into(&root, &key(3, SelectionKind::Connecting, RidList::Main), D1);
    paste_into(&root, &key(3, SelectionKind::Connecting, RidList::Downstream), D3);
    wait_for("a submittable form", WAIT, || !submit_blocked(&root)).await;

    let expected = json!({
        "jobSpecSelections": [
            {"type": "datasets", "datasets": {"datasetRids": [D1], "isRequired": false}},
            {"type": "jobSpecs", "jobSpecs": {"jobSpecRids": [J1, J2], "isRequired": true}},
            {"type": "upstream", "upstream": {"datasetRids": [D3], "datasetRidsToIgnore": [D1]}},
            {"type": "connecting", "connecting": {"upstreamDatasetRids": [D1], "downstreamDatasetRids": [D3], "datasetRidsToIgnore": []}}
        ],
        "submissionId": null, "buildGroupRid": null, "branch": "master", "branchFallbacks": {"branches": []},
        "forceBuild": null, "ignoreBuildPolicy": null, "finishOnFailures": null, "numRunJobAttempts": null,
        "forceRetry": null, "retryBackoffDuration": null, "buildParameters": {}, "suppressNotifications": null,
        "exceededDurationMode": null, "inputFailureStrategies": [], "outputQueueStrategy": null
    });
    assert_eq!(shown_request(&root), expected);

    // Reorder, duplicate and remove, through the editor's own buttons.
    click(&root, "#sel-1-down");
    wait_for("the datasets selection second", WAIT, || {
        shown_request(&root)["jobSpecSelections"][1]["type"] == "datasets"
    })
    .await;
    click(&root, "[aria-label='Duplicate selection 4']");
    wait_for("five selections", WAIT, || query_all(&root, ".selection").len() == 5).await;
    assert_eq!(shown_request(&root)["jobSpecSelections"][4], expected["jobSpecSelections"][3]);
    click(&root, "[aria-label='Remove selection 1']");
    wait_for("four selections again", WAIT, || query_all(&root, ".selection").len() == 4).await;
    let kinds: Vec<Value> =
        shown_request(&root)["jobSpecSelections"].as_array().expect("list").iter().map(|s| s["type"].clone()).collect();
    assert_eq!(kinds, [json!("datasets"), json!("upstream"), json!("connecting"), json!("connecting")]);
    root.remove();
}

#[wasm_bindgen_test]
fn every_option_reaches_the_wire() {
    let fixture: SubmitBuildRequest =
        serde_json::from_str(include_str!("../../crates/kiln-api/tests/fixtures/submit_all_options.json"))
            .expect("fixture parses");
    let mut form = from_request(&fixture);
    assert!(validate(&form).is_empty(), "{:?}", validate(&form));
    let mut expected = serde_json::to_value(&fixture).expect("json");
    // An unchecked box sends null, which the contract reads as false.
    expected["forceRetry"] = Value::Null;
    assert_eq!(serde_json::to_value(to_request(&form)).expect("json"), expected);

    // And through the actions the controls send.
    form.apply(Action::SetFlag(Flag::ForceRetry, true));
    form.apply(Action::SetText(TextField::Attempts, " 4 ".into()));
    form.apply(Action::AddFallback);
    let last = form.fallbacks.last().expect("a row").id;
    form.apply(Action::SetFallback { id: last, name: "hotfix".into() });
    form.apply(Action::MoveFallback { id: last, delta: -5 });
    let request = serde_json::to_value(to_request(&form)).expect("json");
    assert_eq!(request["forceRetry"], json!(true));
    assert_eq!(request["numRunJobAttempts"], json!(4));
    assert_eq!(request["branchFallbacks"], json!({"branches": ["hotfix", "master", "release"]}));
}

#[wasm_bindgen_test]
fn rerun_keeps_the_options_and_selects_failed_and_canceled_job_specs() {
    let report: BuildReport = serde_json::from_value(json!({
        "rid": "ri.foundry.main.build.b1", "buildGroupRid": "ri.foundry.main.buildgroup.g1", "team": "default",
        "runId": 3, "status": "FAILED", "branch": "develop", "createdBy": "me", "createdTime": "2026-06-08T16:40:31Z",
        "request": {"jobSpecSelections": [{"type": "datasets", "datasets": {"datasetRids": [D1], "isRequired": true}}],
                    "branch": "develop", "submissionId": "first", "numRunJobAttempts": 2},
        "jobs": [
            {"rid": "ri.foundry.main.job.1", "jobSpecRid": J1, "jobSpecName": "a", "status": "FAILED"},
            {"rid": "ri.foundry.main.job.2", "jobSpecRid": J2, "jobSpecName": "b", "status": "SUCCEEDED"},
            {"rid": "ri.foundry.main.job.3", "jobSpecRid": "ri.foundry.main.jobspec.j3", "jobSpecName": "c", "status": "CANCELED"}
        ]
    }))
    .expect("report");
    let request = to_request(&rerun_form(&report));
    assert_eq!(request.branch.as_deref(), Some("develop"));
    assert_eq!(request.num_run_job_attempts, Some(2));
    assert_eq!(request.submission_id, None, "a rerun must not reuse the first build's submission id");
    let [JobSpecSelection::JobSpecs(selection)] = request.job_spec_selections.as_slice() else {
        panic!("one jobSpecs selection, got {:?}", request.job_spec_selections);
    };
    let specs: Vec<&str> = selection.job_spec_rids.iter().map(|r| r.as_str()).collect();
    assert_eq!(specs, [J1, "ri.foundry.main.jobspec.j3"]);
    assert_eq!(selection.is_required, Some(true));
}

#[wasm_bindgen_test]
fn snippets_quote_for_the_shell_and_call_foundry_dev_tools() {
    assert_eq!(shell_quote("it's"), r"'it'\''s'");
    let curl = curl_command("http://h/build2/api/manager/submitBuild", Some("data-eng"), true, r#"{"a": "it's"}"#);
    assert!(curl.contains("-H 'Kiln-Team: data-eng'"), "{curl}");
    assert!(curl.contains("$KILN_TOKEN"), "{curl}");
    assert!(curl.ends_with(r#"--data-raw '{"a": "it'\''s"}'"#), "{curl}");

    let mut form = FormState::default();
    form.apply(Action::SetRids { target: RidTarget::Selection { id: 1, list: RidList::Main }, rids: vec![D1.into()] });
    form.apply(Action::SetFlag(Flag::ForceBuild, true));
    form.apply(Action::SetText(TextField::BuildParameters, r#"{"region": "eu", "dry": false}"#.into()));
    let python = python_call(&to_request(&form), "default");
    assert!(python.contains("ctx.build2.api_submit_build("), "{python}");
    assert!(python.contains(&format!("\"datasetRids\": [\n                \"{D1}\",")), "{python}");
    assert!(python.contains("\"isRequired\": True"), "{python}");
    assert!(python.contains("force_build=True,"), "{python}");
    assert!(python.contains("\"dry\": False"), "{python}");
    assert!(!python.contains("branch="), "master is the client's default: {python}");
    assert!(!python.contains("finish_on_failure"), "unset flags are left out: {python}");
}

// ---- pasting RIDs ----------------------------------------------------------------------

#[wasm_bindgen_test]
fn pasted_text_splits_on_every_separator() {
    let text = "ri.foundry.main.dataset.1, ri.foundry.main.dataset.2\n\nri.foundry.main.dataset.3;\t'ri.foundry.main.dataset.4'";
    assert_eq!(
        pasted_rids(text).expect("a paste of RIDs"),
        [
            "ri.foundry.main.dataset.1",
            "ri.foundry.main.dataset.2",
            "ri.foundry.main.dataset.3",
            "ri.foundry.main.dataset.4"
        ]
    );
    assert_eq!(pasted_rids("raw/orders"), None, "a single name is a search, not a RID");
    assert_eq!(pasted_rids("ri.foundry.main.dataset.x").expect("one RID"), ["ri.foundry.main.dataset.x"]);
}

#[wasm_bindgen_test]
async fn pasting_mixed_separators_yields_the_right_chips() {
    let root = fresh_page().await;
    let field = id_sel(&list_key(0, SelectionKind::Datasets, RidList::Main));
    paste_into(&root, &field, &format!("{D1},{D2}\n{D3}; {D1}\tnot-a-rid"));
    wait_for("four chips", WAIT, || chips(&root, &field).len() == 4).await;
    assert_eq!(chips(&root, &field), [D1, D2, D3, "not-a-rid"], "in order, without the repeated one");
    let bad = el(&root, ".chip[data-rid='not-a-rid']");
    assert!(bad.class_name().contains("chip-bad"), "the malformed RID is flagged on its chip");
    assert!(bad.text_content().unwrap_or_default().contains("malformed"), "{:?}", bad.text_content());
    assert_eq!(
        shown_request(&root)["jobSpecSelections"][0]["datasets"]["datasetRids"],
        json!([D1, D2, D3]),
        "a malformed RID never reaches the wire"
    );

    // Typing RIDs followed by a separator adds them too; Backspace in the empty box removes the last chip.
    click(&root, ".chip[data-rid='not-a-rid'] .chip-remove");
    type_into(&root, &field, "ri.foundry.main.dataset.d4 ri.foundry.main.dataset.e5 ");
    wait_for("five chips", WAIT, || chips(&root, &field).len() == 5).await;
    type_into(&root, &field, "");
    press(&root, &field, "Backspace");
    wait_for("the last chip gone", WAIT, || chips(&root, &field).len() == 4).await;
    assert_eq!(chips(&root, &field).last().map(String::as_str), Some("ri.foundry.main.dataset.d4"));
    root.remove();
}

// ---- validation ------------------------------------------------------------------------

#[wasm_bindgen_test]
fn params_errors_point_at_their_line() {
    let err = parse_params("{\n  \"a\": 1\n  \"b\": 2\n}").expect_err("a missing comma");
    assert_eq!((err.line, err.column), (3, 3));
    assert!(err.sentence().starts_with("Line 3, column 3: a , or } is expected"), "{}", err.sentence());
    assert!(parse_params("[1]").expect_err("a list").sentence().starts_with("Must be a JSON object"));
    assert!(parse_params("  ").expect("blank is {}").is_empty());
}

#[wasm_bindgen_test]
fn service_fields_find_their_form_field() {
    let mut form = FormState::default();
    form.apply(Action::AddSelection(SelectionKind::Connecting));
    form.apply(Action::AddFallback);
    let owner = |field: &str| owner_key(&form, field);
    assert_eq!(
        owner("jobSpecSelections[0].datasets.datasetRids[1]").as_deref(),
        Some("jobSpecSelections[0].datasets.datasetRids")
    );
    assert_eq!(
        owner("jobSpecSelections[1].connecting.downstreamDatasetRids[0]").as_deref(),
        Some("jobSpecSelections[1].connecting.downstreamDatasetRids")
    );
    assert_eq!(owner("jobSpecSelections[1]").as_deref(), Some("jobSpecSelections[1]"));
    assert_eq!(owner("branchFallbacks.branches[0]").as_deref(), Some("branchFallbacks.branches[0]"));
    assert_eq!(owner("buildParameters").as_deref(), Some("buildParameters"));
    assert_eq!(owner("somethingElse"), None, "an unknown field goes to the banner");
    assert_eq!(owner("branchX"), None, "a prefix must end at a separator");
}

/// Puts `bad` in a text field, waits for `message` under it (which starts so: the field's
/// label is beside it, so the message does not repeat it) and for `summary` (which names
/// the field) in the list under Submit; then `good`, and waits for both to go.
async fn check_text_field(root: &Element, key: &str, bad: &str, message: &str, summary: &str, good: &str) {
    let selector = id_sel(key);
    type_into(root, &selector, bad);
    wait_for(&format!("“{message}” under {key}"), WAIT, || error_text(root, key).contains(message)).await;
    assert!(
        error_text(root, key).starts_with(message),
        "the message starts with what is wrong: {}",
        error_text(root, key)
    );
    assert_eq!(el(root, &selector).get_attribute("aria-invalid").as_deref(), Some("true"), "{key} is marked invalid");
    assert!(submit_blocked(root), "Submit is off while {key} is wrong");
    let items: Vec<String> =
        query_all(root, ".why-list li").iter().map(|li| li.text_content().unwrap_or_default()).collect();
    assert!(items.iter().any(|i| i.starts_with(summary)), "Submit names the field: {items:?}");
    type_into(root, &selector, good);
    wait_for(&format!("no message under {key}"), WAIT, || error_text(root, key).is_empty()).await;
    assert_eq!(el(root, &selector).get_attribute("aria-invalid").as_deref(), Some("false"));
    assert!(!text_of(root, "#submit-why").contains(summary), "{summary} gone from the list");
}

#[wasm_bindgen_test]
async fn each_validation_message_appears_for_its_bad_input_and_goes_when_fixed() {
    let root = fresh_page().await;
    let datasets = list_key(0, SelectionKind::Datasets, RidList::Main);

    // An empty selection asks for a dataset, quietly, and Submit says so.
    wait_for("the empty-selection hint", WAIT, || error_text(&root, &datasets) == "Add at least one dataset to build.")
        .await;
    assert!(text_of(&root, ".why-list").contains("Selection 1: add at least one dataset to build."));
    assert!(submit_blocked(&root));
    paste_into(&root, &id_sel(&datasets), "ri.foundry.main.dataset.ok bad/rid");
    wait_for("the malformed RID message", WAIT, || error_text(&root, &datasets).contains("“bad/rid” is not a RID"))
        .await;
    click(&root, ".chip[data-rid='bad/rid'] .chip-remove");
    wait_for("no dataset message", WAIT, || error_text(&root, &datasets).is_empty()).await;
    wait_for("Submit on", WAIT, || !submit_blocked(&root)).await;

    check_text_field(&root, "branch", "my branch", "Cannot contain spaces.", "Branch: a branch name", "develop").await;
    // The contract's bounds: 1 to 100 attempts, 0 to 3600 seconds of backoff.
    let attempts = "Must be a whole number between 1 and 100";
    let attempts_why = "Attempts per job: must be a whole number between 1 and 100";
    check_text_field(&root, "numRunJobAttempts", "0", attempts, attempts_why, "1").await;
    check_text_field(&root, "numRunJobAttempts", "101", attempts, attempts_why, "100").await;
    check_text_field(&root, "numRunJobAttempts", "two", attempts, attempts_why, "").await;
    let backoff = "Must be a whole number of seconds between 0 and 3600";
    let backoff_why = "Retry backoff: must be a whole number of seconds between 0 and 3600";
    check_text_field(&root, "retryBackoffDuration", "-5", backoff, backoff_why, "0").await;
    check_text_field(&root, "retryBackoffDuration", "3601", backoff, backoff_why, "3600").await;
    check_text_field(
        &root,
        "buildParameters",
        "{\"region\": \"eu\",}",
        "Line 1, column",
        "Build parameters: Line 1",
        "{\"region\": \"eu\"}",
    )
    .await;
    check_text_field(&root, "buildParameters", "[1, 2]", "Must be a JSON object", "Build parameters: Must be", "{}")
        .await;
    check_text_field(
        &root,
        "buildGroupRid",
        "group-7",
        "“group-7” is not a RID",
        "Build group RID: “group-7”",
        "ri.foundry.main.buildgroup.g7",
    )
    .await;

    click(&root, "#add-fallback");
    wait_for("a fallback row", WAIT, || query(&root, &id_sel("branchFallbacks.branches[0]")).is_some()).await;
    wait_for("the empty fallback hint", WAIT, || {
        error_text(&root, "branchFallbacks.branches[0]") == "Type a branch name, or remove the row."
    })
    .await;
    check_text_field(
        &root,
        "branchFallbacks.branches[0]",
        "develop",
        "“develop” is the build's own branch",
        "Fallback branch 1: “develop”",
        "master",
    )
    .await;

    wait_for("Submit on again", WAIT, || !submit_blocked(&root)).await;
    assert!(text_of(&root, "#submit-why").contains("Ready to submit"));
    root.remove();
}

// ---- drafts ----------------------------------------------------------------------------

#[wasm_bindgen_test]
async fn a_draft_is_restored_after_remount() {
    let root = fresh_page().await;
    let datasets = id_sel(&list_key(0, SelectionKind::Datasets, RidList::Main));
    type_into(&root, "#f-branch", "develop");
    paste_into(&root, &datasets, D2);
    click(&root, "#f-forceBuild");
    type_into(&root, "#f-buildParameters", "{\"half\": ");
    wait_for("the draft saved", WAIT, || draft::load().is_some_and(|f| f.force_build && f.branch == "develop")).await;
    root.remove();

    let again = mount(offline_config(), Some("/submit"), html! { <SubmitPage /> });
    wait_for("the form again", WAIT, || query(&again, ".submit-form").is_some()).await;
    let value = |selector: &str| el(&again, selector).unchecked_into::<HtmlInputElement>();
    assert_eq!(value("#f-branch").value(), "develop");
    assert!(value("#f-forceBuild").checked());
    assert_eq!(chips(&again, &datasets), [D2]);
    assert_eq!(
        el(&again, "#f-buildParameters").unchecked_into::<HtmlTextAreaElement>().value(),
        "{\"half\": ",
        "even invalid text survives"
    );

    // Reset clears the form and the draft, and the reset form can be brought back.
    click(&again, ".submit-bar button[type=button]");
    wait_for("a blank form", WAIT, || value("#f-branch").value() == "master" && chips(&again, &datasets).is_empty())
        .await;
    assert!(draft::load().is_none_or(|f| f.is_blank()), "the stored draft is cleared too");
    click(&again, ".form-notice button");
    wait_for("the previous form back", WAIT, || value("#f-branch").value() == "develop").await;
    again.remove();
}

// ---- against the test server -----------------------------------------------------------

/// Waits for the catalog and returns the RID of the dataset named `name`.
async fn dataset_rid(root: &Element, field: &str, name: &str) -> String {
    type_into(root, field, name);
    wait_for(&format!("a search hit for {name}"), Duration::from_secs(20), || {
        query_all(root, "[role=option]").iter().any(|o| text_of(o, ".option-name") == name)
    })
    .await;
    let option =
        query_all(root, "[role=option]").into_iter().find(|o| text_of(o, ".option-name") == name).expect("hit");
    text_of(&option, ".option-rid")
}

#[wasm_bindgen_test]
async fn search_picks_by_name_with_the_keyboard_and_a_service_error_lands_on_its_field() {
    require_server();
    let root = served_page().await;
    let key = list_key(0, SelectionKind::Datasets, RidList::Main);
    let field = id_sel(&key);
    let raw = dataset_rid(&root, &field, "raw/orders").await;
    // ArrowDown moves to the first hit, Enter picks it, and the chip shows the name.
    press(&root, &field, "ArrowDown");
    press(&root, &field, "ArrowUp");
    wait_for("an active option", WAIT, || query(&root, "[role=option][aria-selected=true]").is_some()).await;
    let active = text_of(&root, "[role=option][aria-selected=true] .option-name");
    press(&root, &field, "Enter");
    wait_for("a chip", WAIT, || chips(&root, &field).len() == 1).await;
    assert_eq!(text_of(&root, ".chip .chip-name"), active);
    if active != "raw/orders" {
        click(&root, ".chip .chip-remove");
        paste_into(&root, &field, &raw);
        wait_for("the raw/orders chip", WAIT, || chips(&root, &field) == [raw.clone()]).await;
    }
    assert_eq!(text_of(&root, ".chip .chip-name"), "raw/orders", "the name comes from the catalog");
    // Escape closes the list.
    type_into(&root, &field, "clean");
    wait_for("the list open", WAIT, || el(&root, &field).get_attribute("aria-expanded").as_deref() == Some("true"))
        .await;
    press(&root, &field, "Escape");
    wait_for("the list closed", WAIT, || el(&root, &field).get_attribute("aria-expanded").as_deref() == Some("false"))
        .await;
    type_into(&root, &field, "");

    // raw/orders is a source: required, the service refuses it and names the field.
    wait_for("Submit on", WAIT, || !submit_blocked(&root)).await;
    click(&root, ".submit-button");
    wait_for("the service's message next to the datasets", Duration::from_secs(20), || {
        error_text(&root, &key).contains("no job spec produces it")
    })
    .await;
    assert_eq!(chips(&root, &field), [raw], "the form is kept after a failed submit");
    assert!(text_of(&root, ".submit-note").contains("refused"));
    assert!(
        !text_of(&root, "#submit-why").contains("Ready to submit"),
        "a refusal is not next to “Ready to submit.”: {}",
        text_of(&root, "#submit-why")
    );
    // Once the form changes, the refusal no longer describes it.
    type_into(&root, "#f-branch", "develop");
    wait_for("the refusal note gone", WAIT, || query(&root, ".submit-note").is_none()).await;
    assert!(text_of(&root, "#submit-why").contains("Ready to submit"));
    root.remove();
}

// ---- every malformed chip, wrong kinds and unknown RIDs ----------------------------------

#[wasm_bindgen_test]
async fn every_malformed_chip_gets_its_own_line_under_submit() {
    let root = fresh_page().await;
    let datasets = list_key(0, SelectionKind::Datasets, RidList::Main);
    paste_into(&root, &id_sel(&datasets), "bad/one ri.foundry.main.dataset.fine bad/two");
    wait_for("three chips", WAIT, || chips(&root, &id_sel(&datasets)).len() == 3).await;
    wait_for("two problems listed", WAIT, || text_of(&root, ".why-intro").contains("these 2 things")).await;
    let items: Vec<String> =
        query_all(&root, ".why-list li").iter().map(|li| li.text_content().unwrap_or_default()).collect();
    assert_eq!(items.len(), 2, "{items:?}");
    assert!(items[0].starts_with("Selection 1, Datasets to build: “bad/one” is not a RID"), "{items:?}");
    assert!(items[1].starts_with("Selection 1, Datasets to build: “bad/two” is not a RID"), "{items:?}");
    // The field names both, without its label.
    let message = error_text(&root, &datasets);
    assert!(message.starts_with("“bad/one” is not a RID") && message.contains("“bad/two” is not a RID"), "{message}");
    // Each item leads to the field.
    query_all(&root, ".why-list li button")[1].click();
    assert_eq!(focused().map(|e| e.id()), Some(field_id(&datasets)));
    click(&root, ".chip[data-rid='bad/one'] .chip-remove");
    wait_for("one problem left", WAIT, || text_of(&root, ".why-intro") == "Submit is off until this is fixed:").await;
    click(&root, ".chip[data-rid='bad/two'] .chip-remove");
    wait_for("Submit on", WAIT, || !submit_blocked(&root)).await;
    root.remove();
}

/// A dataset of the test server's pipeline, from its catalog.
async fn catalog_dataset(name: &str) -> CatalogDataset {
    let client = Client::new(&test_config(), None);
    let catalog = kiln_console::api::catalog::datasets(&client, &CatalogQuery::default()).await.expect("catalog");
    catalog.datasets.into_iter().find(|d| d.name == name).unwrap_or_else(|| panic!("no dataset {name}"))
}

#[wasm_bindgen_test]
async fn a_job_spec_among_datasets_or_an_unknown_rid_keeps_submit_off_and_says_which() {
    require_server();
    let orders = catalog_dataset("clean/orders").await;
    let producer = orders.produced_by.clone().expect("clean/orders has a producer").to_string();
    let root = served_page().await;
    let key = list_key(0, SelectionKind::Datasets, RidList::Main);
    let field = id_sel(&key);
    // The catalog has loaded once a known dataset shows its name on the chip.
    paste_into(&root, &field, orders.rid.as_str());
    wait_for("the catalog's name on the chip", Duration::from_secs(20), || {
        text_of(&root, ".chip .chip-name") == "clean/orders"
    })
    .await;
    wait_for("Submit on", WAIT, || !submit_blocked(&root)).await;

    paste_into(&root, &field, &producer);
    wait_for("the job spec named under Submit", WAIT, || {
        text_of(&root, ".why-list").contains("is a job spec, not a dataset")
    })
    .await;
    assert!(submit_blocked(&root));
    let why = text_of(&root, ".why-list");
    assert!(why.starts_with("Selection 1, Datasets to build: “clean-orders” is a job spec, not a dataset"), "{why}");
    assert!(error_text(&root, &key).contains("“clean-orders” is a job spec, not a dataset"));
    click(&root, &format!(".chip[data-rid='{producer}'] .chip-remove"));

    let unknown = "ri.foundry.main.dataset.not-in-the-catalog";
    paste_into(&root, &field, unknown);
    wait_for("the unknown RID named under Submit", WAIT, || {
        text_of(&root, ".why-list").contains(&format!("“{unknown}” is no dataset in the catalog"))
    })
    .await;
    assert!(submit_blocked(&root));
    click(&root, &format!(".chip[data-rid='{unknown}'] .chip-remove"));
    wait_for("Submit on again", WAIT, || !submit_blocked(&root)).await;
    root.remove();
}

// ---- after Submit: the report, Back, and a second identical submission ----------------

/// Stands in for the app's switch: the submit page at /submit, and at a build's report a
/// marker with the build's RID and a Back button. gloo's MemoryHistory moves on `go(-1)`
/// without telling its listeners, so Back here pushes /submit: either way the page mounts
/// afresh from what it stored, which is what this checks (the E2E test presses the
/// browser's real Back).
#[component]
fn SubmitThenReport() -> Html {
    let route = use_route::<Route>();
    let navigator = use_navigator();
    match route {
        Some(Route::BuildReport { rid }) => {
            let back = Callback::from(move |_: MouseEvent| {
                if let Some(navigator) = &navigator {
                    navigator.push(&Route::Submit);
                }
            });
            html! { <div class="landed" data-rid={rid}><button type="button" class="go-back" onclick={back}>{ "Back" }</button></div> }
        }
        _ => html! { <SubmitPage /> },
    }
}

fn landed_on(root: &Element) -> Option<String> {
    query(root, ".landed").and_then(|e| e.get_attribute("data-rid"))
}

/// Presses Submit as a pointer does: the button takes the focus, then the click.
fn press_submit(root: &Element) {
    let button = el(root, ".submit-button");
    button.focus().expect("focus Submit");
    button.click();
}

/// A form that builds clean/orders on the test server, with two attempts.
async fn orders_form() -> FormState {
    let orders = catalog_dataset("clean/orders").await;
    let mut form = FormState::default();
    form.apply(Action::SetRids {
        target: RidTarget::Selection { id: 1, list: RidList::Main },
        rids: vec![orders.rid.to_string()],
    });
    form.apply(Action::SetText(TextField::Attempts, "2".into()));
    form
}

/// The submit page (which lands on the report after Submit) with [`orders_form`] as its
/// draft, once Submit is on; the form and the page's root.
async fn submit_page_with_orders_form() -> (FormState, Element) {
    let form = orders_form().await;
    draft::save(&form);
    let root = mount(test_config(), Some("/submit"), html! { <SubmitThenReport /> });
    wait_for("Submit on", Duration::from_secs(20), || {
        query(&root, ".submit-button").is_some() && !submit_blocked(&root)
    })
    .await;
    (form, root)
}

#[wasm_bindgen_test]
async fn submit_lands_on_the_report_back_restores_the_form_and_the_same_request_asks_first() {
    require_server();
    forget_everything();
    let (form, root) = submit_page_with_orders_form().await;
    press_submit(&root);
    wait_for("the build's report", Duration::from_secs(20), || landed_on(&root).is_some()).await;
    let first = landed_on(&root).expect("a build RID");
    assert!(first.starts_with("ri.foundry.main.build."), "{first}");
    let sent = recent::load(js_sys::Date::now() as i64);
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0].build_rid, first);
    assert_eq!(sent[0].request, recent::fingerprint(&to_request(&form)));

    // Back: the form as it was, and what the service answered above it.
    click(&root, ".go-back");
    wait_for("the form again", WAIT, || query(&root, ".submit-form").is_some()).await;
    let datasets = id_sel(&list_key(0, SelectionKind::Datasets, RidList::Main));
    assert_eq!(chips(&root, &datasets), form.selections[0].rids);
    assert_eq!(el(&root, "#f-numRunJobAttempts").unchecked_into::<HtmlInputElement>().value(), "2");
    assert_eq!(text_of(&root, "#result-title"), "Last submission");
    assert_eq!(text_of(&root, ".result-build-link"), first);

    // The same request again asks first; Cancel keeps the form and gives the focus back.
    wait_for("Submit on", WAIT, || !submit_blocked(&root)).await;
    press_submit(&root);
    wait_for("the resubmit dialog", WAIT, || query(&root, ".resubmit-dialog").is_some()).await;
    let when = text_of(&root, ".resubmit-when");
    assert!(when.starts_with("The same build was submitted ") && when.contains(" ago"), "{when}");
    assert_eq!(text_of(&root, ".resubmit-earlier"), first);
    assert!(focused().is_some_and(|e| e.class_name().contains("resubmit-cancel")), "Cancel has the focus first");
    click(&root, ".resubmit-cancel");
    wait_for("the dialog gone", WAIT, || query(&root, ".resubmit-dialog").is_none()).await;
    assert!(focused().is_some_and(|e| e.class_name().contains("submit-button")), "focus back on Submit");
    assert_eq!(landed_on(&root), None, "nothing was sent");
    assert_eq!(recent::load(js_sys::Date::now() as i64).len(), 1);
    assert_eq!(chips(&root, &datasets), form.selections[0].rids);

    // Submit anyway sends it: a second build.
    press_submit(&root);
    wait_for("the resubmit dialog again", WAIT, || query(&root, ".resubmit-confirm").is_some()).await;
    click(&root, ".resubmit-confirm");
    wait_for("the second build's report", Duration::from_secs(20), || landed_on(&root).is_some()).await;
    let second = landed_on(&root).expect("a build RID");
    assert_ne!(second, first);

    // A different request does not ask.
    click(&root, ".go-back");
    wait_for("the form after the second build", WAIT, || query(&root, "#f-numRunJobAttempts").is_some()).await;
    type_into(&root, "#f-numRunJobAttempts", "3");
    wait_for("the request with 3 attempts", WAIT, || shown_request(&root)["numRunJobAttempts"] == json!(3)).await;
    assert!(!submit_blocked(&root));
    press_submit(&root);
    // Landing at all means no question was asked: the dialog holds the request back.
    wait_for("a third build's report", Duration::from_secs(20), || landed_on(&root).is_some()).await;
    assert!(landed_on(&root).is_some_and(|third| third != first && third != second));
    root.remove();
    forget_everything();
}

#[wasm_bindgen_test]
async fn the_resubmit_question_says_how_long_ago_in_the_consoles_words() {
    require_server();
    forget_everything();
    let (form, root) = submit_page_with_orders_form().await;
    // Recorded just before Submit, so the time asked about is 10 s and a few milliseconds.
    recent::record(Submitted {
        team: TeamName::default_team().as_str().to_owned(),
        request: recent::fingerprint(&to_request(&form)),
        build_rid: "ri.foundry.main.build.earlier".into(),
        at: js_sys::Date::now() as i64 - 10_000,
    });
    press_submit(&root);
    wait_for("the resubmit dialog", WAIT, || query(&root, ".resubmit-dialog").is_some()).await;
    assert_eq!(text_of(&root, "#resubmit-title"), "Submit the same build again?");
    assert_eq!(text_of(&root, ".resubmit-when"), "The same build was submitted 10 s ago from this browser.");
    // Escape is Cancel too.
    let cancel = el(&root, ".resubmit-cancel");
    crate::common::press_key(&cancel, "Escape", false);
    wait_for("the dialog gone", WAIT, || query(&root, ".resubmit-dialog").is_none()).await;
    assert!(focused().is_some_and(|e| e.class_name().contains("submit-button")), "focus back on Submit");
    assert_eq!(landed_on(&root), None);
    assert_eq!(recent::load(js_sys::Date::now() as i64).len(), 1, "nothing was sent");
    root.remove();
    forget_everything();
}
