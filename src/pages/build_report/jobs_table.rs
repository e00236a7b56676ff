//! The build's jobs (its steps) as a table: status, why, attempts and times.

use std::rc::Rc;

use kiln_api::build2::BuildJob;
use yew::prelude::*;
use yew_router::prelude::*;

use crate::components::status_badge::{StatusBadge, job_look};
use crate::pages::job_report::attempts::time_cell;
use crate::route::Route;
use crate::time_fmt;

#[derive(Properties, PartialEq)]
pub struct JobsTableProps {
    pub jobs: Rc<Vec<BuildJob>>,
    pub now: i64,
}

#[component]
pub fn JobsTable(props: &JobsTableProps) -> Html {
    if props.jobs.is_empty() {
        return html! { <p class="muted">{ "This build has no jobs." }</p> };
    }
    let rows = props.jobs.iter().map(|job| {
        // The error says why a job failed; the reason why it ran, or why it did not.
        let why = match (&job.error, &job.reason) {
            (Some(error), _) => html! { <span class="job-error">{ error.clone() }</span> },
            (None, Some(reason)) => html! { <span class="muted">{ reason.clone() }</span> },
            (None, None) => Html::default(),
        };
        html! {
            <tr key={job.rid.to_string()} data-job={job.rid.to_string()}>
                <td class="job-name">
                    <Link<Route> to={Route::JobReport { rid: job.rid.to_string() }}>{ job.job_spec_name.clone() }</Link<Route>>
                </td>
                <td><StatusBadge look={job_look(job.status)} /></td>
                <td class="job-why stack-wide">{ why }</td>
                <td class="num" data-label="Attempts">{ job.attempt_count }</td>
                <td data-label="Started">{ time_cell(job.started_time.as_ref(), props.now) }</td>
                <td data-label="Took">{ time_fmt::elapsed(job.started_time.as_ref(), job.finished_time.as_ref(), props.now).unwrap_or_default() }</td>
            </tr>
        }
    });
    html! {
        <div class="table-scroll">
            <table class="jobs stack">
                <thead><tr>
                    <th scope="col">{ "Job" }</th><th scope="col">{ "Status" }</th><th scope="col">{ "Error or reason" }</th>
                    <th scope="col">{ "Attempts" }</th><th scope="col">{ "Started" }</th><th scope="col">{ "Took" }</th>
                </tr></thead>
                <tbody>{ for rows }</tbody>
            </table>
        </div>
    }
}
