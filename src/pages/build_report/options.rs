//! The request's options in words a person reads, not the wire's camelCase.

use std::collections::HashMap;

use kiln_api::Rid;
use kiln_api::build2::{
    ExceededDurationMode, FailureStrategy, JobSpecSelection, OutputQueueStrategy, SubmitBuildRequest,
};
use yew::prelude::*;

use crate::components::dataset_name::dataset_label;
use crate::hooks::catalog::use_names_when;
use crate::hooks::in_view::use_seen;

/// One option as a label and a value, both plain text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionRow {
    pub label: String,
    pub value: String,
}

fn row(label: impl Into<String>, value: impl Into<String>) -> OptionRow {
    OptionRow { label: label.into(), value: value.into() }
}

fn yes_no(value: bool) -> &'static str {
    if value { "Yes" } else { "No" }
}

fn list(rids: &[Rid], names: &HashMap<Rid, String>) -> String {
    if rids.is_empty() {
        return "none".to_owned();
    }
    rids.iter().map(|r| dataset_label(r, names)).collect::<Vec<_>>().join(", ")
}

/// What one selection asks for, such as "Datasets (required): clean/orders, raw/products".
/// `names` gives datasets and job specs their names; RIDs it lacks are shown as they are.
pub fn describe_selection(selection: &JobSpecSelection, names: &HashMap<Rid, String>) -> String {
    let list = |rids: &[Rid]| list(rids, names);
    let required = |r: Option<bool>| if r.unwrap_or(true) { "required" } else { "optional" };
    match selection {
        JobSpecSelection::Datasets(s) => format!("Datasets ({}): {}", required(s.is_required), list(&s.dataset_rids)),
        JobSpecSelection::JobSpecs(s) => format!("Job specs ({}): {}", required(s.is_required), list(&s.job_spec_rids)),
        JobSpecSelection::Upstream(s) if s.dataset_rids_to_ignore.is_empty() => {
            format!("Upstream of: {}", list(&s.dataset_rids))
        }
        JobSpecSelection::Upstream(s) => {
            format!("Upstream of: {}; ignoring {}", list(&s.dataset_rids), list(&s.dataset_rids_to_ignore))
        }
        JobSpecSelection::Connecting(s) => {
            let mut text =
                format!("Connecting {} to {}", list(&s.upstream_dataset_rids), list(&s.downstream_dataset_rids));
            if !s.dataset_rids_to_ignore.is_empty() {
                text.push_str(&format!("; ignoring {}", list(&s.dataset_rids_to_ignore)));
            }
            text
        }
    }
}

/// Every option the request set, in the order the submit form asks them. Branch and
/// fallbacks are left out: the report's summary shows them. Options left unset are
/// not listed; the service used its defaults for them.
pub fn option_rows(request: &SubmitBuildRequest, names: &HashMap<Rid, String>) -> Vec<OptionRow> {
    let mut rows: Vec<OptionRow> = request
        .job_spec_selections
        .iter()
        .enumerate()
        .map(|(i, selection)| row(format!("Selection {}", i + 1), describe_selection(selection, names)))
        .collect();
    if let Some(v) = request.force_build {
        rows.push(row("Force build", yes_no(v)));
    }
    if let Some(v) = request.ignore_build_policy {
        rows.push(row("Ignore build policy", yes_no(v)));
    }
    if let Some(v) = request.finish_on_failures {
        rows.push(row("Finish on failures", yes_no(v)));
    }
    if let Some(v) = request.num_run_job_attempts {
        rows.push(row("Attempts per job", v.to_string()));
    }
    if let Some(v) = request.force_retry {
        rows.push(row("Retry every error", yes_no(v)));
    }
    if let Some(v) = request.retry_backoff_duration {
        rows.push(row("Wait between attempts", format!("{v} s")));
    }
    if let Some(v) = request.exceeded_duration_mode {
        let words = match v {
            ExceededDurationMode::Cancel => "Cancel the job",
            ExceededDurationMode::Retry => "Retry the job",
        };
        rows.push(row("When a job runs too long", words));
    }
    if let Some(v) = request.output_queue_strategy {
        let words = match v {
            OutputQueueStrategy::QueueUp => "Queue up behind running jobs",
            OutputQueueStrategy::Supersede => "Supersede running jobs",
        };
        rows.push(row("Outputs already being built", words));
    }
    for strategy in request.input_failure_strategies.iter().flatten() {
        let words = match strategy.failure_strategy {
            FailureStrategy::Continue => "continue on its last good transaction",
            FailureStrategy::Fail => "fail the consumer",
        };
        rows.push(row("If an input fails", format!("{}: {words}", dataset_label(&strategy.input_dataset_rid, names))));
    }
    if let Some(v) = request.suppress_notifications {
        rows.push(row("Suppress notifications", yes_no(v)));
    }
    if let Some(v) = &request.submission_id {
        rows.push(row("Submission id", v.clone()));
    }
    if let Some(v) = &request.build_group_rid {
        rows.push(row("Joined build group", v.to_string()));
    }
    rows
}

/// A build parameter's value as text: strings bare, everything else as compact JSON.
pub fn parameter_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[derive(Properties, PartialEq)]
pub struct RequestOptionsProps {
    pub request: SubmitBuildRequest,
}

#[component]
pub fn RequestOptions(props: &RequestOptionsProps) -> Html {
    // The datasets' names come from the catalog, asked for once these options are near
    // the viewport: on a large build they sit under a long jobs table, and until then the
    // report needs no more than the build and its attempts.
    let node = use_node_ref();
    let seen = use_seen(node.clone());
    let names = use_names_when(seen);
    let rows = option_rows(&props.request, &names);
    let parameters = props.request.build_parameters.as_ref().filter(|p| !p.is_empty());
    html! {
        <div ref={node}>
            <dl class="facts options">
                { for rows.into_iter().map(|r| html! {
                    <div class="fact"><dt>{ r.label }</dt><dd>{ r.value }</dd></div>
                }) }
            </dl>
            if let Some(parameters) = parameters {
                <h3>{ "Build parameters" }</h3>
                <div class="table-scroll">
                    <table class="parameters">
                        <thead><tr><th scope="col">{ "Name" }</th><th scope="col">{ "Value" }</th></tr></thead>
                        <tbody>
                            { for parameters.iter().map(|(name, value)| html! {
                                <tr key={name.clone()}><td class="mono">{ name.clone() }</td><td class="mono">{ parameter_text(value) }</td></tr>
                            }) }
                        </tbody>
                    </table>
                </div>
            } else {
                <p class="muted">{ "No build parameters." }</p>
            }
        </div>
    }
}
