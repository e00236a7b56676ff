//! The live events stream (`/api/v1/events`), read with the browser's EventSource.
//!
//! EventSource cannot send an Authorization header, so a token-protected service only
//! streams to the console when it is open; callers fall back to polling when the stream
//! is not open.

use kiln_api::TeamName;
use kiln_api::teams::Event;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{EventSource, MessageEvent};
use yew::Callback;

use super::{Client, Surface, encode};

/// Whether the stream delivers events right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamState {
    /// Opening for the first time.
    Connecting,
    Open,
    /// Broken after it was open; the browser reopens it by itself.
    Broken,
    /// Given up: the service refused the stream (no events surface, or a token it needs).
    Closed,
}

/// A subscription; dropping it closes the stream.
#[derive(Debug)]
pub struct Subscription {
    source: EventSource,
    _listeners: Vec<Closure<dyn FnMut(MessageEvent)>>,
    _on_open: Closure<dyn FnMut(web_sys::Event)>,
    _on_error: Closure<dyn FnMut(web_sys::Event)>,
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.source.close();
    }
}

/// Opens the stream of `team`'s events, or of every team the caller may see when `team`
/// is `None`. `on_event` gets every event; `on_state` each change of [`StreamState`].
pub fn subscribe(
    client: &Client,
    team: Option<&TeamName>,
    on_event: Callback<Event>,
    on_state: Callback<StreamState>,
) -> Option<Subscription> {
    let path = match team {
        Some(team) => format!("/events?team={}", encode(team.as_str())),
        None => "/events".to_owned(),
    };
    let source = EventSource::new(&client.url(Surface::Teams, &path)).ok()?;
    let listeners = ["build", "job", "notification"]
        .into_iter()
        .filter_map(|name| {
            let on_event = on_event.clone();
            let listener = Closure::<dyn FnMut(MessageEvent)>::new(move |message: MessageEvent| {
                let Some(data) = message.data().as_string() else { return };
                if let Some(Ok(event)) = Event::parse(name, &data) {
                    on_event.emit(event);
                }
            });
            source.add_event_listener_with_callback(name, listener.as_ref().unchecked_ref()).ok().map(|()| listener)
        })
        .collect();
    let opened = on_state.clone();
    let on_open = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| opened.emit(StreamState::Open));
    source.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    let errored = source.clone();
    let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
        // The browser retries a broken stream by itself (CONNECTING) but not one the
        // service refused with an error status (CLOSED).
        on_state.emit(if errored.ready_state() == EventSource::CLOSED {
            StreamState::Closed
        } else {
            StreamState::Broken
        });
    });
    source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    Some(Subscription { source, _listeners: listeners, _on_open: on_open, _on_error: on_error })
}

impl Subscription {
    /// Whether the stream is connected right now (not connecting, not closed).
    pub fn is_open(&self) -> bool {
        self.source.ready_state() == EventSource::OPEN
    }
}
