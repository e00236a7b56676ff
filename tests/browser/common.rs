//! Shared helpers: mount a component in a fresh element, wait for a condition.

use std::time::Duration;

use gloo_timers::future::sleep;
use kiln_api::TeamName;
use kiln_api::teams::RuntimeConfig;
use kiln_console::app::DataProviders;
use kiln_console::hooks::catalog::CatalogProvider;
use kiln_console::hooks::clock::ClockProvider;
use kiln_console::session::{Session, SessionHandle};
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement};
use yew::prelude::*;
use yew_router::history::{AnyHistory, History, MemoryHistory};
use yew_router::prelude::*;

/// The real kiln-server the tests talk to, when `cargo xtask test` started one.
pub fn server_url() -> Option<&'static str> {
    option_env!("KILN_TEST_SERVER")
}

/// The test server's URL. A test that needs the server calls this first, so that without
/// one it fails instead of passing having checked nothing.
pub fn require_server() -> &'static str {
    server_url().expect("KILN_TEST_SERVER was not set at compile time; `cargo xtask test` starts a kiln-server")
}

/// A configuration that points at the test server, or at nowhere useful without one.
pub fn test_config() -> RuntimeConfig {
    let base = server_url().unwrap_or("http://127.0.0.1:9");
    RuntimeConfig {
        build2_url: format!("{base}/build2/api"),
        teams_url: format!("{base}/api/v1"),
        default_team: TeamName::default_team(),
        ..RuntimeConfig::default()
    }
}

/// A fresh element attached to the document body.
pub fn fresh_root() -> Element {
    let document = gloo_utils::document();
    let root = document.create_element("div").expect("the document can create elements");
    document.body().expect("the test page has a body").append_child(&root).expect("append to body");
    root
}

#[derive(Properties, PartialEq)]
pub struct HarnessProps {
    pub config: RuntimeConfig,
    #[prop_or_default]
    pub path: Option<String>,
    /// Whether this tab opens the events stream, as the app does. Off by default: a
    /// mounted test page stays mounted, and each open stream holds one of the browser's
    /// six connections to the server, which other tests' requests would then wait for.
    #[prop_or_default]
    pub live: bool,
    #[prop_or_default]
    pub children: Html,
}

/// Provides what the app's shell provides: a session, the shared data (the clock, the
/// catalog and, when `live`, the events stream) and a router (in memory, so the test
/// page's own URL never changes). Each mounted harness is one tab.
#[component]
pub fn Harness(props: &HarnessProps) -> Html {
    let session: SessionHandle = {
        let config = props.config.clone();
        use_reducer(move || Session::new(config))
    };
    let history = use_memo((), {
        let path = props.path.clone();
        move |_| {
            let history = MemoryHistory::new();
            match path.as_deref().map(|p| p.split_once('?')) {
                // A path with a query ("/?archived=true"): the history takes the two apart.
                Some(Some((path, query))) => {
                    let pairs: Vec<(String, String)> = query
                        .split('&')
                        .filter_map(|pair| pair.split_once('='))
                        .map(|(k, v)| (k.to_owned(), v.to_owned()))
                        .collect();
                    history.push_with_query(path, pairs).expect("a query the history can write");
                }
                Some(None) => history.push(path.unwrap_or_default()),
                None => {}
            }
            AnyHistory::from(history)
        }
    });
    html! {
        <ContextProvider<SessionHandle> context={session}>
            if props.live {
                <DataProviders>
                    <Router history={(*history).clone()}>{ props.children.clone() }</Router>
                </DataProviders>
            } else {
                <ClockProvider>
                    <CatalogProvider>
                        <Router history={(*history).clone()}>{ props.children.clone() }</Router>
                    </CatalogProvider>
                </ClockProvider>
            }
        </ContextProvider<SessionHandle>>
    }
}

/// Mounts `children` inside a [`Harness`] in a fresh element and returns that element.
pub fn mount(config: RuntimeConfig, path: Option<&str>, children: Html) -> Element {
    let root = fresh_root();
    yew::Renderer::<Harness>::with_root_and_props(
        root.clone(),
        HarnessProps { config, path: path.map(str::to_owned), live: false, children },
    )
    .render();
    root
}

/// Mounts `children` in a tab with its events stream open; `destroy()` the handle at the
/// end of the test, which closes the stream.
pub fn mount_live(config: RuntimeConfig, children: Html) -> (Element, yew::AppHandle<Harness>) {
    let root = fresh_root();
    let app = yew::Renderer::<Harness>::with_root_and_props(
        root.clone(),
        HarnessProps { config, path: None, live: true, children },
    )
    .render();
    (root, app)
}

/// Polls `condition` until it holds, failing the test with `what` after `timeout`.
pub async fn wait_for(what: &str, timeout: Duration, mut condition: impl FnMut() -> bool) {
    let deadline = js_sys::Date::now() + timeout.as_millis() as f64;
    loop {
        if condition() {
            return;
        }
        assert!(js_sys::Date::now() < deadline, "timed out after {timeout:?} waiting for {what}");
        sleep(Duration::from_millis(20)).await;
    }
}

/// The first element matching `selector` under `root`.
pub fn query(root: &Element, selector: &str) -> Option<HtmlElement> {
    root.query_selector(selector).ok().flatten().and_then(|e| e.dyn_into().ok())
}

/// Every element matching `selector` under `root`.
pub fn query_all(root: &Element, selector: &str) -> Vec<HtmlElement> {
    let Ok(list) = root.query_selector_all(selector) else { return Vec::new() };
    (0..list.length()).filter_map(|i| list.item(i)).filter_map(|n| n.dyn_into().ok()).collect()
}

pub fn text_of(root: &Element, selector: &str) -> String {
    query(root, selector).and_then(|e| e.text_content()).unwrap_or_default()
}

/// Sends a `keydown` of `key` (with Shift when `shift`) to `target`, bubbling as a real one does.
pub fn press_key(target: &Element, key: &str, shift: bool) {
    let fire = js_sys::Function::new_with_args(
        "target, key, shift",
        "target.dispatchEvent(new KeyboardEvent('keydown', {key, shiftKey: shift, bubbles: true, cancelable: true}))",
    );
    fire.call3(&wasm_bindgen::JsValue::NULL, target, &key.into(), &shift.into()).expect("dispatchEvent");
}

/// The element that has the keyboard focus.
pub fn focused() -> Option<Element> {
    gloo_utils::document().active_element()
}

/// Types `text` into the input as a person does: the value changes, then an `input` event.
pub fn type_into(root: &Element, selector: &str, text: &str) {
    let input: web_sys::HtmlInputElement =
        wasm_bindgen::JsCast::dyn_into(query(root, selector).expect("the field")).expect("an input");
    input.set_value(text);
    let fire = js_sys::Function::new_with_args("t", "t.dispatchEvent(new InputEvent('input', {bubbles: true}))");
    fire.call1(&wasm_bindgen::JsValue::NULL, &input).expect("dispatchEvent");
}

/// Every URL the page fetches from now on, in `window.__kilnAsked` (until `stop_recording_fetches`).
pub fn record_fetches() {
    let install = js_sys::Function::new_no_args(
        "window.__kilnAsked = [];
         window.__kilnFetchBeforeRecording = window.fetch;
         window.fetch = function (input, init) {
           window.__kilnAsked.push(typeof input === 'string' ? input : input.url);
           return window.__kilnFetchBeforeRecording.call(window, input, init);
         };",
    );
    install.call0(&wasm_bindgen::JsValue::NULL).expect("the fetch recorder is installed");
}

/// What was fetched since [`record_fetches`], while it keeps recording.
pub fn fetches_so_far() -> Vec<String> {
    let read = js_sys::Function::new_no_args("return window.__kilnAsked.join('\\n');");
    let asked = read.call0(&wasm_bindgen::JsValue::NULL).expect("the recorder is read");
    asked.as_string().unwrap_or_default().lines().map(str::to_owned).collect()
}

/// What was fetched since [`record_fetches`]; the page's own `fetch` is put back.
pub fn stop_recording_fetches() -> Vec<String> {
    let asked = fetches_so_far();
    let stop = js_sys::Function::new_no_args("window.fetch = window.__kilnFetchBeforeRecording;");
    stop.call0(&wasm_bindgen::JsValue::NULL).expect("the recorder is removed");
    asked
}
