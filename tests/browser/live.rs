//! The tab's shared data: one events stream whatever the pages, reports that follow its
//! events with no poll in between, one clock that moves every running time, and a windowed
//! list that fills its viewport on first paint.

use std::rc::Rc;
use std::time::Duration;

use kiln_api::build2::{JobSpecSelection, JobSpecsSelection, JobStatus, SubmitBuildRequest, UpstreamSelection};
use kiln_api::teams::{CatalogJobSpec, CatalogQuery, TeamBuild};
use kiln_api::{Rid, TeamName, Timestamp};
use kiln_console::api::{self, Client};
use kiln_console::components::status_badge::job_look;
use kiln_console::components::timeline::{Bar, Timeline};
use kiln_console::components::toasts::ToastHost;
use kiln_console::components::windowed_list::WindowedList;
use kiln_console::hooks::clock::Took;
use kiln_console::hooks::live::POLL_EVERY;
use kiln_console::pages::build_report::BuildReportPage;
use kiln_console::pages::team_builds::TeamBuildsPage;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;
use yew::prelude::*;

use crate::common::{mount, mount_live, query, query_all, server_url, test_config, text_of, wait_for};

const WAIT: Duration = Duration::from_secs(10);

fn client() -> Client {
    Client::new(&test_config(), None)
}

/// Runs a JavaScript statement on the test page.
fn js(source: &str) -> JsValue {
    js_sys::Function::new_no_args(source).call0(&JsValue::NULL).expect("the script runs")
}

fn js_number(source: &str) -> f64 {
    js(source).as_f64().expect("a number")
}

/// Counts the EventSources the page opens from now on, in `window.__kilnStreams`.
fn count_event_sources() {
    js("if (!window.__kilnRealEventSource) {
          window.__kilnRealEventSource = window.EventSource;
          window.__kilnStreams = 0;
          const Real = window.__kilnRealEventSource;
          const Counting = function (url, options) { window.__kilnStreams += 1; return new Real(url, options); };
          Counting.prototype = Real.prototype;
          Object.assign(Counting, { CONNECTING: 0, OPEN: 1, CLOSED: 2 });
          window.EventSource = Counting;
        }");
}

/// From `arm_fetch_block(rid)` on, GETs of that build's report never answer, and are
/// counted in `window.__kilnBlocked`: whatever the page shows after that came from the
/// events stream. (Pages of earlier tests stay mounted, so only this build counts.)
fn install_fetch_block() {
    js("if (!window.__kilnRealFetch) {
          window.__kilnRealFetch = window.fetch;
          window.__kilnBlocking = null;
          window.__kilnBlocked = 0;
          window.__kilnWatched = null;
          window.__kilnInFlight = 0;
          window.__kilnFetched = 0;
          window.fetch = function (input, init) {
            const url = typeof input === 'string' ? input : input.url;
            if (window.__kilnBlocking && url.includes('/info/builds2/' + window.__kilnBlocking)) {
              window.__kilnBlocked += 1;
              return new Promise(() => {});
            }
            if (window.__kilnWatched && url.includes('/info/builds2/' + window.__kilnWatched)) {
              window.__kilnInFlight += 1;
              window.__kilnFetched += 1;
              const done = () => { window.__kilnInFlight -= 1; };
              // While held, the fetch is sent when `__kilnRelease()` is called.
              const send = () => window.__kilnRealFetch.call(window, input, init);
              const answer = window.__kilnHolding
                ? new Promise((resolve) => { window.__kilnRelease = () => resolve(send()); })
                : send();
              // fetch answers with the headers; the page reads the report from the body
              // later. So a fetch counts as on its way until a copy of its body has been
              // read and one more task has run (the page's own read ends with it).
              answer.then((r) => r.clone().text()).then(() => setTimeout(done, 0), done);
              return answer;
            }
            return window.__kilnRealFetch.call(window, input, init);
          };
        }");
}

fn arm_fetch_block(build: &Rid) {
    js(&format!("window.__kilnBlocking = '{}'; window.__kilnBlocked = 0;", api::encode(build.as_str())));
}

/// Counts the fetches of this build's report in `window.__kilnFetched` (and those on
/// their way in `__kilnInFlight`).
fn watch(build: &Rid) {
    js(&format!("window.__kilnWatched = '{}';", api::encode(build.as_str())));
}

fn fetched() -> f64 {
    js_number("return window.__kilnFetched")
}

/// Makes the page look hidden (or visible again) to `document.visibilityState`, and tells
/// it, as the browser does when a person switches tabs.
fn set_hidden(hidden: bool) {
    let state = if hidden { "hidden" } else { "visible" };
    js(&format!(
        "Object.defineProperty(document, 'visibilityState', {{ configurable: true, get: () => '{state}' }});
         Object.defineProperty(document, 'hidden', {{ configurable: true, get: () => {hidden} }});
         document.dispatchEvent(new Event('visibilitychange'));"
    ));
}

/// Holds the next fetches of the watched build's report until `release_held_fetch()`.
fn hold_fetches(on: bool) {
    js(&format!("window.__kilnHolding = {on};"));
}

fn release_held_fetch() {
    js("window.__kilnRelease();");
}

/// Keeps the EventSource the page opens next in `window.__kilnStream`, to see when it is open.
fn keep_next_event_source() {
    count_event_sources();
    js("if (!window.__kilnKeeping) {
          window.__kilnKeeping = true;
          const Counting = window.EventSource;
          const Keeping = function (url, options) { const s = new Counting(url, options); window.__kilnStream = s; return s; };
          Keeping.prototype = Counting.prototype;
          Object.assign(Keeping, { CONNECTING: 0, OPEN: 1, CLOSED: 2 });
          window.EventSource = Keeping;
        }
        window.__kilnStream = null;");
}

fn disarm_fetch_block() {
    js("window.__kilnBlocking = null;");
}

/// A job spec of the demo pipeline, by name, from the service's catalog.
async fn demo_job_spec(name: &str) -> CatalogJobSpec {
    let query = CatalogQuery { q: Some(name.to_owned()), limit: None };
    let specs = api::catalog::jobspecs(&client(), &query).await.expect("the catalog answers");
    specs.job_specs.into_iter().find(|s| s.name == name).expect("the demo pipeline has this job spec")
}

async fn slow_build() -> (Rid, TeamName, u64) {
    let slow = demo_job_spec("customer-lifetime").await;
    let request = SubmitBuildRequest {
        job_spec_selections: vec![JobSpecSelection::Upstream(UpstreamSelection {
            dataset_rids: slow.outputs.clone(),
            dataset_rids_to_ignore: Vec::new(),
        })],
        force_build: Some(true),
        ..SubmitBuildRequest::default()
    };
    let answer = api::build2::submit_build(&client(), &request, &TeamName::default_team()).await.expect("accepted");
    let report = api::build2::build_report(&client(), &answer.build_rid).await.expect("the report").expect("known");
    (answer.build_rid, report.team, report.run_id)
}

/// A build of the quick clean-orders job, once it has finished.
async fn finished_build() -> Rid {
    let spec = demo_job_spec("clean-orders").await;
    let request = SubmitBuildRequest {
        job_spec_selections: vec![JobSpecSelection::JobSpecs(JobSpecsSelection {
            job_spec_rids: vec![spec.rid],
            is_required: Some(true),
        })],
        force_build: Some(true),
        ..SubmitBuildRequest::default()
    };
    let answer = api::build2::submit_build(&client(), &request, &TeamName::default_team()).await.expect("accepted");
    let deadline = js_sys::Date::now() + 60_000.0;
    loop {
        let report = api::build2::build_report(&client(), &answer.build_rid).await.expect("the report").expect("known");
        if report.status.is_terminal() {
            return answer.build_rid;
        }
        assert!(js_sys::Date::now() < deadline, "the build did not finish within a minute");
        gloo_timers::future::sleep(Duration::from_millis(200)).await;
    }
}

#[wasm_bindgen_test]
async fn a_tab_opens_one_events_stream_whatever_its_pages_show() {
    server_url().expect("cargo xtask test starts kiln-server for these tests");
    count_event_sources();
    let before = js_number("return window.__kilnStreams");
    // The team list, a build report and the toasts all listen, as on the app's pages.
    let (build, _, _) = slow_build().await;
    let (root, app) = mount_live(
        test_config(),
        html! {
            <>
                <TeamBuildsPage team="default" />
                <BuildReportPage rid={build.to_string()} />
                <ToastHost />
            </>
        },
    );
    wait_for("the list to stream", WAIT, || query(&root, ".live-indicator[data-live=streaming]").is_some()).await;
    wait_for("the report to stream", WAIT, || query(&root, ".live-note[data-freshness=streaming]").is_some()).await;
    assert_eq!(js_number("return window.__kilnStreams") - before, 1.0, "one EventSource for the whole tab");
    app.destroy();
    root.remove();
    if let Some(report) = api::build2::build_report(&client(), &build).await.ok().flatten() {
        let _ = api::teams::stop(&client(), &report.team, report.run_id).await;
    }
}

fn job_badge(root: &web_sys::Element, name: &str) -> String {
    query_all(root, "table.jobs tbody tr[data-job]")
        .into_iter()
        .find(|row| text_of(row, ".job-name") == name)
        .map(|row| text_of(&row, ".badge"))
        .unwrap_or_default()
}

fn job_took(root: &web_sys::Element, name: &str) -> Option<i64> {
    let row =
        query_all(root, "table.jobs tbody tr[data-job]").into_iter().find(|row| text_of(row, ".job-name") == name)?;
    whole_seconds(&text_of(&row, ".took"))
}

/// A short duration as the console writes it ("under 1 s", "12 s") in whole seconds.
fn whole_seconds(text: &str) -> Option<i64> {
    if text == "under 1 s" { Some(0) } else { text.strip_suffix(" s")?.parse().ok() }
}

#[wasm_bindgen_test]
async fn the_build_report_follows_events_with_no_poll_in_between() {
    server_url().expect("cargo xtask test starts kiln-server for these tests");
    install_fetch_block();
    let (build, team, run_id) = slow_build().await;
    watch(&build);
    let (root, app) = mount_live(test_config(), html! { <BuildReportPage rid={build.to_string()} /> });
    wait_for("the report to stream", WAIT, || query(&root, ".live-note[data-freshness=streaming]").is_some()).await;
    wait_for("the slow job to run", Duration::from_secs(60), || job_badge(&root, "customer-lifetime") == "Running")
        .await;
    // Once no fetch of the report is on its way (a catch-up after an early event may be),
    // the report cannot be fetched any more: what changes, the stream changed.
    wait_for("no fetch on its way", WAIT, || js_number("return window.__kilnInFlight") == 0.0).await;
    arm_fetch_block(&build);
    let took = job_took(&root, "customer-lifetime").expect("a running job shows how long it has run");
    // The shared clock moves the running job's time; two seconds pass, more than the
    // fallback polling interval, and nothing polls.
    // Waits as `wait_for` does, but says what the row showed when it gives up. (That is how
    // a flake was found: a report read from a body still on its way after the counter said
    // "none", older than the events, put the job back to Waiting.)
    let deadline = js_sys::Date::now() + WAIT.as_millis() as f64;
    while job_took(&root, "customer-lifetime").is_none_or(|t| t < took + 2) {
        assert!(
            js_sys::Date::now() < deadline,
            "the running time did not move on from {took} s in {WAIT:?}: the row shows badge {:?}, took {:?}, \
             the report {:?} ({:?})",
            job_badge(&root, "customer-lifetime"),
            query_all(&root, "table.jobs tbody tr[data-job]")
                .into_iter()
                .find(|row| text_of(row, ".job-name") == "customer-lifetime")
                .map(|row| text_of(&row, ".took")),
            query(&root, ".build-report").and_then(|s| s.get_attribute("data-status")),
            text_of(&root, ".live-note"),
        );
        gloo_timers::future::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(js_number("return window.__kilnBlocked"), 0.0, "a streaming report does not poll");

    api::teams::stop(&client(), &team, run_id).await.expect("the build stops");
    wait_for("the stopped job", WAIT, || job_badge(&root, "customer-lifetime") == "Stopped").await;
    wait_for("the stopped build", WAIT, || {
        query(&root, ".build-report").and_then(|s| s.get_attribute("data-status")).as_deref() == Some("CANCELED")
    })
    .await;
    assert!(
        js_number("return window.__kilnBlocked") <= 1.0,
        "at most the one fetch of the final report, after the events had shown it"
    );
    assert!(text_of(&root, ".took-running").is_empty(), "nothing runs on a stopped build");
    disarm_fetch_block();
    app.destroy();
    root.remove();
}

/// Without the events stream, a report is fetched again while it may still change and the
/// tab is visible, and not while the tab is hidden or once the report is final. The time
/// that must pass for the negative claims is read off the tab's own clock: a running
/// `Took` beside the report, started when the test mounts it.
#[wasm_bindgen_test]
async fn a_report_without_a_stream_polls_only_while_it_changes_and_is_visible() {
    server_url().expect("cargo xtask test starts kiln-server for these tests");
    install_fetch_block();
    let (build, team, run_id) = slow_build().await;
    watch(&build);
    let started = js_sys::Date::now() as i64;
    let root = mount(
        test_config(),
        None,
        html! {
            <>
                <span class="witness"><Took started={Some(ts(started))} finished={None} /></span>
                <BuildReportPage rid={build.to_string()} />
            </>
        },
    );
    let witness = || whole_seconds(&text_of(&root, ".witness"));
    // Two poll intervals and a second for the fetch itself, in the clock's whole seconds.
    let polls = (POLL_EVERY * 2).as_secs() as i64 + 2;
    let later = |from: i64| move || witness().is_some_and(|s| s >= from + polls);

    wait_for("the report to poll", WAIT, || query(&root, ".live-note[data-freshness=polling]").is_some()).await;
    wait_for("the slow job to run", Duration::from_secs(60), || job_badge(&root, "customer-lifetime") == "Running")
        .await;
    let before = fetched();
    wait_for("two more fetches of a running report", WAIT, || fetched() >= before + 2.0).await;

    set_hidden(true);
    wait_for("no fetch on its way", WAIT, || js_number("return window.__kilnInFlight") == 0.0).await;
    let hidden_at = (fetched(), witness().unwrap_or_default());
    wait_for("two poll intervals while hidden", WAIT, later(hidden_at.1)).await;
    assert_eq!(fetched(), hidden_at.0, "a hidden tab does not fetch");

    set_hidden(false);
    wait_for("polling to resume once visible", WAIT, || fetched() > hidden_at.0).await;

    api::teams::stop(&client(), &team, run_id).await.expect("the build stops");
    wait_for("the stopped build", WAIT, || {
        query(&root, ".build-report").and_then(|s| s.get_attribute("data-status")).as_deref() == Some("CANCELED")
    })
    .await;
    wait_for("a final report", WAIT, || query(&root, ".live-note[data-freshness=polling]").is_none()).await;
    wait_for("no fetch on its way", WAIT, || js_number("return window.__kilnInFlight") == 0.0).await;
    let final_at = (fetched(), witness().unwrap_or_default());
    wait_for("two poll intervals after the end", WAIT, later(final_at.1)).await;
    assert_eq!(fetched(), final_at.0, "a final report is not fetched again");
    js("window.__kilnWatched = null;");
    root.remove();
}

fn ts(millis: i64) -> Timestamp {
    Timestamp::from_unix_millis(millis).expect("a valid time")
}

#[wasm_bindgen_test]
async fn one_clock_moves_running_durations_and_the_timeline_axis() {
    let now = js_sys::Date::now() as i64;
    let bars = Rc::new(vec![Bar {
        job: Rid::parse("ri.foundry.main.job.clock").expect("a rid"),
        label: "clock".into(),
        start: now - 5_000,
        end: None,
        look: job_look(JobStatus::Running),
        detail: String::new(),
    }]);
    let root = mount(
        test_config(),
        None,
        html! {
            <>
                <span class="running"><Took started={Some(ts(now - 5_000))} finished={None} /></span>
                <span class="done"><Took started={Some(ts(now - 60_000))} finished={Some(ts(now - 50_000))} /></span>
                <Timeline {bars} />
            </>
        },
    );
    let seconds = |selector: &str| whole_seconds(&text_of(&root, selector));
    wait_for("the running time", WAIT, || seconds(".running").is_some()).await;
    let first = seconds(".running").unwrap_or_default();
    assert!((5..=6).contains(&first), "{first}");
    let axis_end = || query_all(&root, ".tl-tick").last().map(|t| t.text_content().unwrap_or_default());
    let first_axis = axis_end();
    wait_for("the running time to move on", WAIT, || seconds(".running").is_some_and(|s| s >= first + 2)).await;
    assert_eq!(seconds(".done"), Some(10), "a finished duration stands still");
    // The axis runs to now, so it stretches as the running bar grows (5 s → 7 s and more).
    wait_for("the axis to stretch", WAIT, || axis_end() != first_axis).await;
}

#[wasm_bindgen_test]
async fn a_finished_timeline_is_not_drawn_again_as_the_clock_ticks() {
    let now = js_sys::Date::now() as i64;
    let bars = Rc::new(
        (0..200)
            .map(|i| Bar {
                job: Rid::parse(&format!("ri.foundry.main.job.still{i}")).expect("a rid"),
                label: format!("still{i}"),
                start: now - 60_000 + i * 100,
                end: Some(now - 30_000 + i * 100),
                look: job_look(JobStatus::Succeeded),
                detail: String::new(),
            })
            .collect::<Vec<_>>(),
    );
    let root = mount(
        test_config(),
        None,
        html! {
            <>
                <span class="running"><Took started={Some(ts(now))} finished={None} /></span>
                <Timeline {bars} />
            </>
        },
    );
    let seconds = |selector: &str| whole_seconds(&text_of(&root, selector));
    wait_for("the timeline", WAIT, || query_all(&root, ".tl-bar").len() == 200).await;
    // Every change to the timeline's elements from now on, counted in the page.
    let timeline = query(&root, ".timeline").expect("the timeline");
    let watch = js_sys::Function::new_with_args(
        "target",
        "window.__kilnTimelineChanges = 0;
         new MutationObserver((records) => { window.__kilnTimelineChanges += records.length; })
           .observe(target, { subtree: true, childList: true, attributes: true, characterData: true });",
    );
    watch.call1(&JsValue::NULL, &timeline).expect("the observer is installed");
    let first = seconds(".running").unwrap_or_default();
    // Two ticks of the tab's clock: the running time on the same page moved on twice.
    wait_for("two ticks", WAIT, || seconds(".running").is_some_and(|s| s >= first + 2)).await;
    assert_eq!(js_number("return window.__kilnTimelineChanges"), 0.0, "nothing on the timeline changed");
}

fn team_build(run_id: u64) -> Rc<TeamBuild> {
    let json = serde_json::json!({
        "team": "default", "runId": run_id, "buildRid": format!("ri.foundry.main.build.f{run_id}"),
        "path": "/data", "tags": [], "archived": false, "createdBy": "ada",
        "createdTime": "2026-06-08T10:00:00Z",
        "status": {"timestamp": "2026-06-08T10:00:30Z", "state": "complete", "error": null},
    });
    Rc::new(serde_json::from_value(json).expect("a valid TeamBuild"))
}

#[derive(Properties, PartialEq)]
struct ArrivingProps {
    rows: usize,
}

/// A list that is empty at first and gets its rows after it was mounted, as the team
/// builds page does when the first page of builds answers.
#[component]
fn Arriving(props: &ArrivingProps) -> Html {
    let count = use_state(|| 0usize);
    {
        let (count, rows) = (count.clone(), props.rows);
        use_effect_with((), move |()| {
            wasm_bindgen_futures::spawn_local(async move {
                gloo_timers::future::sleep(Duration::from_millis(50)).await;
                count.set(rows);
            });
        });
    }
    let builds: Rc<Vec<Rc<TeamBuild>>> = use_memo(*count, |n| (1..=*n as u64).map(team_build).collect());
    let render_row = use_callback(builds, |i: usize, builds| {
        let build = &builds[i];
        html! { <div class="row" data-run-id={build.run_id.to_string()} style="height: 40px">{ build.run_id }</div> }
    });
    html! {
        <WindowedList count={*count} row_height={40} {render_row} overscan={2} style="max-height: 400px" />
    }
}

#[wasm_bindgen_test]
async fn a_windowed_list_fills_its_viewport_when_its_rows_arrive() {
    let root = mount(test_config(), None, html! { <Arriving rows={25} /> });
    // 400 px of 40 px rows: rows 1–10 are in view, and two more past the edge.
    wait_for("the viewport's rows", WAIT, || query_all(&root, ".row").len() >= 10).await;
    let mounted: Vec<String> = query_all(&root, ".row").iter().filter_map(|r| r.get_attribute("data-run-id")).collect();
    assert!(mounted.len() >= 11 && mounted.len() <= 13, "{mounted:?}");
    assert_eq!(mounted.first().map(String::as_str), Some("1"));
    let list = query(&root, ".windowed-list").expect("the list");
    assert_eq!(list.client_height(), 400, "the list took its full height once the rows arrived");
}

#[wasm_bindgen_test]
async fn a_finished_builds_report_is_fetched_once_when_the_stream_opens_during_the_fetch() {
    server_url().expect("cargo xtask test starts kiln-server for these tests");
    install_fetch_block();
    keep_next_event_source();
    let build = finished_build().await;
    watch(&build);
    hold_fetches(true);
    let before = fetched();
    let (root, app) = mount_live(test_config(), html! { <BuildReportPage rid={build.to_string()} /> });
    wait_for("the report's fetch", WAIT, || fetched() == before + 1.0).await;
    // The stream opens while the first fetch is still on its way…
    let stream_state = || js_number("return window.__kilnStream ? window.__kilnStream.readyState : -1");
    let deadline = js_sys::Date::now() + WAIT.as_millis() as f64;
    while stream_state() != 1.0 {
        assert!(
            js_sys::Date::now() < deadline,
            "the stream did not open: readyState {}, streams made {}",
            stream_state(),
            js_number("return window.__kilnStreams")
        );
        gloo_timers::future::sleep(Duration::from_millis(50)).await;
    }
    hold_fetches(false);
    release_held_fetch();
    wait_for("the final report", WAIT, || query(&root, ".live-note[data-freshness=final]").is_some()).await;
    wait_for("no fetch on its way", WAIT, || js_number("return window.__kilnInFlight") == 0.0).await;
    // A finished build cannot change, so the catch-up fetch after the stream opened is not made.
    assert_eq!(fetched(), before + 1.0, "one fetch of a final report");
    app.destroy();
}
