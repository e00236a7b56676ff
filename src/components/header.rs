//! The header: product name, navigation, open-by-RID, current team and how each surface
//! of the service answers.

use yew::prelude::*;
use yew_router::prelude::*;

use super::open_rid::OpenRid;
use super::theme_toggle::ThemeToggle;
use crate::route::Route;
use crate::session::{Health, use_session};

#[component]
pub fn Header() -> Html {
    let session = use_session();
    // Each surface on its own: reports work while the teams surface is down.
    let (health_key, health_text, health_title) = match &session.health {
        Health::Unknown => ("unknown", "Connecting…".to_owned(), String::new()),
        // What is known so far; the dot stays grey until every surface has answered.
        Health::Heard(heard) => ("heard", heard.words(), format!("{}\nChecking the others…", heard.details())),
        Health::Checked(health) => (health.overall().key(), health.words(), health.details()),
    };
    let route = use_route::<Route>();
    let nav_link = |to: Route, label: &'static str| {
        let current = route.as_ref() == Some(&to);
        html! {
            <li><Link<Route> {to} classes={classes!("nav-link", current.then_some("current"))}>{ label }</Link<Route>></li>
        }
    };
    html! {
        <header class="app-header">
            <Link<Route> to={Route::Home} classes="brand">
                <span class="brand-mark" aria-hidden="true">{ "◆" }</span>{ "Kiln" }
            </Link<Route>>
            <nav aria-label="Main">
                <ul class="nav-list">
                    { nav_link(Route::Home, "Builds") }
                    { nav_link(Route::Submit, "Submit") }
                    { nav_link(Route::Catalog, "Catalog") }
                    { nav_link(Route::Lineage, "Lineage") }
                    { nav_link(Route::Settings, "Settings") }
                </ul>
            </nav>
            <OpenRid />
            <div class="header-context">
                // Builds belong to teams only on Kiln's own surface (not on Foundry's public API).
                if session.service().capabilities().teams_surface {
                    <span class="team-chip" title="Current team">{ format!("Team: {}", session.team) }</span>
                }
                <span class="health" data-health={health_key} title={health_title}>
                    <span class="health-dot" aria-hidden="true"></span>{ health_text }
                </span>
                <ThemeToggle />
                if session.needs_token {
                    <Link<Route> to={Route::Settings} classes="token-needed">{ "Token needed" }</Link<Route>>
                }
                <crate::auth::AuthControl />
            </div>
        </header>
    }
}
