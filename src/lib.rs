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
pub mod hooks;
pub mod notify;
pub mod pages;
pub mod route;
pub mod selection_text;
pub mod session;
pub mod sort;
pub mod theme;
pub mod time_fmt;

/// Mounts the console on the page's `<body>`.
pub fn start() {
    // Before the first render, so a pinned theme never flashes the other one.
    theme::apply(theme::load());
    yew::Renderer::<app::App>::new().render();
}
