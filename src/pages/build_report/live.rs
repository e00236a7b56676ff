//! Keeping a report live: fetch it, then fetch it again every `POLL_EVERY` while it is
//! still changing and the tab is visible; stop once it is final. Both report pages use it.

use std::cell::Cell;
use std::future::Future;
use std::rc::Rc;
use std::time::Duration;

use gloo_timers::future::sleep;
use yew::prelude::*;

use crate::api::ApiError;
use crate::notify::page_visible;

/// How often a report that is still changing is fetched again.
pub const POLL_EVERY: Duration = Duration::from_millis(1500);
/// How long to wait after a failed fetch before the next one.
const RETRY_AFTER: Duration = Duration::from_secs(5);
/// Waiting is done in slices this long, so a refresh request or a tab coming back to
/// view is noticed quickly.
const SLICE: Duration = Duration::from_millis(100);
/// A final report only waits for a refresh request, which may take a little longer to notice.
const IDLE_SLICE: Duration = Duration::from_millis(500);

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

/// A live report and how the page can influence it.
#[derive(Clone, PartialEq)]
pub struct Live<T> {
    pub loaded: Loaded<T>,
    /// The last refresh failed, while an older report is still shown.
    pub stale: Option<ApiError>,
    /// Whether the report is still being fetched again (it is not final yet).
    pub polling: bool,
    /// Fetches at once (after an action changed the report).
    pub refresh: Callback<()>,
}

/// Whether another fetch is due: the report is still changing and someone can see it.
pub fn should_poll(still_changing: bool, visible: bool) -> bool {
    still_changing && visible
}

/// Fetches `fetch(key)` now and again while `changing` says the report may still change.
/// A new `key` starts over; leaving the page stops it.
#[hook]
pub fn use_live<K, T, F, Fut>(key: K, fetch: F, changing: fn(&T) -> bool) -> Live<T>
where
    K: PartialEq + Clone + 'static,
    T: Clone + PartialEq + 'static,
    F: Fn(K) -> Fut + 'static,
    Fut: Future<Output = Result<Option<T>, ApiError>> + 'static,
{
    let loaded = use_state(|| Loaded::<T>::Loading);
    let stale = use_state_eq(|| None::<ApiError>);
    let polling = use_state_eq(|| true);
    let poke = use_mut_ref(|| Rc::new(Cell::new(false)));
    let fetch = Rc::new(fetch);
    {
        let loaded = loaded.clone();
        let stale = stale.clone();
        let polling = polling.clone();
        let poke = poke.borrow().clone();
        use_effect_with(key, move |key| {
            let cancelled = Rc::new(Cell::new(false));
            loaded.set(Loaded::Loading);
            let key = key.clone();
            let stop = cancelled.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let mut have_report = false;
                loop {
                    let result = fetch(key.clone()).await;
                    if stop.get() {
                        return;
                    }
                    let (again, wait) = match result {
                        Ok(Some(report)) => {
                            let again = changing(&report);
                            have_report = true;
                            loaded.set(Loaded::Ready(Rc::new(report)));
                            stale.set(None);
                            (again, POLL_EVERY)
                        }
                        Ok(None) => {
                            loaded.set(Loaded::Missing);
                            (false, POLL_EVERY)
                        }
                        Err(error) if have_report => {
                            stale.set(Some(error));
                            (true, RETRY_AFTER)
                        }
                        Err(error) => {
                            loaded.set(Loaded::Failed(error));
                            (true, RETRY_AFTER)
                        }
                    };
                    polling.set(again);
                    if !wait_for_next(&stop, &poke, again, wait).await {
                        return;
                    }
                }
            });
            move || cancelled.set(true)
        });
    }
    let refresh = {
        let poke = poke.borrow().clone();
        use_callback((), move |(), _| poke.set(true))
    };
    Live { loaded: (*loaded).clone(), stale: (*stale).clone(), polling: *polling, refresh }
}

/// Waits until the next fetch is due: `wait` has passed with the tab visible (only when
/// `again`), or a refresh was asked for. `false` when the page went away meanwhile.
async fn wait_for_next(stop: &Cell<bool>, poke: &Cell<bool>, again: bool, wait: Duration) -> bool {
    let mut waited = Duration::ZERO;
    loop {
        if stop.get() {
            return false;
        }
        if poke.replace(false) {
            return true;
        }
        if should_poll(again, page_visible()) {
            if waited >= wait {
                return true;
            }
            waited += SLICE;
        }
        sleep(if again { SLICE } else { IDLE_SLICE }).await;
    }
}
