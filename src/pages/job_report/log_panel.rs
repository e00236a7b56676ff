//! The attempts and the log of the chosen one (the latest unless a person picks another).

use std::rc::Rc;

use kiln_api::build2::JobReport;
use yew::prelude::*;

use super::attempts::AttemptsTable;
use crate::components::log_viewer::browser::current_fragment;
use crate::components::log_viewer::text::line_from_fragment;
use crate::components::log_viewer::{LogSource, LogViewer};
use crate::session::use_session;

#[derive(Properties, PartialEq)]
pub struct LogPanelProps {
    pub job: Rc<JobReport>,
}

#[component]
pub fn LogPanel(props: &LogPanelProps) -> Html {
    let session = use_session();
    let chosen = use_state_eq(|| None::<u32>);
    // A `#L42` in the address when the page opened: show that line once the log has it.
    let target_line = use_memo((), |()| line_from_fragment(&current_fragment()));
    let latest = props.job.attempts.iter().map(|a| a.number).max();
    let selected = (*chosen).or(latest);
    let log_url = |number: u32| props.job.attempts.iter().find(|a| a.number == number).and_then(|a| a.log_url.clone());
    let service = session.service();
    let logs = service.logs_support(session.teams_available);
    let can_read_logs = logs.is_available();
    let on_select = can_read_logs.then(|| {
        let chosen = chosen.clone();
        Callback::from(move |number: u32| chosen.set(Some(number)))
    });

    // Each attempt names its own log (`logUrl`), so nothing else has to be loaded first.
    let log = match (selected, selected.and_then(log_url)) {
        _ if !can_read_logs => html! {
            <p class="notice logs-unavailable">
                { logs.reason().unwrap_or_default() }
                if let Some(link) = service.build_link(&props.job.build_rid) {
                    { " " }<a class="external-link" href={link.href} target="_blank" rel="noopener noreferrer">
                        { link.label }<span class="visually-hidden">{ " (opens in a new tab)" }</span></a>
                }
            </p>
        },
        (None, _) => {
            html! { <p class="muted">{ "No attempt has started yet; its log appears here when one does." }</p> }
        }
        (Some(_), None) => html! { <p class="muted">{ "The service gives no log for this attempt." }</p> },
        (Some(attempt), Some(url)) => {
            let source = LogSource::Url { client: session.client(), url: url.into() };
            let file_name = format!("{}-attempt-{attempt}.log", props.job.job_spec_name);
            let failed = props.job.attempts.iter().find(|a| a.number == attempt).is_some_and(|a| {
                a.finished_time.is_some()
                    && (a.exit_code.is_some_and(|c| c != 0) || a.signal.is_some() || a.error.is_some())
            });
            html! {
                <LogViewer key={attempt} {source} target_line={*target_line} file_name={AttrValue::from(file_name)} {failed} />
            }
        }
    };
    html! {
        <>
            <section class="card" aria-labelledby="attempts-heading">
                <h2 id="attempts-heading">{ format!("Attempts ({})", props.job.attempts.len()) }</h2>
                <AttemptsTable attempts={props.job.attempts.clone()} {selected} {on_select} />
            </section>
            <section class="card log-card" aria-labelledby="log-heading">
                <h2 id="log-heading">{ match selected { Some(n) => format!("Log of attempt {n}"), None => "Log".to_owned() } }</h2>
                { log }
            </section>
        </>
    }
}
