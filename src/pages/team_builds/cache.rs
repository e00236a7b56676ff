//! The first page of a team's builds, kept in this browser, so that a warm load shows
//! rows at once and then brings them up to date from the service. Only the unfiltered
//! listing is kept (one entry per service and team), and only its first page.

use gloo_storage::{LocalStorage, Storage};
use kiln_api::TeamName;
use kiln_api::teams::BuildsPage;

use crate::api::{Client, Surface};

fn key(client: &Client, team: &TeamName) -> String {
    format!("kiln.builds.{}.{team}", client.url(Surface::Teams, ""))
}

/// What this browser last saw of the team's first page, if anything.
pub fn load(client: &Client, team: &TeamName) -> Option<BuildsPage> {
    LocalStorage::get(key(client, team)).ok()
}

/// Keeps the team's first page for the next load. Storage may be full or disabled; the
/// page works without it.
pub fn save(client: &Client, team: &TeamName, page: &BuildsPage) {
    let _ = LocalStorage::set(key(client, team), page);
}
