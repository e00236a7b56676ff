//! The console ships as two wasm modules, so that a cold load of the builds list downloads
//! only what that page needs.
//!
//! - The entry module (the `kiln-console` binary, `src/main.rs`) holds the shell (header,
//!   toasts, shortcuts, the events stream) and the builds lists. index.html starts it on
//!   `/`, `/builds` and `/teams/<team>/builds`.
//! - The full console (the `kiln-console-full` binary, `src/bin/kiln-console-full.rs`) holds
//!   every page. index.html starts it on every other address, so a deep link to a report
//!   downloads one module, not two.
//!
//! When the person leaves the builds list for another page, the entry module renders
//! [`FullConsole`], which loads the full console; once that has started (it mounts itself
//! and reads the address the entry module already pushed), the entry module unmounts, which
//! closes its events stream. The handover happens once per tab: the full console holds the
//! list page too.

use std::cell::RefCell;

use wasm_bindgen::prelude::*;
use yew::AppHandle;
use yew::prelude::*;

use crate::api::js_reason;
use crate::app::App;
use crate::pages;
use crate::route::{Home, Route};

#[wasm_bindgen]
extern "C" {
    /// Defined in index.html (Trunk.toml's `pattern_script`), which knows where Trunk wrote
    /// the full console: a `data-type="worker"` Rust asset, named after its binary, not
    /// hashed (kiln-server revalidates unhashed files on each load).
    #[wasm_bindgen(catch, js_name = kilnLoadFull)]
    async fn load_full_console() -> Result<(), JsValue>;
}

thread_local! {
    /// The entry module's app, kept so that it can unmount when the full console starts.
    static ENTRY_APP: RefCell<Option<AppHandle<App>>> = const { RefCell::new(None) };
}

/// Keeps the entry module's app handle for the handover.
pub fn keep_entry_app(handle: AppHandle<App>) {
    ENTRY_APP.with(|app| *app.borrow_mut() = Some(handle));
}

/// The entry module's pages: the builds lists; every other address hands over.
pub fn entry_pages(route: Route) -> Html {
    match route {
        Route::Home => html! { <Home /> },
        Route::TeamBuilds { team } => html! { <pages::team_builds::TeamBuildsPage {team} /> },
        Route::Builds => html! { <pages::all_builds::AllBuildsPage /> },
        _ => html! { <FullConsole /> },
    }
}

/// What the entry module shows while the full console loads, or why it could not.
#[derive(Clone, PartialEq)]
enum Loading {
    Started,
    Failed(String),
}

/// Loads the full console, then unmounts the entry module.
#[component]
fn FullConsole() -> Html {
    let state = use_state(|| Loading::Started);
    let attempt = use_state(|| 0_u32);
    {
        let state = state.clone();
        use_effect_with(*attempt, move |_| {
            state.set(Loading::Started);
            wasm_bindgen_futures::spawn_local(async move {
                match load_full_console().await {
                    // Taken out before destroy, so the handle is not borrowed while yew
                    // tears the app down.
                    Ok(()) => {
                        if let Some(app) = ENTRY_APP.with(|app| app.borrow_mut().take()) {
                            app.destroy();
                        }
                    }
                    Err(error) => state.set(Loading::Failed(js_reason(&error))),
                }
            });
        });
    }
    let retry = {
        let attempt = attempt.clone();
        Callback::from(move |_| attempt.set(*attempt + 1))
    };
    match &*state {
        Loading::Started => html! {
            <section class="page narrow" aria-busy="true">
                <p class="notice" role="status">{ "Loading this page…" }</p>
            </section>
        },
        Loading::Failed(why) => html! {
            <section class="page narrow">
                <h1>{ "This page could not load" }</h1>
                <p class="notice" role="alert">{ format!("The console's pages could not be downloaded: {why}") }</p>
                <button type="button" class="button" onclick={retry}>{ "Try again" }</button>
            </section>
        },
    }
}
