//! The team builds page: find any build of a team, watch it change live, act on it.
//!
//! `filters` turns the URL into what is shown, `store` holds the loaded builds, `live`
//! keeps them current, `table`/`row` draw them (windowed), `actions` and `dialogs` act
//! on them and `report` says how that went.

pub mod actions;
mod cache;
pub mod dialogs;
pub mod filters;
pub mod live;
pub mod report;
pub mod row;
pub mod store;
pub mod table;
pub mod toolbar;

use std::cell::Cell;
use std::collections::BTreeSet;
use std::rc::Rc;

use kiln_api::TeamName;
use kiln_api::teams::TeamBuild;
use yew::prelude::*;
use yew_router::prelude::*;

use self::actions::{Kind, ReportAction, Reports, Runner};
use self::dialogs::{ActionDialog, Dialog};
use self::filters::{Filters, SortColumn, sort_builds};
use self::live::{Liveness, fetch_page, use_live_builds};
use self::report::ReportPanel;
use self::row::RowAction;
use self::store::{BuildsStore, StoreAction};
use self::table::BuildsTable;
use self::toolbar::FilterBar;
use crate::components::toasts::{NotificationsOptIn, Toaster};
use crate::notify;
use crate::route::{CompareQuery, Route};
use crate::session::{SessionAction, use_session};
use crate::time_fmt::now_millis;

/// The builds of the session's current team.
#[component]
pub fn CurrentTeamBuilds() -> Html {
    let session = use_session();
    html! { <TeamBuildsPage team={session.team.to_string()} /> }
}

#[derive(Properties, PartialEq)]
pub struct TeamBuildsProps {
    pub team: String,
}

#[component]
pub fn TeamBuildsPage(props: &TeamBuildsProps) -> Html {
    let session = use_session();
    if !session.teams_available {
        return html! {
            <section class="page narrow">
                <h1>{ "Team builds" }</h1>
                <p class="notice" role="status">
                    { "Team views are unavailable: this service has no teams API (a plain build2 service). \
                       You can still submit builds and open build and job reports by pasting a RID above." }
                </p>
            </section>
        };
    }
    match TeamName::parse(&props.team) {
        Ok(team) => html! { <TeamBuildsView {team} /> },
        Err(error) => html! {
            <section class="page narrow">
                <h1>{ "Team builds" }</h1>
                <p class="notice" role="alert">{ format!("\"{}\" is not a team name: {error}", props.team) }</p>
            </section>
        },
    }
}

#[derive(Properties, PartialEq)]
struct ViewProps {
    team: TeamName,
}

/// Which builds are selected for a bulk action.
#[derive(Debug, Clone, PartialEq, Default)]
struct Selection(Rc<BTreeSet<u64>>);

enum SelectionAction {
    Set(u64, bool),
    All(Vec<u64>),
    Clear,
}

impl Reducible for Selection {
    type Action = SelectionAction;
    fn reduce(self: Rc<Self>, action: SelectionAction) -> Rc<Self> {
        let mut set = (*self.0).clone();
        match action {
            SelectionAction::Set(id, true) => {
                set.insert(id);
            }
            SelectionAction::Set(id, false) => {
                set.remove(&id);
            }
            SelectionAction::All(ids) => set = crate::sort::set_from(ids),
            SelectionAction::Clear => set.clear(),
        }
        Rc::new(Selection(Rc::new(set)))
    }
}

/// Two selected builds to compare, the earlier one first; by RID, since run numbers in the
/// compare page are the current team's and this list may be another team's.
fn compare_pair(x: &TeamBuild, y: &TeamBuild) -> CompareQuery {
    let (a, b) = if x.run_id < y.run_id { (x, y) } else { (y, x) };
    CompareQuery { a: Some(a.build_rid.to_string()), b: Some(b.build_rid.to_string()) }
}

#[component]
fn TeamBuildsView(props: &ViewProps) -> Html {
    let session = use_session();
    let client = session.client();
    let team = props.team.clone();
    let location = use_location();
    let navigator = use_navigator();
    let route = use_route::<Route>().unwrap_or(Route::TeamBuilds { team: team.to_string() });
    let filters = location.map(|l| Filters::from_query_str(l.query_str())).unwrap_or_default();
    let listing = filters.without_sort();
    let store = use_reducer(BuildsStore::default);
    let selection = use_reducer(Selection::default);
    let reports = use_reducer(Reports::default);
    let dialog = use_state(|| None::<Dialog>);
    let watched = use_state(|| Rc::new(crate::sort::set_from(notify::watched())));
    let generations = use_memo((), |_| Cell::new(0u32));
    let last_report = use_memo((), |_| Cell::new(0u32));
    let reload = use_state(|| 0u32);
    let poll_error = use_state_eq(|| None::<String>);
    let toaster = use_context::<Toaster>();

    // A new listing whenever the service, the team or the filters change (not the sort).
    {
        let (store, selection, session, generations) =
            (store.dispatcher(), selection.dispatcher(), session.clone(), generations.clone());
        use_effect_with((client.clone(), team.clone(), listing.clone(), *reload), move |(client, team, listing, _)| {
            let generation = generations.get().wrapping_add(1);
            generations.set(generation);
            store.dispatch(StoreAction::Reset { generation, filters: listing.clone() });
            selection.dispatch(SelectionAction::Clear);
            // A warm load shows what this browser saw last at once; the answer replaces it.
            let cacheable = !listing.is_filtered();
            if let Some(page) = cacheable.then(|| cache::load(client, team)).flatten() {
                store.dispatch(StoreAction::Page {
                    generation,
                    builds: page.builds,
                    next_cursor: page.next_cursor,
                    append: false,
                });
            }
            let (client, team, listing) = (client.clone(), team.clone(), listing.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match fetch_page(&client, &team, &listing, None).await {
                    Ok(page) => {
                        if cacheable {
                            cache::save(&client, &team, &page);
                        }
                        store.dispatch(StoreAction::Page {
                            generation,
                            builds: page.builds,
                            next_cursor: page.next_cursor,
                            append: false,
                        });
                    }
                    Err(error) => {
                        if error.is_unauthorized() {
                            session.dispatch(SessionAction::ShowError(error.clone()));
                        }
                        store.dispatch(StoreAction::Failed { generation, error });
                    }
                }
            });
        });
    }

    // The newest builds again, merged into what is shown: polling and catching up.
    let refresh = {
        let (dispatch, poll_error) = (store.dispatcher(), poll_error.clone());
        use_callback((client.clone(), team.clone(), listing.clone(), store.generation), move |(), deps| {
            let (client, team, listing, generation) = deps.clone();
            let (dispatch, poll_error) = (dispatch.clone(), poll_error.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match fetch_page(&client, &team, &listing, None).await {
                    Ok(page) => {
                        poll_error.set(None);
                        dispatch.dispatch(StoreAction::Merge { generation, builds: page.builds });
                    }
                    Err(error) => poll_error.set(Some(error.to_string())),
                }
            });
        })
    };
    {
        let refresh = refresh.clone();
        use_effect_with(store.stale, move |stale| {
            if *stale > 0 {
                refresh.emit(());
            }
        });
    }
    let liveness = use_live_builds(team.clone(), store.dispatcher(), refresh);

    let on_near_end = {
        let dispatch = store.dispatcher();
        let deps =
            (client.clone(), team.clone(), listing.clone(), store.generation, store.next_cursor.clone(), store.loading);
        use_callback(deps, move |(), (client, team, listing, generation, cursor, loading)| {
            let (Some(cursor), false) = (cursor.clone(), *loading) else { return };
            dispatch.dispatch(StoreAction::LoadingMore);
            let (client, team, listing, generation, dispatch) =
                (client.clone(), team.clone(), listing.clone(), *generation, dispatch.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match fetch_page(&client, &team, &listing, Some(cursor)).await {
                    Ok(page) => dispatch.dispatch(StoreAction::Page {
                        generation,
                        builds: page.builds,
                        next_cursor: page.next_cursor,
                        append: true,
                    }),
                    Err(error) => dispatch.dispatch(StoreAction::Failed { generation, error }),
                }
            });
        })
    };

    // Sorted again when the rows change; running durations grow together, so their order
    // by duration holds between changes without a clock.
    let sorted = {
        use_memo((store.rows.clone(), filters.sort, filters.dir), move |(rows, sort, dir)| {
            let mut rows: Vec<Rc<TeamBuild>> = (**rows).clone();
            let order = Filters { sort: *sort, dir: *dir, ..Filters::default() };
            sort_builds(&mut rows, &order, now_millis());
            rows
        })
    };

    let go = {
        let (navigator, route) = (navigator.clone(), route.clone());
        Callback::from(move |next: Filters| {
            if let Some(nav) = &navigator {
                // Filters are history entries: Back returns to the previous view.
                let _ = nav.push_with_query(&route, next.to_url());
            }
        })
    };
    let on_sort = {
        let (go, filters) = (go.clone(), filters.clone());
        Callback::from(move |column: SortColumn| go.emit(filters.sorted_by(column)))
    };
    let on_select = {
        let selection = selection.dispatcher();
        use_callback((), move |(id, on): (u64, bool), _| selection.dispatch(SelectionAction::Set(id, on)))
    };
    let on_select_all = {
        let (selection, rows) = (selection.dispatcher(), sorted.clone());
        use_callback(rows, move |on: bool, rows| {
            selection.dispatch(if on {
                SelectionAction::All(rows.iter().map(|b| b.run_id).collect())
            } else {
                SelectionAction::Clear
            })
        })
    };
    let runner = Runner {
        client: client.clone(),
        team: team.clone(),
        store: store.dispatcher(),
        reports: reports.dispatcher(),
        session: session.clone(),
        last_report: last_report.clone(),
        toaster: toaster.clone(),
    };
    let on_action = {
        let (runner, dialog, watched) = (runner.clone(), dialog.clone(), watched.clone());
        use_callback((client.clone(), team.clone()), move |action: RowAction, _| match action {
            RowAction::Stop(build) => dialog.set(Some(Dialog::Stop(vec![build]))),
            RowAction::EditTags(build) => dialog.set(Some(Dialog::EditTags(build))),
            RowAction::Archive(build) => runner.run(Kind::Archive, vec![build]),
            RowAction::Restore(build) => runner.run(Kind::Restore, vec![build]),
            RowAction::ToggleWatch(build) => {
                let rid = build.build_rid.as_str();
                if notify::is_watched(rid) {
                    notify::unwatch(rid);
                } else {
                    notify::watch(rid);
                    // Watching is the moment to ask: the click lets the browser show its prompt.
                    if notify::permission() == notify::Permission::Ask {
                        wasm_bindgen_futures::spawn_local(async {
                            notify::request_permission().await;
                        });
                    }
                }
                watched.set(Rc::new(crate::sort::set_from(notify::watched())));
            }
        })
    };
    let on_confirm = {
        let (runner, dialog) = (runner.clone(), dialog.clone());
        Callback::from(move |(kind, builds): (Kind, Vec<Rc<TeamBuild>>)| {
            dialog.set(None);
            runner.run(kind, builds);
        })
    };
    let on_cancel = {
        let dialog = dialog.clone();
        Callback::from(move |()| dialog.set(None))
    };
    let on_dismiss_report = {
        let reports = reports.dispatcher();
        Callback::from(move |()| reports.dispatch(ReportAction::Dismiss))
    };

    let selected: Vec<Rc<TeamBuild>> = sorted.iter().filter(|b| selection.0.contains(&b.run_id)).cloned().collect();
    let bulk = |make: fn(Vec<Rc<TeamBuild>>) -> Dialog| {
        let (dialog, selected) = (dialog.clone(), selected.clone());
        Callback::from(move |_: MouseEvent| dialog.set(Some(make(selected.clone()))))
    };
    let bulk_run = |kind: Kind| {
        let (runner, selected) = (runner.clone(), selected.clone());
        Callback::from(move |_: MouseEvent| runner.run(kind.clone(), selected.clone()))
    };
    let on_clear_selection = {
        let selection = selection.dispatcher();
        Callback::from(move |_: MouseEvent| selection.dispatch(SelectionAction::Clear))
    };
    let on_retry = {
        let reload = reload.clone();
        Callback::from(move |_: MouseEvent| reload.set(reload.wrapping_add(1)))
    };

    let count_words = match (store.loaded, sorted.len(), store.next_cursor.is_some()) {
        (false, _, _) => "Loading builds…".to_owned(),
        (true, 1, false) => "1 build".to_owned(),
        (true, n, false) => format!("{n} builds"),
        (true, n, true) => format!("{n} builds loaded; more load as you scroll"),
    };
    let live_state = match liveness {
        Liveness::Streaming => "streaming",
        Liveness::Polling => "polling",
        Liveness::Paused => "paused",
    };
    let body = if let (Some(error), true) = (&store.error, store.rows.is_empty()) {
        html! {
            <div class="card builds-error" role="alert">
                <p>{ format!("The builds of {team} could not be loaded: {error}") }</p>
                <button type="button" onclick={on_retry}>{ "Try again" }</button>
            </div>
        }
    } else if store.loaded && sorted.is_empty() {
        html! {
            <div class="card builds-empty" role="status">
                if filters.is_filtered() {
                    <p>{ "No builds match these filters." }</p>
                } else {
                    <p>{ format!("{team} has no builds yet. ") }
                        <Link<Route> to={Route::Submit}>{ "Submit one" }</Link<Route>></p>
                }
            </div>
        }
    } else {
        html! {
            <BuildsTable rows={sorted.clone()} filters={filters.clone()} selected={selection.0.clone()}
                pending={store.pending.clone()} rolled_back={store.rolled_back.clone()} watched={(*watched).clone()}
                {on_sort} {on_select} {on_select_all} {on_action} on_near_end={Some(on_near_end)} />
        }
    };

    html! {
        <section class="page team-builds" aria-labelledby="team-builds-title">
            <div class="page-head">
                <h1 id="team-builds-title">{ format!("Builds of {team}") }</h1>
                <span class="live-indicator" data-live={live_state} role="status">
                    <span class="live-dot" aria-hidden="true"></span>{ liveness.words() }
                </span>
                if let Some(error) = &*poll_error {
                    <span class="poll-error" title={error.clone()}>{ "Last refresh failed" }</span>
                }
                <span class="page-head-end"><NotificationsOptIn /></span>
            </div>
            <FilterBar filters={filters.clone()} on_change={go} />
            if let Some(report) = &reports.current {
                <ReportPanel report={report.clone()} on_dismiss={on_dismiss_report} />
            }
            if !selected.is_empty() {
                <div class="bulk-bar" role="toolbar" aria-label="Act on the selected builds">
                    <strong>{ format!("{} selected", selected.len()) }</strong>
                    <button type="button" class="button-danger" onclick={bulk(Dialog::Stop)}>{ "Stop…" }</button>
                    <button type="button" onclick={bulk_run(Kind::Archive)}>{ "Archive" }</button>
                    <button type="button" onclick={bulk_run(Kind::Restore)}>{ "Restore" }</button>
                    <button type="button" onclick={bulk(|builds| Dialog::BulkTag { builds, remove: false })}>{ "Add tag…" }</button>
                    <button type="button" onclick={bulk(|builds| Dialog::BulkTag { builds, remove: true })}>{ "Remove tag…" }</button>
                    if let [first, second] = selected.as_slice() {
                        <Link<Route, CompareQuery> to={Route::Compare} query={Some(compare_pair(first, second))}
                            classes="button compare-selected">{ "Compare" }</Link<Route, CompareQuery>>
                    }
                    <button type="button" class="button-quiet" onclick={on_clear_selection}>{ "Clear selection" }</button>
                </div>
            }
            <p class="builds-count muted" aria-live="polite">{ count_words }</p>
            { body }
            if let Some(d) = &*dialog {
                <ActionDialog dialog={d.clone()} {on_confirm} {on_cancel} />
            }
        </section>
    }
}
