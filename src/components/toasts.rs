//! In-page toasts for finished builds of the current team, from the service's
//! `notification` events, and the opt-in button for the browser's own notifications.
//!
//! The host listens to the tab's events stream for the current team's notifications; when
//! the stream is down it asks for them instead, while the page is visible.

use std::cell::Cell;
use std::collections::BTreeSet;
use std::rc::Rc;
use std::time::Duration;

use gloo_timers::callback::Interval;
use kiln_api::Timestamp;
use kiln_api::teams::{Event, Notification, TeamBuildState};
use yew::prelude::*;
use yew_router::prelude::*;

use crate::api;
use crate::components::status_badge::{StatusBadge, team_look};
use crate::hooks::events::{Signal, use_event_listener, use_events};
use crate::notify::{self, Permission};
use crate::route::Route;
use crate::session::use_session;
use crate::time_fmt::now_millis;

/// How long a toast stays before it leaves by itself.
const TOAST_LIFETIME: Duration = Duration::from_secs(12);
/// How often notifications are fetched while the events stream is down.
const POLL_EVERY_MS: u32 = 15_000;
/// More toasts than this push the oldest out.
const MAX_TOASTS: usize = 4;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Toasts {
    pub shown: Vec<Rc<Notification>>,
    /// Every notification id seen, so a poll after a stream hiccup repeats nothing.
    seen: BTreeSet<u64>,
}

pub enum ToastAction {
    Show(Notification),
    Dismiss(u64),
}

impl Reducible for Toasts {
    type Action = ToastAction;

    fn reduce(self: Rc<Self>, action: ToastAction) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            ToastAction::Show(n) => {
                if !next.seen.insert(n.id) {
                    return self;
                }
                next.shown.push(Rc::new(n));
                let excess = next.shown.len().saturating_sub(MAX_TOASTS);
                next.shown.drain(..excess);
            }
            ToastAction::Dismiss(id) => next.shown.retain(|n| n.id != id),
        }
        Rc::new(next)
    }
}

/// Shows a notification as a toast, tells the browser if the build is watched, and
/// schedules the toast's leaving.
fn arrive(n: Notification, toasts: &UseReducerDispatcher<Toasts>) {
    notify::notify_if_watched(&n);
    let id = n.id;
    toasts.dispatch(ToastAction::Show(n));
    let toasts = toasts.clone();
    wasm_bindgen_futures::spawn_local(async move {
        gloo_timers::future::sleep(TOAST_LIFETIME).await;
        toasts.dispatch(ToastAction::Dismiss(id));
    });
}

/// Mounted once by the app shell.
#[component]
pub fn ToastHost() -> Html {
    let session = use_session();
    let toasts = use_reducer(Toasts::default);
    let events = use_events();
    let client = session.client();
    let team = session.team.clone();
    let enabled = session.teams_available;

    {
        let dispatch = toasts.dispatcher();
        use_event_listener(team.clone(), move |team, signal| {
            if let Signal::Event(event) = signal
                && let Event::Notification(n) = &*event
                && n.team == *team
            {
                arrive(n.clone(), &dispatch);
            }
        });
    }

    // The fallback: while the stream is not live, ask for what finished since the last look.
    {
        let dispatch = toasts.dispatcher();
        use_effect_with((client, team, enabled && !events.is_live()), move |(client, team, polling)| {
            let interval = polling.then(|| {
                let (client, team) = (client.clone(), team.clone());
                let since = Rc::new(Cell::new(Timestamp::from_unix_millis(now_millis())));
                Interval::new(POLL_EVERY_MS, move || {
                    let Some(from) = since.get() else { return };
                    if !notify::page_visible() {
                        return;
                    }
                    let (client, team, dispatch, since) =
                        (client.clone(), team.clone(), dispatch.clone(), since.clone());
                    wasm_bindgen_futures::spawn_local(async move {
                        if let Ok(answer) = api::teams::notifications_since(&client, &team, &from).await {
                            if let Some(newest) = answer.notifications.iter().map(|n| n.time).max() {
                                since.set(Some(newest));
                            }
                            // Oldest first, so the newest toast ends up last.
                            for n in answer.notifications.into_iter().rev() {
                                arrive(n, &dispatch);
                            }
                        }
                    });
                })
            });
            move || drop(interval)
        });
    }

    let on_dismiss = {
        let dispatch = toasts.dispatcher();
        Callback::from(move |id: u64| dispatch.dispatch(ToastAction::Dismiss(id)))
    };
    html! {
        <section class="toasts" aria-label="Finished builds">
            <ul class="toast-list" role="status" aria-live="polite">
                { for toasts.shown.iter().map(|n| html! {
                    <ToastItem key={n.id} notification={n.clone()} on_dismiss={on_dismiss.clone()} />
                }) }
            </ul>
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct ToastItemProps {
    notification: Rc<Notification>,
    on_dismiss: Callback<u64>,
}

#[component]
fn ToastItem(props: &ToastItemProps) -> Html {
    let n = &props.notification;
    let id = n.id;
    let onclick = props.on_dismiss.reform(move |_: MouseEvent| id);
    let failed = matches!(n.state, TeamBuildState::Failed | TeamBuildState::Stopped);
    html! {
        <li class={classes!("toast", failed.then_some("toast-bad"))} data-run-id={n.run_id.to_string()}>
            <div class="toast-head">
                <StatusBadge look={team_look(n.state)} />
                <Link<Route> to={Route::BuildReport { rid: n.build_rid.to_string() }} classes="toast-title">
                    { format!("Build #{}", n.run_id) }
                </Link<Route>>
                <button type="button" class="toast-close button-quiet" {onclick}
                    aria-label={format!("Dismiss the notice about build #{}", n.run_id)}>{ "×" }</button>
            </div>
            <p class="toast-message">{ n.message.clone() }</p>
        </li>
    }
}

/// The opt-in for browser notifications, usable on any page (it needs no Settings).
#[component]
pub fn NotificationsOptIn() -> Html {
    let permission = use_state_eq(notify::permission);
    let onclick = {
        let permission = permission.clone();
        Callback::from(move |_: MouseEvent| {
            let permission = permission.clone();
            wasm_bindgen_futures::spawn_local(async move {
                permission.set(notify::request_permission().await);
            });
        })
    };
    match *permission {
        Permission::Unsupported => html! {},
        Permission::Ask => html! {
            <button type="button" class="notify-opt-in" {onclick}
                title="Get a browser notification when a build you watch finishes">{ "Enable notifications" }</button>
        },
        Permission::Granted => html! {
            <span class="notify-state" title="Watched builds notify you when they finish">{ "Notifications on" }</span>
        },
        Permission::Denied => html! {
            <span class="notify-state" title="Allow notifications for this site in the browser's settings">{ "Notifications blocked" }</span>
        },
    }
}
