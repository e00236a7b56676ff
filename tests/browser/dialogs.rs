//! Dialogs keep the keyboard inside while open (Tab and Shift+Tab cycle, Escape closes)
//! and give focus back to the button that opened them: the team builds page's stop, tags
//! and bulk-tag dialogs, and the build report's stop dialog against a real kiln-server.

use std::rc::Rc;
use std::time::Duration;

use kiln_api::TeamName;
use kiln_api::build2::{JobSpecSelection, SubmitBuildRequest, UpstreamSelection};
use kiln_api::teams::{CatalogQuery, TeamBuild};
use kiln_console::api::{self, Client};
use kiln_console::pages::build_report::BuildReportPage;
use kiln_console::pages::team_builds::dialogs::{ActionDialog, Dialog};
use wasm_bindgen_test::wasm_bindgen_test;
use web_sys::Element;
use yew::prelude::*;

use crate::common::{focused, mount, press_key, query, query_all, require_server, test_config, text_of, wait_for};

const WAIT: Duration = Duration::from_secs(5);

fn team_build(run_id: u64) -> Rc<TeamBuild> {
    let json = serde_json::json!({
        "team": "default", "runId": run_id, "buildRid": format!("ri.foundry.main.build.d{run_id}"),
        "path": format!("/data/default/logs/{run_id}"), "tags": ["nightly"], "archived": false,
        "createdBy": "ada", "createdTime": "2026-06-08T10:00:00Z",
        "status": {"timestamp": "2026-06-08T10:00:30Z", "state": "running", "error": null},
    });
    Rc::new(serde_json::from_value(json).expect("a valid TeamBuild"))
}

#[derive(Properties, PartialEq)]
struct OpenerProps {
    dialog: Dialog,
}

/// A page with a button before and after the one that opens the dialog, as a real page has.
#[component]
fn Opener(props: &OpenerProps) -> Html {
    let open = use_state(|| false);
    let onclick = {
        let open = open.clone();
        Callback::from(move |_: MouseEvent| open.set(true))
    };
    let close = {
        let open = open.clone();
        Callback::from(move |()| open.set(false))
    };
    let on_confirm = {
        let open = open.clone();
        Callback::from(move |_| open.set(false))
    };
    html! {
        <div>
            <button type="button" class="before">{ "Before" }</button>
            <button type="button" class="opener" {onclick}>{ "Open" }</button>
            <button type="button" class="after">{ "After" }</button>
            if *open {
                <ActionDialog dialog={props.dialog.clone()} {on_confirm} on_cancel={close} />
            }
        </div>
    }
}

fn dialog_focusables(root: &Element) -> Vec<web_sys::HtmlElement> {
    query_all(root, ".dialog button:not([disabled]), .dialog input:not([disabled])")
}

fn is_focused(element: &Element) -> bool {
    focused().as_ref() == Some(element)
}

/// Tab from the last control goes to the first, Shift+Tab from the first to the last, and
/// focus never leaves the dialog.
fn check_the_trap(root: &Element, what: &str) {
    let items = dialog_focusables(root);
    assert!(items.len() >= 2, "{what}: the dialog has at least two controls");
    let (first, last) = (items[0].clone(), items[items.len() - 1].clone());
    last.focus().expect("focus");
    press_key(&last, "Tab", false);
    assert!(is_focused(&first), "{what}: Tab on the last control cycles to the first");
    press_key(&first, "Tab", true);
    assert!(is_focused(&last), "{what}: Shift+Tab on the first control cycles to the last");
    // Focus that escaped (a click on the page behind) is brought back by the next Tab.
    let outside = query(root, ".after").expect("the button after the opener");
    outside.focus().expect("focus");
    let layer = query(root, ".dialog-layer").expect("the dialog layer");
    press_key(&layer, "Tab", false);
    assert!(is_focused(&first), "{what}: Tab from outside the dialog lands on its first control");
}

#[wasm_bindgen_test]
async fn team_dialogs_trap_focus_close_on_escape_and_return_focus_to_their_button() {
    let builds = vec![team_build(7), team_build(8)];
    let cases = [
        ("stop", Dialog::Stop(builds.clone()), "Keep running"),
        ("tags", Dialog::EditTags(builds[0].clone()), ""),
        ("add a tag", Dialog::BulkTag { builds: builds.clone(), remove: false }, ""),
        ("remove a tag", Dialog::BulkTag { builds: builds.clone(), remove: true }, ""),
    ];
    for (what, dialog, autofocus_text) in cases {
        let root = mount(test_config(), None, html! { <Opener {dialog} /> });
        wait_for("the opener", WAIT, || query(&root, ".opener").is_some()).await;
        let opener = query(&root, ".opener").expect("the opener");
        opener.focus().expect("focus");
        opener.click();
        wait_for("the dialog", WAIT, || query(&root, ".dialog[role=dialog][aria-modal=true]").is_some()).await;
        let dialog = query(&root, ".dialog").expect("the dialog");
        assert!(
            dialog.get_attribute("aria-labelledby").is_some_and(|id| !text_of(&root, &format!("#{id}")).is_empty()),
            "{what}: the dialog is labelled by its title"
        );
        let active = focused().expect("something has focus");
        assert!(dialog.contains(Some(&active)), "{what}: focus starts inside the dialog");
        if autofocus_text.is_empty() {
            assert_eq!(active.tag_name(), "INPUT", "{what}: focus starts in the text field");
        } else {
            assert_eq!(active.text_content().as_deref(), Some(autofocus_text), "{what}: the safe choice has focus");
        }
        check_the_trap(&root, what);

        let inside = dialog_focusables(&root)[0].clone();
        press_key(&inside, "Escape", false);
        wait_for("the dialog to close", WAIT, || query(&root, ".dialog").is_none()).await;
        assert!(is_focused(&opener), "{what}: Escape gives focus back to the button that opened the dialog");

        // Cancel by its button gives focus back too.
        opener.click();
        wait_for("the dialog again", WAIT, || query(&root, ".dialog").is_some()).await;
        let cancel = query_all(&root, ".dialog button")
            .into_iter()
            .find(|b| matches!(b.text_content().as_deref(), Some("Cancel" | "Keep running")))
            .expect("a cancel button");
        cancel.click();
        wait_for("the dialog to close", WAIT, || query(&root, ".dialog").is_none()).await;
        assert!(is_focused(&opener), "{what}: Cancel gives focus back to the opener");
        root.remove();
    }
}

/// A build of the demo's slow job (about 40 s), so there is time to open its stop dialog.
async fn slow_build() -> kiln_api::Rid {
    let client = Client::new(&test_config(), None);
    let query = CatalogQuery { q: Some("customer-lifetime".into()), limit: None };
    let specs = api::catalog::jobspecs(&client, &query).await.expect("the catalog answers");
    let slow = specs.job_specs.into_iter().find(|s| s.name == "customer-lifetime").expect("the demo's slow job");
    let request = SubmitBuildRequest {
        job_spec_selections: vec![JobSpecSelection::Upstream(UpstreamSelection {
            dataset_rids: slow.outputs.clone(),
            dataset_rids_to_ignore: Vec::new(),
        })],
        force_build: Some(true),
        ..SubmitBuildRequest::default()
    };
    api::build2::submit_build(&client, &request, &TeamName::default_team()).await.expect("accepted").build_rid
}

#[wasm_bindgen_test]
async fn build_report_stop_dialog_traps_focus_and_returns_it_to_stop() {
    require_server();
    let rid = slow_build().await;
    let root = mount(test_config(), None, html! { <BuildReportPage rid={rid.to_string()} /> });
    wait_for("Stop", Duration::from_secs(20), || query(&root, ".stop-build").is_some()).await;
    let stop = query(&root, ".stop-build").expect("Stop");
    stop.focus().expect("focus");
    stop.click();
    wait_for("the stop dialog", WAIT, || query(&root, ".stop-dialog[role=dialog]").is_some()).await;
    assert!(text_of(&root, ".stop-dialog h2").starts_with("Stop build #"), "{}", text_of(&root, ".stop-dialog h2"));
    assert_eq!(
        focused().and_then(|e| e.text_content()).as_deref(),
        Some("Keep it running"),
        "the safe choice has focus"
    );
    let items = query_all(&root, ".stop-dialog button");
    assert_eq!(items.len(), 2, "Stop and Keep it running");
    press_key(&items[1], "Tab", false);
    assert!(is_focused(&items[0]), "Tab on the last button cycles to the first");
    press_key(&items[0], "Tab", true);
    assert!(is_focused(&items[1]), "Shift+Tab on the first button cycles to the last");
    press_key(&items[1], "Escape", false);
    wait_for("the dialog to close", WAIT, || query(&root, ".stop-dialog").is_none()).await;
    let stop = query(&root, ".stop-build").expect("Stop is still there");
    assert!(is_focused(&stop), "Escape gives focus back to Stop");

    // Stop it for real: the build does not hold a worker for the tests after this one.
    stop.click();
    wait_for("the stop dialog", WAIT, || query(&root, ".stop-confirm").is_some()).await;
    query(&root, ".stop-confirm").expect("confirm").click();
    wait_for("the stop's answer", Duration::from_secs(20), || query(&root, ".action-result").is_some()).await;
    root.remove();
}
