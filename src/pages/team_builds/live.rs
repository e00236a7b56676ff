//! Keeping the table live: the team's events stream upserts rows as builds change, and
//! when the stream is down the page polls instead, but never while the tab is hidden.

use std::cell::RefCell;
use std::rc::Rc;

use gloo_timers::callback::Interval;
use kiln_api::TeamName;
use kiln_api::teams::Event;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use yew::prelude::*;

use super::store::{BuildsStore, StoreAction};
use crate::api::events::{Subscription, subscribe};
use crate::api::{self, Client};
use crate::notify::page_visible;

/// How often the page polls while the stream is down.
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

/// The page's visibility, kept current by the `visibilitychange` event.
#[hook]
fn use_page_visible() -> bool {
    let visible = use_state_eq(page_visible);
    {
        let visible = visible.clone();
        use_effect_with((), move |_| {
            let listener = Closure::<dyn Fn()>::new(move || visible.set(page_visible()));
            let document = web_sys::window().and_then(|w| w.document());
            if let Some(d) = &document {
                let _ = d.add_event_listener_with_callback("visibilitychange", listener.as_ref().unchecked_ref());
            }
            move || {
                if let Some(d) = &document {
                    let _ =
                        d.remove_event_listener_with_callback("visibilitychange", listener.as_ref().unchecked_ref());
                }
            }
        });
    }
    *visible
}

/// Subscribes to `team`'s events and upserts its builds into the store; polls through
/// `refresh` (a merge of the newest builds) while the stream is down and the tab visible.
#[hook]
pub fn use_live_builds(
    client: Client,
    team: TeamName,
    store: UseReducerDispatcher<BuildsStore>,
    refresh: Callback<()>,
) -> Liveness {
    let stream_down = use_state_eq(|| false);
    let visible = use_page_visible();
    let subscription = use_mut_ref(|| None::<Subscription>);

    {
        let (stream_down, subscription) = (stream_down.clone(), subscription.clone());
        use_effect_with((client, team), move |(client, team)| {
            let ours = team.clone();
            let on_event = Callback::from(move |event: Event| {
                if let Event::Build(build) = event
                    && build.team == ours
                {
                    store.dispatch(StoreAction::Upsert(build));
                }
            });
            let down = stream_down.clone();
            let opened = subscribe(client, team, on_event, Callback::from(move |()| down.set(true)));
            stream_down.set(opened.is_none());
            *subscription.borrow_mut() = opened;
            move || {
                subscription.borrow_mut().take();
            }
        });
    }

    {
        let (stream_down_handle, subscription) = (stream_down.clone(), subscription.clone());
        use_effect_with((*stream_down && visible, refresh), move |(polling, refresh)| {
            let interval = polling.then(|| {
                // Catch up at once on what the stream missed, then keep asking.
                refresh.emit(());
                poll_every(refresh.clone(), stream_down_handle, subscription)
            });
            move || drop(interval)
        });
    }

    match (*stream_down, visible) {
        (false, _) => Liveness::Streaming,
        (true, true) => Liveness::Polling,
        (true, false) => Liveness::Paused,
    }
}

fn poll_every(
    refresh: Callback<()>,
    stream_down: UseStateHandle<bool>,
    subscription: Rc<RefCell<Option<Subscription>>>,
) -> Interval {
    Interval::new(POLL_EVERY_MS, move || {
        if !page_visible() {
            return;
        }
        refresh.emit(());
        // The browser reconnects the stream by itself; once it is back, polling stops.
        if subscription.borrow().as_ref().is_some_and(Subscription::is_open) {
            stream_down.set(false);
        }
    })
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
