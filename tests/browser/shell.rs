//! The shell: header, health indicator, error banner.

use std::time::Duration;

use kiln_api::{ConjureError, ErrorCode};
use kiln_console::api::ApiError;
use kiln_console::components::error_banner::ErrorBanner;
use kiln_console::components::header::Header;
use kiln_console::components::open_rid::{Target, target_for};
use kiln_console::route::Route;
use wasm_bindgen_test::wasm_bindgen_test;
use yew::prelude::*;

use crate::common::{mount, query, query_all, test_config, text_of, wait_for};

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
