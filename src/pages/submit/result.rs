//! What the last submission of this tab gave back, shown above the form when the person
//! comes back to it (Back from the build's report). A submission goes straight to the
//! build's report, which does not say how the service resolved it: whether the
//! submission was new, and which jobs it created or found running in other builds. This
//! panel keeps that reachable, folded, with a link to the report.

use std::collections::BTreeMap;
use std::rc::Rc;

use kiln_api::Rid;
use kiln_api::build2::SubmitBuildResponse;
use yew::prelude::*;
use yew_router::prelude::*;

use super::catalog_index::CatalogIndex;
use crate::route::Route;

#[derive(Properties, PartialEq)]
pub struct ResultProps {
    pub response: Rc<SubmitBuildResponse>,
    pub catalog: Option<Rc<CatalogIndex>>,
    pub on_dismiss: Callback<()>,
}

fn jobs_table(caption: &str, empty: &str, jobs: &BTreeMap<Rid, Rid>, catalog: Option<&CatalogIndex>) -> Html {
    if jobs.is_empty() {
        return html! { <p class="muted">{ format!("{caption}: {empty}") }</p> };
    }
    html! {
        <div class="table-scroll">
            <table class="result-jobs">
                <caption>{ caption.to_owned() }</caption>
                <thead><tr><th scope="col">{ "Job spec" }</th><th scope="col">{ "Job" }</th></tr></thead>
                <tbody>
                    { for jobs.iter().map(|(spec, job)| {
                        let name = catalog.and_then(|c| c.name(spec.as_str())).map(str::to_owned);
                        html! {
                            <tr>
                                <td>
                                    <span class="cell-name">{ name.clone().unwrap_or_else(|| spec.to_string()) }</span>
                                    if name.is_some() { <span class="cell-rid">{ spec.to_string() }</span> }
                                </td>
                                <td><Link<Route> to={Route::JobReport { rid: job.to_string() }} classes="mono">{ job.to_string() }</Link<Route>></td>
                            </tr>
                        }
                    }) }
                </tbody>
            </table>
        </div>
    }
}

fn count(n: usize, one: &str, many: &str) -> String {
    if n == 1 { format!("1 {one}") } else { format!("{n} {many}") }
}

/// One sentence on what the service did with a submission, for this panel and for the
/// note shown on the report it leads to.
pub fn outcome(r: &SubmitBuildResponse) -> String {
    if r.is_new_submission == Some(false) {
        return "Its submission id was seen before: this is the first build of that id, and nothing new ran."
            .to_owned();
    }
    let created = count(r.jobs_created.len(), "job created", "jobs created");
    match r.jobs_in_other_builds.len() {
        0 => format!("{created}."),
        n => format!("{created}; {} already running in other builds.", count(n, "job", "jobs")),
    }
}

#[component]
pub fn SubmitResult(props: &ResultProps) -> Html {
    let r = &props.response;
    let new_text = match r.is_new_submission {
        None => "Yes (no submission id was given)",
        Some(true) => "Yes",
        Some(false) => "No: this submission id was seen before, so this is the first build and nothing new ran",
    };
    let catalog = props.catalog.as_deref();
    let dismiss = props.on_dismiss.reform(|_: MouseEvent| ());
    html! {
        <section class="card result" aria-labelledby="result-title">
            <div class="card-head">
                <h2 id="result-title">{ "Last submission" }</h2>
                <button type="button" class="button-quiet" onclick={dismiss}>{ "Dismiss" }</button>
            </div>
            <p class="result-summary">
                { "Build " }
                <Link<Route> to={Route::BuildReport { rid: r.build_rid.to_string() }} classes="result-build-link mono">{ r.build_rid.to_string() }</Link<Route>>
                { ": " }{ outcome(r) }
            </p>
            <details class="result-details">
                <summary>{ "How the service resolved it" }</summary>
                <dl class="result-facts">
                    <dt>{ "Build group" }</dt>
                    <dd class="mono">{ r.build_group_rid.to_string() }</dd>
                    <dt>{ "New submission" }</dt>
                    <dd data-new-submission={format!("{:?}", r.is_new_submission)}>{ new_text }</dd>
                </dl>
                { jobs_table("Jobs created", "none", &r.jobs_created, catalog) }
                { jobs_table("Jobs already running in other builds", "none", &r.jobs_in_other_builds, catalog) }
            </details>
        </section>
    }
}
