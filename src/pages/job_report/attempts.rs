//! Attempts in words: how each one ended (exit code, or the signal by name), and the
//! table that lists them.

use kiln_api::build2::{Attempt, JobStatus};
use yew::prelude::*;

use crate::components::status_badge::{BadgeLook, StatusBadge, job_look};
use crate::time_fmt;

/// The conventional name of a POSIX signal number (Linux numbering), such as `SIGTERM`.
pub fn signal_name(number: i32) -> Option<&'static str> {
    const NAMES: [&str; 31] = [
        "SIGHUP",
        "SIGINT",
        "SIGQUIT",
        "SIGILL",
        "SIGTRAP",
        "SIGABRT",
        "SIGBUS",
        "SIGFPE",
        "SIGKILL",
        "SIGUSR1",
        "SIGSEGV",
        "SIGUSR2",
        "SIGPIPE",
        "SIGALRM",
        "SIGTERM",
        "SIGSTKFLT",
        "SIGCHLD",
        "SIGCONT",
        "SIGSTOP",
        "SIGTSTP",
        "SIGTTIN",
        "SIGTTOU",
        "SIGURG",
        "SIGXCPU",
        "SIGXFSZ",
        "SIGVTALRM",
        "SIGPROF",
        "SIGWINCH",
        "SIGIO",
        "SIGPWR",
        "SIGSYS",
    ];
    usize::try_from(number).ok().and_then(|n| n.checked_sub(1)).and_then(|i| NAMES.get(i).copied())
}

/// How an attempt ended, in a few words: "exit code 1", "killed by SIGTERM (15)".
pub fn ending(attempt: &Attempt) -> String {
    match (attempt.finished_time, attempt.signal, attempt.exit_code) {
        (_, Some(signal), _) => match signal_name(signal) {
            Some(name) => format!("killed by {name} ({signal})"),
            None => format!("killed by signal {signal}"),
        },
        (_, None, Some(code)) => format!("exit code {code}"),
        (None, None, None) if attempt.started_time.is_some() => "running".to_owned(),
        (None, None, None) => "not started".to_owned(),
        (Some(_), None, None) => "ended without an exit code".to_owned(),
    }
}

/// The badge of one attempt: running, succeeded, killed or failed.
pub fn attempt_look(attempt: &Attempt) -> BadgeLook {
    if attempt.finished_time.is_none() && attempt.exit_code.is_none() && attempt.signal.is_none() {
        return job_look(JobStatus::Running);
    }
    if attempt.signal.is_some() {
        return BadgeLook { label: "Killed", class: "badge-canceled" };
    }
    if attempt.exit_code == Some(0) && attempt.error.is_none() {
        return job_look(JobStatus::Succeeded);
    }
    job_look(JobStatus::Failed)
}

#[derive(Properties, PartialEq)]
pub struct AttemptsTableProps {
    pub attempts: Vec<Attempt>,
    pub now: i64,
    /// The attempt whose log is shown.
    pub selected: Option<u32>,
    /// Chooses the attempt whose log to show; `None` when logs cannot be read.
    #[prop_or_default]
    pub on_select: Option<Callback<u32>>,
}

#[component]
pub fn AttemptsTable(props: &AttemptsTableProps) -> Html {
    if props.attempts.is_empty() {
        return html! { <p class="muted">{ "No attempt has started yet." }</p> };
    }
    let rows = props.attempts.iter().map(|attempt| {
        let number = attempt.number;
        let chosen = props.selected == Some(number);
        let log_button = props.on_select.as_ref().map(|on_select| {
            let on_select = on_select.clone();
            let onclick = Callback::from(move |_: MouseEvent| on_select.emit(number));
            html! {
                <button type="button" class="button-quiet" {onclick} aria-pressed={chosen.to_string()}>
                    { if chosen { "Showing log" } else { "Show log" } }
                </button>
            }
        });
        html! {
            <tr key={number} class={classes!(chosen.then_some("selected"))} data-attempt={number.to_string()}>
                <td class="attempt-number"><span class="visually-hidden">{ "Attempt " }</span>{ number }</td>
                <td><StatusBadge look={attempt_look(attempt)} /></td>
                <td class="attempt-ending stack-wide">{ ending(attempt) }</td>
                <td data-label="Started">{ time_cell(attempt.started_time.as_ref(), props.now) }</td>
                <td data-label="Took">{ time_fmt::elapsed(attempt.started_time.as_ref(), attempt.finished_time.as_ref(), props.now).unwrap_or_default() }</td>
                <td class="attempt-error stack-wide">{ attempt.error.clone().unwrap_or_default() }</td>
                // "local", or "ray: <submission id> on <node>": the only place the executor shows.
                <td data-label="Ran on" class="attempt-placement">{ attempt.placement.as_ref().map(ToString::to_string).unwrap_or_default() }</td>
                <td data-label="Retryable">{ if attempt.error.is_some() || attempt.exit_code.is_some_and(|c| c != 0) {
                    if attempt.retryable { "Yes" } else { "No" } } else { "" } }</td>
                <td class="attempt-log">{ for log_button }</td>
            </tr>
        }
    });
    html! {
        <div class="table-scroll">
            <table class="attempts stack">
                <thead><tr>
                    <th scope="col">{ "#" }</th><th scope="col">{ "Result" }</th><th scope="col">{ "Ended with" }</th>
                    <th scope="col">{ "Started" }</th><th scope="col">{ "Took" }</th><th scope="col">{ "Error" }</th>
                    <th scope="col">{ "Ran on" }</th><th scope="col">{ "Retryable" }</th><th scope="col"><span class="visually-hidden">{ "Log" }</span></th>
                </tr></thead>
                <tbody>{ for rows }</tbody>
            </table>
        </div>
    }
}

/// A time as "3 min ago", exact on hover.
pub fn time_cell(at: Option<&kiln_api::Timestamp>, now: i64) -> Html {
    match at {
        Some(at) => {
            html! { <time datetime={at.to_string()} title={at.to_string()}>{ time_fmt::relative(at, now) }</time> }
        }
        None => html! { <span class="muted">{ "—" }</span> },
    }
}
