//! What this browser submitted lately, so that sending the very same request again asks
//! first ("The same build was submitted 10 s ago"), and what the last submission of this
//! tab gave back, so that Back from the build's report can still show it.
//!
//! The record of submissions is in localStorage: a double submission from a second tab
//! of the same browser is as much a mistake as one from the same tab. The last answer is
//! in sessionStorage: it belongs to the tab whose Back button returns to the form.

use gloo_storage::{LocalStorage, SessionStorage, Storage};
use kiln_api::build2::{SubmitBuildRequest, SubmitBuildResponse};
use serde::{Deserialize, Serialize};

pub const RECENT_KEY: &str = "kiln.submit.recent";
pub const LAST_KEY: &str = "kiln.submit.last";

/// How long a submission counts as recent: long enough to catch a second click or a
/// resubmission from a forgotten tab, short enough that a daily rerun does not ask.
pub const WINDOW_MS: i64 = 60 * 60 * 1000;
/// The most submissions kept; older ones fall off.
const KEEP: usize = 20;

/// One submission this browser made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Submitted {
    /// The team it was sent for: the same request for another team is another build.
    pub team: String,
    /// The request's JSON, as sent.
    pub request: String,
    pub build_rid: String,
    /// When, in epoch milliseconds by the browser's clock.
    pub at: i64,
}

/// The request as a comparable text. Serialising the typed request gives every key in the
/// struct's order, so two equal requests give equal texts.
pub fn fingerprint(request: &SubmitBuildRequest) -> String {
    serde_json::to_string(request).unwrap_or_default()
}

/// The entries still recent at `now`, newest first, at most [`KEEP`].
pub fn pruned(mut entries: Vec<Submitted>, now: i64) -> Vec<Submitted> {
    entries.retain(|e| now - e.at < WINDOW_MS && e.at <= now);
    // The console's one sort (a std sort here would link another copy of it).
    crate::sort::sort_by(&mut entries, |a, b| b.at.cmp(&a.at));
    entries.truncate(KEEP);
    entries
}

/// The newest recent submission of the same request for the same team.
pub fn same_as<'a>(entries: &'a [Submitted], team: &str, request: &str, now: i64) -> Option<&'a Submitted> {
    entries.iter().filter(|e| e.team == team && e.request == request && now - e.at < WINDOW_MS).max_by_key(|e| e.at)
}

/// Every recent submission in storage; nothing when storage is off or holds garbage.
pub fn load(now: i64) -> Vec<Submitted> {
    pruned(LocalStorage::get::<Vec<Submitted>>(RECENT_KEY).unwrap_or_default(), now)
}

/// Adds a submission to the record.
pub fn record(entry: Submitted) {
    let now = entry.at;
    let mut entries = load(now);
    entries.push(entry);
    // Storage can be full or disabled; then a resubmission just does not ask.
    let _ = LocalStorage::set(RECENT_KEY, pruned(entries, now));
}

/// Keeps what the service answered, for the form to show on Back.
pub fn keep_last(response: &SubmitBuildResponse) {
    let _ = SessionStorage::set(LAST_KEY, response);
}

pub fn last() -> Option<SubmitBuildResponse> {
    SessionStorage::get(LAST_KEY).ok()
}

pub fn forget_last() {
    SessionStorage::delete(LAST_KEY);
}

#[cfg(test)]
mod tests {
    use wasm_bindgen_test::wasm_bindgen_test;

    use super::*;

    fn entry(team: &str, request: &str, at: i64) -> Submitted {
        Submitted { team: team.into(), request: request.into(), build_rid: format!("ri.foundry.main.build.{at}"), at }
    }

    #[wasm_bindgen_test]
    fn the_newest_same_request_of_the_team_within_the_window_matches() {
        let now = 10 * WINDOW_MS;
        let entries =
            vec![entry("a", "{1}", now - 5_000), entry("a", "{1}", now - 2_000), entry("b", "{1}", now - 1_000)];
        assert_eq!(same_as(&entries, "a", "{1}", now).map(|e| e.at), Some(now - 2_000));
        assert_eq!(same_as(&entries, "a", "{2}", now), None, "another request");
        assert_eq!(same_as(&entries, "c", "{1}", now), None, "another team");
        let old = vec![entry("a", "{1}", now - WINDOW_MS)];
        assert_eq!(same_as(&old, "a", "{1}", now), None, "older than the window");
        assert!(pruned(old, now).is_empty());
        let many: Vec<Submitted> = (0..30).map(|i| entry("a", "{1}", now - i)).collect();
        let kept = pruned(many, now);
        assert_eq!(kept.len(), KEEP);
        assert_eq!(kept[0].at, now, "newest first");
    }
}
