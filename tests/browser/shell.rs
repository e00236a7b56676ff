//! The shell: header, health indicator, error banner.

use std::time::Duration;

use kiln_api::teams::RuntimeConfig;
use kiln_api::{ConjureError, ErrorCode, Rid};
use kiln_console::api::{self, ApiError, Surface};
use kiln_console::components::error_banner::ErrorBanner;
use kiln_console::components::header::Header;
use kiln_console::components::open_rid::{Target, target_for};
use kiln_console::hooks::health::use_health_check;
use kiln_console::route::Route;
use kiln_console::session::{SessionAction, use_session};
use wasm_bindgen_test::wasm_bindgen_test;
use yew::prelude::*;

use crate::common::{
    fetches_so_far, mount, query, query_all, record_fetches, require_server, stop_recording_fetches, test_config,
    text_of, wait_for,
};

#[wasm_bindgen_test]
async fn header_names_the_product_and_links_every_page() {
    let root = mount(test_config(), None, html! { <Header /> });
    wait_for("the header", Duration::from_secs(5), || query(&root, "header").is_some()).await;
    assert!(text_of(&root, ".brand").contains("Kiln"));
    let links: Vec<String> = query_all(&root, "nav a").iter().filter_map(|a| a.text_content()).collect();
    assert_eq!(links, ["Builds", "Submit", "Catalog", "Lineage", "Settings"]);
    assert!(query(&root, "label[for=open-rid]").is_some(), "the RID box has a label");
}

#[wasm_bindgen_test]
async fn error_banner_shows_service_text_as_text_not_html() {
    let error = ApiError::Service {
        status: 400,
        error: ConjureError::new(ErrorCode::InvalidArgument, "Build2:Bad", "abc")
            .with_param("message", "<img src=x onerror=alert(1)> is not a dataset"),
    };
    let root = mount(test_config(), None, html! { <ErrorBanner error={Some(error)} on_dismiss={Callback::noop()} /> });
    wait_for("the banner", Duration::from_secs(5), || query(&root, ".error-banner").is_some()).await;
    assert!(query(&root, ".error-banner img").is_none(), "no element was made from the message");
    assert!(text_of(&root, ".error-banner-message").starts_with("<img src=x"));
}

#[wasm_bindgen_test]
fn open_box_routes_builds_jobs_and_run_numbers_and_explains_the_rest() {
    assert_eq!(
        target_for("ri.foundry.main.build.1a"),
        Ok(Target::Report(Route::BuildReport { rid: "ri.foundry.main.build.1a".into() }))
    );
    assert_eq!(
        target_for(" ri.foundry.main.job.2b "),
        Ok(Target::Report(Route::JobReport { rid: "ri.foundry.main.job.2b".into() }))
    );
    assert_eq!(target_for("12"), Ok(Target::Run(12)));
    assert_eq!(target_for(" #12 "), Ok(Target::Run(12)));
    let err = target_for("#0").expect_err("no run 0");
    assert!(err.contains("from 1"), "{err}");
    let err = target_for("99999999999999999999999").expect_err("overflow");
    assert!(err.contains("too large"), "{err}");
    let err = target_for("ri.foundry.main.dataset.x").expect_err("datasets have no report");
    assert!(err.contains("dataset"), "{err}");
    let err = target_for("ri.foundry.main.bu ild.x").expect_err("malformed");
    assert!(err.contains("locator") || err.contains("type"), "{err}");
    assert!(target_for("#").is_err(), "a bare # is neither a run nor a RID");
}

/// The header as the app shows it: with the app's health check running.
#[component]
fn CheckedHeader() -> Html {
    let session = use_session();
    use_health_check(&session);
    html! { <Header /> }
}

#[wasm_bindgen_test]
async fn the_header_reports_each_surface_on_its_own() {
    let base = require_server();
    // Both surfaces of the real service answer.
    let root = mount(test_config(), None, html! { <CheckedHeader /> });
    wait_for("the health check", Duration::from_secs(10), || query(&root, "[data-health=ok]").is_some()).await;
    assert_eq!(text_of(&root, ".health"), "build2 ok · teams ok");

    // Reports still work while the teams surface is not reachable: the header says which.
    let config = RuntimeConfig { teams_url: "http://127.0.0.1:9/api/v1".to_owned(), ..test_config() };
    let root = mount(config.clone(), None, html! { <CheckedHeader /> });
    wait_for("the health check", Duration::from_secs(10), || query(&root, "[data-health=partial]").is_some()).await;
    assert_eq!(text_of(&root, ".health"), "build2 ok · teams unreachable at http://127.0.0.1:9/api/v1");
    let title = query(&root, ".health").and_then(|h| h.get_attribute("title")).unwrap_or_default();
    assert!(title.contains(&format!("build2: {base}/build2/api")), "{title}");
    assert!(title.contains("teams: http://127.0.0.1:9/api/v1 — "), "the tooltip gives the reason: {title}");

    // Neither answers.
    let config = RuntimeConfig { build2_url: "http://127.0.0.1:9/build2/api".to_owned(), ..config };
    let root = mount(config, None, html! { <CheckedHeader /> });
    wait_for("the health check", Duration::from_secs(10), || query(&root, "[data-health=down]").is_some()).await;
    assert_eq!(
        text_of(&root, ".health"),
        "build2 unreachable at http://127.0.0.1:9/build2/api · teams unreachable at http://127.0.0.1:9/api/v1"
    );
}

#[derive(Properties, PartialEq)]
struct TrafficProps {
    to: Surface,
}

/// One request to the surface `to`, as a page makes when it opens: a report reads its
/// build from build2, a team page its teams from the teams surface.
#[component]
fn Traffic(props: &TrafficProps) -> Html {
    let session = use_session();
    use_effect_with(props.to, move |to| {
        let (client, to) = (session.client(), *to);
        wasm_bindgen_futures::spawn_local(async move {
            match to {
                Surface::Build2 => {
                    let rid = Rid::parse("ri.foundry.main.build.passive-health").expect("a valid RID");
                    // Unknown to the service, so build2 answers 204: a success all the same.
                    let _ = api::build2::build_report(&client, &rid).await;
                }
                Surface::Teams => {
                    let _ = api::teams::teams(&client).await;
                }
                Surface::Foundry => {}
            }
        });
    });
    Html::default()
}

/// The test server under a name no other test uses (`localhost`), and a config that
/// reaches it so: what other tests' pages heard, or probe while a test runs, does not count
/// for this one's health check.
fn server_under_its_own_name() -> (String, RuntimeConfig) {
    let base = require_server();
    let ours = base.replace("127.0.0.1", "localhost");
    assert_ne!(ours, base, "the test server is on 127.0.0.1, so it has another name");
    let config = RuntimeConfig {
        build2_url: format!("{ours}/build2/api"),
        teams_url: format!("{ours}/api/v1"),
        ..test_config()
    };
    (ours, config)
}

#[wasm_bindgen_test]
async fn a_surface_the_pages_traffic_answered_is_not_probed_and_a_silent_one_is() {
    let (ours, config) = server_under_its_own_name();
    record_fetches();
    let root = mount(config, None, html! { <><Traffic to={Surface::Build2} /><CheckedHeader /></> });
    // While the check listens for the teams surface, the header says what it has heard.
    wait_for("build2 to be heard", Duration::from_secs(10), || query(&root, "[data-health=heard]").is_some()).await;
    let probed_teams = |asked: &[String]| asked.iter().any(|u| u.starts_with(&format!("{ours}/api/v1/health")));
    let asked = fetches_so_far();
    assert!(!probed_teams(&asked), "teams is not probed before the check has listened: {asked:?}");
    assert_eq!(text_of(&root, ".health"), "build2 ok");
    wait_for("the health check", Duration::from_secs(10), || query(&root, "[data-health=ok]").is_some()).await;
    let asked = stop_recording_fetches();
    assert_eq!(text_of(&root, ".health"), "build2 ok · teams ok");
    let ours: Vec<&String> = asked.iter().filter(|u| u.starts_with(&format!("{ours}/"))).collect();
    assert!(
        ours.iter().any(|u| u.ends_with("/build2/api/info/builds2/ri.foundry.main.build.passive-health")),
        "the page read its report: {ours:?}"
    );
    assert!(
        !ours.iter().any(|u| u.contains("/info/builds2/ri.foundry.main.build.00000000-0000-0000-0000-000000000000")),
        "build2 answered the page, so it is not probed: {ours:?}"
    );
    assert!(probed_teams(&asked), "nothing went to teams, so it is probed: {ours:?}");
}

#[wasm_bindgen_test]
async fn a_surface_whose_request_failed_is_probed_at_once_and_shown_before_the_rest() {
    let (ours, config) = server_under_its_own_name();
    // Nothing listens there, so the page's request fails, as a plain build2 service's
    // missing teams surface would.
    let teams_url = "http://127.0.0.1:9/failed-first/api/v1";
    let config = RuntimeConfig { teams_url: teams_url.to_owned(), ..config };
    record_fetches();
    let root = mount(config, None, html! { <><Traffic to={Surface::Teams} /><CheckedHeader /></> });
    wait_for("the teams surface's answer", Duration::from_secs(10), || {
        query(&root, "[data-health=heard]").is_some_and(|h| h.text_content().is_some_and(|t| t.contains("teams")))
    })
    .await;
    let asked = fetches_so_far();
    assert_eq!(text_of(&root, ".health"), format!("teams unreachable at {teams_url}"));
    assert!(asked.iter().any(|u| u == &format!("{teams_url}/health")), "teams was probed: {asked:?}");
    assert!(
        !asked.iter().any(|u| u.starts_with(&format!("{ours}/build2/api/info/builds2/"))),
        "build2 is still listened for, not probed: {asked:?}"
    );
    wait_for("the health check", Duration::from_secs(10), || query(&root, "[data-health=partial]").is_some()).await;
    stop_recording_fetches();
    assert_eq!(text_of(&root, ".health"), format!("build2 ok · teams unreachable at {teams_url}"));
}

/// A button that gives the session a token, as signing in does.
#[component]
fn SignInButton() -> Html {
    let session = use_session();
    let onclick = Callback::from(move |_: MouseEvent| session.dispatch(SessionAction::SetToken(Some("t2".into()))));
    html! { <button class="sign-in-now" {onclick}>{ "Sign in" }</button> }
}

#[wasm_bindgen_test]
async fn a_check_superseded_while_it_listens_sends_no_probe() {
    let (ours, config) = server_under_its_own_name();
    record_fetches();
    let root = mount(config, None, html! { <><SignInButton /><CheckedHeader /></> });
    // Signed in while the first check still listens (for 2 s): that check is dropped, and
    // only the check with the new token probes.
    wait_for("the page", Duration::from_secs(5), || query(&root, "button.sign-in-now").is_some()).await;
    query(&root, "button.sign-in-now").expect("the button").click();
    wait_for("the health check", Duration::from_secs(10), || query(&root, "[data-health=ok]").is_some()).await;
    let asked = stop_recording_fetches();
    let probes = asked.iter().filter(|u| u.starts_with(&format!("{ours}/")) && u.ends_with("/api/v1/health")).count();
    // The token is this tab's (session storage); the next test starts without one.
    js_sys::Function::new_no_args("sessionStorage.removeItem('kiln.token')")
        .call0(&wasm_bindgen::JsValue::NULL)
        .expect("the token is removed");
    assert_eq!(probes, 1, "one check probed: {asked:?}");
}

#[wasm_bindgen_test]
fn a_network_error_reads_without_nested_parentheses() {
    let text = ApiError::Network("TypeError: Failed to fetch".to_owned()).to_string();
    assert_eq!(
        text,
        "The service could not be reached: TypeError: Failed to fetch. Check the service URL in Settings."
    );
}
