//! One badge for every kind of state: build, job and team-build states look alike and
//! use the same words (the wire's CANCELED is "Stopped" everywhere, as the Stop button
//! that causes it).

use kiln_api::build2::{BuildStatus, JobStatus};
use kiln_api::teams::TeamBuildState;
use yew::prelude::*;

/// The words and the look of a state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BadgeLook {
    pub label: &'static str,
    pub class: &'static str,
}

pub fn job_look(status: JobStatus) -> BadgeLook {
    let (label, class) = match status {
        JobStatus::Waiting => ("Waiting", "badge-waiting"),
        JobStatus::Running => ("Running", "badge-running"),
        JobStatus::Succeeded => ("Succeeded", "badge-ok"),
        JobStatus::Failed => ("Failed", "badge-failed"),
        JobStatus::Canceled => ("Stopped", "badge-canceled"),
        JobStatus::DidNotRun => ("Did not run", "badge-skipped"),
    };
    BadgeLook { label, class }
}

pub fn build_look(status: BuildStatus) -> BadgeLook {
    let (label, class) = match status {
        BuildStatus::Running => ("Running", "badge-running"),
        BuildStatus::Succeeded => ("Succeeded", "badge-ok"),
        BuildStatus::Failed => ("Failed", "badge-failed"),
        BuildStatus::Canceled => ("Stopped", "badge-canceled"),
    };
    BadgeLook { label, class }
}

pub fn team_look(state: TeamBuildState) -> BadgeLook {
    let (label, class) = match state {
        TeamBuildState::Queued => ("Queued", "badge-waiting"),
        TeamBuildState::Running => ("Running", "badge-running"),
        TeamBuildState::Complete => ("Complete", "badge-ok"),
        TeamBuildState::Failed => ("Failed", "badge-failed"),
        TeamBuildState::Stopped => ("Stopped", "badge-canceled"),
    };
    BadgeLook { label, class }
}

#[derive(Properties, PartialEq)]
pub struct StatusBadgeProps {
    pub look: BadgeLook,
}

#[component]
pub fn StatusBadge(props: &StatusBadgeProps) -> Html {
    html! { <span class={classes!("badge", props.look.class)} data-state={props.look.label}>{ props.look.label }</span> }
}
