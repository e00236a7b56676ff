//! The job report (`/jobs/:rid`): status and reason, why it was stale, its inputs and
//! outputs, every attempt, and the log of the chosen attempt, tailed live while it runs.
//! Everything but the log needs only the build2 surface.

pub mod attempts;
pub mod io;
mod log_panel;

use std::rc::Rc;

use kiln_api::Rid;
use kiln_api::build2::{BuildReport, JobReport, JobStatus};
use kiln_api::teams::Event;
use yew::prelude::*;
use yew_router::prelude::*;

use self::io::{Inputs, Outputs};
use self::log_panel::LogPanel;
use crate::components::status_badge::{StatusBadge, job_look};
use crate::hooks::catalog::use_names;
use crate::hooks::live::{Freshness, Live, Loaded, Reaction, use_live};
use crate::hooks::token::use_token_prompt;
use crate::route::Route;
use crate::session::use_session;
use crate::time_fmt;

#[derive(Properties, PartialEq)]
pub struct JobReportPageProps {
    pub rid: String,
}

#[component]
pub fn JobReportPage(props: &JobReportPageProps) -> Html {
    match Rid::parse(&props.rid) {
        Ok(rid) => html! { <JobReportView {rid} /> },
        Err(error) => html! {
            <section class="page report">
                <h1>{ "Job report" }</h1>
                <p class="notice" role="alert">{ format!("“{}” is not a RID: {error}.", props.rid) }</p>
            </section>
        },
    }
}

#[derive(Properties, PartialEq)]
struct JobReportViewProps {
    rid: Rid,
}

/// What the report's `reason` explains, which depends on how the job ended.
fn reason_label(status: JobStatus) -> &'static str {
    match status {
        JobStatus::DidNotRun => "Why it did not run",
        JobStatus::Canceled => "Why it was stopped",
        JobStatus::Failed => "Why it failed",
        _ => "Reason",
    }
}

/// For a failed job, how its last attempt ended, at the top where a person looks first.
fn failure_callout(job: &JobReport) -> Html {
    if job.status != JobStatus::Failed {
        return Html::default();
    }
    let Some(last) = job.attempts.iter().max_by_key(|a| a.number) else { return Html::default() };
    html! {
        <div class="failure" role="note">
            <strong>{ format!("Attempt {} failed with {}", last.number, attempts::ending(last)) }</strong>
            if let Some(error) = &last.error {
                <pre class="failure-error">{ error.clone() }</pre>
            }
        </div>
    }
}

fn job_still_changing(report: &JobReport) -> bool {
    !report.status.is_terminal()
}

/// A `job` event of this job: its status shows at once; its attempts (exit codes, errors,
/// log URLs), which the event does not carry, come with the report fetched right after.
pub fn react_to_job_event(report: &JobReport, event: &Event) -> Reaction<JobReport> {
    match event {
        Event::Job(job) if job.rid == report.rid => {
            let mut next = report.clone();
            next.status = job.status;
            if job.reason.is_some() {
                next.reason = job.reason.clone();
            }
            Reaction::PatchAndRefetch(next)
        }
        _ => Reaction::Ignore,
    }
}

/// The build is read once, for its number and branch; nothing on this page follows it.
fn never_changes(_: &BuildReport) -> bool {
    false
}

fn ignore_events(_: &BuildReport, _: &Event) -> Reaction<BuildReport> {
    Reaction::Ignore
}

#[component]
fn JobReportView(props: &JobReportViewProps) -> Html {
    let session = use_session();
    let service = session.service();
    let polling = service.capabilities().polling;
    let live: Live<JobReport> = use_live(
        (service.clone(), props.rid.clone()),
        |(service, rid)| async move { service.job_report(&rid).await },
        job_still_changing,
        react_to_job_event,
        polling,
    );
    use_token_prompt(&live.loaded);
    // The build tells its run number and the branch the outputs are written on; the log
    // does not wait for it (each attempt carries its `logUrl`).
    let build_rid = match &live.loaded {
        Loaded::Ready(job) => Some(job.build_rid.clone()),
        _ => None,
    };
    let build: Live<BuildReport> = use_live(
        (service, build_rid),
        |(service, rid)| async move {
            match rid {
                Some(rid) => service.build_report(&rid).await,
                None => Ok(None),
            }
        },
        never_changes,
        ignore_events,
        polling,
    );
    match &live.loaded {
        Loaded::Loading => html! {
            <section class="page report"><p class="muted" role="status">{ "Loading the job report…" }</p></section>
        },
        Loaded::Missing => html! {
            <section class="page report">
                <h1>{ "Job not found" }</h1>
                <p>{ "The service does not know the job " }<code>{ props.rid.to_string() }</code>{ "." }</p>
            </section>
        },
        Loaded::Failed(error) => html! {
            <section class="page report">
                <h1>{ "Job report" }</h1>
                <p class="notice" role="alert">{ format!("The job report could not be loaded: {error}") }</p>
                <p class="muted">{ "Trying again every few seconds." }</p>
            </section>
        },
        Loaded::Ready(job) => {
            let build = match &build.loaded {
                Loaded::Ready(build) => Some(build.clone()),
                _ => None,
            };
            html! { <JobBody job={job.clone()} {build} freshness={live.freshness} /> }
        }
    }
}

#[derive(Properties, PartialEq)]
struct JobBodyProps {
    job: Rc<JobReport>,
    build: Option<Rc<BuildReport>>,
    freshness: Freshness,
}

#[component]
fn JobBody(props: &JobBodyProps) -> Html {
    let job = &props.job;
    let names = use_names();
    let session = use_session();
    let service = session.service();
    let job_specs = service.capabilities().job_spec_selections.is_available();
    let (teams_surface, teams_available) = (service.capabilities().teams_surface, session.teams_available);
    let live = props.freshness != Freshness::Final;
    let build_label = match &props.build {
        Some(build) => service.build_title(build),
        None => "Build".to_owned(),
    };
    let build_link = html! {
        <Link<Route> to={Route::BuildReport { rid: job.build_rid.to_string() }}>{ build_label.clone() }</Link<Route>>
    };
    html! {
        <section class="page report job-report" data-status={job.status.to_string()}>
            <nav class="crumbs" aria-label="Breadcrumb">
                <Link<Route> to={Route::Home}>{ "Builds" }</Link<Route>>
                // The team, as on the build report (builds belong to teams only on Kiln's surface).
                if let Some(team) = props.build.as_ref().filter(|_| teams_surface).map(|b| b.team.to_string()) {
                    <span aria-hidden="true">{ " › " }</span>
                    if teams_available {
                        <Link<Route> to={Route::TeamBuilds { team: team.clone() }}>{ team }</Link<Route>>
                    } else {
                        <span>{ team }</span>
                    }
                }
                <span aria-hidden="true">{ " › " }</span>
                { build_link.clone() }
                <span aria-hidden="true">{ " › " }</span>
                <span aria-current="page">{ job.job_spec_name.clone() }</span>
            </nav>
            <header class="report-head">
                <div class="report-title">
                    <h1 class="job-title">{ job.job_spec_name.clone() }</h1>
                    <StatusBadge look={job_look(job.status)} />
                    <span class={classes!("live-note", live.then_some("is-live"))} data-freshness={props.freshness.as_str()}>
                        { if live { "Live" } else { "Final" } }
                    </span>
                </div>
                <p class="rid mono">{ job.rid.to_string() }</p>
            </header>
            { failure_callout(job) }
            <section class="card" aria-labelledby="job-facts-heading">
                <h2 id="job-facts-heading" class="visually-hidden">{ "Summary" }</h2>
                <dl class="facts">
                    if let Some(reason) = &job.reason {
                        <div class="fact fact-wide"><dt>{ reason_label(job.status) }</dt><dd class="job-reason">{ reason.clone() }</dd></div>
                    }
                    if let Some(stale) = &job.stale_reason {
                        <div class="fact fact-wide"><dt>{ "Why it was stale" }</dt><dd class="stale-reason">{ stale.clone() }</dd></div>
                    }
                    <div class="fact"><dt>{ "Build" }</dt><dd>{ build_link }</dd></div>
                    <div class="fact"><dt>{ "Timeout" }</dt>
                        <dd>{ job.timeout_seconds.map_or_else(|| "none".to_owned(), |s| time_fmt::duration(s as i64 * 1000)) }</dd></div>
                    if let Some(behind) = &job.queued_behind {
                        <div class="fact fact-wide"><dt>{ "Queued behind" }</dt><dd>
                            <Link<Route> to={Route::JobReport { rid: behind.to_string() }} classes="mono rid queued-behind">{ behind.to_string() }</Link<Route>>
                        </dd></div>
                    }
                    if job_specs {
                        <div class="fact fact-wide"><dt>{ "Job spec" }</dt><dd class="mono rid">{ job.job_spec_rid.to_string() }</dd></div>
                    }
                </dl>
            </section>
            <LogPanel job={job.clone()} />
            <div class="report-pair">
                <section class="card" aria-labelledby="inputs-heading">
                    <h2 id="inputs-heading">{ "Inputs" }</h2>
                    <Inputs inputs={job.inputs.clone()} names={names.clone()} />
                </section>
                <section class="card" aria-labelledby="outputs-heading">
                    <h2 id="outputs-heading">{ "Outputs" }</h2>
                    <Outputs outputs={job.outputs.clone()} {names} branch={props.build.as_ref().map(|b| b.branch.clone())} />
                </section>
            </div>
        </section>
    }
}
