//! Kiln's own surface under `/api/v1`: team builds, catalog, preview, logs and events.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::build2::{JobStatus, null_as_default};
use crate::{Rid, TeamName, Timestamp};

/// `GET /api/v1/whoami`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WhoAmI {
    pub user: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub teams: Vec<TeamName>,
}

/// `GET /api/v1/teams`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TeamsResponse {
    #[serde(default, deserialize_with = "null_as_default")]
    pub teams: Vec<TeamSummary>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct TeamSummary {
    pub name: TeamName,
    pub active_builds: u64,
    pub total_builds: u64,
}

/// The state of a team build, in the team SDK's lowercase words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum TeamBuildState {
    Queued,
    Running,
    Complete,
    Failed,
    Stopped,
}

impl TeamBuildState {
    pub const ALL: [TeamBuildState; 5] = [
        TeamBuildState::Queued,
        TeamBuildState::Running,
        TeamBuildState::Complete,
        TeamBuildState::Failed,
        TeamBuildState::Stopped,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TeamBuildState::Queued => "queued",
            TeamBuildState::Running => "running",
            TeamBuildState::Complete => "complete",
            TeamBuildState::Failed => "failed",
            TeamBuildState::Stopped => "stopped",
        }
    }

    pub fn is_active(self) -> bool {
        matches!(self, TeamBuildState::Queued | TeamBuildState::Running)
    }
}

impl fmt::Display for TeamBuildState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for TeamBuildState {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        TeamBuildState::ALL.into_iter().find(|state| state.as_str() == s).ok_or_else(|| UnknownValue(s.to_owned()))
    }
}

/// A query value that is not one of the allowed words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown value \"{0}\"")]
pub struct UnknownValue(pub String);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct TeamBuildStatus {
    pub timestamp: Timestamp,
    pub state: TeamBuildState,
    pub error: Option<String>,
}

/// A build as the team surface shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct TeamBuild {
    pub team: TeamName,
    pub run_id: u64,
    pub build_rid: Rid,
    pub path: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub tags: Vec<String>,
    #[serde(default)]
    pub archived: bool,
    pub created_by: String,
    pub created_time: Timestamp,
    pub status: TeamBuildStatus,
}

/// `GET /api/v1/teams/{team}/builds/{runId}`: a team build and its steps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct TeamBuildDetail {
    #[serde(flatten)]
    pub build: TeamBuild,
    #[serde(default, deserialize_with = "null_as_default")]
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Step {
    pub name: String,
    pub job_rid: Rid,
    pub job_spec_rid: Rid,
    pub state: JobStatus,
    pub started_time: Option<Timestamp>,
    pub finished_time: Option<Timestamp>,
    #[serde(default)]
    pub attempt: u32,
    pub error: Option<String>,
}

/// Which builds a listing shows with respect to archiving.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum ArchivedFilter {
    #[default]
    False,
    True,
    All,
}

/// The query of `GET /api/v1/teams/{team}/builds`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct BuildsQuery {
    #[cfg_attr(feature = "openapi", param(inline))]
    pub archived: Option<ArchivedFilter>,
    #[cfg_attr(feature = "openapi", param(inline))]
    pub state: Option<TeamBuildState>,
    pub tag: Option<String>,
    /// A dataset RID or name; builds whose jobs read or write it.
    pub dataset: Option<String>,
    /// Free text matched against run id, build RID, tags, creator and job names.
    pub q: Option<String>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// The default and the largest page size of a build listing.
pub const DEFAULT_PAGE_SIZE: u32 = 100;
pub const MAX_PAGE_SIZE: u32 = 1000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct BuildsPage {
    #[serde(default, deserialize_with = "null_as_default")]
    pub builds: Vec<TeamBuild>,
    pub next_cursor: Option<String>,
}

/// The answer to archive and restore.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PathResponse {
    pub path: String,
}

/// The answer to stop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StopResponse {
    pub message: String,
}

/// The body of `PUT …/builds/{runId}/tags`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TagsRequest {
    #[serde(default, deserialize_with = "null_as_default")]
    pub tags: Vec<String>,
}

/// The query of the log endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct LogQuery {
    pub attempt: Option<u32>,
    pub offset: Option<u64>,
}

/// `POST /api/v1/builds/preview`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct PreviewResponse {
    #[serde(default, deserialize_with = "null_as_default")]
    pub jobs: Vec<PreviewJob>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub ignored_datasets: Vec<Rid>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct PreviewJob {
    pub job_spec_rid: Rid,
    pub name: String,
    pub will_run: bool,
    pub reason: Option<String>,
    /// Indexes into the request's `jobSpecSelections` that chose this job spec.
    #[serde(default, deserialize_with = "null_as_default")]
    pub selected_by: Vec<usize>,
}

/// The query of the catalog endpoints.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct CatalogQuery {
    pub q: Option<String>,
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CatalogDatasets {
    #[serde(default, deserialize_with = "null_as_default")]
    pub datasets: Vec<CatalogDataset>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CatalogDataset {
    pub rid: Rid,
    pub name: String,
    pub produced_by: Option<Rid>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub branches: Vec<DatasetBranch>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct DatasetBranch {
    pub name: String,
    pub latest_transaction_rid: Option<Rid>,
    pub updated_time: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CatalogJobSpecs {
    #[serde(default, deserialize_with = "null_as_default")]
    pub job_specs: Vec<CatalogJobSpec>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CatalogJobSpec {
    pub rid: Rid,
    pub name: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub inputs: Vec<Rid>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub outputs: Vec<Rid>,
}

/// `GET /api/v1/catalog/lineage`: the whole graph.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Lineage {
    #[serde(default, deserialize_with = "null_as_default")]
    pub datasets: Vec<CatalogDataset>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub job_specs: Vec<CatalogJobSpec>,
}

/// The data of a `job` server-sent event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct JobEvent {
    pub rid: Rid,
    pub build_rid: Rid,
    pub team: TeamName,
    pub run_id: u64,
    pub job_spec_rid: Rid,
    pub job_spec_name: String,
    pub status: JobStatus,
    #[serde(default)]
    pub attempt_count: u32,
    pub started_time: Option<Timestamp>,
    pub finished_time: Option<Timestamp>,
    /// Why the job failed, as the build report's job says it; absent while it has not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Why it ran, or why it did not, as the build report's job says it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// `GET /api/v1/teams/{team}/builds/{runId}/attempts`: every attempt of every job of a
/// build in one answer, for the build report's timeline (a build of 1,000 jobs would
/// otherwise need 1,000 job reports).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct BuildAttempts {
    #[serde(default)]
    pub jobs: Vec<JobAttempts>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct JobAttempts {
    pub job_rid: Rid,
    #[serde(default)]
    pub attempts: Vec<crate::build2::Attempt>,
}

/// A finished build, told to whoever watches its team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Notification {
    pub id: u64,
    pub build_rid: Rid,
    pub team: TeamName,
    pub run_id: u64,
    pub state: TeamBuildState,
    pub time: Timestamp,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NotificationsResponse {
    #[serde(default, deserialize_with = "null_as_default")]
    pub notifications: Vec<Notification>,
}

/// The query of the events stream and the notifications list.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct TeamQuery {
    #[cfg_attr(feature = "openapi", param(inline))]
    pub team: Option<TeamName>,
    #[cfg_attr(feature = "openapi", param(inline))]
    pub since: Option<Timestamp>,
}

/// One server-sent event; the SSE event name is [`Event::name`], the data is the payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    Build(TeamBuild),
    Job(JobEvent),
    Notification(Notification),
}

impl Event {
    pub fn name(&self) -> &'static str {
        match self {
            Event::Build(_) => "build",
            Event::Job(_) => "job",
            Event::Notification(_) => "notification",
        }
    }

    pub fn team(&self) -> &TeamName {
        match self {
            Event::Build(b) => &b.team,
            Event::Job(j) => &j.team,
            Event::Notification(n) => &n.team,
        }
    }

    /// The event's data as JSON.
    pub fn data(&self) -> Result<String, serde_json::Error> {
        match self {
            Event::Build(b) => serde_json::to_string(b),
            Event::Job(j) => serde_json::to_string(j),
            Event::Notification(n) => serde_json::to_string(n),
        }
    }

    /// Reads an event back from its SSE name and data; `None` for a name we do not know.
    pub fn parse(name: &str, data: &str) -> Option<Result<Event, serde_json::Error>> {
        Some(match name {
            "build" => serde_json::from_str(data).map(Event::Build),
            "job" => serde_json::from_str(data).map(Event::Job),
            "notification" => serde_json::from_str(data).map(Event::Notification),
            _ => return None,
        })
    }
}

/// `GET /api/v1/health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Health {
    pub status: String,
    pub version: String,
}

/// `config.json`, read by the console at start-up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RuntimeConfig {
    #[serde(default = "default_build2_url")]
    pub build2_url: String,
    #[serde(default = "default_teams_url")]
    pub teams_url: String,
    #[serde(default = "TeamName::default_team")]
    pub default_team: TeamName,
    /// How people sign in; without it a token can only be pasted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oauth: Option<OAuthConfig>,
    /// Which contract the console speaks: build2 plus the teams surface (the default), or
    /// Foundry's public Orchestration v2 API at `foundryUrl`.
    #[serde(default, skip_serializing_if = "ApiKind::is_build2")]
    pub api: ApiKind,
    /// The Foundry stack's URL (`https://<stack>.palantirfoundry.com`) when `api` is
    /// `foundry`: its public API is under `/api/v2`, its sign-in under `/multipass`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub foundry_url: Option<String>,
}

/// The kind of build service `config.json` points the console at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub enum ApiKind {
    /// `build2` (what `foundry-dev-tools` sends) with Kiln's teams surface.
    #[default]
    Build2,
    /// Foundry's public Orchestration v2 API, with OAuth2 sign-in.
    Foundry,
}

impl ApiKind {
    pub fn is_build2(&self) -> bool {
        *self == ApiKind::Build2
    }
}

/// OAuth2 sign-in (authorization code with PKCE, a public client) as `config.json` gives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct OAuthConfig {
    pub client_id: String,
    /// An OpenID Connect issuer whose discovery document names the authorize, token and
    /// revocation endpoints (a `kiln-server` started with `--oidc-issuer`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// The scopes to ask for; each kind of service has a default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scopes: Option<Vec<String>>,
    /// Where the provider sends the browser back, relative to the console (default
    /// `/auth/callback`); it must be registered with the client.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_path: Option<String>,
}

fn default_build2_url() -> String {
    "/build2/api".to_owned()
}

fn default_teams_url() -> String {
    "/api/v1".to_owned()
}

impl Default for RuntimeConfig {
    fn default() -> Self {
        RuntimeConfig {
            build2_url: default_build2_url(),
            teams_url: default_teams_url(),
            default_team: TeamName::default_team(),
            oauth: None,
            api: ApiKind::Build2,
            foundry_url: None,
        }
    }
}
