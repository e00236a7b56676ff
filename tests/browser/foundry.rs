//! Foundry mode: the form's request as the public API's `CreateBuildRequest`, the controls
//! that API has no field for (shown disabled with the reason), and, with a test server,
//! a submission through `/api/v2` whose answers fill the pages.

use std::time::Duration;

use gloo_storage::{LocalStorage, Storage};
use kiln_api::Rid;
use kiln_api::build2::BuildStatus;
use kiln_api::teams::{ApiKind, CatalogQuery, RuntimeConfig};
use kiln_console::api::foundry::{self, Unmappable, create_request};
use kiln_console::api::{Capabilities, Client, Service};
use kiln_console::pages::submit::SubmitPage;
use kiln_console::pages::submit::draft;
use kiln_console::pages::submit::recent;
use kiln_console::pages::submit::state::{FallbackDraft, FormState, SelectionDraft, SelectionKind};
use kiln_console::pages::submit::validation::{field_id, for_service, selection_key, validate};
use kiln_console::pages::submit::wire::to_request;
use serde_json::{Value, json};
use wasm_bindgen_test::wasm_bindgen_test;
use web_sys::{Element, HtmlInputElement};
use yew::prelude::*;

use crate::common::{mount, query, require_server, server_url, test_config, text_of, type_into, wait_for};

const WAIT: Duration = Duration::from_secs(5);
const D1: &str = "ri.foundry.main.dataset.a1";
const D2: &str = "ri.foundry.main.dataset.b2";
const D3: &str = "ri.foundry.main.dataset.c3";

/// The console pointed at the test server's public API (or at nowhere without one).
fn foundry_config() -> RuntimeConfig {
    RuntimeConfig {
        api: ApiKind::Foundry,
        foundry_url: Some(server_url().unwrap_or("http://127.0.0.1:9").to_owned()),
        ..test_config()
    }
}

fn selection(id: u32, kind: SelectionKind, rids: &[&str], downstream: &[&str], ignore: &[&str]) -> SelectionDraft {
    let texts = |list: &[&str]| list.iter().map(|r| (*r).to_owned()).collect();
    SelectionDraft {
        rids: texts(rids),
        downstream: texts(downstream),
        ignore: texts(ignore),
        ..SelectionDraft::new(id, kind)
    }
}

fn form_with(selections: Vec<SelectionDraft>) -> FormState {
    FormState { selections, ..FormState::default() }
}

fn create_json(form: &FormState) -> Value {
    serde_json::to_value(create_request(&to_request(form)).expect("a request the public API takes")).expect("serialise")
}

// ---- the form as a CreateBuildRequest ------------------------------------------------

#[wasm_bindgen_test]
fn each_selection_kind_becomes_its_public_target_with_the_options_that_exist() {
    // Datasets selections are one manual target with all their datasets, once each.
    let mut form = form_with(vec![
        selection(1, SelectionKind::Datasets, &[D1, D2], &[], &[]),
        selection(2, SelectionKind::Datasets, &[D2, D3], &[], &[]),
    ]);
    form.branch = "dev".into();
    form.fallbacks = vec![FallbackDraft { id: 3, name: "master".into() }];
    form.force_build = true;
    form.finish_on_failures = true;
    form.attempts = "3".into();
    form.retry_backoff = "20".into();
    form.suppress_notifications = true;
    // Options the public API has no field for are not sent.
    form.ignore_build_policy = true;
    form.force_retry = true;
    form.submission_id = "abc".into();
    form.build_parameters = r#"{"x": 1}"#.into();
    assert_eq!(
        create_json(&form),
        json!({
            "target": {"type": "manual", "targetRids": [D1, D2, D3]},
            "branchName": "dev",
            "fallbackBranches": ["master"],
            "forceBuild": true,
            "retryCount": 2,
            "retryBackoffDuration": {"value": 20, "unit": "SECONDS"},
            "abortOnFailure": true,
            "notificationsEnabled": false,
        })
    );

    let upstream = form_with(vec![selection(1, SelectionKind::Upstream, &[D1], &[], &[D2])]);
    assert_eq!(create_json(&upstream)["target"], json!({"type": "upstream", "targetRids": [D1], "ignoredRids": [D2]}));
    // build2 walks from upstream datasets to downstream ones; the public API builds the
    // targets from the inputs.
    let connecting = form_with(vec![selection(1, SelectionKind::Connecting, &[D1], &[D3], &[D2])]);
    assert_eq!(
        create_json(&connecting)["target"],
        json!({"type": "connecting", "inputRids": [D1], "targetRids": [D3], "ignoredRids": [D2]})
    );
    // Unset options are left to the service.
    let plain = create_json(&form_with(vec![selection(1, SelectionKind::Datasets, &[D1], &[], &[])]));
    assert_eq!(
        plain,
        json!({"target": {"type": "manual", "targetRids": [D1]}, "branchName": "master", "fallbackBranches": []})
    );
}

#[wasm_bindgen_test]
fn a_request_the_public_api_cannot_take_says_why_on_its_selection() {
    let job_specs = form_with(vec![
        selection(1, SelectionKind::Datasets, &[D1], &[], &[]),
        selection(2, SelectionKind::JobSpecs, &["ri.foundry.main.jobspec.j1"], &[], &[]),
    ]);
    let refusal = create_request(&to_request(&job_specs)).expect_err("no job-spec selections");
    assert_eq!(refusal, Unmappable::JobSpecs { index: 1 });
    assert!(refusal.to_string().contains("not in Foundry's public API"), "{refusal}");
    let mixed = form_with(vec![
        selection(1, SelectionKind::Datasets, &[D1], &[], &[]),
        selection(2, SelectionKind::Upstream, &[D2], &[], &[]),
    ]);
    assert_eq!(create_request(&to_request(&mixed)), Err(Unmappable::MixedKinds));
    let two_connecting = form_with(vec![
        selection(1, SelectionKind::Connecting, &[D1], &[D2], &[]),
        selection(2, SelectionKind::Connecting, &[D2], &[D3], &[]),
    ]);
    assert_eq!(create_request(&to_request(&two_connecting)), Err(Unmappable::SeveralConnecting));
    assert_eq!(create_request(&to_request(&form_with(Vec::new()))), Err(Unmappable::NoTarget));

    // The refusal is a problem on that selection, so Submit lists it and points there.
    let foundry = Service::new(&foundry_config(), None);
    let problems = for_service(validate(&job_specs), &foundry.capabilities(), foundry.refusal(&to_request(&job_specs)));
    assert_eq!(problems.first().map(|p| p.key.clone()), Some(selection_key(1)));
    let build2 = Service::new(&test_config(), None);
    assert_eq!(build2.refusal(&to_request(&job_specs)), None, "build2 takes job-spec selections");
}

#[wasm_bindgen_test]
fn problems_on_options_the_public_api_lacks_do_not_block_submit() {
    let mut form = form_with(vec![selection(1, SelectionKind::Datasets, &[D1], &[], &[])]);
    form.build_parameters = "{ not json".into();
    form.build_group_rid = "not a rid".into();
    form.attempts = "zero".into();
    let problems = validate(&form);
    let keys = |p: &[kiln_console::pages::submit::validation::Problem]| -> Vec<String> {
        p.iter().map(|p| p.key.clone()).collect()
    };
    assert!(keys(&problems).contains(&"buildParameters".to_owned()), "{:?}", keys(&problems));
    let foundry = for_service(problems.clone(), &Capabilities::FOUNDRY, None);
    assert_eq!(keys(&foundry), ["numRunJobAttempts"], "attempts is sent (retryCount), the others are not");
    assert_eq!(for_service(problems.clone(), &Capabilities::BUILD2, None), problems);
}

#[wasm_bindgen_test]
fn the_python_snippet_is_the_sdks_build_create_with_the_same_fields() {
    use kiln_console::api::OfficialClient;
    use kiln_console::pages::submit::snippets::{curl_command, sdk_call};
    let mut form = form_with(vec![selection(1, SelectionKind::Upstream, &[D1], &[], &[D2])]);
    form.attempts = "2".into();
    form.force_build = true;
    let body = create_json(&form);
    let python = sdk_call(&body, "stack.example.com", false);
    assert!(python.contains("client.orchestration.Build.create(\n"), "{python}");
    assert!(python.contains("hostname=\"stack.example.com\")"), "https is the SDK's default: {python}");
    assert!(python.contains("    branch_name=\"master\",\n"), "{python}");
    assert!(python.contains("    fallback_branches=[],\n"), "{python}");
    assert!(python.contains("    force_build=True,\n"), "{python}");
    assert!(python.contains("    retry_count=1,\n"), "{python}");
    assert!(python.contains("\"ignoredRids\": [\n"), "the target keeps the wire's names: {python}");
    assert!(python.contains("os.environ[\"FOUNDRY_TOKEN\"]"), "{python}");
    let local = sdk_call(&body, "127.0.0.1:8080", true);
    assert!(local.contains("config=Config(scheme=\"http\")"), "{local}");
    // The stack is named by host; a public build has no team.
    let service =
        Service::new(&RuntimeConfig { foundry_url: Some("http://127.0.0.1:8080/".into()), ..foundry_config() }, None);
    assert_eq!(service.official_client(), OfficialClient::FoundrySdk { hostname: "127.0.0.1:8080".into(), http: true });
    assert_eq!(Service::new(&test_config(), None).official_client(), OfficialClient::FoundryDevTools);
    let curl = curl_command("https://stack.example.com/api/v2/orchestration/builds/create", None, true, "{}");
    assert!(!curl.contains("Kiln-Team"), "{curl}");
}

// ---- the page in Foundry mode ----------------------------------------------------------

async fn foundry_page(form: FormState) -> Element {
    draft::save(&form);
    LocalStorage::delete(draft::SET_ASIDE_KEY);
    let root = mount(foundry_config(), Some("/submit"), html! { <SubmitPage /> });
    wait_for("the submit form", WAIT, || query(&root, ".submit-form").is_some()).await;
    root
}

fn disabled(root: &Element, selector: &str) -> bool {
    let element = query(root, selector).unwrap_or_else(|| panic!("no element {selector}"));
    if let Some(input) = wasm_bindgen::JsCast::dyn_ref::<HtmlInputElement>(&element) {
        // A control inside a disabled fieldset is disabled without its own attribute.
        return input.disabled() || input.matches(":disabled").unwrap_or(false);
    }
    element.matches(":disabled").unwrap_or(false)
}

#[wasm_bindgen_test]
async fn foundry_mode_shows_what_the_public_api_lacks_disabled_with_the_reason() {
    let mut form = form_with(vec![
        selection(1, SelectionKind::Datasets, &[D1], &[], &[]),
        selection(2, SelectionKind::JobSpecs, &["ri.foundry.main.jobspec.j1"], &[], &[]),
    ]);
    form.next_id = 3;
    let root = foundry_page(form).await;
    for key in [
        "ignoreBuildPolicy",
        "forceRetry",
        "submissionId",
        "buildGroupRid",
        "exceededDurationMode",
        "outputQueueStrategy",
    ] {
        let id = field_id(key);
        assert!(disabled(&root, &format!("#{id}")), "{key} is disabled");
        assert_eq!(text_of(&root, &format!("#{id}-unavailable")), "Not in Foundry's public API.", "{key}'s reason");
    }
    assert_eq!(
        text_of(&root, &format!("#{}-unavailable", field_id("inputFailureStrategies"))),
        "Not in Foundry's public API."
    );
    assert!(disabled(&root, "#add-input-failure"), "the input failure rows are disabled");
    assert!(disabled(&root, ".params-editor textarea"), "build parameters are disabled");
    for key in [
        "forceBuild",
        "finishOnFailures",
        "suppressNotifications",
        "branch",
        "numRunJobAttempts",
        "retryBackoffDuration",
    ] {
        assert!(!disabled(&root, &format!("#{}", field_id(key))), "{key} works in Foundry mode");
    }
    // The job-spec selection stays in view, disabled, and says why; so does the add button.
    assert!(query(&root, "[data-add=jobSpecs]").is_some(), "the add button is shown");
    assert!(disabled(&root, "[data-add=jobSpecs]"), "and disabled");
    assert!(text_of(&root, "#selection-kinds-unavailable").contains("not in Foundry's public API"));
    assert!(text_of(&root, ".selection[data-kind=jobSpecs] .unavailable").contains("not in Foundry's public API"));
    assert!(query(&root, ".selection[data-kind=jobSpecs] fieldset:disabled").is_some());
    // A manual target requires every dataset: the datasets selection's switch shows that.
    assert!(disabled(&root, ".selection[data-kind=datasets] input[type=checkbox]"), "Required is fixed");
    assert!(
        text_of(&root, ".selection[data-kind=datasets] .unavailable").contains("every target dataset is required"),
        "with the reason"
    );
    // There is no catalog to search, and the page says so rather than that it failed.
    assert!(text_of(&root, ".catalog-notice").contains("no dataset search"), "{}", text_of(&root, ".catalog-notice"));
    // Submit lists the selection; the preview says there is none; the request view says
    // where the request goes and that it cannot be sent as it is.
    assert!(text_of(&root, "#submit-why").contains("job-spec selections are not in Foundry's public API"));
    assert!(text_of(&root, ".preview-unavailable").contains("no preview"));
    assert!(disabled(&root, ".preview .card-head button"));
    assert!(text_of(&root, ".request-view .help").contains("/api/v2/orchestration/builds/create"));
    root.remove();
    draft::clear();
}

#[wasm_bindgen_test]
async fn the_request_view_shows_the_create_request() {
    let mut form = form_with(vec![selection(1, SelectionKind::Upstream, &[D1], &[], &[D2])]);
    form.attempts = "2".into();
    let root = foundry_page(form).await;
    let shown: Value = serde_json::from_str(&text_of(&root, ".request-json")).expect("JSON");
    assert_eq!(
        shown,
        json!({"target": {"type": "upstream", "targetRids": [D1], "ignoredRids": [D2]}, "branchName": "master",
               "fallbackBranches": [], "retryCount": 1})
    );
    root.remove();
    draft::clear();
}

// ---- against the test server -----------------------------------------------------------

/// The RID of a dataset of the test server's pipeline, from its catalog.
async fn dataset(name: &str) -> Rid {
    let client = Client::new(&test_config(), None);
    let catalog = kiln_console::api::catalog::datasets(&client, &CatalogQuery::default()).await.expect("catalog");
    catalog.datasets.into_iter().find(|d| d.name == name).map(|d| d.rid).unwrap_or_else(|| panic!("no dataset {name}"))
}

#[wasm_bindgen_test]
async fn a_submission_in_foundry_mode_creates_a_public_build_with_its_options() {
    require_server();
    let target = dataset("clean/orders").await;
    let mut form = form_with(vec![selection(1, SelectionKind::Datasets, &[target.as_str()], &[], &[])]);
    form.attempts = "2".into();
    form.retry_backoff = "1".into();
    form.force_build = true;
    let root = foundry_page(form).await;
    wait_for("Submit on", WAIT, || {
        query(&root, ".submit-button").and_then(|b| b.get_attribute("aria-disabled")).as_deref() == Some("false")
    })
    .await;
    recent::forget_last();
    query(&root, ".submit-button").expect("submit").click();
    // A submission goes to the build's report, keeping the service's answer for Back.
    wait_for("the created build", Duration::from_secs(20), || recent::last().is_some()).await;
    let rid = recent::last().expect("the answer").build_rid;
    // The service's own answer has the options the form set.
    let client = Client::new(&foundry_config(), None);
    let build = foundry::build(&client, &rid).await.expect("GET the build").expect("the build exists");
    assert_eq!(build.retry_count, 1);
    assert_eq!(build.retry_backoff_duration.whole_seconds(), Some(1));
    assert_eq!(build.branch_name, "master");
    assert!(matches!(build.status, BuildStatus::Running | BuildStatus::Succeeded), "{:?}", build.status);
    root.remove();
    draft::clear();
}

// ---- signing in to a Foundry stack ------------------------------------------------------

#[wasm_bindgen_test]
async fn sign_in_on_a_foundry_stack_uses_multipass_and_the_default_scopes() {
    use kiln_api::teams::OAuthConfig;
    use kiln_console::auth::flow;
    use kiln_console::auth::store::Pending;
    let _ = Pending::take();
    let oauth = OAuthConfig { client_id: "kiln".into(), issuer: None, scopes: None, redirect_path: None };
    let config = RuntimeConfig {
        api: ApiKind::Foundry,
        foundry_url: Some("https://stack.example.com/".into()),
        oauth: Some(oauth),
        ..RuntimeConfig::default()
    };
    let url = flow::authorize_url_for(&config, "/").await.expect("no discovery needed");
    let pending = Pending::take().expect("the sign-in is pending in this tab");
    let (base, query) = url.split_once('?').expect("a query");
    assert_eq!(base, "https://stack.example.com/multipass/api/oauth2/authorize");
    let params: std::collections::HashMap<String, String> = serde_urlencoded::from_str(query).expect("form");
    assert_eq!(params["scope"], "api:orchestration-read api:orchestration-write api:datasets-read offline_access");
    assert_eq!(params["code_challenge_method"], "S256");
    assert_eq!(pending.endpoints.token, "https://stack.example.com/multipass/api/oauth2/token");
    assert_eq!(
        pending.endpoints.revoke.as_deref(),
        Some("https://stack.example.com/multipass/api/oauth2/revoke_token")
    );
    // Without an oauth section there is nothing to sign in to.
    let bare = RuntimeConfig { oauth: None, ..config };
    assert_eq!(flow::authorize_url_for(&bare, "/").await, Err(flow::SignInError::NotConfigured));
}

// ---- answers to pages ------------------------------------------------------------------

fn public_build(job_rids: &[&str]) -> kiln_api::orchestration::Build {
    serde_json::from_value(json!({
        "rid": "ri.foundry.main.build.0123456789ab",
        "branchName": "dev",
        "createdTime": "2026-12-01T10:00:00Z",
        "createdBy": "3c8fbda5-686e-4fcb-ad52-d95e4281d99f",
        "fallbackBranches": ["master"],
        "jobRids": job_rids,
        "retryCount": 2,
        "retryBackoffDuration": {"value": 1, "unit": "MINUTES"},
        "abortOnFailure": true,
        "status": "RUNNING",
    }))
    .expect("a Build as the SDK models it")
}

fn public_job(rid: &str, status: &str, output: &str) -> kiln_api::orchestration::Job {
    serde_json::from_value(json!({
        "rid": rid,
        "buildRid": "ri.foundry.main.build.0123456789ab",
        "startedTime": "2026-12-01T10:00:01Z",
        "jobStatus": status,
        "outputs": [{"type": "datasetJobOutput", "datasetRid": output}],
    }))
    .expect("a Job as the SDK models it")
}

#[wasm_bindgen_test]
fn a_public_build_and_its_jobs_become_the_build_and_job_pages() {
    use kiln_api::build2::JobStatus;
    let build = public_build(&["ri.foundry.main.job.1", "ri.foundry.main.job.2"]);
    // Pages of jobs may come in any order; the report lists them in the build's order.
    let jobs =
        [public_job("ri.foundry.main.job.2", "FAILED", D2), public_job("ri.foundry.main.job.1", "SUCCEEDED", D1)];
    let names = std::collections::HashMap::from([(Rid::parse(D1).expect("rid"), "clean/orders".to_owned())]);
    let report = foundry::build_report(&build, &jobs, &names);
    assert_eq!(report.rid, build.rid);
    assert_eq!(report.branch, "dev");
    assert_eq!(report.branch_fallbacks.branches, ["master"]);
    let order: Vec<String> = report.jobs.iter().map(|j| j.rid.to_string()).collect();
    assert_eq!(order, ["ri.foundry.main.job.1", "ri.foundry.main.job.2"]);
    assert_eq!(report.jobs[0].job_spec_name, "clean/orders", "a job is named by the dataset it writes");
    assert_eq!(report.jobs[1].job_spec_name, D2, "an unknown name shows the RID");
    assert_eq!(report.jobs[1].status, JobStatus::Failed);
    // The options the build was created with, as the report's request shows them.
    assert_eq!(report.request.num_run_job_attempts, Some(3));
    assert_eq!(report.request.retry_backoff_duration, Some(60));
    assert_eq!(report.request.finish_on_failures, Some(true));
    assert!(report.request.job_spec_selections.is_empty(), "the public Build does not return its target");

    let job = foundry::job_report(&jobs[0], &names);
    assert_eq!(job.build_rid, build.rid);
    assert_eq!(job.status, JobStatus::Failed);
    assert_eq!(job.outputs.len(), 1);
    assert!(job.attempts.is_empty(), "the public API has no attempts");

    let service = Service::new(&foundry_config(), None);
    let link = service.build_link(&build.rid).expect("a Foundry link");
    assert_eq!(
        link.href,
        format!(
            "{}/workspace/data-integration/job-tracker/builds/{}",
            foundry_config().foundry_url.unwrap_or_default(),
            build.rid
        )
    );
    assert_eq!(service.build_title(&report), "Build 01234567");
}

#[wasm_bindgen_test]
fn polling_backs_off_while_nothing_changes() {
    use kiln_console::hooks::live::{POLL_BACKOFF_MAX, POLL_EVERY, backoff_delay};
    assert_eq!(backoff_delay(0), POLL_EVERY);
    assert!(backoff_delay(1) > backoff_delay(0) && backoff_delay(2) > backoff_delay(1));
    assert_eq!(backoff_delay(30), POLL_BACKOFF_MAX);
    assert_eq!(Capabilities::FOUNDRY.polling, kiln_console::api::Polling::Backoff);
}

/// Creates a public build of one dataset on the test server.
async fn create_build(dataset_name: &str) -> Rid {
    use kiln_api::orchestration::{BuildTarget, CreateBuildRequest, ManualTarget};
    let target = dataset(dataset_name).await;
    let request = CreateBuildRequest {
        target: BuildTarget::Manual(ManualTarget { target_rids: vec![target] }),
        branch_name: None,
        fallback_branches: Vec::new(),
        force_build: Some(true),
        retry_count: None,
        retry_backoff_duration: None,
        abort_on_failure: None,
        notifications_enabled: None,
    };
    foundry::create(&Client::new(&foundry_config(), None), &request).await.expect("create").rid
}

#[wasm_bindgen_test]
async fn the_build_report_follows_a_public_build_to_succeeded_and_links_to_foundry() {
    use kiln_console::pages::build_report::BuildReportPage;
    require_server();
    let rid = create_build("clean/orders").await;
    let root = mount(foundry_config(), None, html! { <BuildReportPage rid={rid.to_string()} /> });
    wait_for("the report", Duration::from_secs(20), || query(&root, ".build-report").is_some()).await;
    assert!(text_of(&root, ".live-note").contains("sends no events") || text_of(&root, ".live-note") == "Final");
    wait_for("SUCCEEDED", Duration::from_secs(90), || {
        query(&root, ".build-report").and_then(|r| r.get_attribute("data-status")).as_deref() == Some("SUCCEEDED")
    })
    .await;
    let link = query(&root, ".report-head .external-link").expect("a link to Foundry");
    let expected = foundry::job_tracker_url(server_url().unwrap_or_default(), &rid);
    assert_eq!(link.get_attribute("href"), Some(expected));
    assert!(text_of(&root, "h1").starts_with("Build "), "{}", text_of(&root, "h1"));
    assert!(!text_of(&root, ".summary").contains("Team"), "the public API has no teams");
    // The job is named by its output, with the name from GET /v2/datasets/{rid}.
    wait_for("the job named by its dataset", WAIT, || {
        query(&root, "[data-job]").and_then(|row| row.text_content()).is_some_and(|t| t.contains("clean/orders"))
    })
    .await;
    assert!(text_of(&root, "#resubmit-unavailable").contains("does not return a build's targets"));
    root.remove();
}

#[wasm_bindgen_test]
async fn stop_cancels_a_running_public_build_and_the_job_page_says_there_are_no_logs() {
    use kiln_console::pages::build_report::BuildReportPage;
    use kiln_console::pages::job_report::JobReportPage;
    require_server();
    // customer-lifetime runs for about 40 s, long enough to be stopped.
    let rid = create_build("agg/customer-lifetime").await;
    let root = mount(foundry_config(), None, html! { <BuildReportPage rid={rid.to_string()} /> });
    wait_for("Stop", Duration::from_secs(20), || query(&root, ".stop-build").is_some()).await;
    query(&root, ".stop-build").expect("stop").click();
    wait_for("the confirmation", WAIT, || query(&root, ".stop-confirm").is_some()).await;
    query(&root, ".stop-confirm").expect("confirm").click();
    wait_for("CANCELED", Duration::from_secs(30), || {
        query(&root, ".build-report").and_then(|r| r.get_attribute("data-status")).as_deref() == Some("CANCELED")
    })
    .await;
    assert!(text_of(&root, ".action-result").contains("Cancellation requested"));
    let client = Client::new(&foundry_config(), None);
    let build = foundry::build(&client, &rid).await.expect("GET").expect("the build");
    assert_eq!(build.status, BuildStatus::Canceled, "the service's own answer");
    root.remove();

    let job = build.job_rids.first().expect("the build has a job").clone();
    let root = mount(foundry_config(), None, html! { <JobReportPage rid={job.to_string()} /> });
    wait_for("the job page", Duration::from_secs(20), || query(&root, ".job-report").is_some()).await;
    wait_for("the no-logs note", WAIT, || query(&root, ".logs-unavailable").is_some()).await;
    assert!(text_of(&root, ".logs-unavailable").contains("no job logs"));
    let link = query(&root, ".logs-unavailable .external-link").expect("a link to the build in Foundry");
    assert_eq!(link.get_attribute("href"), Some(foundry::job_tracker_url(server_url().unwrap_or_default(), &rid)));
    root.remove();
}

// ---- the builds list -------------------------------------------------------------------

#[wasm_bindgen_test]
fn the_list_filters_become_one_newest_first_search() {
    use kiln_console::pages::all_builds::{BuildsQuery, FilterField, filters_of};
    let query = BuildsQuery {
        status: Some("FAILED".into()),
        branch: Some(" dev ".into()),
        created_by: None,
        from: Some("2026-12-01T10:00".into()),
        to: Some("2026-12-02T00:00".into()),
    };
    let filters = filters_of(&query).expect("valid filters");
    let request = serde_json::to_value(foundry::search_request(&filters, None)).expect("serialise");
    assert_eq!(
        request,
        json!({
            "where": {"type": "and", "items": [
                {"type": "eq", "field": "STATUS", "value": "FAILED"},
                {"type": "eq", "field": "BRANCH_NAME", "value": "dev"},
                {"type": "gte", "field": "STARTED_TIME", "value": "2026-12-01T10:00:00Z"},
                {"type": "lt", "field": "STARTED_TIME", "value": "2026-12-02T00:00:00Z"},
            ]},
            "orderBy": {"fields": [{"field": "STARTED_TIME", "direction": "DESC"}]},
            "pageSize": 100,
        })
    );
    let everything = serde_json::to_value(foundry::search_request(&Default::default(), Some("t".into()))).expect("ser");
    assert_eq!(everything["where"], json!({"type": "gte", "field": "STARTED_TIME", "value": "1970-01-01T00:00:00Z"}));
    assert_eq!(everything["pageToken"], "t");
    // A filter that cannot be searched for says so on its field.
    let bad = BuildsQuery { status: Some("DONE".into()), ..BuildsQuery::default() };
    assert_eq!(filters_of(&bad).map_err(|p| p.field), Err(FilterField::Status));
    let backwards = BuildsQuery { from: Some("2026-12-02T00:00".into()), to: Some("2026-12-01T00:00".into()), ..query };
    assert_eq!(filters_of(&backwards).map_err(|p| p.field), Err(FilterField::To));
}

#[wasm_bindgen_test]
async fn the_builds_list_searches_with_the_filters_in_the_url() {
    use kiln_api::orchestration::{BuildTarget, CreateBuildRequest, ManualTarget};
    use kiln_console::pages::all_builds::AllBuildsPage;
    require_server();
    let client = Client::new(&foundry_config(), None);
    let branch = format!("list-{}", js_sys::Date::now() as u64);
    let target = dataset("clean/orders").await;
    let mut rids = Vec::new();
    for _ in 0..2 {
        let request = CreateBuildRequest {
            target: BuildTarget::Manual(ManualTarget { target_rids: vec![target.clone()] }),
            branch_name: Some(branch.clone()),
            fallback_branches: vec!["master".into()],
            force_build: Some(true),
            retry_count: None,
            retry_backoff_duration: None,
            abort_on_failure: None,
            notifications_enabled: None,
        };
        rids.push(foundry::create(&client, &request).await.expect("create").rid);
    }
    // The list is in the search's order (started time, newest first). Until both builds
    // have started that order can still change, so the page is opened once both are done.
    for rid in &rids {
        let deadline = js_sys::Date::now() + 60_000.0;
        while !foundry::build(&client, rid).await.expect("Build.get").is_some_and(|b| b.status.is_terminal()) {
            assert!(js_sys::Date::now() < deadline, "build {rid} did not finish within a minute");
            gloo_timers::future::sleep(Duration::from_millis(200)).await;
        }
    }
    let root = mount(foundry_config(), Some("/builds"), html! { <AllBuildsPage /> });
    wait_for("the first page of builds", Duration::from_secs(20), || {
        query(&root, ".all-builds-count").and_then(|c| c.get_attribute("data-count")).is_some_and(|n| n != "0")
    })
    .await;
    // Filtering puts the filter in the URL; the page searches with what the URL says.
    set_filter(&root, "#ab-branch", &branch);
    wait_for("both builds of the branch", Duration::from_secs(20), || {
        query(&root, ".all-builds-count").and_then(|c| c.get_attribute("data-count")).as_deref() == Some("2")
    })
    .await;
    let shown: Vec<String> = crate::common::query_all(&root, ".public-build-row[data-rid]")
        .iter()
        .filter_map(|r| r.get_attribute("data-rid"))
        .collect();
    let filters = foundry::BuildFilters { branch: Some(branch.clone()), ..Default::default() };
    let found = foundry::search(&client, &foundry::search_request(&filters, None)).await.expect("Build.search");
    let searched: Vec<String> = found.data.iter().map(|b| b.rid.to_string()).collect();
    assert_eq!(shown, searched, "the rows are the search's answer, in its order");
    let mut both = rids.iter().map(ToString::to_string).collect::<Vec<_>>();
    both.sort();
    let mut listed = shown.clone();
    listed.sort();
    assert_eq!(listed, both, "both builds of the branch, and only they");
    assert_eq!(
        query(&root, "#ab-branch")
            .and_then(|i| wasm_bindgen::JsCast::dyn_into::<HtmlInputElement>(i).ok())
            .map(|i| i.value()),
        Some(branch)
    );
    assert!(
        text_of(&root, ".public-build-row[data-rid] .col-outputs").contains("clean/orders"),
        "dataset names from /v2/datasets"
    );
    // The team-only actions are there, unavailable, with the reason.
    assert!(disabled(&root, ".team-actions button"));
    assert!(text_of(&root, "#team-actions-why").contains("Foundry's public API has neither"));
    root.remove();

    // Nothing of this branch started before these builds were made.
    set_filter(&root, "#ab-to", "2026-01-01T00:00");
    wait_for("no build", Duration::from_secs(20), || text_of(&root, ".all-builds-count").contains("No build matches"))
        .await;
    set_filter(&root, "#ab-from", "2026-02-01T00:00");
    wait_for("the time range error", WAIT, || text_of(&root, "#ab-to-error").contains("must be after")).await;
    root.remove();
}

/// Types into a filter and leaves it, as a person does (`change`).
fn set_filter(root: &Element, selector: &str, value: &str) {
    let input: HtmlInputElement =
        wasm_bindgen::JsCast::dyn_into(query(root, selector).expect("the filter")).expect("an input");
    input.set_value(value);
    use js_sys::{Array, Function, Object, Reflect};
    use wasm_bindgen::JsCast;
    let ctor: Function = Reflect::get(&js_sys::global(), &"Event".into()).expect("Event").unchecked_into();
    let init = Object::new();
    Reflect::set(&init, &"bubbles".into(), &true.into()).expect("bubbles");
    let event = Reflect::construct(&ctor, &Array::of2(&"change".into(), &init)).expect("an event");
    input.dispatch_event(event.unchecked_ref()).expect("dispatch");
}

/// Shows the router's current query, as the address bar would.
#[component]
fn Address() -> Html {
    let location = yew_router::hooks::use_location();
    html! { <p class="address">{ location.map(|l| l.query_str().to_owned()).unwrap_or_default() }</p> }
}

#[wasm_bindgen_test]
async fn the_builds_lists_text_filters_apply_as_the_person_types() {
    use kiln_console::pages::all_builds::AllBuildsPage;
    require_server();
    let root = mount(foundry_config(), Some("/builds"), html! { <><AllBuildsPage /><Address /></> });
    wait_for("the filters", WAIT, || query(&root, "#ab-who").is_some()).await;
    let nobody = format!("nobody-{}", js_sys::Date::now() as u64);
    for typed in ["n", "no", &nobody] {
        type_into(&root, "#ab-who", typed);
    }
    assert!(!text_of(&root, ".address").contains("createdBy="), "the URL waits for the typing to pause");
    let address = || text_of(&root, ".address");
    wait_for("the URL to follow the typing", WAIT, || address().contains(&format!("createdBy={nobody}"))).await;
    wait_for("the search with it", Duration::from_secs(20), || {
        text_of(&root, ".all-builds-count").contains("No build matches")
    })
    .await;
    // Another text field keeps the first.
    type_into(&root, "#ab-branch", "dev");
    wait_for("both in the URL", WAIT, || text_of(&root, ".address").contains("branch=dev")).await;
    assert!(text_of(&root, ".address").contains(&format!("createdBy={nobody}")));
    root.remove();
}
