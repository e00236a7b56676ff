//! The build report (`/builds/:rid`): status, branch, who and when, the request's
//! options, the jobs as a table, a graph and a timeline of attempts, and the actions.
//! It stays live while the build runs and needs nothing but the build2 surface; the
//! teams surface only adds Stop.

pub mod actions;
pub mod attempts;
pub mod jobs_table;
pub mod options;
mod summary;

use std::rc::Rc;

use kiln_api::Rid;
use kiln_api::build2::{BuildJob, BuildReport, BuildStatus};
use kiln_api::teams::{Event, TeamBuildState};
use yew::prelude::*;
use yew_router::prelude::*;

use self::actions::BuildActions;
use self::attempts::{bars, use_build_attempts};
use self::jobs_table::JobsTable;
use self::options::RequestOptions;
use self::summary::Summary;
use crate::api::{ApiError, Polling};
use crate::components::job_graph::JobGraph;
use crate::components::status_badge::{StatusBadge, build_look};
use crate::components::timeline::Timeline;
use crate::hooks::live::{Freshness, Live, Loaded, POLL_BACKOFF_MAX, POLL_EVERY, Reaction, use_live};
use crate::hooks::token::use_token_prompt;
use crate::route::Route;
use crate::session::use_session;

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

/// The build2 status of a team build state.
fn build_status(state: TeamBuildState) -> BuildStatus {
    match state {
        TeamBuildState::Queued | TeamBuildState::Running => BuildStatus::Running,
        TeamBuildState::Complete => BuildStatus::Succeeded,
        TeamBuildState::Failed => BuildStatus::Failed,
        TeamBuildState::Stopped => BuildStatus::Canceled,
    }
}

/// What an event of the tab's stream does to this build's report. A `job` event carries
/// everything the report shows of a job, so it patches the job in place; a `build` event
/// its status and times. A build that ends is fetched once more, so the final report is
/// the service's own.
pub fn react_to_build_event(report: &BuildReport, event: &Event) -> Reaction<BuildReport> {
    match event {
        Event::Job(job) if job.build_rid == report.rid => {
            let Some(index) = report.jobs.iter().position(|j| j.rid == job.rid) else {
                // A job this report does not list: only the service can say what it is.
                return Reaction::Refetch;
            };
            let mut next = report.clone();
            let patched = &mut next.jobs[index];
            patched.status = job.status;
            patched.attempt_count = job.attempt_count;
            patched.started_time = job.started_time;
            patched.finished_time = job.finished_time;
            if job.error.is_some() {
                patched.error = job.error.clone();
            }
            if job.reason.is_some() {
                patched.reason = job.reason.clone();
            }
            if next == *report { Reaction::Ignore } else { Reaction::Patch(next) }
        }
        Event::Build(build) if build.build_rid == report.rid => {
            let mut next = report.clone();
            next.status = build_status(build.status.state);
            match build.status.state {
                TeamBuildState::Queued => {}
                TeamBuildState::Running => next.started_time = next.started_time.or(Some(build.status.timestamp)),
                _ => next.finished_time = Some(build.status.timestamp),
            }
            match (next == *report, next.status.is_terminal()) {
                (true, _) => Reaction::Ignore,
                (false, true) => Reaction::PatchAndRefetch(next),
                (false, false) => Reaction::Patch(next),
            }
        }
        _ => Reaction::Ignore,
    }
}

#[component]
fn BuildReportView(props: &BuildReportViewProps) -> Html {
    let session = use_session();
    let service = session.service();
    let polling = service.capabilities().polling;
    let live: Live<BuildReport> = use_live(
        (service, props.rid.clone()),
        |(service, rid)| async move { service.build_report(&rid).await },
        still_running,
        react_to_build_event,
        polling,
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
            <ReportBody report={report.clone()} freshness={live.freshness} stale={live.stale.clone()} refresh={live.refresh.clone()} />
        },
    }
}

#[derive(Properties, PartialEq)]
struct ReportBodyProps {
    report: Rc<BuildReport>,
    freshness: Freshness,
    stale: Option<ApiError>,
    refresh: Callback<()>,
}

#[component]
fn ReportBody(props: &ReportBodyProps) -> Html {
    let session = use_session();
    let navigator = use_navigator();
    let report = &props.report;
    let jobs: Rc<Vec<BuildJob>> = use_memo(report.jobs.clone(), |jobs| jobs.clone());
    let attempts = use_build_attempts(session.client(), report.clone(), session.teams_available);
    // `None` while the first answer of the attempts is on its way.
    let bars = use_memo((jobs.clone(), attempts), |(jobs, attempts)| attempts.as_ref().map(|a| Rc::new(bars(jobs, a))));
    let on_open = use_callback(navigator, |rid: Rid, navigator| {
        if let Some(navigator) = navigator {
            navigator.push(&Route::JobReport { rid: rid.to_string() });
        }
    });
    let service = session.service();
    let capabilities = service.capabilities();
    let title = service.build_title(report);
    let link = service.build_link(&report.rid);
    let look = build_look(report.status);
    let live = props.freshness != Freshness::Final;
    let live_note = match (props.freshness, capabilities.polling) {
        (Freshness::Streaming, _) => "Live".to_owned(),
        (Freshness::Polling, Polling::Fallback) => {
            format!("Live · refreshed every {:.1} s (live stream unavailable)", POLL_EVERY.as_secs_f64())
        }
        (Freshness::Polling, Polling::Backoff) => format!(
            "Live · checked every {:.1} s, up to {} s while nothing changes (this service sends no events)",
            POLL_EVERY.as_secs_f64(),
            POLL_BACKOFF_MAX.as_secs()
        ),
        (Freshness::Final, _) => "Final".to_owned(),
    };
    html! {
        <section class="page report build-report" data-status={report.status.to_string()}>
            <nav class="crumbs" aria-label="Breadcrumb">
                <Link<Route> to={Route::Home}>{ "Builds" }</Link<Route>>
                if capabilities.teams_surface {
                    <span aria-hidden="true">{ " › " }</span>
                    if session.teams_available {
                        <Link<Route> to={Route::TeamBuilds { team: report.team.to_string() }}>{ report.team.to_string() }</Link<Route>>
                    } else {
                        <span>{ report.team.to_string() }</span>
                    }
                }
                <span aria-hidden="true">{ " › " }</span>
                <span aria-current="page">{ title.clone() }</span>
            </nav>
            <header class="report-head">
                <div class="report-title">
                    <h1>{ title }</h1>
                    <StatusBadge {look} />
                    <span class={classes!("live-note", live.then_some("is-live"))} data-freshness={props.freshness.as_str()}>{ live_note }</span>
                </div>
                <p class="rid mono">{ report.rid.to_string() }</p>
                if let Some(link) = link {
                    <p class="external"><a class="external-link" href={link.href} target="_blank" rel="noopener noreferrer">
                        { link.label }<span class="visually-hidden">{ " (opens in a new tab)" }</span></a></p>
                }
                <BuildActions report={report.clone()} on_changed={props.refresh.clone()} />
            </header>
            if let Some(error) = &props.stale {
                <p class="notice" role="status">{ format!("Could not refresh the report, so this is what was last loaded. {error}") }</p>
            }
            <section class="card" aria-labelledby="summary-heading">
                <h2 id="summary-heading" class="visually-hidden">{ "Summary" }</h2>
                <Summary report={report.clone()} team={capabilities.teams_surface} />
            </section>
            <section class="card" aria-labelledby="jobs-heading">
                <h2 id="jobs-heading">{ format!("Jobs ({})", jobs.len()) }</h2>
                <JobsTable jobs={jobs.clone()} />
            </section>
            <section class="card" aria-labelledby="graph-heading">
                <h2 id="graph-heading">{ "Job graph" }</h2>
                <JobGraph jobs={jobs.clone()} {on_open} />
            </section>
            <section class="card" aria-labelledby="timeline-heading">
                <h2 id="timeline-heading">{ "Timeline of attempts" }</h2>
                if let Some(bars) = (*bars).clone() {
                    <Timeline {bars} />
                } else {
                    <p class="muted" role="status">{ "Loading the attempts…" }</p>
                }
            </section>
            <section class="card" aria-labelledby="options-heading">
                <h2 id="options-heading">{ "Request options" }</h2>
                <RequestOptions request={report.request.clone()} />
            </section>
        </section>
    }
}
