//! Every build the caller may see (`/builds`), newest first, from the service's build search
//! (Foundry's `Build.search`): filters for status, branch, who and a time range, kept in the
//! URL (text filters as the person types); windowed like the team list; the team-only actions shown unavailable.

use std::rc::Rc;

use kiln_api::Timestamp;
use kiln_api::build2::BuildStatus;
use kiln_api::orchestration::Build;
use serde::{Deserialize, Serialize};
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;
use yew_router::prelude::*;

use crate::api::ApiError;
use crate::api::foundry::{BuildFilters, BuildsFound};
use crate::components::status_badge::{StatusBadge, build_look};
use crate::components::windowed_list::{WindowedList, use_narrow};
use crate::hooks::clock::Ago;
use crate::hooks::debounce::{TYPING_PAUSE_MS, use_debouncer};
use crate::route::Route;
use crate::session::{SessionAction, use_session};

/// Every row is this tall (CSS pixels), two lines on a phone; `builds.css` fits them.
const ROW_HEIGHT: u32 = 44;
const NARROW_ROW_HEIGHT: u32 = 68;

/// The filters as the URL has them (`/builds?status=FAILED&branch=dev&from=…`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BuildsQuery {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branch: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    /// `datetime-local` text, read as UTC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
}

/// Which filter a message is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterField {
    Status,
    From,
    To,
}

/// A filter the URL holds that cannot be searched for, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterProblem {
    pub field: FilterField,
    pub message: String,
}

fn non_blank(text: &Option<String>) -> Option<String> {
    text.as_deref().map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned)
}

/// A `datetime-local` value (`2026-12-01T10:00`, seconds optional) as a UTC time.
fn parse_local(text: &str) -> Option<Timestamp> {
    let with_seconds = if text.len() == 16 { format!("{text}:00Z") } else { format!("{text}Z") };
    Timestamp::parse(&with_seconds).ok()
}

/// The search the query asks for, or what is wrong with it.
pub fn filters_of(query: &BuildsQuery) -> Result<BuildFilters, FilterProblem> {
    let status = match non_blank(&query.status) {
        None => None,
        Some(s) => Some(
            [BuildStatus::Running, BuildStatus::Succeeded, BuildStatus::Failed, BuildStatus::Canceled]
                .into_iter()
                .find(|b| b.to_string() == s)
                .ok_or_else(|| FilterProblem {
                    field: FilterField::Status,
                    message: format!("“{s}” is not a build status."),
                })?,
        ),
    };
    let time = |text: &Option<String>, field: FilterField| match non_blank(text) {
        None => Ok(None),
        Some(t) => parse_local(&t).map(Some).ok_or_else(|| FilterProblem {
            field,
            message: format!("“{t}” is not a date and time (YYYY-MM-DDTHH:MM)."),
        }),
    };
    let from = time(&query.from, FilterField::From)?;
    let to = time(&query.to, FilterField::To)?;
    if let (Some(from), Some(to)) = (from, to)
        && to <= from
    {
        return Err(FilterProblem {
            field: FilterField::To,
            message: "“Started before” must be after “Started from”.".into(),
        });
    }
    Ok(BuildFilters { status, branch: non_blank(&query.branch), created_by: non_blank(&query.created_by), from, to })
}

/// What is loaded: the builds so far, the token of the next page, and how loading went.
#[derive(Debug, Clone, PartialEq, Default)]
struct Found {
    rows: Rc<Vec<Rc<Row>>>,
    next: Option<String>,
    loading: bool,
    error: Option<ApiError>,
    unsupported: bool,
}

/// One row: the build and the names of the datasets it writes.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub build: Build,
    pub outputs: Vec<String>,
}

fn rows_of(found: BuildsFound) -> (Vec<Rc<Row>>, Option<String>) {
    let BuildsFound { builds, mut outputs, next_page_token } = found;
    let rows = builds
        .into_iter()
        .map(|build| {
            let outputs = outputs.remove(&build.rid).unwrap_or_default();
            Rc::new(Row { build, outputs })
        })
        .collect();
    (rows, next_page_token)
}

#[derive(Properties, PartialEq)]
struct BuildRowProps {
    row: Rc<Row>,
    row_index: usize,
}

#[component]
fn BuildRow(props: &BuildRowProps) -> Html {
    let build = &props.row.build;
    let outputs = if props.row.outputs.is_empty() { "—".to_owned() } else { props.row.outputs.join(", ") };
    html! {
        <div class="build-row public-build-row" role="row" aria-rowindex={props.row_index.to_string()} data-rid={build.rid.to_string()}
            data-status={build.status.to_string()}>
            <div role="cell" class="col-status"><StatusBadge look={build_look(build.status)} /></div>
            <div role="cell" class="col-run">
                <Link<Route> to={Route::BuildReport { rid: build.rid.to_string() }} classes="mono build-link">{ short_rid(build) }</Link<Route>>
            </div>
            <div role="cell" class="col-outputs" title={outputs.clone()}>{ outputs.clone() }</div>
            <div role="cell" class="col-branch mono">{ build.branch_name.clone() }</div>
            <div role="cell" class="col-created"><Ago at={Some(build.created_time)} /></div>
            <div role="cell" class="col-who" title={build.created_by.clone()}>{ build.created_by.clone() }</div>
        </div>
    }
}

fn short_rid(build: &Build) -> String {
    let id = build.rid.as_str().rsplit('.').next().unwrap_or_default();
    id.get(..8).unwrap_or(id).to_owned()
}

fn query_value(e: &Event) -> String {
    let target = e.target();
    if let Some(select) = target.clone().and_then(|t| wasm_bindgen::JsCast::dyn_into::<HtmlSelectElement>(t).ok()) {
        return select.value();
    }
    target
        .and_then(|t| wasm_bindgen::JsCast::dyn_into::<HtmlInputElement>(t).ok())
        .map(|i| i.value())
        .unwrap_or_default()
}

#[component]
pub fn AllBuildsPage() -> Html {
    let session = use_session();
    let service = session.service();
    let capabilities = service.capabilities();
    let navigator = use_navigator();
    let location = use_location();
    let query: BuildsQuery = location.as_ref().and_then(|l| l.query::<BuildsQuery>().ok()).unwrap_or_default();
    let filters = filters_of(&query);
    let found = use_state(Found::default);

    {
        let (found, service, session) = (found.clone(), service.clone(), session.clone());
        use_effect_with((service, filters.clone()), move |(service, filters)| {
            let (service, filters, token) = (service.clone(), filters.clone(), session.token.clone());
            found.set(Found { loading: filters.is_ok(), ..Found::default() });
            if let Ok(filters) = filters {
                wasm_bindgen_futures::spawn_local(async move {
                    found.set(match service.find_builds(&filters, None).await {
                        None => Found { unsupported: true, ..Found::default() },
                        Some(Ok(page)) => {
                            let (rows, next) = rows_of(page);
                            Found { rows: Rc::new(rows), next, ..Found::default() }
                        }
                        Some(Err(error)) => {
                            // A 401 goes to the session too, so the header offers to sign in.
                            if error.is_unauthorized() {
                                session.dispatch(SessionAction::Refused { token, error: error.clone() });
                            }
                            Found { error: Some(error), ..Found::default() }
                        }
                    });
                });
            }
        });
    }
    let on_near_end = {
        let (found, service, filters) = (found.clone(), service.clone(), filters.clone());
        let more = found.next.clone().filter(|_| !found.loading);
        more.map(|token| {
            Callback::from(move |()| {
                let Ok(filters) = filters.clone() else { return };
                let (found, service, token) = (found.clone(), service.clone(), token.clone());
                found.set(Found { loading: true, ..(*found).clone() });
                wasm_bindgen_futures::spawn_local(async move {
                    let before = (*found).clone();
                    found.set(match service.find_builds(&filters, Some(token)).await {
                        Some(Ok(page)) => {
                            let (more, next) = rows_of(page);
                            let mut rows = (*before.rows).clone();
                            rows.extend(more);
                            Found { rows: Rc::new(rows), next, ..Found::default() }
                        }
                        Some(Err(error)) => Found { loading: false, error: Some(error), ..before },
                        None => Found { loading: false, ..before },
                    });
                });
            })
        })
    };
    // Every change goes to the URL, which the search follows. Branch and Created by apply
    // as the person types, once typing pauses (Enter or leaving the field applies at once);
    // the pause reads the query as it is when it ends (`latest`), so a change made meanwhile
    // in another control is kept.
    let debouncer = use_debouncer(TYPING_PAUSE_MS);
    let latest = use_mut_ref(BuildsQuery::default);
    *latest.borrow_mut() = query.clone();
    let navigate = {
        let navigator = navigator.clone();
        move |current: &BuildsQuery, next: &BuildsQuery| {
            if let (Some(navigator), true) = (&navigator, next != current) {
                let _ = navigator.replace_with_query(&Route::Builds, next);
            }
        }
    };
    let set = |change: fn(&mut BuildsQuery, String)| {
        let (latest, debouncer, navigate) = (latest.clone(), debouncer.clone(), navigate.clone());
        Callback::from(move |e: Event| {
            debouncer.cancel();
            let current = latest.borrow().clone();
            let mut next = current.clone();
            change(&mut next, query_value(&e));
            navigate(&current, &next);
        })
    };
    let typing = |change: fn(&mut BuildsQuery, String)| {
        let (latest, debouncer, navigate) = (latest.clone(), debouncer.clone(), navigate.clone());
        Callback::from(move |e: InputEvent| {
            let value = e.target_unchecked_into::<HtmlInputElement>().value();
            let (latest, navigate) = (latest.clone(), navigate.clone());
            debouncer.call(move || {
                let current = latest.borrow().clone();
                let mut next = current.clone();
                change(&mut next, value);
                navigate(&current, &next);
            });
        })
    };
    let [set_branch, set_who]: [fn(&mut BuildsQuery, String); 2] = [
        |q, v| q.branch = Some(v).filter(|v| !v.trim().is_empty()),
        |q, v| q.created_by = Some(v).filter(|v| !v.trim().is_empty()),
    ];
    let problem = filters.as_ref().err();
    let message = |field: FilterField| problem.filter(|p| p.field == field).map(|p| p.message.clone());
    let field_error = |id: &str, field: FilterField| {
        html! { <p class="field-error" id={format!("{id}-error")} role="alert">{ message(field).unwrap_or_default() }</p> }
    };
    let row_height = if use_narrow() { NARROW_ROW_HEIGHT } else { ROW_HEIGHT };
    let render_row = use_callback(found.rows.clone(), |index: usize, rows| match rows.get(index) {
        Some(row) => html! { <BuildRow key={row.build.rid.to_string()} row={row.clone()} row_index={index + 2} /> },
        None => html! {},
    });
    let header = html! {
        <div class="builds-head" role="rowgroup">
            <div class="build-row build-row-head public-build-row" role="row" aria-rowindex="1">
                <div role="columnheader" class="col-status">{ "Status" }</div>
                <div role="columnheader" class="col-run">{ "Build" }</div>
                <div role="columnheader" class="col-outputs">{ "Builds datasets" }</div>
                <div role="columnheader" class="col-branch">{ "Branch" }</div>
                <div role="columnheader" class="col-created">{ "Created ▼" }</div>
                <div role="columnheader" class="col-who">{ "Created by" }</div>
            </div>
        </div>
    };
    let status = query.status.clone().unwrap_or_default();
    let team_reason = capabilities.team_actions.reason();
    html! {
        <section class="page all-builds">
            <div class="page-head">
                <h1>{ "All builds" }</h1>
                <p class="help">{ format!("Newest first, from {}.", capabilities.kind_label()) }</p>
            </div>
            <form class="card filters all-builds-filters" onsubmit={Callback::from(|e: SubmitEvent| e.prevent_default())}>
                <div class="field">
                    <label for="ab-status">{ "Status" }</label>
                    <select id="ab-status" onchange={set(|q, v| q.status = Some(v).filter(|v| !v.is_empty()))}
                        aria-invalid={message(FilterField::Status).is_some().to_string()} aria-describedby="ab-status-error">
                        <option value="" selected={status.is_empty()}>{ "Any" }</option>
                        { for ["RUNNING", "SUCCEEDED", "FAILED", "CANCELED"].into_iter().map(|s| html! {
                            <option value={s} selected={status == s}>{ s }</option>
                        }) }
                    </select>
                    { field_error("ab-status", FilterField::Status) }
                </div>
                <div class="field">
                    <label for="ab-branch">{ "Branch" }</label>
                    <input id="ab-branch" type="text" value={query.branch.clone().unwrap_or_default()} autocomplete="off"
                        spellcheck="false" oninput={typing(set_branch)} onchange={set(set_branch)} />
                </div>
                <div class="field">
                    <label for="ab-who">{ "Created by" }</label>
                    <input id="ab-who" type="text" value={query.created_by.clone().unwrap_or_default()} autocomplete="off"
                        spellcheck="false" aria-describedby="ab-who-help"
                        oninput={typing(set_who)} onchange={set(set_who)} />
                    <p class="help" id="ab-who-help">{ "The creator's user id, exactly." }</p>
                </div>
                <div class="field">
                    <label for="ab-from">{ "Started from (UTC)" }</label>
                    <input id="ab-from" type="datetime-local" value={query.from.clone().unwrap_or_default()}
                        aria-invalid={message(FilterField::From).is_some().to_string()} aria-describedby="ab-from-error"
                        onchange={set(|q, v| q.from = Some(v).filter(|v| !v.is_empty()))} />
                    { field_error("ab-from", FilterField::From) }
                </div>
                <div class="field">
                    <label for="ab-to">{ "Started before (UTC)" }</label>
                    <input id="ab-to" type="datetime-local" value={query.to.clone().unwrap_or_default()}
                        aria-invalid={message(FilterField::To).is_some().to_string()} aria-describedby="ab-to-error"
                        onchange={set(|q, v| q.to = Some(v).filter(|v| !v.is_empty()))} />
                    { field_error("ab-to", FilterField::To) }
                </div>
            </form>
            <div class="toolbar team-actions" role="group" aria-label="Team actions">
                <button type="button" disabled={team_reason.is_some()} aria-describedby="team-actions-why">{ "Archive" }</button>
                <button type="button" disabled={team_reason.is_some()} aria-describedby="team-actions-why">{ "Tags" }</button>
                if let Some(reason) = team_reason {
                    <p class="field-hint unavailable" id="team-actions-why">{ reason }</p>
                }
            </div>
            if found.unsupported {
                <p class="notice" role="status">{ "This service lists builds per team: open a team's builds instead." }</p>
            }
            if let Some(error) = &found.error {
                <p class="notice notice-error builds-error" role="alert">{ format!("The builds could not be loaded: {error}") }</p>
            }
            <p class="muted all-builds-count" role="status" data-count={found.rows.len().to_string()}>
                { match (found.loading, found.rows.len(), found.next.is_some()) {
                    (true, 0, _) => "Loading builds…".to_owned(),
                    (_, 0, _) => "No build matches these filters.".to_owned(),
                    (_, n, true) => format!("{n} builds loaded; scroll for more."),
                    (_, n, false) => format!("{n} builds."),
                } }
            </p>
            <WindowedList class="builds-table all-builds-table" count={found.rows.len()} {row_height} {render_row} {header}
                role="table" aria_label="All builds" aria_rowcount={found.rows.len() + 1} {on_near_end} />
        </section>
    }
}
