//! Notifications about finished builds: which builds a person watches, and the browser's
//! own notifications for them once that person has opted in.
//!
//! The watch list lives in sessionStorage, like the token: it is about this browser
//! session, and any page can add to it (`notify::watch(&rid)`). The toasts host tells the
//! browser when a watched build finishes, then forgets the build.

use gloo_storage::{SessionStorage, Storage};
use kiln_api::teams::Notification;
use wasm_bindgen::JsValue;
use web_sys::{NotificationOptions, NotificationPermission};

const WATCH_KEY: &str = "kiln.watched";

/// The build RIDs this browser session watches.
pub fn watched() -> Vec<String> {
    SessionStorage::get(WATCH_KEY).unwrap_or_default()
}

fn save(rids: &[String]) {
    // A full or disabled storage only loses the watch list, never breaks a page.
    let _ = SessionStorage::set(WATCH_KEY, rids);
}

/// Watches a build: its end will be told by a browser notification (once permitted).
pub fn watch(build_rid: &str) {
    let mut rids = watched();
    if !rids.iter().any(|r| r == build_rid) {
        rids.push(build_rid.to_owned());
        save(&rids);
    }
}

pub fn unwatch(build_rid: &str) {
    let mut rids = watched();
    let before = rids.len();
    rids.retain(|r| r != build_rid);
    if rids.len() != before {
        save(&rids);
    }
}

pub fn is_watched(build_rid: &str) -> bool {
    watched().iter().any(|r| r == build_rid)
}

/// Whether the browser may show notifications, in the words the opt-in button needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// This browser has no Notification API (or not on this origin).
    Unsupported,
    /// Not asked yet: the opt-in button asks.
    Ask,
    Granted,
    Denied,
}

fn supported() -> bool {
    web_sys::window().is_some_and(|w| js_sys::Reflect::has(&w, &JsValue::from_str("Notification")).unwrap_or(false))
}

pub fn permission() -> Permission {
    if !supported() {
        return Permission::Unsupported;
    }
    match web_sys::Notification::permission() {
        NotificationPermission::Granted => Permission::Granted,
        NotificationPermission::Denied => Permission::Denied,
        _ => Permission::Ask,
    }
}

/// Asks the browser for permission; must run from a click so the browser shows its prompt.
pub async fn request_permission() -> Permission {
    if !supported() {
        return Permission::Unsupported;
    }
    if let Ok(promise) = web_sys::Notification::request_permission() {
        // The answer is read back through `permission()`, which also covers browsers
        // that resolve the promise with nothing.
        let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
    }
    permission()
}

/// The one line a person reads about a finished build.
pub fn headline(n: &Notification) -> String {
    format!("Build #{} of {} {}", n.run_id, n.team, n.state)
}

/// Shows a browser notification for a finished build when it is watched and permitted,
/// then stops watching it. Returns whether a notification was shown.
pub fn notify_if_watched(n: &Notification) -> bool {
    let rid = n.build_rid.as_str();
    if !is_watched(rid) {
        return false;
    }
    unwatch(rid);
    if permission() != Permission::Granted {
        return false;
    }
    let options = NotificationOptions::new();
    options.set_body(&n.message);
    // One notification per build, even if two tabs of this session get the event.
    options.set_tag(rid);
    web_sys::Notification::new_with_options(&headline(n), &options).is_ok()
}

/// Whether the page is visible. Polling checks it before every request: a hidden tab
/// asks the service for nothing.
pub fn page_visible() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .is_none_or(|d| d.visibility_state() == web_sys::VisibilityState::Visible)
}
