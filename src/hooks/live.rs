//! Keeping a report live: fetch it once, then change it as the tab's events stream says
//! it changed. Polling is only the fallback, while the stream is not open (a plain build2
//! service, a token the stream cannot carry, a break), the report may still change and
//! the tab is visible. Both report pages use it.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::time::Duration;

use gloo_timers::callback::{Interval, Timeout};
use kiln_api::teams::Event;
use yew::prelude::*;

use super::events::{Signal, use_event_listener, use_events};
use super::visible::use_page_visible;
use crate::api::{ApiError, Polling};

/// How often a report that is still changing is fetched while the stream is not open.
pub const POLL_EVERY: Duration = Duration::from_millis(1500);
/// The longest wait between polls with backoff.
pub const POLL_BACKOFF_MAX: Duration = Duration::from_secs(15);
/// How long to wait after a failed first fetch before the next one.
const RETRY_AFTER: Duration = Duration::from_secs(5);

/// What is known of a report.
#[derive(Debug, Clone, PartialEq)]
pub enum Loaded<T> {
    Loading,
    /// The service answered 204: it does not know this RID.
    Missing,
    Ready(Rc<T>),
    /// The first fetch failed; fetching goes on.
    Failed(ApiError),
}

/// How the tab keeps the report current right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freshness {
    /// It is final: nothing will change it.
    Final,
    /// Changes arrive through the events stream as they happen.
    Streaming,
    /// The stream is not open; the report is fetched again every `POLL_EVERY`.
    Polling,
}

impl Freshness {
    /// A stable word for it, for the page's `data-freshness` (tests and styles read it).
    pub fn as_str(self) -> &'static str {
        match self {
            Freshness::Final => "final",
            Freshness::Streaming => "streaming",
            Freshness::Polling => "polling",
        }
    }
}

/// A live report and how the page can influence it.
#[derive(Clone, PartialEq)]
pub struct Live<T> {
    pub loaded: Loaded<T>,
    /// The last refresh failed, while an older report is still shown.
    pub stale: Option<ApiError>,
    pub freshness: Freshness,
    /// Fetches at once (after an action changed the report).
    pub refresh: Callback<()>,
}

/// What an event does to a report.
#[derive(Debug, Clone, PartialEq)]
pub enum Reaction<T> {
    /// Not about this report.
    Ignore,
    /// The report as the event says it is now, shown at once.
    Patch(T),
    /// The event says something changed that it does not carry: fetch the report.
    Refetch,
    /// Show what the event says at once, and fetch the rest.
    PatchAndRefetch(T),
}

/// Whether a fetch is due on the fallback timer: the report is still changing, nothing
/// streams its changes, and someone can see it.
fn should_poll(still_changing: bool, streaming: bool, visible: bool) -> bool {
    still_changing && !streaming && visible
}

/// With backoff: the wait before the next fetch of a report that came back the same the
/// last `unchanged` times. It starts at `POLL_EVERY` and grows by half each time, to at
/// most `POLL_BACKOFF_MAX`; a change starts it over.
pub fn backoff_delay(unchanged: u32) -> Duration {
    POLL_EVERY.mul_f64(1.5f64.powi(unchanged.min(16) as i32)).min(POLL_BACKOFF_MAX)
}

/// A shared value compared by identity, for hook dependencies.
struct Same<T>(Rc<T>);

impl<T> Clone for Same<T> {
    fn clone(&self) -> Self {
        Same(self.0.clone())
    }
}

impl<T> PartialEq for Same<T> {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

type Fetch<K, T> = Rc<dyn Fn(K) -> Pin<Box<dyn Future<Output = Result<Option<T>, ApiError>>>>>;

/// One report's fetching: at most one request in flight, and one more after it when
/// something asked meanwhile, so a burst of events costs two requests, not one each.
struct Driver<K, T> {
    key: K,
    fetch: Fetch<K, T>,
    current: RefCell<Option<Rc<T>>>,
    in_flight: Cell<bool>,
    again: Cell<bool>,
    /// The stream opened before the first answer: fetch again after it, unless that answer
    /// says the report can no longer change (a finished build's report is final).
    catch_up: Cell<bool>,
    changing: fn(&T) -> bool,
    gone: Cell<bool>,
    /// How many answers in a row were the report already shown (for the backoff).
    unchanged: Cell<u32>,
    loaded: UseStateHandle<Loaded<T>>,
    stale: UseStateHandle<Option<ApiError>>,
}

impl<K: Clone + 'static, T: PartialEq + 'static> Driver<K, T> {
    fn show(&self, report: Rc<T>) {
        let same = self.current.borrow().as_deref() == Some(&*report);
        self.unchanged.set(if same { self.unchanged.get().saturating_add(1) } else { 0 });
        *self.current.borrow_mut() = Some(report.clone());
        self.loaded.set(Loaded::Ready(report));
    }

    /// Shows what an event says. An answer on its way may predate the event and would
    /// undo it, so one more fetch follows that answer.
    fn patch(&self, report: Rc<T>) {
        if self.in_flight.get() {
            self.again.set(true);
        }
        self.show(report);
    }

    fn fetch_now(self: &Rc<Self>) {
        if self.in_flight.replace(true) {
            self.again.set(true);
            return;
        }
        let driver = self.clone();
        wasm_bindgen_futures::spawn_local(async move {
            loop {
                let result = (driver.fetch)(driver.key.clone()).await;
                if driver.gone.get() {
                    return;
                }
                match result {
                    Ok(Some(report)) => {
                        driver.show(Rc::new(report));
                        driver.stale.set(None);
                    }
                    Ok(None) => driver.loaded.set(Loaded::Missing),
                    Err(error) if driver.current.borrow().is_some() => driver.stale.set(Some(error)),
                    Err(error) => driver.loaded.set(Loaded::Failed(error)),
                }
                let catch_up = driver.catch_up.replace(false)
                    && driver.current.borrow().as_deref().is_none_or(|current| (driver.changing)(current));
                if !driver.again.replace(false) && !catch_up {
                    break;
                }
            }
            driver.in_flight.set(false);
        });
    }
}

/// Fetches again after [`backoff_delay`], then schedules the next one, until the timer is
/// dropped.
fn schedule_backoff<K: Clone + 'static, T: PartialEq + 'static>(
    driver: Rc<Driver<K, T>>,
    timer: Rc<RefCell<Option<Timeout>>>,
) {
    let wait = backoff_delay(driver.unchanged.get()).as_millis() as u32;
    let next = timer.clone();
    *timer.borrow_mut() = Some(Timeout::new(wait, move || {
        driver.fetch_now();
        schedule_backoff(driver, next);
    }));
}

/// Fetches `fetch(key)` and keeps it current: `react` says what each event of the tab's
/// stream does to it, and `changing` whether it may still change at all (a final report
/// is left alone). Without the stream it polls as `polling` says, only while the page is
/// visible. A new `key` starts over; leaving the page stops it.
#[hook]
pub fn use_live<K, T, F, Fut>(
    key: K,
    fetch: F,
    changing: fn(&T) -> bool,
    react: fn(&T, &Event) -> Reaction<T>,
    polling: Polling,
) -> Live<T>
where
    K: PartialEq + Clone + 'static,
    T: Clone + PartialEq + 'static,
    F: Fn(K) -> Fut + 'static,
    Fut: Future<Output = Result<Option<T>, ApiError>> + 'static,
{
    let loaded = use_state(|| Loaded::<T>::Loading);
    let stale = use_state_eq(|| None::<ApiError>);
    let events = use_events();
    let visible = use_page_visible();
    let fetch: Fetch<K, T> = Rc::new(move |key| Box::pin(fetch(key)));
    let driver = {
        let (loaded, stale) = (loaded.clone(), stale.clone());
        use_memo(key.clone(), move |key| {
            Rc::new(Driver {
                key: key.clone(),
                fetch,
                current: RefCell::new(None),
                in_flight: Cell::new(false),
                again: Cell::new(false),
                catch_up: Cell::new(false),
                changing,
                gone: Cell::new(false),
                unchanged: Cell::new(0),
                loaded,
                stale,
            })
        })
    };
    {
        let driver = (*driver).clone();
        use_effect_with(key.clone(), move |_| {
            driver.loaded.set(Loaded::Loading);
            driver.fetch_now();
            move || driver.gone.set(true)
        });
    }
    use_event_listener(Same((*driver).clone()), move |Same(driver): &Same<Driver<K, T>>, signal| {
        let current = driver.current.borrow().clone();
        match (signal, current) {
            // What streamed by before the stream opened was missed; a fetch still on its
            // way may have been answered before that, so it is followed by another, unless
            // its answer is final.
            (Signal::Opened, None) if driver.in_flight.get() => driver.catch_up.set(true),
            (Signal::Opened, None) => driver.fetch_now(),
            (Signal::Opened, Some(current)) if changing(&current) => driver.fetch_now(),
            (Signal::Opened, Some(_)) => {}
            // Events before the first answer are in that answer or after it; the answer
            // is followed by another fetch if it was already on its way.
            (Signal::Event(_), None) => {
                if driver.in_flight.get() {
                    driver.again.set(true);
                }
            }
            (Signal::Event(event), Some(current)) => match react(&current, &event) {
                Reaction::Ignore => {}
                Reaction::Patch(next) => driver.patch(Rc::new(next)),
                Reaction::Refetch => driver.fetch_now(),
                Reaction::PatchAndRefetch(next) => {
                    driver.patch(Rc::new(next));
                    driver.fetch_now();
                }
            },
        }
    });

    let (still_changing, failed) = match &*loaded {
        Loaded::Ready(report) => (changing(report), false),
        Loaded::Failed(_) => (true, true),
        Loaded::Loading | Loaded::Missing => (false, false),
    };
    let should = should_poll(still_changing, events.is_live() && !failed, visible);
    {
        let driver = (*driver).clone();
        let every = if failed { RETRY_AFTER } else { POLL_EVERY };
        let backoff = polling == Polling::Backoff && !failed;
        use_effect_with((key, should, every, backoff), move |(_, should, every, backoff)| {
            let timer: Rc<RefCell<Option<Timeout>>> = Rc::default();
            let interval = match (*should, *backoff) {
                (false, _) => None,
                (true, true) => {
                    driver.unchanged.set(0);
                    schedule_backoff(driver, timer.clone());
                    None
                }
                (true, false) => Some(Interval::new(every.as_millis() as u32, move || driver.fetch_now())),
            };
            move || {
                drop(interval);
                timer.borrow_mut().take();
            }
        });
    }
    let refresh = use_callback(Same((*driver).clone()), |(), Same(driver)| driver.fetch_now());
    let freshness = match (still_changing, !events.is_live()) {
        (false, _) => Freshness::Final,
        (true, false) => Freshness::Streaming,
        (true, true) => Freshness::Polling,
    };
    Live { loaded: (*loaded).clone(), stale: (*stale).clone(), freshness, refresh }
}
