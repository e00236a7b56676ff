//! The table of a job's attempts.

use kiln_api::build2::Attempt;
use yew::prelude::*;

pub use crate::components::attempt_words::{attempt_look, ending, signal_name};
use crate::components::status_badge::StatusBadge;
use crate::hooks::clock::{Ago, Took};

#[derive(Properties, PartialEq)]
pub struct AttemptsTableProps {
    pub attempts: Vec<Attempt>,
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
                <td data-label="Started"><Ago at={attempt.started_time} /></td>
                <td data-label="Took"><Took started={attempt.started_time} finished={attempt.finished_time} /></td>
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
