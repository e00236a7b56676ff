//! Kiln's browser console: compose, submit and watch data-pipeline builds.
//!
//! The app is a yew single-page app. `app` wires the router and the session store;
//! `api` is the only module that talks to the build service (`auth` talks to the sign-in
//! provider); `hooks` holds the data every page shares (one events stream, one clock, the
//! catalog, live reports); `pages` hold one module per route and `components` the pieces
//! they share.

pub mod api;
pub mod app;
pub mod auth;
pub mod catalog_index;
pub mod components;
pub mod handoff;
pub mod hooks;
pub mod notify;
pub mod pages;
pub mod route;
pub mod selection_text;
pub mod session;
pub mod sort;
pub mod theme;
pub mod time_fmt;

/// Mounts the full console (every page) on the page's `<body>`.
pub fn start_full() {
    // Before the first render, so a pinned theme never flashes the other one.
    theme::apply(theme::load());
    yew::Renderer::<app::App>::with_props(app::AppProps { pages: app::Pages(route::switch) }).render();
}

/// Mounts the entry module (the builds list) on the page's `<body>`; it hands over to the
/// full console when the person opens another page (`handoff`).
pub fn start_entry() {
    theme::apply(theme::load());
    let app = yew::Renderer::<app::App>::with_props(app::AppProps { pages: app::Pages(handoff::entry_pages) }).render();
    handoff::keep_entry_app(app);
}
