//! The build report (`/builds/:rid`): status, branch, who and when, the request's
//! options, the jobs as a table, a graph and a timeline of attempts, and the actions.
//! It stays live while the build runs and needs nothing but the build2 surface; the
//! teams surface only adds Stop.

pub mod actions;
pub mod attempts;
pub mod jobs_table;
pub mod live;
pub mod names;
pub mod options;
mod summary;

use std::rc::Rc;

use kiln_api::Rid;
use kiln_api::build2::{BuildJob, BuildReport};
use yew::prelude::*;
use yew_router::prelude::*;

use self::actions::BuildActions;
use self::attempts::{bars, use_job_reports};
use self::jobs_table::JobsTable;
use self::live::{Live, Loaded, POLL_EVERY, use_live};
use self::names::use_dataset_names;
use self::options::RequestOptions;
use self::summary::Summary;
use crate::api::{self, ApiError};
use crate::components::job_graph::JobGraph;
use crate::components::status_badge::{StatusBadge, build_look};
use crate::components::timeline::Timeline;
use crate::route::Route;
use crate::session::{SessionAction, use_session};
use crate::time_fmt;

#[derive(Properties, PartialEq)]
pub struct BuildReportPageProps {
    pub rid: String,
}

#[component]
pub fn BuildReportPage(props: &BuildReportPageProps) -> Html {
    match Rid::parse(&props.rid) {
        Ok(rid) => html! { <BuildReportView {rid} /> },
        Err(error) => html! {
            <section class="page report">
                <h1>{ "Build report" }</h1>
                <p class="notice" role="alert">{ format!("“{}” is not a RID: {error}.", props.rid) }</p>
            </section>
        },
    }
}

#[derive(Properties, PartialEq)]
struct BuildReportViewProps {
    rid: Rid,
}

/// Whether a build report may still change.
fn still_running(report: &BuildReport) -> bool {
    !report.status.is_terminal()
}

#[component]
fn BuildReportView(props: &BuildReportViewProps) -> Html {
    let session = use_session();
    let live: Live<BuildReport> = use_live(
        (session.client(), props.rid.clone()),
        |(client, rid)| async move { api::build2::build_report(&client, &rid).await },
        still_running,
    );
    use_token_prompt(&live.loaded);
    match &live.loaded {
        Loaded::Loading => html! {
            <section class="page report"><p class="muted" role="status">{ "Loading the build report…" }</p></section>
        },
        Loaded::Missing => html! {
            <section class="page report">
                <h1>{ "Build not found" }</h1>
                <p>{ "The service does not know the build " }<code>{ props.rid.to_string() }</code>{ "." }</p>
            </section>
        },
        Loaded::Failed(error) => html! {
            <section class="page report">
                <h1>{ "Build report" }</h1>
                <p class="notice" role="alert">{ format!("The build report could not be loaded: {error}") }</p>
                <p class="muted">{ "Trying again every few seconds." }</p>
            </section>
        },
        Loaded::Ready(report) => html! {
            <ReportBody report={report.clone()} polling={live.polling} stale={live.stale.clone()} refresh={live.refresh.clone()} />
        },
    }
}

/// A 401 goes to the session too, so the header leads to the token field.
#[hook]
pub fn use_token_prompt<T: Clone + PartialEq + 'static>(loaded: &Loaded<T>) {
    let session = use_session();
    let unauthorized = match loaded {
        Loaded::Failed(error) if error.is_unauthorized() => Some(error.clone()),
        _ => None,
    };
    use_effect_with(unauthorized, move |unauthorized| {
        if let Some(error) = unauthorized {
            session.dispatch(SessionAction::ShowError(error.clone()));
        }
    });
}

#[derive(Properties, PartialEq)]
struct ReportBodyProps {
    report: Rc<BuildReport>,
    polling: bool,
    stale: Option<ApiError>,
    refresh: Callback<()>,
}

#[component]
fn ReportBody(props: &ReportBodyProps) -> Html {
    let session = use_session();
    let navigator = use_navigator();
    let report = &props.report;
    let jobs: Rc<Vec<BuildJob>> = use_memo(report.jobs.clone(), |jobs| jobs.clone());
    let reports = use_job_reports(session.client(), jobs.clone());
    let names = use_dataset_names();
    let bars = use_memo((jobs.clone(), reports), |(jobs, reports)| bars(jobs, reports));
    let on_open = use_callback(navigator, |rid: Rid, navigator| {
        if let Some(navigator) = navigator {
            navigator.push(&Route::JobReport { rid: rid.to_string() });
        }
    });
    let now = time_fmt::now_millis();
    let look = build_look(report.status);
    let live_note = if props.polling {
        format!("Live · refreshed every {:.1} s while the build runs", POLL_EVERY.as_secs_f64())
    } else {
        "Final".to_owned()
    };
    html! {
        <section class="page report build-report" data-status={report.status.to_string()}>
            <nav class="crumbs" aria-label="Breadcrumb">
                <Link<Route> to={Route::Home}>{ "Builds" }</Link<Route>>
                <span aria-hidden="true">{ " › " }</span>
                if session.teams_available {
                    <Link<Route> to={Route::TeamBuilds { team: report.team.to_string() }}>{ report.team.to_string() }</Link<Route>>
                } else {
                    <span>{ report.team.to_string() }</span>
                }
                <span aria-hidden="true">{ " › " }</span>
                <span aria-current="page">{ format!("Build #{}", report.run_id) }</span>
            </nav>
            <header class="report-head">
                <div class="report-title">
                    <h1>{ format!("Build #{}", report.run_id) }</h1>
                    <StatusBadge {look} />
                    <span class={classes!("live-note", props.polling.then_some("is-live"))}>{ live_note }</span>
                </div>
                <p class="rid mono">{ report.rid.to_string() }</p>
                <BuildActions report={report.clone()} on_changed={props.refresh.clone()} />
            </header>
            if let Some(error) = &props.stale {
                <p class="notice" role="status">{ format!("Could not refresh the report ({error}); showing what was last loaded.") }</p>
            }
            <section class="card" aria-labelledby="summary-heading">
                <h2 id="summary-heading" class="visually-hidden">{ "Summary" }</h2>
                <Summary report={report.clone()} {now} />
            </section>
            <section class="card" aria-labelledby="jobs-heading">
                <h2 id="jobs-heading">{ format!("Jobs ({})", jobs.len()) }</h2>
                <JobsTable jobs={jobs.clone()} {now} />
            </section>
            <section class="card" aria-labelledby="graph-heading">
                <h2 id="graph-heading">{ "Job graph" }</h2>
                <JobGraph jobs={jobs.clone()} {on_open} />
            </section>
            <section class="card" aria-labelledby="timeline-heading">
                <h2 id="timeline-heading">{ "Timeline of attempts" }</h2>
                <Timeline bars={bars} {now} />
            </section>
            <section class="card" aria-labelledby="options-heading">
                <h2 id="options-heading">{ "Request options" }</h2>
                <RequestOptions request={report.request.clone()} {names} />
            </section>
        </section>
    }
}
