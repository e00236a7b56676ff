//! Archive and restore on the team builds page, against a real kiln-server: the build
//! leaves the view at once, a toast offers Undo, and Undo brings it back.

use std::time::Duration;

use kiln_api::TeamName;
use kiln_api::build2::{JobSpecSelection, JobSpecsSelection, SubmitBuildRequest};
use kiln_api::teams::CatalogQuery;
use kiln_console::api::{self, Client};
use kiln_console::components::toasts::ToastHost;
use kiln_console::pages::team_builds::TeamBuildsPage;
use wasm_bindgen_test::wasm_bindgen_test;
use web_sys::Element;
use yew::prelude::*;

use crate::common::{mount, query, query_all, require_server, test_config, text_of, wait_for};

const WAIT: Duration = Duration::from_secs(20);

fn client() -> Client {
    Client::new(&test_config(), None)
}

/// A finished build of the demo's quick clean-orders job; answers its run id.
async fn finished_build() -> u64 {
    let query = CatalogQuery { q: Some("clean-orders".into()), limit: None };
    let specs = api::catalog::jobspecs(&client(), &query).await.expect("the catalog answers");
    let spec = specs.job_specs.into_iter().find(|s| s.name == "clean-orders").expect("the demo's job").rid;
    let request = SubmitBuildRequest {
        job_spec_selections: vec![JobSpecSelection::JobSpecs(JobSpecsSelection {
            job_spec_rids: vec![spec],
            is_required: Some(true),
        })],
        force_build: Some(true),
        ..SubmitBuildRequest::default()
    };
    let team = TeamName::default_team();
    let rid = api::build2::submit_build(&client(), &request, &team).await.expect("accepted").build_rid;
    let run_id = api::build2::build_report(&client(), &rid).await.expect("the report").expect("known").run_id;
    let deadline = js_sys::Date::now() + 60_000.0;
    loop {
        let build = api::teams::build(&client(), &team, run_id).await.expect("the team build");
        if !build.status.state.is_active() {
            return run_id;
        }
        assert!(js_sys::Date::now() < deadline, "build #{run_id} did not finish in 60 s");
        gloo_timers::future::sleep(Duration::from_millis(250)).await;
    }
}

fn row(root: &Element, run_id: u64) -> Option<web_sys::HtmlElement> {
    query(root, &format!(".build-row[data-run-id='{run_id}']"))
}

fn button(root: &Element, label: &str) -> web_sys::HtmlElement {
    query(root, &format!("button[aria-label='{label}']")).unwrap_or_else(|| panic!("a button \"{label}\""))
}

async fn archived_on_the_server(run_id: u64) -> bool {
    api::teams::build(&client(), &TeamName::default_team(), run_id).await.expect("the team build").archived
}

#[wasm_bindgen_test]
async fn an_archived_build_leaves_current_builds_at_once_and_undo_brings_it_back() {
    require_server();
    let run_id = finished_build().await;
    let root = mount(test_config(), Some("/"), html! { <ToastHost><TeamBuildsPage team="default" /></ToastHost> });
    wait_for("the build's row", WAIT, || row(&root, run_id).is_some()).await;
    button(&root, &format!("Archive build #{run_id}")).click();
    // The row goes before the service has answered: the report still waits for it.
    wait_for("the row to leave", WAIT, || row(&root, run_id).is_none()).await;
    wait_for("the Undo toast", WAIT, || query(&root, ".toast-note .toast-action").is_some()).await;
    assert_eq!(text_of(&root, ".toast-note .toast-message"), format!("Build #{run_id} archived."));
    assert!(archived_on_the_server(run_id).await, "the service archived it");
    assert!(row(&root, run_id).is_none(), "an archived build stays out of Current builds");

    button(&root, &format!("Undo archiving build #{run_id}")).click();
    wait_for("the row to come back", WAIT, || row(&root, run_id).is_some()).await;
    assert!(query(&root, ".toast-note").is_none(), "Undo dismisses its toast");
    wait_for("the restore to finish", WAIT, || {
        row(&root, run_id).is_some_and(|r| r.query_selector(".tag-archived").ok().flatten().is_none())
            && text_of(&root, ".action-report").contains("Restored")
    })
    .await;
    assert!(!archived_on_the_server(run_id).await, "Undo restored it on the service");
    assert!(query_all(&root, ".toast-note").is_empty(), "an undo offers no undo of its own");
    root.remove();
}

#[wasm_bindgen_test]
async fn a_restored_build_leaves_archived_builds_at_once_with_an_undo() {
    require_server();
    let run_id = finished_build().await;
    api::teams::archive(&client(), &TeamName::default_team(), run_id).await.expect("archived");
    let root = mount(
        test_config(),
        Some("/?archived=true"),
        html! { <ToastHost><TeamBuildsPage team="default" /></ToastHost> },
    );
    wait_for("the archived build's row", WAIT, || row(&root, run_id).is_some()).await;
    button(&root, &format!("Restore build #{run_id}")).click();
    wait_for("the row to leave", WAIT, || row(&root, run_id).is_none()).await;
    wait_for("the Undo toast", WAIT, || query(&root, ".toast-note .toast-action").is_some()).await;
    assert_eq!(text_of(&root, ".toast-note .toast-message"), format!("Build #{run_id} restored."));
    assert!(!archived_on_the_server(run_id).await, "the service restored it");

    button(&root, &format!("Undo restoring build #{run_id}")).click();
    wait_for("the row to come back", WAIT, || row(&root, run_id).is_some()).await;
    wait_for("the archive to finish", WAIT, || text_of(&root, ".action-report").contains("Archived")).await;
    assert!(archived_on_the_server(run_id).await, "Undo archived it again");
    root.remove();
}
