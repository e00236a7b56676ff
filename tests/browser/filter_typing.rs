//! The team builds list's text filters apply as the person types, once typing pauses
//! (about 250 ms), and the URL follows.

use std::time::Duration;

use kiln_console::pages::team_builds::TeamBuildsPage;
use kiln_console::pages::team_builds::filters::Filters;
use kiln_console::pages::team_builds::toolbar::FilterBar;
use wasm_bindgen_test::wasm_bindgen_test;
use yew::prelude::*;
use yew_router::prelude::*;

use crate::common::{mount, query, require_server, test_config, text_of, type_into, wait_for};

const WAIT: Duration = Duration::from_secs(5);

/// A filter bar whose changes are counted and shown.
#[component]
fn CountingBar() -> Html {
    let filters = use_state(Filters::default);
    let changes = use_state(|| 0u32);
    let on_change = {
        let (filters, changes) = (filters.clone(), changes.clone());
        Callback::from(move |next: Filters| {
            filters.set(next);
            changes.set(*changes + 1);
        })
    };
    html! {
        <div>
            <FilterBar filters={(*filters).clone()} {on_change} />
            <p class="changes">{ *changes }</p>
            <p class="text">{ filters.text.clone().unwrap_or_default() }</p>
            <p class="tag">{ filters.tag.clone().unwrap_or_default() }</p>
        </div>
    }
}

#[wasm_bindgen_test]
async fn text_filters_apply_once_typing_pauses_not_per_keystroke() {
    let root = mount(test_config(), None, html! { <CountingBar /> });
    wait_for("the filter bar", WAIT, || query(&root, "#filter-q").is_some()).await;
    for text in ["a", "ad", "ada"] {
        type_into(&root, "#filter-q", text);
    }
    // Nothing applies during the typing itself.
    assert_eq!(text_of(&root, ".changes"), "0", "no change per keystroke");
    wait_for("the typed search to apply", WAIT, || text_of(&root, ".text") == "ada").await;
    assert_eq!(text_of(&root, ".changes"), "1", "three keystrokes in a burst are one change");

    // Another text field, and the first keeps its value.
    type_into(&root, "#filter-tag", "nightly");
    wait_for("the typed tag to apply", WAIT, || text_of(&root, ".tag") == "nightly").await;
    assert_eq!(text_of(&root, ".text"), "ada", "the search typed before stays");
    assert_eq!(text_of(&root, ".changes"), "2");

    // Clearing the field by typing removes the filter.
    type_into(&root, "#filter-q", "");
    wait_for("the cleared search", WAIT, || text_of(&root, ".changes") == "3").await;
    assert_eq!(text_of(&root, ".text"), "");
    root.remove();
}

/// Shows the router's current query, as the address bar would.
#[component]
fn Address() -> Html {
    let location = use_location();
    html! { <p class="address">{ location.map(|l| l.query_str().to_owned()).unwrap_or_default() }</p> }
}

#[wasm_bindgen_test]
async fn typing_in_the_search_keeps_the_url_in_step() {
    require_server();
    let root = mount(test_config(), Some("/"), html! { <><TeamBuildsPage team="default" /><Address /></> });
    wait_for("the filter bar", WAIT, || query(&root, "#filter-q").is_some()).await;
    type_into(&root, "#filter-q", "ada lovelace");
    assert!(!text_of(&root, ".address").contains("q="), "the URL waits for the pause");
    wait_for("the URL to follow the typing", WAIT, || text_of(&root, ".address").contains("q=ada+lovelace")).await;
    type_into(&root, "#filter-dataset", "raw/orders");
    wait_for("the URL to follow the dataset", WAIT, || {
        let address = text_of(&root, ".address");
        address.contains("dataset=raw%2Forders") && address.contains("q=ada+lovelace")
    })
    .await;
    root.remove();
}
