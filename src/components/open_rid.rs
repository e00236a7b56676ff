//! The header's "open" box: paste a build or job RID, or type a run number (`12`, `#12`)
//! of the current team, press Enter, see its report.

use kiln_api::{Rid, TeamName};
use web_sys::HtmlInputElement;
use yew::prelude::*;
use yew_router::prelude::*;

use crate::api::{self, Client};
use crate::route::Route;
use crate::session::use_session;

/// What the box's text names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A report the text leads to directly (a build or job RID).
    Report(Route),
    /// A run number of the current team, which the service turns into a build RID.
    Run(u64),
}

/// Where the text leads, or why it leads nowhere.
pub fn target_for(text: &str) -> Result<Target, String> {
    let text = text.trim();
    let digits = text.strip_prefix('#').unwrap_or(text);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        return match digits.parse::<u64>() {
            Ok(0) => Err("runs are numbered from 1".to_owned()),
            Ok(run) => Ok(Target::Run(run)),
            Err(_) => Err(format!("{digits} is too large for a run number")),
        };
    }
    let rid = Rid::parse(text).map_err(|e| e.to_string())?;
    match rid.kind() {
        "build" => Ok(Target::Report(Route::BuildReport { rid: rid.to_string() })),
        "job" => Ok(Target::Report(Route::JobReport { rid: rid.to_string() })),
        other => Err(format!("a {other} RID has no report; paste a build or job RID, or type a run number")),
    }
}

/// The build report of `run` in `team`, asked of the teams surface.
async fn run_route(client: &Client, team: &TeamName, run: u64) -> Result<Route, String> {
    match api::teams::build(client, team, run).await {
        Ok(build) => Ok(Route::BuildReport { rid: build.build_rid.to_string() }),
        Err(e) if e.is_not_found() => Err(format!("team {team} has no run #{run}")),
        Err(e) => Err(format!("run #{run} could not be looked up: {e}")),
    }
}

#[component]
pub fn OpenRid() -> Html {
    let navigator = use_navigator();
    let session = use_session();
    let error = use_state(|| None::<String>);
    let onkeydown = {
        let error = error.clone();
        let client = session.client();
        let team = session.team.clone();
        let teams_available = session.teams_available;
        Callback::from(move |e: KeyboardEvent| {
            if e.key() != "Enter" {
                return;
            }
            let input: HtmlInputElement = e.target_unchecked_into();
            let go = {
                let navigator = navigator.clone();
                let input = input.clone();
                move |route: Route| {
                    input.set_value("");
                    if let Some(nav) = &navigator {
                        nav.push(&route);
                    }
                }
            };
            match target_for(&input.value()) {
                Ok(Target::Report(route)) => {
                    error.set(None);
                    go(route);
                }
                Ok(Target::Run(_)) if !teams_available => {
                    error.set(Some("run numbers need the service's teams API; paste a build RID".to_owned()));
                }
                Ok(Target::Run(run)) => {
                    let (client, team, error) = (client.clone(), team.clone(), error.clone());
                    wasm_bindgen_futures::spawn_local(async move {
                        match run_route(&client, &team, run).await {
                            Ok(route) => {
                                error.set(None);
                                go(route);
                            }
                            Err(message) => error.set(Some(message)),
                        }
                    });
                }
                Err(message) => error.set(Some(message)),
            }
        })
    };
    let oninput = {
        let error = error.clone();
        Callback::from(move |_: InputEvent| error.set(None))
    };
    html! {
        <div class="open-rid">
            <label for="open-rid" class="visually-hidden">{ "Open a build or job by RID, or a run by its number" }</label>
            <input id="open-rid" type="search" placeholder="Open run #, build or job RID…" autocomplete="off"
                spellcheck="false" aria-describedby="open-rid-error" {onkeydown} {oninput}
                aria-invalid={error.is_some().to_string()} />
            <span id="open-rid-error" class="field-error" role="alert">{ (*error).clone().unwrap_or_default() }</span>
        </div>
    }
}
