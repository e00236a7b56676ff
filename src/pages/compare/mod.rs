//! Two builds side by side: `/compare?a=<build>&b=<build>`, each a build RID or a run number
//! (`12`, `#12`) of the current team. Without `a`, the build before `b` in its team. Shows the
//! request options that differ, jobs added or missing, status changes, durations beyond
//! ±20 % and input transactions that differ.

pub mod diff;

use std::collections::BTreeMap;
use std::rc::Rc;

use kiln_api::build2::BuildReport;
use kiln_api::{Rid, TeamName};
use web_sys::HtmlInputElement;
use yew::prelude::*;
use yew_router::prelude::*;

use self::diff::{BuildDiff, diff};
use crate::api::{self, Client};
use crate::components::open_rid::{Target, target_for};
use crate::components::status_badge::job_look;
use crate::route::{CompareQuery, Route};
use crate::session::use_session;
use crate::time_fmt;

#[derive(Debug, Clone, PartialEq)]
enum Load {
    Idle,
    Loading,
    Ready { a: Rc<BuildReport>, b: Rc<BuildReport>, diff: Rc<BuildDiff> },
    Failed(String),
}

/// The build a field names: a build RID, or a run number of `team`.
async fn build_of(client: &Client, team: &TeamName, text: &str) -> Result<BuildReport, String> {
    let rid = match target_for(text)? {
        Target::Report(Route::BuildReport { rid }) => rid,
        Target::Report(_) => return Err(format!("{} is not a build; give a build RID or a run number", text.trim())),
        Target::Run(run) => match api::teams::build(client, team, run).await {
            Ok(build) => build.build_rid.to_string(),
            Err(e) if e.is_not_found() => return Err(format!("team {team} has no run #{run}")),
            Err(e) => return Err(e.to_string()),
        },
    };
    let rid = Rid::parse(&rid).map_err(|e| e.to_string())?;
    api::build2::build_report(client, &rid)
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("the service knows no build {rid}"))
}

async fn compare(client: Client, team: TeamName, query: CompareQuery) -> Load {
    let Some(b_text) = query.b.filter(|t| !t.trim().is_empty()) else { return Load::Idle };
    let b = match build_of(&client, &team, &b_text).await {
        Ok(b) => b,
        Err(e) => return Load::Failed(format!("Second build: {e}.")),
    };
    let a_text = match query.a.filter(|t| !t.trim().is_empty()) {
        Some(t) => t,
        None if b.run_id > 1 => format!("#{}", b.run_id - 1),
        None => return Load::Failed("Run #1 has no build before it to compare with.".to_owned()),
    };
    let a = match build_of(&client, &b.team, &a_text).await {
        Ok(a) => a,
        Err(e) => return Load::Failed(format!("First build: {e}.")),
    };
    // Job reports of the job specs both builds ran, for their input transactions.
    let mut reports = BTreeMap::new();
    let shared: Vec<Rid> = a
        .jobs
        .iter()
        .chain(&b.jobs)
        .filter(|j| {
            a.jobs.iter().any(|x| x.job_spec_rid == j.job_spec_rid)
                && b.jobs.iter().any(|y| y.job_spec_rid == j.job_spec_rid)
        })
        .map(|j| j.rid.clone())
        .collect();
    for rid in shared {
        if let Ok(Some(report)) = api::build2::job_report(&client, &rid).await {
            reports.insert(rid, report);
        }
    }
    let d = diff(&a, &b, &reports);
    Load::Ready { a: Rc::new(a), b: Rc::new(b), diff: Rc::new(d) }
}

fn json_text(v: &serde_json::Value) -> String {
    if v.is_null() { "(not set)".to_owned() } else { v.to_string() }
}

fn run_link(b: &BuildReport) -> Html {
    html! { <Link<Route> to={Route::BuildReport { rid: b.rid.to_string() }}>{ format!("#{}", b.run_id) }</Link<Route>> }
}

fn section(title: &str, count: usize, body: Html) -> Html {
    html! {
        <section class="card compare-section">
            <h2>{ format!("{title} ({count})") }</h2>
            if count == 0 { <p class="muted">{ "None." }</p> } else { { body } }
        </section>
    }
}

fn view(a: &BuildReport, b: &BuildReport, d: &BuildDiff) -> Html {
    let options = html! {
        <div class="table-scroll"><table class="stack">
            <thead><tr><th>{ "Option" }</th><th>{ "First" }</th><th>{ "Second" }</th></tr></thead>
            <tbody>{ for d.options.iter().map(|o| html! {
                <tr><td class="mono">{ &o.key }</td><td class="mono" data-label="First">{ json_text(&o.a) }</td><td class="mono" data-label="Second">{ json_text(&o.b) }</td></tr>
            }) }</tbody>
        </table></div>
    };
    let names = |list: &[String]| html! { <ul class="plain-list">{ for list.iter().map(|n| html! { <li class="job-name">{ n }</li> }) }</ul> };
    let status = html! {
        <ul class="plain-list">{ for d.status.iter().map(|s| html! {
            <li><span class="job-name">{ &s.name }</span>{ ": " }
                <span class={classes!("badge", job_look(s.a).class)}>{ job_look(s.a).label }</span>{ " → " }
                <span class={classes!("badge", job_look(s.b).class)}>{ job_look(s.b).label }</span></li>
        }) }</ul>
    };
    let durations = html! {
        <ul class="plain-list">{ for d.durations.iter().map(|c| html! {
            <li><span class="job-name">{ &c.name }</span>{ format!(": {} → {} ({:+.0} %)", time_fmt::duration(c.a_millis), time_fmt::duration(c.b_millis), c.ratio() * 100.0) }</li>
        }) }</ul>
    };
    let inputs = html! {
        <div class="table-scroll"><table class="stack">
            <thead><tr><th>{ "Job" }</th><th>{ "Input dataset" }</th><th>{ "First" }</th><th>{ "Second" }</th></tr></thead>
            <tbody>{ for d.inputs.iter().map(|i| html! {
                <tr>
                    <td class="job-name">{ &i.job }</td><td class="mono" data-label="Dataset">{ i.dataset.to_string() }</td>
                    <td class="mono" data-label="First">{ i.a.as_ref().map_or("(none)".to_owned(), ToString::to_string) }</td>
                    <td class="mono" data-label="Second">{ i.b.as_ref().map_or("(none)".to_owned(), ToString::to_string) }</td>
                </tr>
            }) }</tbody>
        </table></div>
    };
    html! {
        <>
            <p class="compare-pair">{ "Comparing " }{ run_link(a) }{ format!(" ({}) with ", a.branch) }{ run_link(b) }{ format!(" ({}).", b.branch) }
                if d.is_empty() { { " They ran the same way." } }</p>
            { section("Options that differ", d.options.len(), options) }
            <div class="report-pair">
                { section("Jobs only in the second", d.added.len(), names(&d.added)) }
                { section("Jobs only in the first", d.missing.len(), names(&d.missing)) }
            </div>
            { section("Status changes", d.status.len(), status) }
            { section("Durations beyond ±20 %", d.durations.len(), durations) }
            { section("Input transactions that differ", d.inputs.len(), inputs) }
        </>
    }
}

#[component]
pub fn ComparePage() -> Html {
    let session = use_session();
    let navigator = use_navigator();
    let location = use_location();
    let query: CompareQuery = location.as_ref().and_then(|l| l.query::<CompareQuery>().ok()).unwrap_or_default();
    let load = use_state(|| Load::Idle);
    {
        let load = load.clone();
        let (client, team) = (session.client(), session.team.clone());
        use_effect_with(query.clone(), move |query| {
            let query = query.clone();
            load.set(Load::Loading);
            wasm_bindgen_futures::spawn_local(async move { load.set(compare(client, team, query).await) });
        });
    }
    let (a_ref, b_ref) = (use_node_ref(), use_node_ref());
    let onsubmit = {
        let (a_ref, b_ref) = (a_ref.clone(), b_ref.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let value = |r: &NodeRef| {
                r.cast::<HtmlInputElement>().map(|i| i.value().trim().to_owned()).filter(|v| !v.is_empty())
            };
            let q = CompareQuery { a: value(&a_ref), b: value(&b_ref) };
            if let Some(nav) = &navigator {
                let _ = nav.push_with_query(&Route::Compare, &q);
            }
        })
    };
    let body = match &*load {
        Load::Idle => {
            html! { <p class="muted">{ "Name two builds to compare: RIDs or run numbers of the current team." }</p> }
        }
        Load::Loading => html! { <p class="muted" role="status">{ "Loading both builds…" }</p> },
        Load::Failed(why) => html! { <p class="notice notice-error" role="alert">{ why.clone() }</p> },
        Load::Ready { a, b, diff } => view(a, b, diff),
    };
    html! {
        <section class="page compare-page">
            <div class="page-head">
                <h1>{ "Compare builds" }</h1>
                <p class="help">{ "The first is the earlier one; leave it empty to use the build before the second." }</p>
            </div>
            <form class="card compare-form" {onsubmit}>
                <div class="field">
                    <label for="compare-a">{ "First build" }</label>
                    <input id="compare-a" ref={a_ref} type="text" value={query.a.clone().unwrap_or_default()} placeholder="#11 or a build RID" autocomplete="off" spellcheck="false" />
                </div>
                <div class="field">
                    <label for="compare-b">{ "Second build" }</label>
                    <input id="compare-b" ref={b_ref} type="text" value={query.b.clone().unwrap_or_default()} placeholder="#12 or a build RID" autocomplete="off" spellcheck="false" />
                </div>
                <button type="submit" class="button-primary">{ "Compare" }</button>
            </form>
            { body }
        </section>
    }
}
