//! The build's jobs (its steps) as a table: status, why, attempts and times.
//!
//! A large build's table is windowed: only the rows in view (and a margin) are mounted,
//! between two spacer rows as tall as the rows they stand for, so a build of a thousand
//! jobs costs the DOM of a few dozen. The table scrolls with the page, so the window
//! follows where the table is on screen.

use std::rc::Rc;

use kiln_api::build2::BuildJob;
use yew::prelude::*;
use yew_router::prelude::*;

use crate::components::status_badge::{StatusBadge, job_look};
use crate::components::windowed_list::{use_narrow, use_page_window};
use crate::hooks::clock::{Ago, Took};
use crate::route::Route;
use crate::session::use_session;

/// From this many jobs on, only the rows in view are mounted.
pub const WINDOW_FROM: usize = 100;
/// A windowed row's height in CSS pixels (`reports.css` keeps windowed rows to it).
pub const ROW_HEIGHT: u32 = 41;
/// On a narrow screen a windowed row takes two lines.
pub const NARROW_ROW_HEIGHT: u32 = 62;
/// Rows mounted beyond each edge of the viewport.
const OVERSCAN: usize = 10;

#[derive(Properties, PartialEq)]
pub struct JobsTableProps {
    pub jobs: Rc<Vec<BuildJob>>,
}

/// `attempts` is why the service cannot count attempts, if it cannot: the cell then says
/// nothing rather than a wrong 0.
fn job_row(job: &BuildJob, attempts: Option<&'static str>) -> Html {
    // The error says why a job failed; the reason why it ran, or why it did not.
    let why = match (&job.error, &job.reason) {
        (Some(error), _) => html! { <span class="job-error" title={error.clone()}>{ error.clone() }</span> },
        (None, Some(reason)) => html! { <span class="muted" title={reason.clone()}>{ reason.clone() }</span> },
        (None, None) => Html::default(),
    };
    html! {
        <tr key={job.rid.to_string()} data-job={job.rid.to_string()}>
            // The title gives the whole name where a windowed row cuts it short.
            <td class="job-name" title={job.job_spec_name.clone()}>
                <Link<Route> to={Route::JobReport { rid: job.rid.to_string() }}>{ job.job_spec_name.clone() }</Link<Route>>
            </td>
            <td class="job-status"><StatusBadge look={job_look(job.status)} /></td>
            <td class="job-why stack-wide">{ why }</td>
            if let Some(reason) = attempts {
                <td class="num muted" data-label="Attempts" title={reason}>{ "—" }<span class="visually-hidden">{ format!(" ({reason})") }</span></td>
            } else {
                <td class="num" data-label="Attempts">{ job.attempt_count }</td>
            }
            <td data-label="Started"><Ago at={job.started_time} /></td>
            <td data-label="Took"><Took started={job.started_time} finished={job.finished_time} /></td>
        </tr>
    }
}

#[component]
pub fn JobsTable(props: &JobsTableProps) -> Html {
    let body = use_node_ref();
    let narrow = use_narrow();
    let attempts = use_session().service().capabilities().attempts.reason();
    let row_height = if narrow { NARROW_ROW_HEIGHT } else { ROW_HEIGHT };
    let count = props.jobs.len();
    let windowed = count >= WINDOW_FROM;
    let range = use_page_window(body.clone(), count, row_height, OVERSCAN);
    if props.jobs.is_empty() {
        return html! { <p class="muted">{ "This build has no jobs." }</p> };
    }
    let rows = if windowed {
        let (start, end) = (range.start, range.end);
        let above = start * row_height as usize;
        let below = (count - end) * row_height as usize;
        html! {
            <>
                <tr class="windowed-gap" aria-hidden="true" style={format!("height: {above}px")}></tr>
                { for props.jobs[start..end].iter().map(|j| job_row(j, attempts)) }
                <tr class="windowed-gap" aria-hidden="true" style={format!("height: {below}px")}></tr>
            </>
        }
    } else {
        html! { { for props.jobs.iter().map(|j| job_row(j, attempts)) } }
    };
    html! {
        <div class="table-scroll">
            <table class={classes!("jobs", "stack", windowed.then_some("jobs-windowed"))}
                style={windowed.then(|| format!("--row-height: {row_height}px"))}
                aria-rowcount={windowed.then(|| (count + 1).to_string())} data-count={count.to_string()}>
                <thead><tr>
                    <th scope="col">{ "Job" }</th><th scope="col">{ "Status" }</th><th scope="col">{ "Error or reason" }</th>
                    <th scope="col">{ "Attempts" }</th><th scope="col">{ "Started" }</th><th scope="col">{ "Took" }</th>
                </tr></thead>
                <tbody ref={body}>{ rows }</tbody>
            </table>
        </div>
    }
}
