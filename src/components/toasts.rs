//! In-page toasts: finished builds of the current team, from the service's `notification`
//! events, and notes pages show after an action (optionally with a button such as Undo,
//! through [`Toaster`]); and the opt-in button for the browser's own notifications.
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

/// A button on a toast, such as "Undo": clicking it runs `on_click` and dismisses the toast.
#[derive(Debug, Clone, PartialEq)]
pub struct ToastButton {
    pub label: AttrValue,
    /// Names the button for assistive technology, as the label alone may not ("Undo" what).
    pub aria_label: AttrValue,
    pub on_click: Callback<()>,
}

/// Which toast: a team notification (its id is the service's) or a note a page showed
/// (numbered here), so the two never collide.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ToastKey {
    Build(u64),
    Note(u32),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Toast {
    /// A finished build of the current team.
    Build(Rc<Notification>),
    /// What a page says after an action, with an optional button.
    Note { id: u32, message: String, action: Option<ToastButton> },
}

impl Toast {
    pub fn key(&self) -> ToastKey {
        match self {
            Toast::Build(n) => ToastKey::Build(n.id),
            Toast::Note { id, .. } => ToastKey::Note(*id),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Toasts {
    pub shown: Vec<Rc<Toast>>,
    /// Every notification id seen, so a poll after a stream hiccup repeats nothing.
    seen: BTreeSet<u64>,
}

pub enum ToastAction {
    Show(Notification),
    /// A page's note; `id` comes from [`Toaster::note`].
    Note {
        id: u32,
        message: String,
        action: Option<ToastButton>,
    },
    Dismiss(ToastKey),
}

impl Toasts {
    fn push(&mut self, toast: Toast) {
        self.shown.push(Rc::new(toast));
        let excess = self.shown.len().saturating_sub(MAX_TOASTS);
        self.shown.drain(..excess);
    }
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
                next.push(Toast::Build(Rc::new(n)));
            }
            ToastAction::Note { id, message, action } => next.push(Toast::Note { id, message, action }),
            ToastAction::Dismiss(key) => next.shown.retain(|t| t.key() != key),
        }
        Rc::new(next)
    }
}

/// Leaves by itself after [`TOAST_LIFETIME`].
fn schedule_leaving(key: ToastKey, toasts: &UseReducerDispatcher<Toasts>) {
    let toasts = toasts.clone();
    wasm_bindgen_futures::spawn_local(async move {
        gloo_timers::future::sleep(TOAST_LIFETIME).await;
        toasts.dispatch(ToastAction::Dismiss(key));
    });
}

/// Shows a notification as a toast, tells the browser if the build is watched, and
/// schedules the toast's leaving.
fn arrive(n: Notification, toasts: &UseReducerDispatcher<Toasts>) {
    notify::notify_if_watched(&n);
    let key = ToastKey::Build(n.id);
    toasts.dispatch(ToastAction::Show(n));
    schedule_leaving(key, toasts);
}

/// What pages use to show a toast; provided by [`ToastHost`]. Pages mounted without a
/// host (some tests) get `None` from `use_context` and show no toasts.
#[derive(Clone)]
pub struct Toaster {
    dispatch: UseReducerDispatcher<Toasts>,
    /// Numbers notes; shared by every clone so two pages never reuse an id.
    last_note: Rc<Cell<u32>>,
}

impl PartialEq for Toaster {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.last_note, &other.last_note)
    }
}

impl Toaster {
    /// Shows `message`, with `action` as a button when given; it leaves by itself.
    pub fn note(&self, message: impl Into<String>, action: Option<ToastButton>) {
        let id = self.last_note.get().wrapping_add(1);
        self.last_note.set(id);
        self.dispatch.dispatch(ToastAction::Note { id, message: message.into(), action });
        schedule_leaving(ToastKey::Note(id), &self.dispatch);
    }
}

#[derive(Properties, PartialEq)]
pub struct ToastHostProps {
    /// What may show toasts: the host provides them a [`Toaster`].
    #[prop_or_default]
    pub children: Html,
}

/// Mounted once by the app shell, around the pages.
#[component]
pub fn ToastHost(props: &ToastHostProps) -> Html {
    let session = use_session();
    let toasts = use_reducer(Toasts::default);
    let toaster = {
        let dispatch = toasts.dispatcher();
        use_memo((), move |_| Toaster { dispatch, last_note: Rc::new(Cell::new(0)) })
    };
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
        Callback::from(move |key: ToastKey| dispatch.dispatch(ToastAction::Dismiss(key)))
    };
    html! {
        <ContextProvider<Toaster> context={(*toaster).clone()}>
            { props.children.clone() }
            <section class="toasts" aria-label="Notices">
                <ul class="toast-list" role="status" aria-live="polite">
                    { for toasts.shown.iter().map(|t| html! {
                        <ToastItem key={format!("{:?}", t.key())} toast={t.clone()} on_dismiss={on_dismiss.clone()} />
                    }) }
                </ul>
            </section>
        </ContextProvider<Toaster>>
    }
}

#[derive(Properties, PartialEq)]
struct ToastItemProps {
    toast: Rc<Toast>,
    on_dismiss: Callback<ToastKey>,
}

#[component]
fn ToastItem(props: &ToastItemProps) -> Html {
    let key = props.toast.key();
    let dismiss = props.on_dismiss.reform(move |_: MouseEvent| key);
    match &*props.toast {
        Toast::Build(n) => {
            let failed = matches!(n.state, TeamBuildState::Failed | TeamBuildState::Stopped);
            html! {
                <li class={classes!("toast", failed.then_some("toast-bad"))} data-run-id={n.run_id.to_string()}>
                    <div class="toast-head">
                        <StatusBadge look={team_look(n.state)} />
                        <Link<Route> to={Route::BuildReport { rid: n.build_rid.to_string() }} classes="toast-title">
                            { format!("Build #{}", n.run_id) }
                        </Link<Route>>
                        <button type="button" class="toast-close button-quiet" onclick={dismiss}
                            aria-label={format!("Dismiss the notice about build #{}", n.run_id)}>{ "×" }</button>
                    </div>
                    <p class="toast-message">{ n.message.clone() }</p>
                </li>
            }
        }
        Toast::Note { message, action, .. } => {
            let button = action.as_ref().map(|a| {
                let (on_click, on_dismiss) = (a.on_click.clone(), props.on_dismiss.clone());
                let onclick = Callback::from(move |_: MouseEvent| {
                    on_dismiss.emit(key);
                    on_click.emit(());
                });
                html! {
                    <button type="button" class="toast-action" {onclick} aria-label={a.aria_label.clone()}>
                        { a.label.clone() }
                    </button>
                }
            });
            html! {
                <li class="toast toast-note">
                    <div class="toast-head">
                        <p class="toast-message">{ message.clone() }</p>
                        { for button }
                        <button type="button" class="toast-close button-quiet" onclick={dismiss}
                            aria-label="Dismiss this notice">{ "×" }</button>
                    </div>
                </li>
            }
        }
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
