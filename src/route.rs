//! Every page of the console has one route here; `switch` renders it.

use serde::{Deserialize, Serialize};
use yew::prelude::*;
use yew_router::prelude::*;

use crate::pages;

/// `/compare?a=<build>&b=<build>`: each a build RID or a run number (`#12`) of the current
/// team; without `a`, the build before `b`. Here, not in the compare page, because the
/// builds list and the build report link to it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CompareQuery {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub a: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub b: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Routable)]
pub enum Route {
    /// The current team's builds.
    #[at("/")]
    Home,
    #[at("/submit")]
    Submit,
    /// Every build the caller may see, from the service's build search.
    #[at("/builds")]
    Builds,
    #[at("/teams/:team/builds")]
    TeamBuilds { team: String },
    #[at("/builds/:rid")]
    BuildReport { rid: String },
    #[at("/jobs/:rid")]
    JobReport { rid: String },
    #[at("/catalog")]
    Catalog,
    /// The whole pipeline with each dataset's state on a branch.
    #[at("/lineage")]
    Lineage,
    #[at("/jobspecs/:rid")]
    JobSpec { rid: String },
    /// Two builds side by side (`?a=&b=`).
    #[at("/compare")]
    Compare,
    #[at("/settings")]
    Settings,
    /// Where the OAuth provider sends the browser back after signing in.
    #[at("/auth/callback")]
    AuthCallback,
    #[not_found]
    #[at("/404")]
    NotFound,
}

pub fn switch(route: Route) -> Html {
    match route {
        Route::Home => html! { <Home /> },
        Route::Builds => html! { <pages::all_builds::AllBuildsPage /> },
        Route::Submit => html! { <pages::submit::SubmitPage /> },
        Route::TeamBuilds { team } => html! { <pages::team_builds::TeamBuildsPage {team} /> },
        Route::BuildReport { rid } => html! { <pages::build_report::BuildReportPage {rid} /> },
        Route::JobReport { rid } => html! { <pages::job_report::JobReportPage {rid} /> },
        Route::Catalog => html! { <pages::catalog::CatalogPage /> },
        Route::Lineage => html! { <pages::lineage::LineagePage /> },
        Route::JobSpec { rid } => html! { <pages::job_spec::JobSpecPage {rid} /> },
        Route::Compare => html! { <pages::compare::ComparePage /> },
        Route::Settings => html! { <pages::settings::SettingsPage /> },
        Route::AuthCallback => html! { <crate::auth::AuthCallbackPage /> },
        Route::NotFound => html! { <pages::not_found::NotFoundPage /> },
    }
}

/// The first page: the current team's builds where builds belong to teams, else every
/// build (Foundry's public API has no teams).
#[component]
pub fn Home() -> Html {
    if crate::session::use_session().service().capabilities().teams_surface {
        html! { <pages::team_builds::CurrentTeamBuilds /> }
    } else {
        html! { <pages::all_builds::AllBuildsPage /> }
    }
}
