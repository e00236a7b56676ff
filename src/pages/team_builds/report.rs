//! The report of the last action: one line per build, succeeded or failed and why.

use yew::prelude::*;

use super::actions::Report;

#[derive(Properties, PartialEq)]
pub struct ReportPanelProps {
    pub report: Report,
    pub on_dismiss: Callback<()>,
}

#[component]
pub fn ReportPanel(props: &ReportPanelProps) -> Html {
    let r = &props.report;
    let failures = r.failures();
    let succeeded = r.outcomes.len() - failures;
    let summary = if r.done() {
        match (succeeded, failures) {
            (_, 0) => format!("{succeeded} succeeded."),
            (0, _) => format!("{failures} failed."),
            _ => format!("{succeeded} succeeded, {failures} failed."),
        }
    } else {
        format!("{} of {} done…", r.outcomes.len(), r.total)
    };
    let onclick = props.on_dismiss.reform(|_: MouseEvent| ());
    html! {
        <section class={classes!("card", "action-report", (failures > 0).then_some("has-failures"))} aria-labelledby="action-report-title">
            <div class="action-report-head">
                <h2 id="action-report-title">{ r.title.clone() }</h2>
                <p class="action-report-summary" role="status" aria-live="polite">{ summary }</p>
                <button type="button" class="button-quiet" {onclick} aria-label="Dismiss this report">{ "Dismiss" }</button>
            </div>
            <ul class="action-outcomes">
                { for r.outcomes.iter().map(|o| html! {
                    <li class={if o.ok { "outcome outcome-ok" } else { "outcome outcome-failed" }} data-run-id={o.run_id.to_string()}>
                        <span class="outcome-word">{ if o.ok { "Succeeded" } else { "Failed" } }</span>
                        <span class="outcome-run">{ format!("#{}", o.run_id) }</span>
                        <span class="outcome-message">{ o.message.clone() }</span>
                    </li>
                }) }
            </ul>
        </section>
    }
}
