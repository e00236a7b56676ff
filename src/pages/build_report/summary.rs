//! The build's facts: team, branch and fallbacks, who, when, how long, and its jobs by state.

use std::rc::Rc;

use kiln_api::build2::{BuildJob, BuildReport, JobStatus};
use yew::prelude::*;

use crate::components::status_badge::job_look;
use crate::hooks::clock::{Ago, Took};

/// How many jobs are in each state, in the order states are listed, leaving out zeros.
pub fn status_counts(jobs: &[BuildJob]) -> Vec<(JobStatus, usize)> {
    JobStatus::ALL
        .into_iter()
        .map(|status| (status, jobs.iter().filter(|j| j.status == status).count()))
        .filter(|&(_, n)| n > 0)
        .collect()
}

#[derive(Properties, PartialEq)]
pub struct SummaryProps {
    pub report: Rc<BuildReport>,
    /// Whether builds belong to teams and have run numbers (not on Foundry's public API).
    #[prop_or(true)]
    pub team: bool,
}

#[component]
pub fn Summary(props: &SummaryProps) -> Html {
    let r = &props.report;
    let fallbacks = if r.branch_fallbacks.branches.is_empty() {
        "none".to_owned()
    } else {
        r.branch_fallbacks.branches.join(" → ")
    };
    let counts = status_counts(&r.jobs)
        .into_iter()
        .map(|(status, n)| format!("{n} {}", job_look(status).label.to_lowercase()))
        .collect::<Vec<_>>()
        .join(", ");
    html! {
        <dl class="facts summary">
            <div class="fact"><dt>{ "Branch" }</dt><dd class="mono">{ r.branch.clone() }</dd></div>
            <div class="fact"><dt>{ "Fallback branches" }</dt><dd class="mono">{ fallbacks }</dd></div>
            if props.team {
                <div class="fact"><dt>{ "Team" }</dt><dd>{ format!("{} · run #{}", r.team, r.run_id) }</dd></div>
            }
            <div class="fact"><dt>{ "Started by" }</dt><dd>{ r.created_by.clone() }</dd></div>
            <div class="fact"><dt>{ "Submitted" }</dt><dd><Ago at={Some(r.created_time)} /></dd></div>
            <div class="fact"><dt>{ "Started" }</dt><dd><Ago at={r.started_time} /></dd></div>
            <div class="fact"><dt>{ "Finished" }</dt><dd><Ago at={r.finished_time} /></dd></div>
            <div class="fact"><dt>{ "Duration" }</dt><dd><Took started={r.started_time} finished={r.finished_time} before="—" /></dd></div>
            <div class="fact"><dt>{ "Jobs" }</dt><dd>{ if counts.is_empty() { "none".to_owned() } else { counts } }</dd></div>
            // The public API has no build groups: its reports name the build itself as the group.
            if r.build_group_rid != r.rid {
                <div class="fact fact-wide"><dt>{ "Build group" }</dt><dd class="mono rid">{ r.build_group_rid.to_string() }</dd></div>
            }
        </dl>
    }
}
