//! A job spec: its definition (command, folder, inputs, outputs, build policy, variant,
//! timeout), its last runs with status and duration, and their duration trend.

use std::collections::HashMap;
use std::rc::Rc;

use kiln_api::Rid;
use kiln_api::build2::{BuildPolicy, JobStatus, JobVariant};
use kiln_api::pipeline::{JobRun, JobSpecDetail};
use kiln_api::teams::Lineage;
use yew::prelude::*;
use yew_router::prelude::*;

use crate::api;
use crate::components::duration_trend::{DurationTrend, TrendPoint};
use crate::components::status_badge::job_look;
use crate::route::Route;
use crate::session::use_session;
use crate::time_fmt;

/// How many runs the page asks for.
const RUNS: u32 = 30;

#[derive(Debug, Clone, PartialEq)]
enum Load {
    Loading,
    Ready(Rc<JobSpecDetail>),
    Failed(String),
}

#[derive(Properties, PartialEq)]
pub struct JobSpecPageProps {
    pub rid: String,
}

fn run_millis(run: &JobRun) -> Option<i64> {
    Some(run.finished_time.as_ref()?.unix_millis() - run.started_time.as_ref()?.unix_millis())
}

/// The finished runs, oldest first, as points of the trend.
pub fn trend_points(runs: &[JobRun]) -> Vec<TrendPoint> {
    runs.iter()
        .rev()
        .filter_map(|r| {
            let millis = run_millis(r)?;
            Some(TrendPoint { run_id: r.run_id, millis, failed: r.status == JobStatus::Failed })
        })
        .collect()
}

fn policy_text(policy: BuildPolicy) -> &'static str {
    match policy {
        BuildPolicy::AnyInputUpdated => "any-input-updated: runs when any input changed",
        BuildPolicy::AllInputsUpdated => "all-inputs-updated: waits until every input changed",
    }
}

fn variant_text(variant: JobVariant) -> &'static str {
    match variant {
        JobVariant::Batch => "batch",
        JobVariant::LongRunning => "long-running",
    }
}

#[component]
pub fn JobSpecPage(props: &JobSpecPageProps) -> Html {
    let session = use_session();
    let load = use_state(|| Load::Loading);
    let names = use_state(HashMap::<Rid, String>::new);
    {
        let (load, names) = (load.clone(), names.clone());
        use_effect_with((session.client(), props.rid.clone()), move |(client, rid)| {
            let (client, rid) = (client.clone(), rid.clone());
            load.set(Load::Loading);
            wasm_bindgen_futures::spawn_local(async move {
                let parsed = match Rid::parse(&rid) {
                    Ok(r) => r,
                    Err(e) => return load.set(Load::Failed(format!("{rid} is not a job spec RID: {e}"))),
                };
                load.set(match api::pipeline::job_spec(&client, &parsed, RUNS).await {
                    Ok(d) => Load::Ready(Rc::new(d)),
                    Err(e) => Load::Failed(e.to_string()),
                });
                // Names for the inputs and outputs; RIDs stand in when the lineage is not readable.
                if let Ok(Lineage { datasets, .. }) = api::catalog::lineage(&client).await {
                    names.set(datasets.into_iter().map(|d| (d.rid, d.name)).collect());
                }
            });
        });
    }
    let detail = match &*load {
        Load::Loading => {
            return html! { <section class="page"><p class="muted" role="status">{ "Loading the job spec…" }</p></section> };
        }
        Load::Failed(why) => {
            return html! {
                <section class="page">
                    <h1>{ "Job spec" }</h1>
                    <p class="notice notice-error" role="alert">{ format!("The job spec could not be loaded: {why}") }</p>
                </section>
            };
        }
        Load::Ready(d) => d.clone(),
    };
    let dataset_list = |rids: &[Rid]| -> Html {
        if rids.is_empty() {
            return html! { <span class="muted">{ "none" }</span> };
        }
        html! {
            <ul class="plain-list">
                { for rids.iter().map(|r| html! {
                    <li>
                        <span class="ds-name">{ names.get(r).cloned().unwrap_or_else(|| r.to_string()) }</span>
                        <span class="ds-rid">{ r.to_string() }</span>
                    </li>
                }) }
            </ul>
        }
    };
    let spec = &detail.spec;
    let now = time_fmt::now_millis();
    let points = trend_points(&detail.runs);
    let failed = detail.runs.iter().filter(|r| r.status == JobStatus::Failed).count();
    html! {
        <section class="page report job-spec-page">
            <nav class="crumbs" aria-label="Breadcrumb">
                <Link<Route> to={Route::Lineage}>{ "Lineage" }</Link<Route>>{ " / job spec" }
            </nav>
            <div class="report-head">
                <div class="report-title"><h1>{ &spec.name }</h1></div>
                <p class="rid mono">{ spec.rid.to_string() }</p>
            </div>
            <div class="report-pair">
                <section class="card" aria-labelledby="definition-heading">
                    <h2 id="definition-heading">{ "Definition" }</h2>
                    <dl class="facts">
                        <div class="fact fact-wide"><dt>{ "Command" }</dt><dd><pre class="code command">{ &detail.command }</pre></dd></div>
                        <div class="fact fact-wide"><dt>{ "Folder" }</dt><dd class="mono">{ &detail.folder }</dd></div>
                        <div class="fact"><dt>{ "Inputs" }</dt><dd>{ dataset_list(&spec.inputs) }</dd></div>
                        <div class="fact"><dt>{ "Outputs" }</dt><dd>{ dataset_list(&spec.outputs) }</dd></div>
                        <div class="fact"><dt>{ "Build policy" }</dt><dd>{ policy_text(spec.build_policy) }</dd></div>
                        <div class="fact"><dt>{ "Variant" }</dt><dd>{ variant_text(spec.variant) }</dd></div>
                        <div class="fact"><dt>{ "Timeout" }</dt><dd>{ spec.timeout_seconds.map_or("none".to_owned(), |s| time_fmt::duration(s as i64 * 1000)) }</dd></div>
                    </dl>
                </section>
                <section class="card" aria-labelledby="trend-heading">
                    <h2 id="trend-heading">{ "Duration trend" }</h2>
                    <p class="help">{ format!("{} finished of the last {} runs; {failed} failed.", points.len(), detail.runs.len()) }</p>
                    <DurationTrend {points} />
                </section>
            </div>
            <section class="card" aria-labelledby="runs-heading">
                <h2 id="runs-heading">{ format!("Last runs ({})", detail.runs.len()) }</h2>
                if detail.runs.is_empty() {
                    <p class="muted">{ "No job of this spec has run yet." }</p>
                } else {
                    <div class="table-scroll">
                        <table class="jobs stack runs-table">
                            <thead><tr><th>{ "Run" }</th><th>{ "Status" }</th><th>{ "Branch" }</th><th>{ "Started" }</th><th class="num">{ "Duration" }</th><th class="num">{ "Attempts" }</th><th>{ "Error" }</th></tr></thead>
                            <tbody>
                                { for detail.runs.iter().map(|r| {
                                    let look = job_look(r.status);
                                    html! {
                                        <tr key={r.job_rid.to_string()}>
                                            <td data-label="Run"><Link<Route> to={Route::JobReport { rid: r.job_rid.to_string() }} classes="run-link">{ format!("#{}", r.run_id) }</Link<Route>></td>
                                            <td><span class={classes!("badge", look.class)}>{ look.label }</span></td>
                                            <td data-label="Branch">{ &r.branch }</td>
                                            <td data-label="Started">{ r.started_time.as_ref().map(|t| time_fmt::relative(t, now)).unwrap_or_default() }</td>
                                            <td class="num" data-label="Duration">{ time_fmt::elapsed(r.started_time.as_ref(), r.finished_time.as_ref(), now).unwrap_or_default() }</td>
                                            <td class="num" data-label="Attempts">{ r.attempt_count }</td>
                                            <td class="job-why stack-wide">{ r.error.clone().unwrap_or_default() }</td>
                                        </tr>
                                    }
                                }) }
                            </tbody>
                        </table>
                    </div>
                }
            </section>
        </section>
    }
}
