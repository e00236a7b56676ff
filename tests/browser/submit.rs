//! The submit page: selection editors and their wire JSON, RID paste, validation
//! messages, drafts, and (with a test server) submission errors placed on their field.

use std::time::Duration;

use gloo_storage::{LocalStorage, Storage};
use js_sys::{Array, Function, Object, Reflect};
use kiln_api::build2::{BuildReport, JobSpecSelection, SubmitBuildRequest};
use kiln_console::pages::submit::SubmitPage;
use kiln_console::pages::submit::draft;
use kiln_console::pages::submit::params_editor::parse_params;
use kiln_console::pages::submit::rid_field::pasted_rids;
use kiln_console::pages::submit::snippets::{curl_command, python_call, shell_quote};
use kiln_console::pages::submit::state::{Action, Flag, FormState, RidList, RidTarget, SelectionKind, TextField};
use kiln_console::pages::submit::validation::{field_id, list_key, owner_key, validate};
use kiln_console::pages::submit::wire::{from_request, rerun_form, selection_to_wire, to_request};
use serde_json::{Value, json};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;
use web_sys::{Element, HtmlElement, HtmlInputElement, HtmlTextAreaElement};
use yew::prelude::*;

use crate::common::{mount, query, query_all, require_server, test_config, text_of, wait_for};

const WAIT: Duration = Duration::from_secs(5);

// ---- helpers -------------------------------------------------------------------------

/// A fresh page with no draft left over from another test.
async fn fresh_page() -> Element {
    draft::clear();
    LocalStorage::delete(draft::SET_ASIDE_KEY);
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
    assert!(parse_params("[1]").expect_err("a list").sentence().contains("must be a JSON object"));
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

/// Puts `bad` in a text field, waits for `message` under it, then `good`, waits for it to go.
async fn check_text_field(root: &Element, key: &str, bad: &str, message: &str, good: &str) {
    let selector = id_sel(key);
    type_into(root, &selector, bad);
    wait_for(&format!("“{message}” under {key}"), WAIT, || error_text(root, key).contains(message)).await;
    assert_eq!(el(root, &selector).get_attribute("aria-invalid").as_deref(), Some("true"), "{key} is marked invalid");
    assert!(submit_blocked(root), "Submit is off while {key} is wrong");
    assert!(text_of(root, "#submit-why").contains(message), "Submit says why: {}", text_of(root, "#submit-why"));
    type_into(root, &selector, good);
    wait_for(&format!("no message under {key}"), WAIT, || error_text(root, key).is_empty()).await;
    assert_eq!(el(root, &selector).get_attribute("aria-invalid").as_deref(), Some("false"));
}

#[wasm_bindgen_test]
async fn each_validation_message_appears_for_its_bad_input_and_goes_when_fixed() {
    let root = fresh_page().await;
    let datasets = list_key(0, SelectionKind::Datasets, RidList::Main);

    // An empty selection asks for a dataset, quietly, and Submit says so.
    wait_for("the empty-selection hint", WAIT, || error_text(&root, &datasets).contains("add at least one dataset"))
        .await;
    assert!(submit_blocked(&root));
    paste_into(&root, &id_sel(&datasets), "ri.foundry.main.dataset.ok bad/rid");
    wait_for("the malformed RID message", WAIT, || error_text(&root, &datasets).contains("“bad/rid” is not a RID"))
        .await;
    click(&root, ".chip[data-rid='bad/rid'] .chip-remove");
    wait_for("no dataset message", WAIT, || error_text(&root, &datasets).is_empty()).await;
    wait_for("Submit on", WAIT, || !submit_blocked(&root)).await;

    check_text_field(&root, "branch", "my branch", "cannot contain spaces", "develop").await;
    check_text_field(&root, "numRunJobAttempts", "0", "Attempts must be a whole number", "3").await;
    check_text_field(&root, "numRunJobAttempts", "two", "Attempts must be a whole number", "").await;
    check_text_field(&root, "retryBackoffDuration", "-5", "whole number of seconds", "30").await;
    check_text_field(&root, "buildParameters", "{\"region\": \"eu\",}", "Line 1, column", "{\"region\": \"eu\"}").await;
    check_text_field(&root, "buildParameters", "[1, 2]", "must be a JSON object", "{}").await;
    check_text_field(&root, "buildGroupRid", "group-7", "is not a RID", "ri.foundry.main.buildgroup.g7").await;

    click(&root, "#add-fallback");
    wait_for("a fallback row", WAIT, || query(&root, &id_sel("branchFallbacks.branches[0]")).is_some()).await;
    wait_for("the empty fallback hint", WAIT, || {
        error_text(&root, "branchFallbacks.branches[0]").contains("type a branch name")
    })
    .await;
    check_text_field(&root, "branchFallbacks.branches[0]", "develop", "is the build's own branch", "master").await;

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

    let again = mount(test_config(), Some("/submit"), html! { <SubmitPage /> });
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
    let root = fresh_page().await;
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
    root.remove();
}
