//! Keeping the table live: the tab's events stream upserts rows as builds change, and
//! while the stream is not open the page polls instead, but never while the tab is hidden.

use gloo_timers::callback::Interval;
use kiln_api::TeamName;
use kiln_api::teams::Event;
use yew::prelude::*;

use super::store::{BuildsStore, StoreAction};
use crate::api::{self, Client};
use crate::hooks::events::{Signal, use_event_listener, use_events};
use crate::hooks::visible::use_page_visible;

/// How often the page polls while the stream is not open.
pub const POLL_EVERY_MS: u32 = 5_000;

/// How the page is kept up to date right now, for the indicator above the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Liveness {
    /// Changes arrive through the events stream.
    Streaming,
    /// The stream is down; the page asks every few seconds.
    Polling,
    /// The stream is down and the tab is hidden, so nothing is asked.
    Paused,
}

impl Liveness {
    pub fn words(self) -> &'static str {
        match self {
            Liveness::Streaming => "Live",
            Liveness::Polling => "Refreshing every 5 s (live stream unavailable)",
            Liveness::Paused => "Paused while this tab is hidden",
        }
    }
}

/// Upserts `team`'s builds from the tab's events stream into the store; asks `refresh` (a
/// merge of the newest builds) when the stream (re)opens, and every few seconds while it
/// is not open and the tab is visible.
#[hook]
pub fn use_live_builds(team: TeamName, store: UseReducerDispatcher<BuildsStore>, refresh: Callback<()>) -> Liveness {
    let events = use_events();
    let visible = use_page_visible();
    let streaming = events.is_live();
    use_event_listener((team, refresh.clone()), move |(team, refresh), signal| match signal {
        Signal::Event(event) => {
            if let Event::Build(build) = &*event
                && build.team == *team
            {
                store.dispatch(StoreAction::Upsert(build.clone()));
            }
        }
        // Catch up on what streamed by while the stream was not open.
        Signal::Opened => refresh.emit(()),
    });
    use_effect_with((!streaming && visible, refresh), move |(polling, refresh)| {
        let interval = polling.then(|| {
            // Catch up at once on what the stream missed, then keep asking.
            refresh.emit(());
            let refresh = refresh.clone();
            Interval::new(POLL_EVERY_MS, move || refresh.emit(()))
        });
        move || drop(interval)
    });
    match (streaming, visible) {
        (true, _) => Liveness::Streaming,
        (false, true) => Liveness::Polling,
        (false, false) => Liveness::Paused,
    }
}

/// Fetches one page of the listing the store shows now.
pub async fn fetch_page(
    client: &Client,
    team: &TeamName,
    filters: &super::filters::Filters,
    cursor: Option<String>,
) -> Result<kiln_api::teams::BuildsPage, api::ApiError> {
    api::teams::builds(client, team, &filters.service_query(cursor)).await
}
