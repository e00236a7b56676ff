//! Waits for a pause: text filters apply as a person types, but only once the typing
//! stops for a moment, so each keystroke does not become a fetch and a history entry.

use std::cell::RefCell;
use std::rc::Rc;

use gloo_timers::callback::Timeout;
use yew::prelude::*;

/// How long typing must pause before a text filter applies.
pub const TYPING_PAUSE_MS: u32 = 250;

/// One pending call at a time; a new one replaces it, and unmounting drops it.
#[derive(Clone)]
pub struct Debouncer {
    pending: Rc<RefCell<Option<Timeout>>>,
    delay_ms: u32,
}

impl Debouncer {
    /// Runs `f` after the pause, unless another call comes first.
    pub fn call(&self, f: impl FnOnce() + 'static) {
        let timeout = Timeout::new(self.delay_ms, f);
        // Dropping the previous Timeout cancels it.
        self.pending.replace(Some(timeout));
    }

    /// Forgets the pending call (a change applied at once makes it moot).
    pub fn cancel(&self) {
        self.pending.replace(None);
    }
}

#[hook]
pub fn use_debouncer(delay_ms: u32) -> Debouncer {
    let pending = use_mut_ref(|| None::<Timeout>);
    {
        let pending = pending.clone();
        use_effect_with((), move |_| move || drop(pending.take()));
    }
    Debouncer { pending, delay_ms }
}
