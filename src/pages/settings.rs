//! Settings: which service, which token (this browser session only), which team.

use kiln_api::TeamName;
use kiln_api::teams::ApiKind;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::session::{LocalSettings, SessionAction, use_session};

fn input_value(node: &NodeRef) -> String {
    node.cast::<HtmlInputElement>().map(|i| i.value()).unwrap_or_default()
}

/// The kind chosen in the select: `None` for "as config.json says".
fn kind_value(node: &NodeRef) -> Option<ApiKind> {
    match node.cast::<HtmlSelectElement>().map(|s| s.value()).as_deref() {
        Some("build2") => Some(ApiKind::Build2),
        Some("foundry") => Some(ApiKind::Foundry),
        _ => None,
    }
}

fn kind_wire(kind: ApiKind) -> &'static str {
    match kind {
        ApiKind::Build2 => "build2",
        ApiKind::Foundry => "foundry",
    }
}

/// `None` when blank, so a cleared field falls back to `config.json`.
fn non_blank(s: String) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

#[component]
pub fn SettingsPage() -> Html {
    let session = use_session();
    let config = session.config();
    let build2 = use_node_ref();
    let teams = use_node_ref();
    let team = use_node_ref();
    let kind = use_node_ref();
    let foundry = use_node_ref();
    let token = use_node_ref();
    let team_error = use_state(|| None::<String>);
    let foundry_error = use_state(|| None::<String>);
    let saved = use_state(|| false);

    let on_save = {
        let (session, build2, teams, team, team_error, saved) =
            (session.clone(), build2.clone(), teams.clone(), team.clone(), team_error.clone(), saved.clone());
        let (kind, foundry, foundry_error) = (kind.clone(), foundry.clone(), foundry_error.clone());
        let served = session.served.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let foundry_url = non_blank(input_value(&foundry));
            let api = kind_value(&kind);
            let foundry_missing = api.unwrap_or(served.api) == ApiKind::Foundry
                && foundry_url.as_ref().or(served.foundry_url.as_ref()).is_none();
            if foundry_missing {
                foundry_error.set(Some(
                    "The Foundry kind needs the stack's URL, such as https://stack.palantirfoundry.com.".to_owned(),
                ));
                saved.set(false);
                return;
            }
            foundry_error.set(None);
            let default_team = match non_blank(input_value(&team)).map(|t| TeamName::parse(&t)) {
                None => None,
                Some(Ok(t)) => Some(t),
                Some(Err(err)) => {
                    team_error.set(Some(err.to_string()));
                    saved.set(false);
                    return;
                }
            };
            team_error.set(None);
            session.dispatch(SessionAction::SaveSettings(LocalSettings {
                build2_url: non_blank(input_value(&build2)),
                teams_url: non_blank(input_value(&teams)),
                default_team,
                api,
                foundry_url,
            }));
            saved.set(true);
        })
    };
    let on_token = {
        let (session, token) = (session.clone(), token.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            session.dispatch(SessionAction::SetToken(non_blank(input_value(&token))));
        })
    };
    let on_forget = {
        let (session, token) = (session.clone(), token.clone());
        Callback::from(move |_: MouseEvent| {
            if let Some(input) = token.cast::<HtmlInputElement>() {
                input.set_value("");
            }
            session.dispatch(SessionAction::SetToken(None));
        })
    };
    html! {
        <section class="page narrow">
            <h1>{ "Settings" }</h1>
            <form class="card form" onsubmit={on_save} novalidate=true>
                <h2>{ "Service" }</h2>
                <p class="service-kind" role="status">{ "In use: " }<strong>{ session.service().capabilities().kind_label() }</strong></p>
                <div class="field">
                    <label for="api-kind">{ "Kind of service" }</label>
                    <select id="api-kind" ref={kind} aria-describedby="api-kind-help">
                        <option value="" selected={session.local.api.is_none()}>
                            { format!("As config.json says ({})", kind_wire(session.served.api)) }
                        </option>
                        <option value="build2" selected={session.local.api == Some(ApiKind::Build2)}>{ "build2 with Kiln's teams API" }</option>
                        <option value="foundry" selected={session.local.api == Some(ApiKind::Foundry)}>{ "Foundry's public Orchestration API" }</option>
                    </select>
                    <p id="api-kind-help" class="help">{ "build2 is what foundry-dev-tools speaks, with Kiln's team lists, logs and preview. Foundry's public API builds datasets and has no logs, preview or teams." }</p>
                </div>
                <div class="field">
                    <label for="foundry-url">{ "Foundry URL" }</label>
                    <input id="foundry-url" ref={foundry} type="url" value={session.local.foundry_url.clone()}
                        placeholder={session.served.foundry_url.clone().unwrap_or_else(|| "https://stack.palantirfoundry.com".to_owned())}
                        aria-invalid={foundry_error.is_some().to_string()} aria-describedby="foundry-url-help foundry-url-error" />
                    <p id="foundry-url-help" class="help">{ "The stack whose public API (/api/v2) is used when the kind is Foundry. Blank: config.json's foundryUrl." }</p>
                    <p id="foundry-url-error" class="field-error" role="alert">{ (*foundry_error).clone().unwrap_or_default() }</p>
                </div>
                <div class="field">
                    <label for="build2-url">{ "build2 URL" }</label>
                    <input id="build2-url" ref={build2} type="url" value={session.local.build2_url.clone()}
                        placeholder={session.served.build2_url.clone()} aria-describedby="build2-url-help" />
                    <p id="build2-url-help" class="help">{ format!("Where builds are submitted and reported. Blank: {} from config.json.", session.served.build2_url) }</p>
                </div>
                <div class="field">
                    <label for="teams-url">{ "Teams URL" }</label>
                    <input id="teams-url" ref={teams} type="url" value={session.local.teams_url.clone()}
                        placeholder={session.served.teams_url.clone()} aria-describedby="teams-url-help" />
                    <p id="teams-url-help" class="help">{ format!("Team builds, catalog, logs and live events. Blank: {} from config.json.", session.served.teams_url) }</p>
                </div>
                <div class="field">
                    <label for="default-team">{ "Default team" }</label>
                    <input id="default-team" ref={team} type="text" value={session.local.default_team.as_ref().map(ToString::to_string)}
                        placeholder={session.served.default_team.to_string()} aria-invalid={team_error.is_some().to_string()}
                        aria-describedby="default-team-help default-team-error" />
                    <p id="default-team-help" class="help">{ "The team whose builds you see first and that your submissions belong to." }</p>
                    <p id="default-team-error" class="field-error" role="alert">{ (*team_error).clone().unwrap_or_default() }</p>
                </div>
                <div class="actions">
                    <button type="submit" class="button-primary">{ "Save settings" }</button>
                    if *saved { <span class="saved" role="status">{ "Saved." }</span> }
                </div>
                <p class="help">{ match config.api {
                    ApiKind::Build2 => format!("In use now: build2 {} · teams {} · team {}", config.build2_url, config.teams_url, config.default_team),
                    ApiKind::Foundry => format!("In use now: Foundry {}", config.foundry_url.clone().unwrap_or_default()),
                } }</p>
            </form>
            <form class="card form" onsubmit={on_token} novalidate=true>
                <h2>{ "Token" }</h2>
                if session.needs_token {
                    <p class="notice" role="alert">{ "The service asked for a token. Paste a valid one below." }</p>
                }
                <div class="field">
                    <label for="token">{ "Bearer token" }</label>
                    <input id="token" ref={token} type="password" autocomplete="off" aria-describedby="token-help" />
                    <p id="token-help" class="help">{ "Kept for this browser session only, never written to disk. Sent as Authorization: Bearer …" }</p>
                </div>
                <div class="actions">
                    <button type="submit" class="button-primary">{ "Use token" }</button>
                    <button type="button" class="button-quiet" onclick={on_forget}>{ "Forget token" }</button>
                    <span class="help">{ if session.token.is_some() { "A token is set." } else { "No token set." } }</span>
                </div>
            </form>
        </section>
    }
}
