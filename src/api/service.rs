//! The build service the console talks to, whichever kind `config.json` names: one enum of
//! operations with one implementation per kind. Pages call these and render what
//! [`Capabilities`] says is there; they never ask which kind it is.

use kiln_api::build2::{BuildReport, JobReport, SubmitBuildRequest, SubmitBuildResponse};
use kiln_api::teams::{ApiKind, PreviewResponse, RuntimeConfig};
use kiln_api::{Rid, TeamName};

use super::foundry::{self, Unmappable};
use super::health::{self, ServiceHealth};
use super::{ApiError, Client, Surface, build2, teams};

/// The reason shown on every control the public API has no field for.
pub const NOT_IN_PUBLIC_API: &str = "Not in Foundry's public API.";

/// How a report that may still change is fetched again when no events stream tells the
/// tab what changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Polling {
    /// At a fixed pace: only while the stream is not open (build2 with the teams surface).
    Fallback,
    /// Slower and slower while nothing changes (the public API has no events).
    Backoff,
}

/// Whether a feature is there, and why not when it is not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Support {
    Available,
    Unavailable(&'static str),
}

impl Support {
    pub fn is_available(self) -> bool {
        self == Support::Available
    }

    /// Why it is not there, for the disabled control's help line.
    pub fn reason(self) -> Option<&'static str> {
        match self {
            Support::Available => None,
            Support::Unavailable(reason) => Some(reason),
        }
    }
}

/// What a kind of service can do, so a page can show a control disabled with its reason
/// instead of hiding it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capabilities {
    pub kind: ApiKind,
    /// Job-spec selections (the public API builds datasets only).
    pub job_spec_selections: Support,
    /// A datasets selection's "Required" switch (off: a dataset no job spec produces is
    /// skipped instead of failing the submission).
    pub optional_datasets: Support,
    /// Searching datasets by name and naming RIDs as they are typed (Kiln's catalog).
    pub catalog: Support,
    /// Asking what a request would run without running it.
    pub preview: Support,
    /// Attempt logs.
    pub logs: Support,
    /// Each job's attempts (how many, and their times).
    pub attempts: Support,
    /// Archive, restore and tags: the teams surface's own actions.
    pub team_actions: Support,
    /// Kiln's teams surface (team lists, catalog, events stream, logs).
    pub teams_surface: bool,
    /// Edit & resubmit and rerun, which start from the build's own request.
    pub resubmit: Support,
    pub polling: Polling,
    /// The build options (by wire key) the service has no field for.
    unsupported_options: &'static [&'static str],
}

/// The build2 options that `CreateBuildRequest` has no field for.
const FOUNDRY_UNSUPPORTED_OPTIONS: &[&str] = &[
    "ignoreBuildPolicy",
    "forceRetry",
    "exceededDurationMode",
    "outputQueueStrategy",
    "inputFailureStrategies",
    "buildParameters",
    "submissionId",
    "buildGroupRid",
];

impl Capabilities {
    pub const BUILD2: Capabilities = Capabilities {
        kind: ApiKind::Build2,
        job_spec_selections: Support::Available,
        optional_datasets: Support::Available,
        catalog: Support::Available,
        preview: Support::Available,
        logs: Support::Available,
        attempts: Support::Available,
        team_actions: Support::Available,
        teams_surface: true,
        resubmit: Support::Available,
        polling: Polling::Fallback,
        unsupported_options: &[],
    };

    pub const FOUNDRY: Capabilities = Capabilities {
        kind: ApiKind::Foundry,
        job_spec_selections: Support::Unavailable(
            "Job-spec selections are not in Foundry's public API: it builds datasets (datasets, upstream or connecting).",
        ),
        optional_datasets: Support::Unavailable(
            "Not in Foundry's public API: every target dataset is required (one no job spec produces fails the build).",
        ),
        catalog: Support::Unavailable(
            "Foundry's public API has no dataset search, so names, search and branch suggestions are off here: paste dataset RIDs (ri.foundry.main.dataset.…).",
        ),
        preview: Support::Unavailable(
            "Foundry's public API has no preview: it cannot say what a build would run before it runs.",
        ),
        logs: Support::Unavailable("Foundry's public API has no job logs: open the build in Foundry to read them."),
        attempts: Support::Unavailable("Foundry's public API does not list a job's attempts."),
        team_actions: Support::Unavailable(
            "Archive and tags are Kiln's team actions; Foundry's public API has neither.",
        ),
        teams_surface: false,
        resubmit: Support::Unavailable(
            "Foundry's public API does not return a build's targets, so Kiln cannot fill the form from it.",
        ),
        polling: Polling::Backoff,
        unsupported_options: FOUNDRY_UNSUPPORTED_OPTIONS,
    };

    /// Whether the service reads the option (or a row of it) with this field key:
    /// `inputFailureStrategies[2]` is the `inputFailureStrategies` option.
    pub fn option(&self, key: &str) -> Support {
        let base = key.split(['[', '.']).next().unwrap_or(key);
        if self.unsupported_options.contains(&base) {
            Support::Unavailable(NOT_IN_PUBLIC_API)
        } else {
            Support::Available
        }
    }

    /// How the page names the kind in use.
    pub fn kind_label(&self) -> &'static str {
        match self.kind {
            ApiKind::Build2 => "build2 with Kiln's teams API",
            ApiKind::Foundry => "Foundry's public Orchestration API",
        }
    }
}

/// The service in use; cheap to clone, compared by where it points and the token.
#[derive(Debug, Clone, PartialEq)]
pub enum Service {
    Build2(Client),
    Foundry { client: Client, foundry_url: String },
}

impl Service {
    pub fn new(config: &RuntimeConfig, token: Option<&str>) -> Self {
        let client = Client::new(config, token);
        match config.api {
            ApiKind::Build2 => Service::Build2(client),
            ApiKind::Foundry => Service::Foundry {
                client,
                foundry_url: config.foundry_url.as_deref().unwrap_or_default().trim_end_matches('/').to_owned(),
            },
        }
    }

    pub fn capabilities(&self) -> Capabilities {
        match self {
            Service::Build2(_) => Capabilities::BUILD2,
            Service::Foundry { .. } => Capabilities::FOUNDRY,
        }
    }

    pub fn client(&self) -> &Client {
        match self {
            Service::Build2(client) | Service::Foundry { client, .. } => client,
        }
    }

    /// How each surface of the service answers; `on_heard` is told the surfaces known so
    /// far each time one more is, until the last (see `api::health`).
    pub async fn health(&self, on_heard: &dyn Fn(ServiceHealth)) -> ServiceHealth {
        match self {
            Service::Build2(client) => health::build2_and_teams(client, on_heard).await,
            Service::Foundry { client, .. } => health::foundry(client, on_heard).await,
        }
    }

    /// Why this request cannot be sent to this service as it is, if it cannot.
    pub fn refusal(&self, request: &SubmitBuildRequest) -> Option<Unmappable> {
        match self {
            Service::Build2(_) => None,
            Service::Foundry { .. } => foundry::create_request(request).err(),
        }
    }

    /// The URL a submission goes to and the exact body sent (pretty JSON in the wire's
    /// field order), for the request view. `None` as the body when the request cannot be
    /// sent (see [`Service::refusal`]).
    pub fn submission(&self, request: &SubmitBuildRequest) -> (String, Option<String>) {
        match self {
            Service::Build2(client) => {
                (client.url(Surface::Build2, "/manager/submitBuild"), serde_json::to_string_pretty(request).ok())
            }
            Service::Foundry { client, .. } => (
                client.url(Surface::Foundry, foundry::CREATE_PATH),
                foundry::create_request(request).ok().and_then(|r| serde_json::to_string_pretty(&r).ok()),
            ),
        }
    }

    /// Submits a build; `team` is the build2 submission's team (the public API has none).
    pub async fn submit(&self, request: &SubmitBuildRequest, team: &TeamName) -> Result<SubmitBuildResponse, ApiError> {
        match self {
            Service::Build2(client) => build2::submit_build(client, request, team).await,
            Service::Foundry { client, .. } => {
                let create = foundry::create_request(request).map_err(|why| ApiError::Encode(why.to_string()))?;
                foundry::create(client, &create).await.map(|build| foundry::submitted(&build))
            }
        }
    }

    /// What a submission would run. `Ok(None)` when the service has no preview.
    pub async fn preview(&self, request: &SubmitBuildRequest) -> Result<Option<PreviewResponse>, ApiError> {
        match self {
            Service::Build2(client) => teams::preview(client, request).await,
            Service::Foundry { .. } => Ok(None),
        }
    }

    /// The build report, or `None` when the service does not know the build.
    pub async fn build_report(&self, rid: &Rid) -> Result<Option<BuildReport>, ApiError> {
        match self {
            Service::Build2(client) => build2::build_report(client, rid).await,
            Service::Foundry { client, .. } => {
                let Some(build) = foundry::build(client, rid).await? else { return Ok(None) };
                let jobs = foundry::all_jobs(client, rid).await?;
                let names = foundry::dataset_names(client, foundry::output_rids(&jobs)).await;
                Ok(Some(foundry::build_report(&build, &jobs, &names)))
            }
        }
    }

    /// The job report, or `None` when the service does not know the job.
    pub async fn job_report(&self, rid: &Rid) -> Result<Option<JobReport>, ApiError> {
        match self {
            Service::Build2(client) => build2::job_report(client, rid).await,
            Service::Foundry { client, .. } => {
                let Some(job) = foundry::job(client, rid).await? else { return Ok(None) };
                let names = foundry::dataset_names(client, foundry::output_rids(std::slice::from_ref(&job))).await;
                Ok(Some(foundry::job_report(&job, &names)))
            }
        }
    }

    /// Whether Stop works here; build2 stops through the teams surface.
    pub fn stop_support(&self, teams_available: bool) -> Support {
        match self {
            Service::Build2(_) if !teams_available => Support::Unavailable(
                "Stopping needs the service's teams API (/api/v1), which this service does not offer.",
            ),
            _ => Support::Available,
        }
    }

    /// Stops a running build; answers what the service said.
    pub async fn stop(&self, report: &BuildReport) -> Result<String, ApiError> {
        match self {
            Service::Build2(client) => teams::stop(client, &report.team, report.run_id).await.map(|a| a.message),
            Service::Foundry { client, .. } => foundry::cancel(client, &report.rid)
                .await
                .map(|()| "Cancellation requested: Foundry cancels the build's unfinished jobs.".to_owned()),
        }
    }

    /// Whether attempt logs can be read here, and why not.
    pub fn logs_support(&self, teams_available: bool) -> Support {
        match self {
            Service::Build2(_) if !teams_available => Support::Unavailable(
                "Logs are read through the service's teams API (/api/v1), which this service does not offer.",
            ),
            Service::Build2(_) => Support::Available,
            Service::Foundry { .. } => Capabilities::FOUNDRY.logs,
        }
    }

    /// How a person names the build: its run number where there is one.
    pub fn build_title(&self, report: &BuildReport) -> String {
        match self {
            Service::Build2(_) => format!("Build #{}", report.run_id),
            Service::Foundry { .. } => {
                let id = report.rid.as_str().rsplit('.').next().unwrap_or_default();
                format!("Build {}", id.get(..8).unwrap_or(id))
            }
        }
    }

    /// The build named in a sentence, such as a confirmation: with its team where there is one.
    pub fn build_description(&self, report: &BuildReport) -> String {
        match self {
            Service::Build2(_) => format!("build #{} of team {}", report.run_id, report.team),
            Service::Foundry { .. } => self.build_title(report).to_lowercase(),
        }
    }

    /// A page of every build the caller may see, newest first, where the service can
    /// search them (`None` on build2, whose lists are per team).
    pub async fn find_builds(
        &self,
        filters: &foundry::BuildFilters,
        page_token: Option<String>,
    ) -> Option<Result<foundry::BuildsFound, ApiError>> {
        match self {
            Service::Build2(_) => None,
            Service::Foundry { client, .. } => Some(foundry::find_builds(client, filters, page_token).await),
        }
    }

    /// The build in the service's own UI, where it has one.
    pub fn build_link(&self, rid: &Rid) -> Option<ExternalLink> {
        match self {
            Service::Build2(_) => None,
            Service::Foundry { foundry_url, .. } => {
                Some(ExternalLink { label: "Open in Foundry", href: foundry::job_tracker_url(foundry_url, rid) })
            }
        }
    }
}

/// The official Python client that sends the same build to this service, for the
/// request view's snippet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OfficialClient {
    /// `foundry-dev-tools`' build2 call, filed under a team.
    FoundryDevTools,
    /// `foundry-platform-sdk`'s `Build.create` on the stack at `hostname` (`host[:port]`);
    /// `http` when the stack is not on https (a local kiln-server).
    FoundrySdk { hostname: String, http: bool },
}

impl Service {
    pub fn official_client(&self) -> OfficialClient {
        match self {
            Service::Build2(_) => OfficialClient::FoundryDevTools,
            Service::Foundry { foundry_url, .. } => {
                let (http, rest) = match foundry_url.strip_prefix("http://") {
                    Some(rest) => (true, rest),
                    None => (false, foundry_url.strip_prefix("https://").unwrap_or(foundry_url)),
                };
                let hostname = rest.split('/').next().unwrap_or(rest).to_owned();
                OfficialClient::FoundrySdk { hostname, http }
            }
        }
    }
}

/// A link out of the console.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalLink {
    pub label: &'static str,
    pub href: String,
}
