//! The team builds page: badges, filters and their URL form, the windowed table, the
//! store's live upserts and rollbacks, and service text shown as text.

use std::rc::Rc;
use std::time::Duration;

use kiln_api::build2::{BuildStatus, JobStatus};
use kiln_api::teams::{ArchivedFilter, TeamBuild, TeamBuildState};
use kiln_console::components::status_badge::{StatusBadge, build_look, job_look, team_look};
use kiln_console::components::windowed_list::{WindowedList, window};
use kiln_console::pages::team_builds::actions::{Outcome, Report};
use kiln_console::pages::team_builds::filters::{
    Filters, SortColumn, SortDir, Verdict, matches, parse_tags, sort_builds, text_matches,
};
use kiln_console::pages::team_builds::report::ReportPanel;
use kiln_console::pages::team_builds::row::BuildRow;
use kiln_console::pages::team_builds::store::{BuildsStore, StoreAction};
use kiln_console::pages::team_builds::table::{BuildsTable, ROW_HEIGHT};
use wasm_bindgen_test::wasm_bindgen_test;
use yew::prelude::*;

use crate::common::{mount, query, query_all, test_config, text_of, wait_for};

const WAIT: Duration = Duration::from_secs(5);

/// A build as the service would send it; `minute` spaces creation times apart.
fn build(run_id: u64, state: &str, tags: &[&str], who: &str, minute: u32) -> TeamBuild {
    let json = serde_json::json!({
        "team": "default",
        "runId": run_id,
        "buildRid": format!("ri.foundry.main.build.b{run_id}"),
        "path": format!("/data/default/logs/{run_id}"),
        "tags": tags,
        "archived": false,
        "createdBy": who,
        "createdTime": format!("2026-06-08T{:02}:{:02}:00Z", 10 + minute / 60, minute % 60),
        "status": {"timestamp": format!("2026-06-08T{:02}:{:02}:30Z", 10 + minute / 60, minute % 60), "state": state, "error": null},
    });
    serde_json::from_value(json).expect("a valid TeamBuild")
}

fn rows(n: u64) -> Rc<Vec<Rc<TeamBuild>>> {
    Rc::new((1..=n).rev().map(|i| Rc::new(build(i, "complete", &["nightly"], "ada", (i % 600) as u32))).collect())
}

// ---- Badges ----

#[wasm_bindgen_test]
async fn status_badge_shows_every_team_build_and_job_state() {
    let looks: Vec<_> =
        TeamBuildState::ALL.into_iter().map(team_look).chain(JobStatus::ALL.into_iter().map(job_look)).collect();
    let root = mount(
        test_config(),
        None,
        html! { <div>{ for looks.iter().map(|look| html! { <StatusBadge look={*look} /> }) }</div> },
    );
    wait_for("every badge", WAIT, || query_all(&root, ".badge").len() == looks.len()).await;
    let badges = query_all(&root, ".badge");
    for (badge, look) in badges.iter().zip(&looks) {
        assert_eq!(badge.text_content().as_deref(), Some(look.label));
        assert!(
            badge.get_attribute("class").is_some_and(|c| c.split_whitespace().any(|c| c == look.class)),
            "{} has {}",
            look.label,
            look.class
        );
        assert!(look.class.starts_with("badge-"), "{} has a styled class", look.label);
    }
    let team_labels: Vec<_> = TeamBuildState::ALL.into_iter().map(|s| team_look(s).label).collect();
    assert_eq!(team_labels, ["Queued", "Running", "Complete", "Failed", "Stopped"]);
    let job_labels: Vec<_> = JobStatus::ALL.into_iter().map(|s| job_look(s).label).collect();
    assert_eq!(job_labels, ["Waiting", "Running", "Succeeded", "Failed", "Stopped", "Did not run"]);
    let build_labels: Vec<_> = BuildStatus::ALL.into_iter().map(|s| build_look(s).label).collect();
    assert_eq!(
        build_labels,
        ["Running", "Succeeded", "Failed", "Stopped"],
        "one word for a stopped build on every page"
    );
    let failed = team_look(TeamBuildState::Failed).class;
    assert_ne!(failed, team_look(TeamBuildState::Complete).class, "failure and success look different");
}

// ---- Filters and their URL form ----

#[wasm_bindgen_test]
fn filters_round_trip_through_the_url() {
    assert_eq!(Filters::default().to_query_string(), "", "the plain view has a plain URL");
    let filters = Filters {
        state: Some(TeamBuildState::Failed),
        tag: Some("night & day".into()),
        dataset: Some("ri.foundry.main.dataset.x".into()),
        text: Some("#12 ada".into()),
        archived: ArchivedFilter::All,
        sort: SortColumn::Duration,
        dir: SortDir::Asc,
    };
    let query = filters.to_query_string();
    assert!(
        query.contains("state=failed") && query.contains("archived=all") && query.contains("sort=duration"),
        "{query}"
    );
    assert!(query.contains("tag=night+%26+day"), "values are encoded: {query}");
    assert_eq!(Filters::from_query_str(&query), filters);
    assert_eq!(Filters::from_query_str(&format!("?{query}")), filters, "a leading ? is fine");
}

#[wasm_bindgen_test]
fn filters_from_a_stale_link_fall_back_to_defaults() {
    let f = Filters::from_query_str("state=exploded&archived=maybe&sort=colour&dir=up&tag=%20%20&q=&extra=1");
    assert_eq!(f, Filters::default());
    assert!(!f.is_filtered());
    let f = Filters::from_query_str("q=%20ada%20&sort=status");
    assert_eq!(f.text.as_deref(), Some("ada"), "surrounding space is trimmed");
    assert!(f.is_filtered());
    assert_eq!(f.without_sort().sort, SortColumn::Created);
}

#[wasm_bindgen_test]
fn filters_ask_the_service_for_everything_but_the_sort() {
    let f = Filters::from_query_str("state=running&tag=x&dataset=d&q=t&archived=true&sort=who");
    let q = f.service_query(Some("c1".into()));
    assert_eq!(q.state, Some(TeamBuildState::Running));
    assert_eq!(q.archived, Some(ArchivedFilter::True));
    assert_eq!((q.tag.as_deref(), q.dataset.as_deref(), q.q.as_deref()), (Some("x"), Some("d"), Some("t")));
    assert_eq!(q.cursor.as_deref(), Some("c1"));
    assert!(q.limit.is_some_and(|l| l <= kiln_api::teams::MAX_PAGE_SIZE));
}

#[wasm_bindgen_test]
fn sorting_by_a_column_twice_flips_it() {
    let f = Filters::default();
    assert_eq!((f.sort, f.dir), (SortColumn::Created, SortDir::Desc), "newest first by default");
    let by_who = f.sorted_by(SortColumn::Who);
    assert_eq!((by_who.sort, by_who.dir), (SortColumn::Who, SortDir::Asc));
    let flipped = by_who.sorted_by(SortColumn::Who);
    assert_eq!((flipped.sort, flipped.dir), (SortColumn::Who, SortDir::Desc));
}

#[wasm_bindgen_test]
fn builds_sort_by_each_column_with_run_id_breaking_ties() {
    let mut builds = vec![
        build(1, "complete", &[], "Zed", 0),
        build(2, "running", &[], "ada", 5),
        build(3, "failed", &[], "bob", 2),
        build(4, "complete", &[], "ada", 1),
    ];
    let now = builds[1].created_time.unix_millis() + 3_600_000;
    let ids = |b: &[TeamBuild]| b.iter().map(|b| b.run_id).collect::<Vec<_>>();
    let order = |sort, dir| Filters { sort, dir, ..Filters::default() };

    sort_builds(&mut builds, &order(SortColumn::Created, SortDir::Desc), now);
    assert_eq!(ids(&builds), [2, 3, 4, 1]);
    sort_builds(&mut builds, &order(SortColumn::Who, SortDir::Asc), now);
    assert_eq!(ids(&builds), [2, 4, 3, 1], "case-insensitive, ties by run id");
    sort_builds(&mut builds, &order(SortColumn::Status, SortDir::Asc), now);
    assert_eq!(ids(&builds), [2, 3, 1, 4], "running first, then failed, then complete");
    sort_builds(&mut builds, &order(SortColumn::Duration, SortDir::Desc), now);
    assert_eq!(builds[0].run_id, 2, "a running build's duration runs to now");
    sort_builds(&mut builds, &order(SortColumn::Run, SortDir::Asc), now);
    assert_eq!(ids(&builds), [1, 2, 3, 4]);
}

#[wasm_bindgen_test]
fn live_builds_are_judged_against_the_filters() {
    let b = build(7, "running", &["nightly"], "ada", 0);
    assert_eq!(matches(&b, &Filters::default()), Verdict::Yes);
    let f = |q: &str| Filters::from_query_str(q);
    assert_eq!(matches(&b, &f("state=running&tag=nightly")), Verdict::Yes);
    assert_eq!(matches(&b, &f("state=failed")), Verdict::No);
    assert_eq!(matches(&b, &f("tag=weekly")), Verdict::No);
    assert_eq!(matches(&b, &f("archived=true")), Verdict::No);
    assert_eq!(matches(&b, &f("archived=all")), Verdict::Yes);
    assert_eq!(matches(&b, &f("q=%237")), Verdict::Yes, "#7 is the run id");
    assert_eq!(matches(&b, &f("q=ADA")), Verdict::Yes, "free text ignores case");
    assert_eq!(matches(&b, &f("q=clean_orders")), Verdict::Unknown, "may be a job name only the service knows");
    assert_eq!(matches(&b, &f("dataset=orders")), Verdict::Unknown);
    assert!(text_matches(&b, "b7") && !text_matches(&b, "70"));
}

#[wasm_bindgen_test]
fn tags_typed_in_one_field_are_split_and_deduplicated() {
    assert_eq!(parse_tags(" nightly, ,prod\nnightly,  a b "), ["nightly", "prod", "a b"]);
    assert!(parse_tags(" , ").is_empty());
}

// ---- The store ----

fn reduce(store: Rc<BuildsStore>, action: StoreAction) -> Rc<BuildsStore> {
    yew::functional::Reducible::reduce(store, action)
}

#[wasm_bindgen_test]
fn the_store_upserts_live_builds_and_drops_stale_pages() {
    let filters = Filters::from_query_str("state=running");
    let store = reduce(Rc::default(), StoreAction::Reset { generation: 3, filters });
    let store = reduce(
        store,
        StoreAction::Page {
            generation: 2,
            builds: vec![build(1, "running", &[], "a", 0)],
            next_cursor: None,
            append: false,
        },
    );
    assert!(store.rows.is_empty(), "an answer to an older listing is dropped");
    let store = reduce(
        store,
        StoreAction::Page {
            generation: 3,
            builds: vec![build(1, "running", &[], "a", 0)],
            next_cursor: None,
            append: false,
        },
    );
    assert_eq!(store.rows.len(), 1);

    // A shown build changes in place, even when it leaves the filtered state.
    let store = reduce(store, StoreAction::Upsert(build(1, "complete", &[], "a", 0)));
    assert_eq!(store.rows[0].status.state, TeamBuildState::Complete);
    // A new build joins only when it matches.
    let store = reduce(store, StoreAction::Upsert(build(2, "failed", &[], "a", 1)));
    assert_eq!(store.rows.len(), 1);
    let store = reduce(store, StoreAction::Upsert(build(3, "running", &[], "a", 2)));
    assert_eq!(store.rows.len(), 2);
}

#[wasm_bindgen_test]
fn an_actions_answer_older_than_the_events_does_not_undo_them() {
    let store = reduce(Rc::default(), StoreAction::Reset { generation: 1, filters: Filters::default() });
    let running = build(5, "running", &[], "ada", 0);
    let store = reduce(
        store,
        StoreAction::Page { generation: 1, builds: vec![running.clone()], next_cursor: None, append: false },
    );
    let store = reduce(store, StoreAction::Begin { run_id: 5, label: "Stopping…", optimistic: None });
    // The stopped event arrives before Stop's read-back, which still says running.
    let store = reduce(store, StoreAction::Upsert(build(5, "stopped", &[], "ada", 1)));
    let store = reduce(store, StoreAction::Succeeded { run_id: 5, build: Some(running) });
    assert_eq!(store.rows[0].status.state, TeamBuildState::Stopped);
    assert!(store.pending.is_empty());
    // A newer answer is taken as it is.
    let store =
        reduce(store, StoreAction::Succeeded { run_id: 5, build: Some(build(5, "complete", &["x"], "ada", 2)) });
    assert_eq!(
        (store.rows[0].status.state, store.rows[0].tags.clone()),
        (TeamBuildState::Complete, vec!["x".to_owned()])
    );
}

#[wasm_bindgen_test]
fn a_list_read_before_the_events_does_not_put_a_build_back() {
    let store = reduce(Rc::default(), StoreAction::Reset { generation: 1, filters: Filters::default() });
    // A warm load shows the cached page at once.
    let cached = build(3, "complete", &[], "ada", 0);
    let store = reduce(
        store,
        StoreAction::Page { generation: 1, builds: vec![cached.clone()], next_cursor: None, append: false },
    );
    // The stream brings a new build, queued then running, before the first page answers.
    let store = reduce(store, StoreAction::Upsert(build(5, "queued", &[], "ada", 1)));
    let store = reduce(store, StoreAction::Upsert(build(5, "running", &[], "ada", 2)));
    // The first page was read before build 5 existed: it replaces the cached rows, but
    // keeps what the stream brought.
    let store = reduce(
        store,
        StoreAction::Page {
            generation: 1,
            builds: vec![build(4, "complete", &[], "ada", 0)],
            next_cursor: None,
            append: false,
        },
    );
    let mut shown: Vec<u64> = store.rows.iter().map(|b| b.run_id).collect();
    shown.sort_unstable();
    assert_eq!(shown, vec![4, 5], "the cached build 3 is replaced, the streamed build 5 kept");
    // A catch-up read from while build 5 was queued answers after its running event.
    let store =
        reduce(store, StoreAction::Merge { generation: 1, builds: vec![build(5, "queued", &["late"], "ada", 1)] });
    let five = store.find(5).expect("build 5 is shown");
    assert_eq!(five.status.state, TeamBuildState::Running, "the status does not go back");
    assert_eq!(five.tags, vec!["late".to_owned()], "the rest of the answer is taken");
    // At the same millisecond, the further state is the later one.
    let mut queued_now = build(5, "queued", &[], "ada", 2);
    queued_now.status.timestamp = five.status.timestamp;
    let store = reduce(store, StoreAction::Merge { generation: 1, builds: vec![queued_now] });
    assert_eq!(store.find(5).map(|b| b.status.state), Some(TeamBuildState::Running));
    // A newer status is taken, whichever way it comes.
    let store = reduce(store, StoreAction::Merge { generation: 1, builds: vec![build(5, "complete", &[], "ada", 3)] });
    assert_eq!(store.find(5).map(|b| b.status.state), Some(TeamBuildState::Complete));
}

#[wasm_bindgen_test]
fn a_failed_action_is_rolled_back_and_marked() {
    let store = reduce(Rc::default(), StoreAction::Reset { generation: 1, filters: Filters::default() });
    let original = build(4, "complete", &["a"], "x", 0);
    let store = reduce(
        store,
        StoreAction::Page { generation: 1, builds: vec![original.clone()], next_cursor: None, append: false },
    );
    let optimistic = TeamBuild { archived: true, ..original.clone() };
    let store = reduce(store, StoreAction::Begin { run_id: 4, label: "Archiving…", optimistic: Some(optimistic) });
    assert!(store.rows.is_empty(), "an archived build leaves Current builds at once");
    assert_eq!(store.pending.get(&4), Some(&"Archiving…"));
    let store = reduce(store, StoreAction::RolledBack { run_id: 4, previous: original.clone() });
    assert_eq!(*store.rows[0], original, "the row is as it was");
    assert!(store.pending.is_empty());
    assert!(store.rolled_back.contains(&4), "and marked, so the reader sees it");
}

// ---- The windowed list ----

#[wasm_bindgen_test]
fn the_window_is_the_viewport_plus_a_buffer() {
    assert_eq!(window(10_000, 40, 0.0, 400.0, 5), 0..16);
    assert_eq!(window(10_000, 40, 4000.0, 400.0, 5), 95..116);
    assert_eq!(window(10_000, 40, 1e9, 400.0, 5), 10_000..10_000);
    assert_eq!(window(3, 40, 0.0, 400.0, 5), 0..3);
    assert_eq!(window(0, 40, 0.0, 400.0, 5), 0..0);
}

#[wasm_bindgen_test]
async fn the_windowed_list_mounts_a_screenful_of_ten_thousand_items() {
    let render_row =
        Callback::from(|i: usize| html! { <div key={i} class="item" data-index={i.to_string()}>{ i }</div> });
    let root = mount(
        test_config(),
        None,
        html! { <WindowedList count={10_000} row_height={20} overscan={4} {render_row} style="height: 200px" /> },
    );
    // 200 px of 20 px rows is 10 rows, +1 for a partly shown one, +4 on each side.
    let most = 10 + 1 + 2 * 4;
    wait_for("the first rows", WAIT, || query(&root, "[data-index='0']").is_some()).await;
    assert!(query_all(&root, ".item").len() <= most, "{} items mounted", query_all(&root, ".item").len());
    let list = query(&root, ".windowed-list").expect("the list");
    list.set_scroll_top(5_000 * 20);
    list.dispatch_event(&web_sys::Event::new("scroll").expect("an event")).expect("dispatch");
    wait_for("row 5000", WAIT, || query(&root, "[data-index='5000']").is_some()).await;
    let mounted = query_all(&root, ".item");
    assert!(mounted.len() <= most, "{} items mounted after scrolling", mounted.len());
    assert!(query(&root, "[data-index='0']").is_none(), "rows scrolled past are unmounted");
}

#[wasm_bindgen_test]
async fn the_builds_table_keeps_a_screenful_of_ten_thousand_builds_mounted() {
    let all = rows(10_000);
    let height = 440;
    let root = mount(
        test_config(),
        None,
        html! { <BuildsTable rows={all.clone()} filters={Filters::default()} style={format!("height: {height}px")} /> },
    );
    let screenful = (height / ROW_HEIGHT) as usize + 1;
    let most = screenful + 2 * 8;
    wait_for("the newest build", WAIT, || query(&root, ".build-row[data-run-id='10000']").is_some()).await;
    let count = || query_all(&root, ".build-row[data-run-id]").len();
    assert!(count() <= most, "{} rows mounted for a {screenful}-row screen", count());
    let table = query(&root, "[role=table]").expect("a table");
    assert_eq!(table.get_attribute("aria-rowcount").as_deref(), Some("10001"), "assistive tech hears every row");

    table.set_scroll_top(6_000 * ROW_HEIGHT as i32);
    table.dispatch_event(&web_sys::Event::new("scroll").expect("an event")).expect("dispatch");
    // Row index 6000 holds run 4000 (newest first).
    wait_for("run 4000", WAIT, || query(&root, ".build-row[data-run-id='4000']").is_some()).await;
    assert!(count() <= most, "{} rows mounted after scrolling", count());
    assert!(query(&root, ".build-row[data-run-id='10000']").is_none());
}

// ---- Service text is text ----

#[wasm_bindgen_test]
async fn tags_and_errors_with_html_render_as_text() {
    let mut b = build(9, "failed", &["<img src=x onerror=alert(1)>", "<b>bold</b>"], "<i>eve</i>", 0);
    b.status.error = Some("<script>alert(2)</script> job failed".into());
    let b = Rc::new(b);
    let report = Report {
        id: 1,
        title: "Archive build #9".into(),
        total: 1,
        outcomes: vec![Outcome { run_id: 9, ok: false, message: "<em>409</em> still running".into() }],
    };
    let root = mount(
        test_config(),
        None,
        html! {
            <div>
                <BuildRow build={b} row_index={2} selected={false} pending={None} rolled_back={true} watched={false}
                    on_select={Callback::noop()} on_action={Callback::noop()} />
                <ReportPanel {report} on_dismiss={Callback::noop()} />
            </div>
        },
    );
    wait_for("the row", WAIT, || query(&root, ".build-row").is_some()).await;
    for tag in ["img", "b", "i", "script", "em"] {
        assert!(query(&root, tag).is_none(), "no <{tag}> was made from service text");
    }
    let tags: Vec<_> = query_all(&root, ".tag").iter().filter_map(|t| t.text_content()).collect();
    assert_eq!(tags, ["<img src=x onerror=alert(1)>", "<b>bold</b>"]);
    assert!(text_of(&root, ".row-error").starts_with("<script>"));
    assert_eq!(text_of(&root, ".col-who"), "<i>eve</i>");
    assert!(text_of(&root, ".outcome-message").starts_with("<em>409</em>"));
    assert!(text_of(&root, ".outcome-word").contains("Failed"));
}

#[wasm_bindgen_test]
async fn a_row_shows_its_build_and_links_to_the_report() {
    let b = Rc::new(build(12, "running", &["nightly"], "ada", 0));
    let root = mount(
        test_config(),
        None,
        html! { <BuildRow build={b} row_index={2} selected={true} pending={None} rolled_back={false} watched={false}
        on_select={Callback::noop()} on_action={Callback::noop()} /> },
    );
    wait_for("the row", WAIT, || query(&root, ".build-row").is_some()).await;
    let link = query(&root, ".col-run a").expect("a link");
    assert_eq!(link.get_attribute("href").as_deref(), Some("/builds/ri.foundry.main.build.b12"));
    assert_eq!(text_of(&root, ".badge"), "Running");
    let created = query(&root, ".col-created").expect("created");
    assert!(created.get_attribute("title").is_some_and(|t| t.contains("2026-06-08T10:00:00Z")), "exact time on hover");
    assert!(query(&root, "button[aria-label='Stop build #12']").is_some(), "a running build can be stopped");
    assert!(
        query(&root, "button[aria-label='Archive build #12']").is_some_and(|b| b.has_attribute("disabled")),
        "a running build cannot be archived"
    );
    assert_eq!(text_of(&root, ".col-path"), "/data/default/logs/12");
}

#[wasm_bindgen_test]
fn a_failure_reads_as_sentences_whatever_the_service_wrote() {
    use kiln_console::pages::team_builds::actions::sentence;
    assert_eq!(
        sentence("a running build cannot be archived", "Nothing was changed."),
        "a running build cannot be archived. Nothing was changed."
    );
    assert_eq!(sentence("Not found. ", "Nothing was changed."), "Not found. Nothing was changed.");
}

// ---- Watching and liveness ----

#[wasm_bindgen_test]
fn watching_a_build_is_kept_for_the_session() {
    use kiln_console::notify;
    let rid = "ri.foundry.main.build.watch-test";
    notify::unwatch(rid);
    assert!(!notify::is_watched(rid));
    notify::watch(rid);
    notify::watch(rid);
    assert!(notify::is_watched(rid));
    assert_eq!(notify::watched().iter().filter(|r| r.as_str() == rid).count(), 1, "watched once");
    notify::unwatch(rid);
    assert!(!notify::is_watched(rid));
}

#[wasm_bindgen_test]
async fn without_a_stream_the_page_polls_and_explains_a_failed_load() {
    use kiln_api::teams::RuntimeConfig;
    use kiln_console::pages::team_builds::TeamBuildsPage;
    // Nothing listens on port 9: the events stream fails and so does the listing.
    let nowhere = RuntimeConfig {
        build2_url: "http://127.0.0.1:9/build2/api".into(),
        teams_url: "http://127.0.0.1:9/api/v1".into(),
        ..RuntimeConfig::default()
    };
    let root = mount(nowhere, Some("/teams/default/builds"), html! { <TeamBuildsPage team="default" /> });
    wait_for("the polling fallback", WAIT, || query(&root, ".live-indicator[data-live='polling']").is_some()).await;
    wait_for("the load error", WAIT, || query(&root, ".builds-error").is_some()).await;
    assert!(text_of(&root, ".builds-error").contains("could not be loaded"));
    assert!(query(&root, ".builds-error button").is_some(), "with a way to try again");
}

#[wasm_bindgen_test]
async fn a_team_name_that_cannot_be_is_explained() {
    use kiln_console::pages::team_builds::TeamBuildsPage;
    let root = mount(test_config(), None, html! { <TeamBuildsPage team="Not A Team!" /> });
    wait_for("the notice", WAIT, || query(&root, ".notice").is_some()).await;
    assert!(text_of(&root, ".notice").contains("is not a team name"));
}
