//! The live events stream (`/api/v1/events`), read with the browser's EventSource.
//!
//! EventSource cannot send an Authorization header, so a token-protected service only
//! streams to the console when it is open; callers fall back to polling on error.

use kiln_api::TeamName;
use kiln_api::teams::Event;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{EventSource, MessageEvent};
use yew::Callback;

use super::{Client, Surface, encode};

/// A subscription; dropping it closes the stream.
#[derive(Debug)]
pub struct Subscription {
    source: EventSource,
    _listeners: Vec<Closure<dyn FnMut(MessageEvent)>>,
    _on_error: Closure<dyn FnMut(web_sys::Event)>,
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.source.close();
    }
}

/// Opens the stream for a team. `on_event` gets every event; `on_error` is told when the
/// stream breaks (the browser retries by itself; callers may poll meanwhile).
pub fn subscribe(
    client: &Client,
    team: &TeamName,
    on_event: Callback<Event>,
    on_error: Callback<()>,
) -> Option<Subscription> {
    let url = client.url(Surface::Teams, &format!("/events?team={}", encode(team.as_str())));
    let source = EventSource::new(&url).ok()?;
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
    let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| on_error.emit(()));
    source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    Some(Subscription { source, _listeners: listeners, _on_error: on_error })
}

impl Subscription {
    /// Whether the stream is connected right now (not connecting, not closed).
    pub fn is_open(&self) -> bool {
        self.source.ready_state() == EventSource::OPEN
    }
}
