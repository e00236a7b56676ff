//! The teams surface: team builds and their actions, logs, preview, notifications.

use kiln_api::build2::SubmitBuildRequest;
use kiln_api::teams::{
    BuildAttempts, BuildsPage, BuildsQuery, Health, NotificationsResponse, PathResponse, PreviewResponse, StopResponse,
    TagsRequest, TeamBuild, TeamsResponse, WhoAmI,
};
use kiln_api::{Rid, TeamName};

use super::{ApiError, Client, LogChunk, Surface, encode};

pub async fn health(client: &Client) -> Result<Health, ApiError> {
    client.get(Surface::Teams, "/health").await
}

pub async fn whoami(client: &Client) -> Result<WhoAmI, ApiError> {
    client.get(Surface::Teams, "/whoami").await
}

pub async fn teams(client: &Client) -> Result<TeamsResponse, ApiError> {
    client.get(Surface::Teams, "/teams").await
}

fn build_path(team: &TeamName, run_id: u64) -> String {
    format!("/teams/{}/builds/{run_id}", encode(team.as_str()))
}

pub async fn builds(client: &Client, team: &TeamName, query: &BuildsQuery) -> Result<BuildsPage, ApiError> {
    let q = serde_urlencoded::to_string(query).map_err(|e| ApiError::Encode(e.to_string()))?;
    let sep = if q.is_empty() { "" } else { "?" };
    client.get(Surface::Teams, &format!("/teams/{}/builds{sep}{q}", encode(team.as_str()))).await
}

/// One build of a team. The answer is a `TeamBuildDetail`; the console reads only its
/// `TeamBuild` fields (serde skips `steps`), which keeps the flattening decoder that
/// `TeamBuildDetail` needs out of the wasm.
pub async fn build(client: &Client, team: &TeamName, run_id: u64) -> Result<TeamBuild, ApiError> {
    client.get(Surface::Teams, &build_path(team, run_id)).await
}

/// Every attempt of every job of a build, in one answer.
pub async fn build_attempts(client: &Client, team: &TeamName, run_id: u64) -> Result<BuildAttempts, ApiError> {
    client.get(Surface::Teams, &format!("{}/attempts", build_path(team, run_id))).await
}

pub async fn archive(client: &Client, team: &TeamName, run_id: u64) -> Result<PathResponse, ApiError> {
    client.post(Surface::Teams, &format!("{}/archive", build_path(team, run_id)), &()).await
}

pub async fn restore(client: &Client, team: &TeamName, run_id: u64) -> Result<PathResponse, ApiError> {
    client.post(Surface::Teams, &format!("{}/restore", build_path(team, run_id)), &()).await
}

pub async fn stop(client: &Client, team: &TeamName, run_id: u64) -> Result<StopResponse, ApiError> {
    client.post(Surface::Teams, &format!("{}/stop", build_path(team, run_id)), &()).await
}

pub async fn set_tags(client: &Client, team: &TeamName, run_id: u64, tags: Vec<String>) -> Result<TeamBuild, ApiError> {
    client.put(Surface::Teams, &format!("{}/tags", build_path(team, run_id)), &TagsRequest { tags }).await
}

/// The log URL path of one attempt of a job, from a byte offset.
pub fn log_path(team: &TeamName, run_id: u64, job: &Rid, attempt: u32, offset: u64) -> String {
    format!("{}/jobs/{}/log?attempt={attempt}&offset={offset}", build_path(team, run_id), encode(job.as_str()))
}

pub async fn log(
    client: &Client,
    team: &TeamName,
    run_id: u64,
    job: &Rid,
    attempt: u32,
    offset: u64,
) -> Result<LogChunk, ApiError> {
    client.get_log(&log_path(team, run_id, job, attempt, offset)).await
}

/// What a submission would run, without running anything. `Ok(None)` when the service
/// has no preview endpoint.
pub async fn preview(client: &Client, request: &SubmitBuildRequest) -> Result<Option<PreviewResponse>, ApiError> {
    match client.post(Surface::Teams, "/builds/preview", request).await {
        Ok(preview) => Ok(Some(preview)),
        Err(e) if matches!(e.status(), Some(404 | 405 | 501)) => Ok(None),
        Err(e) => Err(e),
    }
}

pub async fn notifications(client: &Client, team: &TeamName) -> Result<NotificationsResponse, ApiError> {
    client.get(Surface::Teams, &format!("/notifications?team={}", encode(team.as_str()))).await
}

/// Notifications of a team newer than `since`, newest first.
pub async fn notifications_since(
    client: &Client,
    team: &TeamName,
    since: &kiln_api::Timestamp,
) -> Result<NotificationsResponse, ApiError> {
    let path = format!("/notifications?team={}&since={}", encode(team.as_str()), encode(&since.to_string()));
    client.get(Surface::Teams, &path).await
}
