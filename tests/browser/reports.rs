//! The build and job reports: graph layering, the timeline's axis, the log viewer's
//! text, search, tailing and windowing, service text rendered as text, and the build
//! report against a real kiln-server.

use std::collections::HashMap;
use std::rc::Rc;
use std::time::Duration;

use kiln_api::build2::{
    Attempt, BuildJob, DatasetsSelection, JobSpecSelection, JobSpecsSelection, JobStatus, SubmitBuildRequest,
    UpstreamSelection,
};
use kiln_api::teams::CatalogQuery;
use kiln_api::{Rid, StderrRanges, TeamName, Timestamp};
use kiln_console::api::{self, Client, LogChunk};
use kiln_console::components::job_graph::{JobGraph, job_deps, layers, layout};
use kiln_console::components::log_viewer::ansi::Color;
use kiln_console::components::log_viewer::tail::{Applied, Tail};
use kiln_console::components::log_viewer::text::{self, ErrorClue, LogText, Match, Piece};
use kiln_console::components::log_viewer::window::visible_range;
use kiln_console::components::log_viewer::{LogSource, LogViewer};
use kiln_console::components::status_badge::job_look;
use kiln_console::components::timeline::{self, Bar};
use kiln_console::pages::build_report::BuildReportPage;
use kiln_console::pages::build_report::attempts::{attempts_key, bars};
use kiln_console::pages::build_report::jobs_table::JobsTable;
use kiln_console::pages::build_report::options::{RequestOptions, option_rows};
use kiln_console::pages::job_report::JobReportPage;
use kiln_console::pages::job_report::attempts::{AttemptsTable, attempt_look, ending, signal_name};
use kiln_console::session::{SessionAction, use_session};
use wasm_bindgen_test::wasm_bindgen_test;
use web_sys::Element;
use yew::prelude::*;

use crate::common::{
    mount, query, query_all, record_fetches, require_server, stop_recording_fetches, test_config, text_of, type_into,
    wait_for,
};

const WAIT: Duration = Duration::from_secs(5);

fn rid(kind: &str, locator: &str) -> Rid {
    Rid::parse(&format!("ri.foundry.main.{kind}.{locator}")).expect("a valid test RID")
}

fn ts(secs: i64) -> Timestamp {
    Timestamp::from_unix_millis(1_780_000_000_000 + secs * 1000).expect("a valid time")
}

fn job(name: &str, status: JobStatus, deps: &[&str]) -> BuildJob {
    BuildJob {
        rid: rid("job", name),
        job_spec_rid: rid("jobspec", name),
        job_spec_name: name.to_owned(),
        status,
        reason: None,
        inputs: Vec::new(),
        outputs: Vec::new(),
        depends_on: deps.iter().map(|d| rid("job", d)).collect(),
        attempt_count: 0,
        started_time: None,
        finished_time: None,
        error: None,
    }
}

fn attempt(number: u32, start: i64, end: Option<i64>, exit: Option<i32>, signal: Option<i32>) -> Attempt {
    Attempt {
        number,
        started_time: Some(ts(start)),
        finished_time: end.map(ts),
        exit_code: exit,
        signal,
        error: None,
        retryable: false,
        log_url: None,
        placement: None,
    }
}

// ---- Job graph -------------------------------------------------------------------------

#[wasm_bindgen_test]
fn graph_layers_follow_the_longest_path() {
    // a → b → d, a → c → d, and d also depends on a directly: d is still in layer 2.
    let deps = vec![vec![], vec![0], vec![0], vec![1, 2, 0], vec![]];
    assert_eq!(layers(&deps), [0, 1, 1, 2, 0]);
    let l = layout(&deps);
    assert_eq!((l.layers, l.rows), (3, 2));
    // Within a layer every node has its own row.
    assert_ne!(l.row[1], l.row[2]);
    assert_ne!(l.row[0], l.row[4]);
}

#[wasm_bindgen_test]
fn graph_layout_survives_cycles_self_loops_and_unknown_jobs() {
    let deps = vec![vec![1], vec![0], vec![2], vec![99, 1]];
    let layer = layers(&deps);
    assert_eq!(layer.len(), 4);
    assert_eq!(layer[2], 0, "a self-loop is ignored");
    assert!(layer[3] > layer[1], "a job sits right of what it depends on");
}

#[wasm_bindgen_test]
fn graph_dependencies_are_read_from_the_build_report() {
    let jobs = vec![job("clean", JobStatus::Succeeded, &[]), job("join", JobStatus::Running, &["clean", "elsewhere"])];
    assert_eq!(job_deps(&jobs), [vec![], vec![0]]);
    assert_eq!(layers(&job_deps(&jobs)), [0, 1]);
}

#[wasm_bindgen_test]
async fn graph_nodes_are_coloured_by_status_and_open_their_job() {
    let jobs = Rc::new(vec![job("clean", JobStatus::Succeeded, &[]), job("join", JobStatus::Failed, &["clean"])]);
    let opened = Rc::new(std::cell::RefCell::new(Vec::<Rid>::new()));
    let on_open = {
        let opened = opened.clone();
        Callback::from(move |rid: Rid| opened.borrow_mut().push(rid))
    };
    let root = mount(test_config(), None, html! { <JobGraph {jobs} {on_open} /> });
    wait_for("the graph", WAIT, || count(&root, "g.graph-node") == 2).await;
    assert_eq!(count(&root, "path.graph-edge"), 1);
    let failed: Element =
        root.query_selector("g.graph-node.badge-failed").ok().flatten().expect("the failed job is coloured as failed");
    assert_eq!(failed.get_attribute("data-job").as_deref(), Some(rid("job", "join").as_str()));
    assert_eq!(count(&root, "g.graph-node.badge-ok"), 1);

    // SVG <g> elements are not HtmlElements, so the events are dispatched by script (the
    // crate does not enable web-sys's event-init dictionaries).
    let label: Element = root.query_selector("g.badge-failed text").ok().flatten().expect("a node label");
    dispatch(&label, "new MouseEvent('click', {bubbles: true})");
    let node: Element = root.query_selector("g.badge-ok").ok().flatten().expect("a node");
    dispatch(&node, "new KeyboardEvent('keydown', {key: 'Enter', bubbles: true})");
    assert_eq!(*opened.borrow(), [rid("job", "join"), rid("job", "clean")]);
}

/// `n` succeeded jobs, each one (but the first) depending on the job `(i - 1) / 4`, as in
/// the benchmark's 1,000-job build; every one ran for a second.
fn many_jobs(n: usize) -> Vec<BuildJob> {
    (0..n)
        .map(|i| {
            let deps = if i == 0 { Vec::new() } else { vec![format!("j{}", (i - 1) / 4)] };
            let deps: Vec<&str> = deps.iter().map(String::as_str).collect();
            let mut job = job(&format!("j{i}"), JobStatus::Succeeded, &deps);
            job.attempt_count = 1;
            job.started_time = Some(ts(i as i64));
            job.finished_time = Some(ts(i as i64 + 1));
            job
        })
        .collect()
}

/// Where the tab's router is, for a test to see where a link took it.
#[component]
fn Location() -> Html {
    let path = yew_router::hooks::use_location().map(|l| l.path().to_owned()).unwrap_or_default();
    html! { <p class="location">{ path }</p> }
}

#[wasm_bindgen_test]
async fn a_thousand_jobs_draw_every_node_edge_and_bar_and_each_opens_its_job() {
    let jobs = Rc::new(many_jobs(1000));
    let drawn = Rc::new(bars(&jobs, &HashMap::new()));
    let opened = Rc::new(std::cell::RefCell::new(Vec::<Rid>::new()));
    let on_open = {
        let opened = opened.clone();
        Callback::from(move |rid: Rid| opened.borrow_mut().push(rid))
    };
    let root = mount(
        test_config(),
        Some("/"),
        html! { <><Location /><JobGraph jobs={jobs.clone()} {on_open} /><timeline::Timeline bars={drawn} /></> },
    );
    wait_for("every node and bar", WAIT, || {
        count(&root, "g.graph-node") == 1000 && count(&root, ".tl-bar.badge-ok") == 1000
    })
    .await;
    assert_eq!(count(&root, "path.graph-edge"), 999, "one edge per dependency");
    assert_eq!(
        count(&root, "g.graph-node[tabindex='0'][role=link][aria-label]"),
        1000,
        "every node is a labelled link"
    );
    let node: Element = root.query_selector("g.graph-node[data-job$='.j500']").ok().flatten().expect("job 500's node");
    assert_eq!(node.get_attribute("aria-label").as_deref(), Some("j500: Succeeded. Open the job report."));
    assert_eq!(any_text(&root, "g.graph-node[data-job$='.j500'] title"), "j500 — Succeeded");
    // Job 500 depends on job 124, so it sits one layer right of it.
    let x = |job: &str| {
        let transform = root
            .query_selector(&format!("g.graph-node[data-job$='.{job}']"))
            .ok()
            .flatten()
            .and_then(|n| n.get_attribute("transform"))
            .unwrap_or_default();
        transform.trim_start_matches("translate(").split(',').next().and_then(|x| x.parse::<f64>().ok())
    };
    assert!(x("j500") > x("j124"), "{:?} {:?}", x("j500"), x("j124"));

    let name: Element = root.query_selector("g.graph-node[data-job$='.j500'] text").ok().flatten().expect("a label");
    dispatch(&name, "new MouseEvent('click', {bubbles: true})");
    let node: Element = root.query_selector("g.graph-node[data-job$='.j7']").ok().flatten().expect("job 7's node");
    dispatch(&node, "new KeyboardEvent('keydown', {key: 'Enter', bubbles: true})");
    assert_eq!(*opened.borrow(), [rid("job", "j500"), rid("job", "j7")]);

    // A bar's label is a link to its job's report, followed within the app.
    let links = query_all(&root, ".tl-row .tl-label a");
    assert_eq!(links.len(), 1000);
    let link = links.iter().find(|a| a.text_content().as_deref() == Some("j42")).expect("job 42's row");
    assert_eq!(link.get_attribute("href"), Some(format!("/jobs/{}", rid("job", "j42"))));
    link.click();
    wait_for("the job's report", WAIT, || text_of(&root, ".location") == format!("/jobs/{}", rid("job", "j42"))).await;
}

#[derive(Properties, PartialEq)]
struct ChangingGraphProps {
    jobs: Rc<Vec<BuildJob>>,
}

/// A graph whose first job fails when the button is clicked, as a job event would make it.
#[component]
fn ChangingGraph(props: &ChangingGraphProps) -> Html {
    let jobs = use_state(|| props.jobs.clone());
    let fail = {
        let jobs = jobs.clone();
        Callback::from(move |_: MouseEvent| {
            let mut next = (**jobs).clone();
            next[0].status = JobStatus::Failed;
            jobs.set(Rc::new(next));
        })
    };
    html! {
        <>
            <button class="fail" onclick={fail}>{ "Fail the first job" }</button>
            <JobGraph jobs={(*jobs).clone()} on_open={Callback::noop()} />
        </>
    }
}

#[wasm_bindgen_test]
async fn a_job_that_changes_state_is_redrawn_and_the_focused_node_keeps_focus() {
    let root = mount(test_config(), None, html! { <ChangingGraph jobs={Rc::new(many_jobs(50))} /> });
    wait_for("the graph", WAIT, || count(&root, "g.graph-node") == 50).await;
    let node: Element = root.query_selector("g.graph-node[data-job$='.j9']").ok().flatten().expect("job 9's node");
    let focus = js_sys::Function::new_with_args("target", "target.focus()");
    focus.call1(&wasm_bindgen::JsValue::NULL, &node).expect("the node takes focus");
    let focused =
        || gloo_utils::document().active_element().and_then(|e| e.get_attribute("data-job")).unwrap_or_default();
    assert_eq!(focused(), rid("job", "j9").to_string());
    // Clicked by script, so the focus stays where it is, as it does when an event arrives.
    let button: Element = root.query_selector("button.fail").ok().flatten().expect("the button");
    dispatch(&button, "new MouseEvent('click', {bubbles: true})");
    wait_for("the first job to fail", WAIT, || count(&root, "g.graph-node.badge-failed") == 1).await;
    assert_eq!(focused(), rid("job", "j9").to_string(), "the same job's node has the focus");
    // The changed node says its new state everywhere it said the old one.
    let failed: Element = root.query_selector("g.graph-node.badge-failed").ok().flatten().expect("the failed node");
    assert_eq!(failed.get_attribute("data-job"), Some(rid("job", "j0").to_string()));
    assert_eq!(failed.get_attribute("data-state").as_deref(), Some("Failed"));
    assert_eq!(failed.get_attribute("aria-label").as_deref(), Some("j0: Failed. Open the job report."));
    assert_eq!(any_text(&root, "g.badge-failed title"), "j0 — Failed");
    assert_eq!(any_text(&root, "g.badge-failed .graph-state"), "Failed");
    assert_eq!(count(&root, "g.graph-node.badge-ok"), 49, "the others are as they were");
}

/// How many elements match `selector`, SVG ones included (`query_all` keeps only HTML ones).
fn count(root: &Element, selector: &str) -> u32 {
    root.query_selector_all(selector).map(|list| list.length()).unwrap_or(0)
}

/// The text of the first element matching `selector`, SVG ones included.
fn any_text(root: &Element, selector: &str) -> String {
    root.query_selector(selector).ok().flatten().and_then(|e| e.text_content()).unwrap_or_default()
}

/// Dispatches the event `constructor` (a JavaScript expression) on `target`.
fn dispatch(target: &Element, constructor: &str) {
    let fire = js_sys::Function::new_with_args("target", &format!("target.dispatchEvent({constructor})"));
    fire.call1(&wasm_bindgen::JsValue::NULL, target).expect("the event is dispatched");
}

// ---- Timeline -------------------------------------------------------------------------

fn bar(start: i64, end: Option<i64>) -> Bar {
    Bar {
        job: rid("job", "j"),
        label: "j".into(),
        start,
        end,
        look: job_look(JobStatus::Succeeded),
        detail: String::new(),
    }
}

#[wasm_bindgen_test]
fn timeline_axis_spans_every_attempt_and_running_ones_reach_now() {
    let bars = [bar(1_000, Some(11_000)), bar(5_000, None)];
    let axis = timeline::span(&bars, 21_000).expect("bars have a span");
    assert_eq!(axis, (1_000, 21_000));
    let (left, width) = timeline::placement(&bars[1], axis, 21_000);
    assert!((left - 20.0).abs() < 1e-9 && (width - 80.0).abs() < 1e-9, "{left} {width}");
    let ticks = timeline::ticks(axis);
    assert_eq!(ticks.first().map(|t| t.1.as_str()), Some("0 s"));
    assert!(ticks.len() <= 7 && ticks.len() >= 3, "{ticks:?}");
    assert_eq!(timeline::offset_label(90_000), "1 min 30 s");
    assert!(timeline::span(&[], 0).is_none());
}

#[wasm_bindgen_test]
fn timeline_has_a_bar_for_every_attempt() {
    let mut flaky = job("segments", JobStatus::Succeeded, &[]);
    flaky.attempt_count = 2;
    flaky.started_time = Some(ts(10));
    flaky.finished_time = Some(ts(30));
    let mut early = job("clean", JobStatus::Succeeded, &[]);
    early.started_time = Some(ts(0));
    early.finished_time = Some(ts(5));
    let waiting = job("later", JobStatus::Waiting, &[]);
    let jobs = vec![flaky.clone(), early.clone(), waiting];
    let mut attempts = HashMap::new();
    attempts.insert(
        flaky.rid.clone(),
        vec![attempt(1, 10, Some(12), Some(75), None), attempt(2, 15, Some(30), Some(0), None)],
    );
    let drawn = bars(&jobs, &attempts);
    let labels: Vec<&str> = drawn.iter().map(|b| b.label.as_str()).collect();
    assert_eq!(labels, ["clean", "segments #1", "segments #2"]);
    assert_eq!(drawn[1].look.label, "Failed");
    assert_eq!(drawn[1].detail, "exit code 75");
    // A job that gained an attempt the answer does not have yet is drawn from its own times.
    let mut retried = flaky.clone();
    retried.attempt_count = 3;
    retried.finished_time = None;
    let drawn = bars(&[retried.clone(), early.clone()], &attempts);
    assert_eq!(drawn.iter().map(|b| b.label.as_str()).collect::<Vec<_>>(), ["clean", "segments"]);
    assert_eq!(drawn[1].end, None, "running on its third attempt");
    // The attempts are asked for again when a job gains or ends an attempt, not otherwise.
    let mut renamed = flaky.clone();
    renamed.reason = Some("inputs changed".into());
    assert_eq!(attempts_key(&[flaky.clone()]), attempts_key(&[renamed]));
    assert_ne!(attempts_key(&[flaky.clone()]), attempts_key(&[retried]));
}

// ---- Attempts, options, polling --------------------------------------------------------

#[wasm_bindgen_test]
fn attempts_say_how_they_ended_with_signal_names() {
    assert_eq!(signal_name(15), Some("SIGTERM"));
    assert_eq!(signal_name(9), Some("SIGKILL"));
    assert_eq!(signal_name(0), None);
    assert_eq!(signal_name(64), None);
    assert_eq!(ending(&attempt(1, 0, Some(3), None, Some(15))), "killed by SIGTERM (15)");
    assert_eq!(ending(&attempt(1, 0, Some(3), Some(2), None)), "exit code 2");
    assert_eq!(ending(&attempt(1, 0, None, None, None)), "running");
    assert_eq!(attempt_look(&attempt(1, 0, Some(3), None, Some(9))).label, "Killed");
    assert_eq!(attempt_look(&attempt(1, 0, Some(3), Some(0), None)).label, "Succeeded");
    assert_eq!(attempt_look(&attempt(1, 0, None, None, None)).label, "Running");
}

#[wasm_bindgen_test]
async fn request_options_ask_for_the_names_only_once_near_the_viewport() {
    require_server();
    let wanted = CatalogQuery { q: Some("clean/orders".to_owned()), limit: None };
    let found = api::catalog::datasets(&client(), &wanted).await.expect("the catalog answers");
    let orders = found.datasets.into_iter().find(|d| d.name == "clean/orders").expect("a demo dataset");
    let request = SubmitBuildRequest {
        job_spec_selections: vec![JobSpecSelection::Datasets(DatasetsSelection {
            dataset_rids: vec![orders.rid.clone()],
            is_required: None,
        })],
        ..SubmitBuildRequest::default()
    };
    record_fetches();
    // Below a tall jobs table, as on a large build.
    let root =
        mount(test_config(), None, html! { <><div style="height: 6000px"></div><RequestOptions {request} /></> });
    wait_for("the options", WAIT, || query(&root, ".facts.options").is_some()).await;
    // One whole round trip to the service after the options were drawn: a catalog read
    // asked for on mount would have been sent by now.
    api::teams::health(&client()).await.expect("the service answers");
    let lineage = |asked: &[String]| asked.iter().filter(|url| url.contains("/catalog/lineage")).count();
    let before = stop_recording_fetches();
    assert_eq!(lineage(&before), 0, "no catalog read while the options are out of sight: {before:?}");
    assert!(text_of(&root, ".facts.options").contains(orders.rid.as_str()), "the RID stands in for the name");

    record_fetches();
    query(&root, ".facts.options").expect("the options").scroll_into_view();
    wait_for("the dataset's name", WAIT, || {
        text_of(&root, ".facts.options").contains("Datasets (required): clean/orders")
    })
    .await;
    let after = stop_recording_fetches();
    assert_eq!(lineage(&after), 1, "one catalog read once they are seen: {after:?}");
}

#[wasm_bindgen_test]
fn request_options_read_as_words() {
    let mut parameters = serde_json::Map::new();
    parameters.insert("region".into(), serde_json::json!("eu"));
    let request = SubmitBuildRequest {
        job_spec_selections: vec![
            JobSpecSelection::Datasets(DatasetsSelection {
                dataset_rids: vec![rid("dataset", "a")],
                is_required: Some(false),
            }),
            JobSpecSelection::Upstream(UpstreamSelection {
                dataset_rids: vec![rid("dataset", "b")],
                dataset_rids_to_ignore: vec![rid("dataset", "c")],
            }),
        ],
        force_build: Some(true),
        num_run_job_attempts: Some(3),
        retry_backoff_duration: Some(30),
        build_parameters: Some(parameters),
        ..SubmitBuildRequest::default()
    };
    // Names from the catalog replace RIDs; a RID it does not know is shown as it is.
    let names: HashMap<Rid, String> = [(rid("dataset", "b"), "clean/orders".to_owned())].into_iter().collect();
    let rows: Vec<(String, String)> = option_rows(&request, &names).into_iter().map(|r| (r.label, r.value)).collect();
    assert_eq!(rows[0], ("Selection 1".into(), "Datasets (optional): ri.foundry.main.dataset.a".into()));
    assert_eq!(rows[1], ("Selection 2".into(), "Upstream of: clean/orders; ignoring ri.foundry.main.dataset.c".into()));
    assert!(rows.contains(&("Force build".into(), "Yes".into())));
    assert!(rows.contains(&("Attempts per job".into(), "3".into())));
    assert!(rows.contains(&("Wait between attempts".into(), "30 s".into())));
    assert!(!rows.iter().any(|(label, _)| label == "Finish on failures"), "unset options are not listed");
}

// ---- Log text, search, tailing, windowing ----------------------------------------------

#[wasm_bindgen_test]
fn log_lines_join_across_chunks_and_keep_the_raw_text() {
    let mut log = LogText::new();
    log.push("one\ntw");
    assert_eq!((log.line_count(), log.line(1)), (2, "tw"));
    log.push("o\r\nthree\n");
    assert_eq!(log.lines().collect::<Vec<_>>(), ["one", "two", "three"]);
    assert_eq!(log.as_str(), "one\ntwo\r\nthree\n");
}

#[wasm_bindgen_test]
fn log_search_is_case_insensitive_and_marks_every_hit() {
    let log = LogText::from_text("Row 1 ok\nrow 2 ROW\nnothing");
    let hits = text::find_all(&log, "row");
    assert_eq!(
        hits,
        [Match { line: 0, start: 0, end: 3 }, Match { line: 1, start: 0, end: 3 }, Match { line: 1, start: 6, end: 9 }]
    );
    assert_eq!(
        text::pieces(log.line(1), &hits, Some(1)),
        [Piece::hit("row", 1), Piece::plain(" 2 "), Piece::hit("ROW", 2)]
    );
    assert!(text::find_all(&log, "").is_empty());
}

#[wasm_bindgen_test]
fn first_error_line_and_line_links() {
    let log = LogText::from_text("start\nloading\nTraceback (most recent call last):\nValueError");
    assert_eq!(text::first_error_line(&log), Some(2));
    assert!(text::is_error_line("Job FAILED"));
    assert!(!text::is_error_line("all good"));
    assert_eq!(text::line_from_fragment("#L42"), Some(42));
    assert_eq!(text::line_from_fragment("#L0"), None);
    assert_eq!(text::line_from_fragment("#top"), None);
    assert_eq!(text::fragment_for_line(7), "#L7");
}

#[wasm_bindgen_test]
fn search_and_highlights_see_the_visible_text_of_a_coloured_line() {
    let log = LogText::from_text("\x1b[32mINFO\x1b[0m row \x1b[1mrow\x1b[0m");
    let hits = text::find_all(&log, "info row");
    assert_eq!(hits, [Match { line: 0, start: 0, end: 8 }], "the escapes between the words do not count");
    let pieces = text::pieces(log.line(0), &hits, Some(0));
    let texts: Vec<(&str, Option<usize>)> = pieces.iter().map(|p| (p.text, p.hit)).collect();
    assert_eq!(texts, [("INFO", Some(0)), (" row", Some(0)), (" ", None), ("row", None)]);
    assert_eq!(pieces[0].style.fg, Some(Color::Basic(2)), "the hit keeps its colour");
    assert!(pieces[3].style.bold);
    assert!(pieces.iter().all(|p| !p.text.contains('\x1b')));
}

#[wasm_bindgen_test]
fn first_error_falls_back_to_the_last_words_of_a_failed_attempt() {
    // The demo's customer-segments job: exit 75, one stderr line without an error word.
    let log = LogText::from_text("segment service not warmed up yet (attempt 1); asking for a retry\n\n");
    assert_eq!(text::first_error(&log, false), None, "a successful attempt without markers has no error");
    assert_eq!(text::first_error(&log, true), Some((0, ErrorClue::LastWordsOfAFailure)));
    let marked = LogText::from_text("ok\nERROR: boom\nbye");
    assert_eq!(text::first_error(&marked, true), Some((1, ErrorClue::Marker)));
    assert_eq!(text::first_error(&LogText::from_text(""), true), None);
}

/// One range of stderr bytes, `start..end`.
fn stderr_at(start: u64, end: u64) -> StderrRanges {
    let mut ranges = StderrRanges::default();
    ranges.push(start..end);
    ranges
}

#[wasm_bindgen_test]
fn stderr_marks_lines_and_leads_first_error() {
    let mut log = LogText::from_text("INFO start\nwarming up\nERROR on stdout\nretrying\nbye\n");
    // "warming up\n" (11..22) and "retrying\n" (38..47) came from stderr.
    log.mark_stderr(&StderrRanges(vec![11..22, 38..47]));
    let marked: Vec<bool> = (0..log.line_count()).map(|i| log.is_stderr(i)).collect();
    assert_eq!(marked, [false, true, false, true, false]);
    assert_eq!(text::first_error(&log, true), Some((2, ErrorClue::Marker)), "stderr alone is not an error");

    let mut log = LogText::from_text("ERROR-free output fails nothing\nTraceback (most recent call last)\n");
    log.mark_stderr(&stderr_at(32, 66));
    assert_eq!(
        text::first_error(&log, false),
        Some((1, ErrorClue::StderrMarker)),
        "an error word on stderr comes first"
    );

    let mut log = LogText::from_text("working\nnot warmed up yet\nsummary\n");
    log.mark_stderr(&stderr_at(8, 26));
    assert_eq!(text::first_error(&log, false), None, "a successful attempt without markers has no error");
    assert_eq!(text::first_error(&log, true), Some((1, ErrorClue::LastStderrOfAFailure)));
}

/// The demo's customer-segments job fails its first attempt with exit 75 and a line on
/// stderr that has no error word: the viewer marks that line and "First error" finds it.
#[wasm_bindgen_test]
async fn the_log_viewer_marks_stderr_and_first_error_finds_it_on_a_real_attempt() {
    require_server();
    let segments = jobspec("customer-segments").await;
    let build = submit(JobSpecSelection::JobSpecs(JobSpecsSelection {
        job_spec_rids: vec![segments.clone()],
        is_required: Some(true),
    }))
    .await;
    let (team, run_id, job) =
        job_of(&build, &segments, "customer-segments to finish", |status| status.is_terminal()).await;
    let source = LogSource::Service { client: client(), team, run_id, job, attempt: 1 };
    let root = mount(test_config(), None, html! { <LogViewer {source} failed={true} /> });
    wait_for("the stderr line", WAIT, || {
        query_all(&root, ".log-line.stderr").iter().any(|l| text_of(l, ".lt").contains("not warmed up yet"))
    })
    .await;
    let button = query(&root, ".log-first-error").expect("the First error button");
    assert!(!button.has_attribute("disabled"), "First error is on for the failed attempt");
    assert!(button.title().contains("stderr"), "{}", button.title());
    button.click();
    wait_for("the stderr line marked", WAIT, || {
        query(&root, ".log-line.marked.stderr").is_some_and(|l| text_of(&l, ".lt").contains("not warmed up yet"))
    })
    .await;
    root.remove();
}

fn chunk(text: &str, next_offset: u64, complete: bool) -> LogChunk {
    LogChunk { text: text.to_owned(), next_offset, complete, stderr: Default::default() }
}

#[wasm_bindgen_test]
fn tailing_reads_on_from_the_last_offset_until_complete() {
    let mut log = LogText::new();
    let mut tail = Tail::new();
    assert_eq!(tail.next_offset(), Some(0));
    assert_eq!(tail.apply(&mut log, &chunk("step 1\nst", 10, false)), Applied::Grew);
    assert_eq!(tail.next_offset(), Some(10));
    assert_eq!(tail.apply(&mut log, &chunk("", 10, false)), Applied::Unchanged);
    assert_eq!(tail.apply(&mut log, &chunk("ep 2\ndone\n", 20, true)), Applied::Grew);
    assert_eq!(tail.next_offset(), None, "a complete log is not read again");
    assert_eq!(log.lines().collect::<Vec<_>>(), ["step 1", "step 2", "done"]);

    // An offset that goes backwards means a different file: start over.
    let mut tail = Tail::new();
    let mut log = LogText::from_text("old\n");
    tail.apply(&mut log, &chunk("", 4, false));
    assert_eq!(tail.apply(&mut log, &chunk("new", 3, false)), Applied::Restarted);
    assert!(log.is_empty());
    assert_eq!(tail.next_offset(), Some(0));
}

#[wasm_bindgen_test]
fn the_log_window_is_the_viewport_plus_a_buffer() {
    let range = visible_range(0.0, 400.0, 100_000);
    assert_eq!(range.start, 0);
    assert!(range.end < 100, "{range:?}");
    let range = visible_range(20_000.0, 400.0, 100_000);
    assert!(range.contains(&1000) && range.contains(&1020), "{range:?}");
    assert!(range.len() < 120, "{range:?}");
    assert_eq!(visible_range(0.0, 400.0, 3), 0..3);
}

// ---- Log viewer, mounted ---------------------------------------------------------------

fn text_source(text: &str) -> LogSource {
    LogSource::Text(Rc::from(text))
}

#[wasm_bindgen_test]
async fn log_viewer_searches_and_steps_through_matches() {
    let log = "booting\nreading rows\n3 rows read\nwriting ROWS\n";
    let root = mount(test_config(), None, html! { <LogViewer source={text_source(log)} /> });
    wait_for("the log lines", WAIT, || query_all(&root, ".log-line").len() == 4).await;
    type_into(&root, "#log-search", "rows");
    wait_for("three marks", WAIT, || query_all(&root, ".log-line mark").len() == 3).await;
    assert_eq!(text_of(&root, ".log-match-count"), "1 of 3");
    assert_eq!(text_of(&root, "mark.current"), "rows");
    query(&root, ".log-next").expect("next").click();
    wait_for("the second match", WAIT, || text_of(&root, ".log-match-count") == "2 of 3").await;
    query(&root, ".log-next").expect("next").click();
    wait_for("the third match", WAIT, || text_of(&root, "mark.current") == "ROWS").await;
    query(&root, ".log-next").expect("next").click();
    wait_for("wrapping around", WAIT, || text_of(&root, ".log-match-count") == "1 of 3").await;
    query(&root, ".log-prev").expect("prev").click();
    wait_for("back to the last", WAIT, || text_of(&root, ".log-match-count") == "3 of 3").await;
    type_into(&root, "#log-search", "nowhere");
    wait_for("no matches", WAIT, || text_of(&root, ".log-match-count") == "No matches").await;
    assert!(query_all(&root, ".log-line mark").is_empty());
}

#[wasm_bindgen_test]
async fn log_viewer_mounts_only_a_window_of_a_long_log() {
    let log: String = (1..=100_000).map(|i| format!("line {i}\n")).collect();
    let root = mount(test_config(), None, html! { <LogViewer source={text_source(&log)} /> });
    wait_for("the log", WAIT, || !query_all(&root, ".log-line").is_empty()).await;
    let lines = query(&root, ".log-lines").expect("the lines");
    assert_eq!(lines.get_attribute("data-line-count").as_deref(), Some("100000"));
    let mounted = query_all(&root, ".log-line").len();
    assert!(mounted < 150, "{mounted} lines mounted");
    // Scrolling far down mounts the lines there instead.
    lines.set_scroll_top(20 * 50_000);
    wait_for("line 50001 mounted", WAIT, || {
        query_all(&root, ".log-line .ln").iter().any(|a| a.text_content().as_deref() == Some("50001"))
    })
    .await;
    assert!(query_all(&root, ".log-line").len() < 150);
}

#[wasm_bindgen_test]
async fn log_viewer_opens_at_a_linked_line_and_jumps_to_the_first_error() {
    let mut log: String = (1..=2_000).map(|i| format!("step {i}\n")).collect();
    log.push_str("Traceback (most recent call last):\n  boom\n");
    let root = mount(test_config(), None, html! { <LogViewer source={text_source(&log)} target_line={Some(500)} /> });
    wait_for("line 500 marked", WAIT, || text_of(&root, ".log-line.marked .ln") == "500").await;
    assert_eq!(text_of(&root, ".log-line.marked .lt"), "step 500");
    let link = query(&root, ".log-line.marked .ln").expect("the line link");
    assert_eq!(link.get_attribute("href").as_deref(), Some("#L500"));
    query(&root, ".log-first-error").expect("the first error button").click();
    wait_for("the error line marked", WAIT, || text_of(&root, ".log-line.marked .ln") == "2001").await;
    assert!(text_of(&root, ".log-line.marked .lt").starts_with("Traceback"));
    // Clicking a line number marks that line and links to it.
    let other = query_all(&root, ".log-line .ln").into_iter().find(|a| a.text_content().as_deref() == Some("1995"));
    other.expect("line 1995 is in view").click();
    wait_for("line 1995 marked", WAIT, || text_of(&root, ".log-line.marked .ln") == "1995").await;
    let hash = web_sys::window().and_then(|w| w.location().hash().ok()).unwrap_or_default();
    assert_eq!(hash, "#L1995");
}

#[wasm_bindgen_test]
async fn ansi_colours_render_as_styles_and_escapes_never_show() {
    let log = "\x1b[32mINFO\x1b[0m ready\n\x1b[1;31mERROR\x1b[0m \x1b[2Kboom\x1b]0;title\x07\n";
    let root = mount(test_config(), None, html! { <LogViewer source={text_source(log)} /> });
    wait_for("the log", WAIT, || query_all(&root, ".log-line").len() == 2).await;
    assert_eq!(text_of(&root, ".log-line .ansi-fg-2"), "INFO");
    let error = query(&root, ".log-line .ansi-fg-1").expect("the red word");
    assert!(error.class_name().contains("ansi-bold"), "{}", error.class_name());
    let texts: Vec<String> = query_all(&root, ".log-line .lt").iter().filter_map(|e| e.text_content()).collect();
    assert_eq!(texts, ["INFO ready", "ERROR boom"]);
    assert!(texts.iter().all(|t| !t.contains('\x1b') && !t.contains("[32m")));
}

// ---- Service text is text -------------------------------------------------------------

#[wasm_bindgen_test]
async fn html_in_logs_job_names_and_errors_renders_as_text() {
    let evil = "<img src=x onerror=alert(1)><b>bold</b>";
    let root = mount(test_config(), None, html! { <LogViewer source={text_source(&format!("ok\n{evil}\n"))} /> });
    wait_for("the log", WAIT, || query_all(&root, ".log-line").len() == 2).await;
    type_into(&root, "#log-search", "<b>");
    wait_for("a mark", WAIT, || query(&root, ".log-line mark").is_some()).await;
    assert!(query(&root, ".log-lines img").is_none() && query(&root, ".log-lines b").is_none());
    assert_eq!(query_all(&root, ".log-line .lt")[1].text_content().as_deref(), Some(evil));

    let mut failing = job("evil", JobStatus::Failed, &[]);
    failing.job_spec_name = format!("name{evil}");
    failing.error = Some(format!("error {evil}"));
    let jobs = Rc::new(vec![failing]);
    let mut bad_attempt = attempt(1, 0, Some(1), Some(1), None);
    bad_attempt.error = Some(evil.to_owned());
    let root = mount(
        test_config(),
        None,
        html! {
            <>
                <JobsTable jobs={jobs.clone()} />
                <JobGraph jobs={jobs} on_open={Callback::noop()} />
                <AttemptsTable attempts={vec![bad_attempt]} selected={None::<u32>} />
            </>
        },
    );
    wait_for("the table", WAIT, || query(&root, "table.jobs td.job-why").is_some()).await;
    assert_eq!(count(&root, "img") + count(&root, "b"), 0, "no element was made from service text");
    assert_eq!(text_of(&root, "table.jobs .job-name a"), format!("name{evil}"));
    assert_eq!(text_of(&root, "table.jobs .job-why"), format!("error {evil}"));
    assert_eq!(text_of(&root, "table.attempts .attempt-error"), evil);
    assert!(any_text(&root, "g.graph-node title").contains("<img"));
}

// ---- Against the real kiln-server -----------------------------------------------------

fn client() -> Client {
    Client::new(&test_config(), None)
}

/// The RID of a demo job spec, by name, from the service's catalog.
async fn jobspec(name: &str) -> Rid {
    let query = CatalogQuery { q: Some(name.to_owned()), limit: None };
    let specs = api::catalog::jobspecs(&client(), &query).await.expect("the catalog answers");
    specs.job_specs.into_iter().find(|s| s.name == name).map(|s| s.rid).expect("the demo pipeline has this job spec")
}

/// Reads the build's report until the job of `spec` is in a state `wanted` accepts (for up
/// to a minute); its team, run id and job RID.
async fn job_of(build: &Rid, spec: &Rid, what: &str, wanted: impl Fn(JobStatus) -> bool) -> (TeamName, u64, Rid) {
    let deadline = js_sys::Date::now() + 60_000.0;
    loop {
        let report = api::build2::build_report(&client(), build).await.expect("the report").expect("the build");
        if let Some(job) = report.jobs.iter().find(|j| j.job_spec_rid == *spec && wanted(j.status)) {
            return (report.team.clone(), report.run_id, job.rid.clone());
        }
        assert!(js_sys::Date::now() < deadline, "timed out after a minute waiting for {what}");
        gloo_timers::future::sleep(Duration::from_millis(300)).await;
    }
}

async fn submit(selection: JobSpecSelection) -> Rid {
    let request = SubmitBuildRequest {
        job_spec_selections: vec![selection],
        force_build: Some(true),
        ..SubmitBuildRequest::default()
    };
    let answer =
        api::build2::submit_build(&client(), &request, &TeamName::default_team()).await.expect("the build is accepted");
    answer.build_rid
}

#[wasm_bindgen_test]
async fn build_report_shows_a_real_builds_jobs_live() {
    require_server();
    let spec = jobspec("clean-orders").await;
    let build = submit(JobSpecSelection::JobSpecs(JobSpecsSelection {
        job_spec_rids: vec![spec.clone()],
        is_required: Some(true),
    }))
    .await;
    let root = mount(test_config(), None, html! { <BuildReportPage rid={build.to_string()} /> });
    wait_for("the job in the table", Duration::from_secs(20), || {
        text_of(&root, "table.jobs .job-name") == "clean-orders"
    })
    .await;
    assert_eq!(count(&root, "g.graph-node"), 1, "the graph shows the job");
    assert!(text_of(&root, ".report-head h1").starts_with("Build #"));
    // The report keeps itself up to date until the build is over.
    wait_for("the build to succeed", Duration::from_secs(60), || {
        query(&root, ".build-report").and_then(|s| s.get_attribute("data-status")).as_deref() == Some("SUCCEEDED")
    })
    .await;
    assert_eq!(text_of(&root, "table.jobs .badge"), "Succeeded");
    wait_for("the attempt on the timeline", WAIT, || query(&root, ".tl-bar.badge-ok").is_some()).await;
    let title = text_of(&root, ".crumbs [aria-current=page]");
    assert!(title.starts_with("Build #"), "{title}");
    assert_eq!(text_of(&root, ".crumbs"), format!("Builds › default › {title}"), "the breadcrumb names the team");

    // The job's page has the same trail, one step longer.
    let (_, _, job) = job_of(&build, &spec, "the job", |_| true).await;
    let root = mount(test_config(), None, html! { <JobReportPage rid={job.to_string()} /> });
    let trail = format!("Builds › default › {title} › clean-orders");
    wait_for("the job's breadcrumb", WAIT, || text_of(&root, ".crumbs") == trail).await;
}

#[wasm_bindgen_test]
async fn log_viewer_tails_a_running_attempt() {
    require_server();
    let slow = jobspec("customer-lifetime").await;
    let spec = api::catalog::jobspecs(&client(), &CatalogQuery { q: Some("customer-lifetime".into()), limit: None })
        .await
        .expect("the catalog answers");
    let output = spec.job_specs.iter().find(|s| s.rid == slow).and_then(|s| s.outputs.first().cloned());
    let build = submit(JobSpecSelection::Upstream(UpstreamSelection {
        dataset_rids: vec![output.expect("the slow job writes a dataset")],
        dataset_rids_to_ignore: Vec::new(),
    }))
    .await;
    // Wait for the slow job to start, then tail its first attempt.
    let (team, run_id, job) =
        job_of(&build, &slow, "the slow job to start", |status| status == JobStatus::Running).await;
    let source = LogSource::Service { client: client(), team: team.clone(), run_id, job: job.clone(), attempt: 1 };
    let root = mount(test_config(), None, html! { <LogViewer {source} /> });
    let count = || {
        query(&root, ".log-lines")
            .and_then(|e| e.get_attribute("data-line-count"))
            .and_then(|n| n.parse::<usize>().ok())
    };
    wait_for("progress lines", Duration::from_secs(20), || count().unwrap_or(0) >= 1).await;
    let first = count().unwrap_or(0);
    wait_for("more lines while it runs", Duration::from_secs(20), || count().unwrap_or(0) > first).await;
    assert!(text_of(&root, ".log-lines").contains("scoring customers: step 1 of"));
    assert_eq!(query(&root, ".log-viewer").and_then(|e| e.get_attribute("data-feed")).as_deref(), Some("live"));
    // Do not leave the slow build running for the other tests.
    let _ = api::teams::stop(&client(), &team, run_id).await;
}

#[derive(Properties, PartialEq)]
struct NoTeamsProps {
    children: Html,
}

/// Tells the session what the app's health check tells it for a plain build2 service.
#[component]
fn NoTeams(props: &NoTeamsProps) -> Html {
    let session = use_session();
    let ready = session.teams_available;
    use_effect_with((), move |()| session.dispatch(SessionAction::TeamsUnavailable));
    if ready { Html::default() } else { props.children.clone() }
}

#[wasm_bindgen_test]
async fn reports_work_without_the_teams_api_and_say_what_is_missing() {
    require_server();
    let spec = jobspec("clean-customers").await;
    let build =
        submit(JobSpecSelection::JobSpecs(JobSpecsSelection { job_spec_rids: vec![spec], is_required: Some(true) }))
            .await;
    let root = mount(test_config(), None, html! { <NoTeams><BuildReportPage rid={build.to_string()} /></NoTeams> });
    wait_for("the job in the table", Duration::from_secs(20), || {
        text_of(&root, "table.jobs .job-name") == "clean-customers"
    })
    .await;
    assert!(query(&root, ".stop-build").is_none(), "no Stop without the teams API");
    wait_for("the build to finish", Duration::from_secs(60), || {
        query(&root, ".build-report").and_then(|s| s.get_attribute("data-status")).as_deref() == Some("SUCCEEDED")
    })
    .await;
    let job = query(&root, "table.jobs tr[data-job]").and_then(|tr| tr.get_attribute("data-job")).expect("a job row");

    let root = mount(test_config(), None, html! { <NoTeams><JobReportPage rid={job} /></NoTeams> });
    wait_for("the job report", Duration::from_secs(20), || query(&root, ".job-report").is_some()).await;
    assert!(query(&root, ".log-viewer").is_none(), "no log viewer without the teams API");
    assert!(text_of(&root, ".log-card").contains("teams API"), "{}", text_of(&root, ".log-card"));
    assert_eq!(query_all(&root, "table.attempts tbody tr").len(), 1, "attempts still come from build2");
}
