//! One row of the builds table. Its props compare by value, so a row re-renders only
//! when its build or its marks change; its two time cells follow the tab's clock alone.

use std::rc::Rc;

use kiln_api::teams::TeamBuild;
use web_sys::HtmlInputElement;
use yew::prelude::*;
use yew_router::prelude::*;

use super::filters::duration_millis;
use crate::components::status_badge::{StatusBadge, team_look};
use crate::hooks::clock::use_now;
use crate::route::Route;
use crate::time_fmt::{duration, exact_time, relative};

/// What a row's buttons ask the page to do; each carries the build as the row shows it.
#[derive(Debug, Clone, PartialEq)]
pub enum RowAction {
    Stop(Rc<TeamBuild>),
    Archive(Rc<TeamBuild>),
    Restore(Rc<TeamBuild>),
    EditTags(Rc<TeamBuild>),
    ToggleWatch(Rc<TeamBuild>),
}

#[derive(Properties, PartialEq)]
pub struct BuildRowProps {
    pub build: Rc<TeamBuild>,
    /// The row's position in the table, counting the header as 1 (`aria-rowindex`).
    pub row_index: usize,
    pub selected: bool,
    /// What the row is waiting for, such as "Stopping…".
    pub pending: Option<&'static str>,
    /// The last action on this build failed and was undone.
    pub rolled_back: bool,
    pub watched: bool,
    pub on_select: Callback<(u64, bool)>,
    pub on_action: Callback<RowAction>,
}

#[component]
pub fn BuildRow(props: &BuildRowProps) -> Html {
    let build = &props.build;
    let run_id = build.run_id;
    let onchange = props.on_select.reform(move |e: Event| {
        let input: HtmlInputElement = e.target_unchecked_into();
        (run_id, input.checked())
    });
    let action = |make: fn(Rc<TeamBuild>) -> RowAction| {
        let b = build.clone();
        props.on_action.reform(move |_: MouseEvent| make(b.clone()))
    };
    let state = build.status.state;
    let active = state.is_active();
    let label = format!("#{run_id}");
    let error = build.status.error.clone();
    let archive_button = if build.archived {
        html! { <button type="button" class="row-button" onclick={action(RowAction::Restore)}
        aria-label={format!("Restore build {label}")}>{ "Restore" }</button> }
    } else {
        html! { <button type="button" class="row-button" onclick={action(RowAction::Archive)} disabled={active}
        title={active.then_some("A build is archived once it has finished")}
        aria-label={format!("Archive build {label}")}>{ "Archive" }</button> }
    };
    let actions = match props.pending {
        Some(what) => html! { <span class="row-pending" aria-busy="true">{ what }</span> },
        None => html! {
            <>
                if active {
                    <button type="button" class="row-button row-button-danger" onclick={action(RowAction::Stop)}
                        aria-label={format!("Stop build {label}")}>{ "Stop" }</button>
                }
                { archive_button }
                <button type="button" class="row-button" onclick={action(RowAction::EditTags)}
                    aria-label={format!("Edit the tags of build {label}")}>{ "Tags" }</button>
                if active {
                    <button type="button" class="row-button" onclick={action(RowAction::ToggleWatch)}
                        aria-pressed={props.watched.to_string()}
                        title="Get a browser notification when this build finishes"
                        aria-label={format!("Watch build {label}")}>{ if props.watched { "Watching" } else { "Watch" } }</button>
                }
            </>
        },
    };
    let classes = classes!(
        "build-row",
        props.selected.then_some("selected"),
        props.rolled_back.then_some("rolled-back"),
        build.archived.then_some("archived"),
    );
    html! {
        <div class={classes} role="row" aria-rowindex={props.row_index.to_string()} aria-selected={props.selected.to_string()}
            data-run-id={run_id.to_string()} data-state={state.as_str()}>
            <div role="cell" class="col-select">
                <input type="checkbox" checked={props.selected} {onchange} aria-label={format!("Select build {label}")} />
            </div>
            <div role="cell" class="col-run">
                <Link<Route> to={Route::BuildReport { rid: build.build_rid.to_string() }} classes="run-link">{ label.clone() }</Link<Route>>
            </div>
            <div role="cell" class="col-status">
                <StatusBadge look={team_look(state)} />
                if props.rolled_back {
                    <span class="row-undone" title="The last action on this build failed and was undone; see the report above">{ "Undone" }</span>
                }
                if let Some(error) = error {
                    <span class="row-error" title={error.clone()}>{ error }</span>
                }
            </div>
            <div role="cell" class="col-tags" title={(!build.tags.is_empty()).then(|| build.tags.join(", "))}>
                { for build.tags.iter().map(|t| html! { <span class="tag">{ t.clone() }</span> }) }
                if build.archived { <span class="tag tag-archived">{ "archived" }</span> }
            </div>
            <div role="cell" class="col-created" title={exact_time(&build.created_time)}><CreatedAgo build={build.clone()} /></div>
            <div role="cell" class="col-who" title={build.created_by.clone()}>{ build.created_by.clone() }</div>
            <div role="cell" class="col-duration"><BuildDuration build={build.clone()} /></div>
            // The path is cut at its start (the end names the build), so it is laid out right
            // to left and isolated as left-to-right text, keeping its slashes in place.
            <div role="cell" class="col-path mono" title={build.path.clone()}><bdi dir="ltr">{ build.path.clone() }</bdi></div>
            <div role="cell" class="col-actions">{ actions }</div>
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct TimeCellProps {
    build: Rc<TeamBuild>,
}

/// "3 min ago", moving with the tab's clock.
#[component]
fn CreatedAgo(props: &TimeCellProps) -> Html {
    let now = use_now();
    html! { { relative(&props.build.created_time, now) } }
}

/// How long the build ran, or has run so far: only an active build listens to the clock.
#[component]
fn BuildDuration(props: &TimeCellProps) -> Html {
    if props.build.status.state.is_active() {
        html! { <RunningDuration build={props.build.clone()} /> }
    } else {
        html! { { duration(duration_millis(&props.build, 0)) } }
    }
}

#[component]
fn RunningDuration(props: &TimeCellProps) -> Html {
    let now = use_now();
    html! { { duration(duration_millis(&props.build, now)) } }
}
