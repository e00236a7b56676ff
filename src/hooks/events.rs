//! One events stream per tab, shared by every page through a context.
//!
//! `EventsProvider` (mounted once by the app shell) opens `/api/v1/events` for every team
//! the caller may see and hands each event to whoever listens: the team builds page, the
//! build and job reports, the toasts. Listeners pick what concerns them. A page asks
//! `use_events()` whether the stream is open and polls only while it is not.

use std::cell::RefCell;
use std::rc::Rc;

use gloo_timers::callback::Timeout;
use kiln_api::teams::Event;
use yew::prelude::*;

use crate::api::events::{StreamState, Subscription, subscribe};
use crate::session::use_session;

/// After the service refused the stream, try again this much later.
const REOPEN_AFTER_MS: u32 = 15_000;

/// What a listener is told.
#[derive(Debug, Clone, PartialEq)]
pub enum Signal {
    Event(Rc<Event>),
    /// The stream (re)opened: what happened while it was not open was missed, so a
    /// listener that keeps state fetches it again.
    Opened,
}

type Listener = Callback<Signal>;

/// The listeners of the tab's stream.
#[derive(Default)]
pub struct Hub {
    listeners: RefCell<Vec<(u64, Listener)>>,
    next_id: std::cell::Cell<u64>,
}

impl Hub {
    fn add(&self, listener: Listener) -> u64 {
        let id = self.next_id.get();
        self.next_id.set(id + 1);
        self.listeners.borrow_mut().push((id, listener));
        id
    }

    fn remove(&self, id: u64) {
        self.listeners.borrow_mut().retain(|(i, _)| *i != id);
    }

    /// Tells every listener; a listener may add or remove listeners meanwhile.
    pub fn emit(&self, signal: Signal) {
        let listeners: Vec<Listener> = self.listeners.borrow().iter().map(|(_, l)| l.clone()).collect();
        for listener in listeners {
            listener.emit(signal.clone());
        }
    }

    /// How many listeners there are (for tests).
    pub fn listener_count(&self) -> usize {
        self.listeners.borrow().len()
    }
}

/// The context: the hub and the stream's state.
#[derive(Clone)]
pub struct Events {
    pub hub: Rc<Hub>,
    pub state: StreamState,
    /// How many streams this provider has opened (one per service and token; tests
    /// check it stays one per tab).
    pub opened: u32,
}

impl Events {
    pub fn is_open(&self) -> bool {
        self.state == StreamState::Open
    }

    /// Whether changes reach the tab through the stream: it is open, or opening for the
    /// first time (a page that loads meanwhile catches up on `Signal::Opened`). Pages poll
    /// only when this is false.
    pub fn is_live(&self) -> bool {
        matches!(self.state, StreamState::Open | StreamState::Connecting)
    }
}

impl PartialEq for Events {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.hub, &other.hub) && self.state == other.state && self.opened == other.opened
    }
}

#[derive(Properties, PartialEq)]
pub struct EventsProviderProps {
    #[prop_or_default]
    pub children: Html,
}

/// Opens the tab's one stream for the session's service, once its teams surface is known
/// to exist, and reopens it when the service or the token changes.
#[component]
pub fn EventsProvider(props: &EventsProviderProps) -> Html {
    let session = use_session();
    let hub = use_memo((), |()| Hub::default());
    let state = use_state_eq(|| StreamState::Connecting);
    let opened = use_mut_ref(|| 0u32);
    let reopen = use_state(|| 0u32);
    {
        let (hub, state, opened, reopen) = (hub.clone(), state.clone(), opened.clone(), reopen.clone());
        let enabled = session.teams_available;
        use_effect_with((session.client(), enabled, *reopen), move |(client, enabled, _)| {
            let subscription: Rc<RefCell<Option<Subscription>>> = Rc::default();
            let retry: Rc<RefCell<Option<Timeout>>> = Rc::default();
            if *enabled {
                let on_event = {
                    let hub = hub.clone();
                    Callback::from(move |event: Event| hub.emit(Signal::Event(Rc::new(event))))
                };
                let on_state = {
                    let (hub, state, retry) = (hub.clone(), state.clone(), retry.clone());
                    Callback::from(move |next: StreamState| {
                        if next == StreamState::Closed {
                            let reopen = reopen.clone();
                            *retry.borrow_mut() =
                                Some(Timeout::new(REOPEN_AFTER_MS, move || reopen.set(reopen.wrapping_add(1))));
                        }
                        let was_open = *state == StreamState::Open;
                        state.set(next);
                        if next == StreamState::Open && !was_open {
                            hub.emit(Signal::Opened);
                        }
                    })
                };
                *opened.borrow_mut() += 1;
                let opened_now = subscribe(client, None, on_event, on_state);
                state.set(if opened_now.is_some() { StreamState::Connecting } else { StreamState::Closed });
                *subscription.borrow_mut() = opened_now;
            } else {
                state.set(StreamState::Closed);
            }
            move || {
                subscription.borrow_mut().take();
                retry.borrow_mut().take();
            }
        });
    }
    let context = Events { hub: hub.clone(), state: *state, opened: *opened.borrow() };
    html! {
        <ContextProvider<Events> {context}>{ props.children.clone() }</ContextProvider<Events>>
    }
}

/// The tab's stream: whether it is open, and its hub.
/// Outside an `EventsProvider` (a component test) there is no stream: pages poll.
#[hook]
pub fn use_events() -> Events {
    let detached = use_memo((), |()| Hub::default());
    use_context::<Events>().unwrap_or_else(|| Events { hub: detached, state: StreamState::Closed, opened: 0 })
}

/// Calls `listener` with every signal of the tab's stream while the component is mounted,
/// re-registering it when `deps` change.
#[hook]
pub fn use_event_listener<D>(deps: D, listener: impl Fn(&D, Signal) + 'static)
where
    D: PartialEq + Clone + 'static,
{
    let events = use_events();
    let hub = events.hub.clone();
    use_effect_with(deps, move |deps| {
        let deps = deps.clone();
        let id = hub.add(Callback::from(move |signal| listener(&deps, signal)));
        move || hub.remove(id)
    });
}
