//! The live event bus: every build, job and notification change is broadcast here and
//! streamed to the console as Server-Sent Events.

use kiln_api::teams::Event;
use tokio::sync::broadcast;

/// Enough room for a burst of job changes; a slow subscriber that falls further behind
/// skips events and refetches, which the console does anyway on reconnect.
const CAPACITY: usize = 1024;

#[derive(Debug, Clone)]
pub struct EventBus {
    sender: broadcast::Sender<Event>,
}

impl Default for EventBus {
    fn default() -> Self {
        EventBus { sender: broadcast::channel(CAPACITY).0 }
    }
}

impl EventBus {
    pub fn publish(&self, event: Event) {
        // No subscriber is not an error: nobody is watching right now.
        let _ = self.sender.send(event);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.sender.subscribe()
    }
}
