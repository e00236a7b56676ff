//! Kiln's team surface under `/api/v1`: team builds and what a team SDK does with them.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use kiln_api::build2::{BuildStatus, SubmitBuildRequest};
use kiln_api::teams::{
    BuildsPage, BuildsQuery, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, NotificationsResponse, PathResponse, PreviewResponse,
    StopResponse, TagsRequest, TeamBuild, TeamBuildDetail, TeamQuery, TeamSummary, TeamsResponse, WhoAmI,
};
use kiln_api::{ErrorName, TeamName, Timestamp};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::auth::Caller;
use super::error::AppError;
use super::extract::{ApiJson, ApiPath, ApiQuery, TeamRun, team_param};
use super::openapi::{Conflict, Invalid, NotFound, TooLarge, Unauthenticated};
use crate::store::builds::{self, BuildFilter, BuildRow};
use crate::store::notifications;
use crate::views;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(whoami))
        .routes(routes!(teams))
        .routes(routes!(list_builds))
        .routes(routes!(build_detail))
        .routes(routes!(archive))
        .routes(routes!(restore))
        .routes(routes!(stop))
        .routes(routes!(set_tags))
        .routes(routes!(preview))
        .routes(routes!(list_notifications))
}

/// Who the token belongs to and the teams it may see.
#[utoipa::path(get, path = "/api/v1/whoami", tag = "teams", responses((status = 200, description = "The caller", body = WhoAmI), Unauthenticated))]
async fn whoami(State(state): State<AppState>, caller: Caller) -> Result<Json<WhoAmI>, AppError> {
    let teams = match caller.teams() {
        Some(ts) => ts.to_vec(),
        None => {
            let mut known = state.engine.store().read(builds::known_teams).await?;
            if !known.contains(&TeamName::default_team()) {
                known.insert(0, TeamName::default_team());
            }
            known
        }
    };
    Ok(Json(WhoAmI { user: caller.user().to_owned(), teams }))
}

/// The teams the caller may see, with their build counts.
#[utoipa::path(get, path = "/api/v1/teams", tag = "teams",
    responses((status = 200, description = "The visible teams", body = TeamsResponse), Unauthenticated))]
async fn teams(State(state): State<AppState>, caller: Caller) -> Result<Json<TeamsResponse>, AppError> {
    let summaries = state.engine.store().read(builds::team_summaries).await?;
    let mut teams: Vec<TeamSummary> = summaries
        .into_iter()
        .filter(|(t, _, _)| caller.can_see(t))
        .map(|(name, active_builds, total_builds)| TeamSummary { name, active_builds, total_builds })
        .collect();
    // A caller's own teams are listed even before their first build.
    let own: Vec<TeamName> = caller.teams().map_or_else(|| vec![TeamName::default_team()], <[TeamName]>::to_vec);
    for team in own {
        if !teams.iter().any(|t| t.name == team) {
            teams.push(TeamSummary { name: team, active_builds: 0, total_builds: 0 });
        }
    }
    teams.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(Json(TeamsResponse { teams }))
}

/// Loads a team build the caller may see; another team's answers 404 like a missing one.
pub(super) async fn load_build(state: &AppState, caller: &Caller, path: &TeamRun) -> Result<BuildRow, AppError> {
    let TeamRun { team, run_id } = path.clone();
    caller.require(&team)?;
    let lookup = team.clone();
    state
        .engine
        .store()
        .read(move |c| builds::get_build_by_run(c, &lookup, run_id))
        .await?
        .ok_or_else(|| AppError::new(ErrorName::BuildNotFound, format!("team {team} has no build {run_id}")))
}

/// What a team's list page depends on, besides the store: its cache key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct ListKey {
    team: TeamName,
    filter: BuildFilter,
}

/// A team's builds, newest first, a page at a time.
///
/// Answered from `state.list_pages` while the store has not been written since the same page
/// was last read (the console and the SDKs poll the first page while builds run); the bytes
/// are what `Json(BuildsPage)` sends.
#[utoipa::path(get, path = "/api/v1/teams/{team}/builds", tag = "teams",
    params(("team" = inline(TeamName), Path), BuildsQuery),
    responses((status = 200, description = "One page of builds", body = BuildsPage), Invalid, Unauthenticated, NotFound))]
async fn list_builds(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(team): ApiPath<String>,
    ApiQuery(q): ApiQuery<BuildsQuery>,
) -> Result<Response, AppError> {
    let team = team_param(&team, "team")?;
    caller.require(&team)?;
    let limit = q.limit.unwrap_or(DEFAULT_PAGE_SIZE);
    if limit == 0 || limit > MAX_PAGE_SIZE {
        return Err(AppError::bad(ErrorName::InvalidQuery, "limit", format!("limit is from 1 to {MAX_PAGE_SIZE}")));
    }
    let before_seq = match q.cursor.as_deref().filter(|c| !c.is_empty()) {
        None => None,
        Some(c) => Some(c.parse::<i64>().map_err(|_| {
            AppError::bad(ErrorName::InvalidQuery, "cursor", "use the nextCursor of the previous page")
        })?),
    };
    let pipeline = state.engine.pipeline();
    // A dataset may be named by RID or by name.
    let dataset_rid =
        q.dataset.as_deref().filter(|d| !d.is_empty()).map(|d| {
            pipeline.dataset_by_name(d).map_or_else(|| d.to_owned(), |i| pipeline.datasets[i].rid.to_string())
        });
    let filter = BuildFilter {
        archived: q.archived.unwrap_or_default(),
        state: q.state,
        tag: q.tag.filter(|t| !t.is_empty()),
        dataset_rid,
        q: q.q.filter(|t| !t.trim().is_empty()).map(|t| t.trim().to_owned()),
        limit,
        before_seq,
    };
    // Read before the store is: the cache may answer only for the state this generation names.
    let generation = state.engine.store().generation();
    let key = ListKey { team, filter };
    let body = state.list_pages.get_or_build(key.clone(), generation, || read_page(&state, key)).await?;
    // The content type axum's `Json` sends.
    Ok(([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], body).into_response())
}

/// Reads a list page from the store and serialises it once.
async fn read_page(state: &AppState, ListKey { team, filter }: ListKey) -> Result<Bytes, AppError> {
    // Counted by benches/reads.sh: how many list requests the cache did not answer.
    tracing::debug!(%team, "list page read from the store");
    let (rows, next) = state.engine.store().read(move |c| builds::list_builds(c, &team, &filter)).await?;
    let data = state.engine.data_dir();
    let page = BuildsPage {
        builds: rows.into_iter().map(|b| views::listed_build(data, b)).collect(),
        next_cursor: next.map(|s| s.to_string()),
    };
    Ok(Bytes::from(serde_json::to_vec(&page)?))
}

/// A team build and its steps.
#[utoipa::path(get, path = "/api/v1/teams/{team}/builds/{run_id}", tag = "teams", params(TeamRun), 
    responses((status = 200, description = "The build and its steps", body = TeamBuildDetail), Invalid, Unauthenticated, NotFound))]
async fn build_detail(
    State(state): State<AppState>,
    caller: Caller,
    path: TeamRun,
) -> Result<Json<TeamBuildDetail>, AppError> {
    let build = load_build(&state, &caller, &path).await?;
    let rid = build.rid.clone();
    let jobs = state.engine.store().read(move |c| builds::jobs_of(c, &rid)).await?;
    Ok(Json(views::team_build_detail(state.engine.data_dir(), &build, &jobs)))
}

/// Moves a build's folder between `logs/<runId>` and `logs/archive/<runId>`.
async fn move_folder(state: &AppState, build: &BuildRow, archive: bool) -> Result<Json<PathResponse>, AppError> {
    let _guard = state.folder_lock.lock().await;
    let data = state.engine.data_dir();
    // Re-read under the lock: another request may have moved it meanwhile.
    let rid = build.rid.clone();
    let current = state
        .engine
        .store()
        .call(move |c| builds::get_build(c, &rid))
        .await?
        .ok_or_else(|| AppError::new(ErrorName::BuildNotFound, "the build is gone"))?;
    if archive && current.status == BuildStatus::Running {
        return Err(AppError::new(ErrorName::BuildRunning, "a running build cannot be archived; stop it or wait"));
    }
    let from = data.build_dir(&current.team, current.run_id, current.archived);
    let to = data.build_dir(&current.team, current.run_id, archive);
    if current.archived != archive {
        if let Some(parent) = to.parent() {
            tokio::fs::create_dir_all(parent).await?;
        }
        match tokio::fs::rename(&from, &to).await {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => tokio::fs::create_dir_all(&to).await?,
            Err(e) => return Err(e.into()),
        }
        let rid = current.rid.clone();
        state.engine.store().call(move |c| builds::set_archived(c, &rid, archive)).await?;
        let mut moved = current.clone();
        moved.archived = archive;
        state.engine.events().publish(kiln_api::teams::Event::Build(views::team_build(data, &moved)));
    }
    Ok(Json(PathResponse { path: to.display().to_string() }))
}

/// Moves a finished build's folder under `logs/archive/`.
#[utoipa::path(post, path = "/api/v1/teams/{team}/builds/{run_id}/archive", tag = "teams", params(TeamRun), 
    responses((status = 200, description = "Where the build's folder is now", body = PathResponse), Invalid, Unauthenticated, NotFound, Conflict))]
async fn archive(State(state): State<AppState>, caller: Caller, path: TeamRun) -> Result<Json<PathResponse>, AppError> {
    let build = load_build(&state, &caller, &path).await?;
    move_folder(&state, &build, true).await
}

/// Moves an archived build's folder back.
#[utoipa::path(post, path = "/api/v1/teams/{team}/builds/{run_id}/restore", tag = "teams", params(TeamRun), 
    responses((status = 200, description = "Where the build's folder is now", body = PathResponse), Invalid, Unauthenticated, NotFound))]
async fn restore(State(state): State<AppState>, caller: Caller, path: TeamRun) -> Result<Json<PathResponse>, AppError> {
    let build = load_build(&state, &caller, &path).await?;
    move_folder(&state, &build, false).await
}

/// Stops a running build: kills its running jobs, cancels the waiting ones.
#[utoipa::path(post, path = "/api/v1/teams/{team}/builds/{run_id}/stop", tag = "teams", params(TeamRun), 
    responses((status = 200, description = "The build is stopping", body = StopResponse), Invalid, Unauthenticated, NotFound, Conflict))]
async fn stop(State(state): State<AppState>, caller: Caller, path: TeamRun) -> Result<Json<StopResponse>, AppError> {
    let build = load_build(&state, &caller, &path).await?;
    if build.status != BuildStatus::Running {
        return Err(AppError::new(ErrorName::BuildNotRunning, format!("build {} is not running", build.run_id)));
    }
    state.engine.stop(&build.rid).await?;
    Ok(Json(StopResponse { message: format!("Build id {} has been stopped", build.run_id) }))
}

const MAX_TAGS: usize = 50;
const MAX_TAG_LEN: usize = 64;

/// Replaces a build's tags.
#[utoipa::path(put, path = "/api/v1/teams/{team}/builds/{run_id}/tags", tag = "teams", params(TeamRun), 
    request_body = TagsRequest,
    responses((status = 200, description = "The build with its new tags", body = TeamBuild), Invalid, Unauthenticated, NotFound, TooLarge))]
async fn set_tags(
    State(state): State<AppState>,
    caller: Caller,
    path: TeamRun,
    ApiJson(body): ApiJson<TagsRequest>,
) -> Result<Json<TeamBuild>, AppError> {
    let mut build = load_build(&state, &caller, &path).await?;
    if body.tags.len() > MAX_TAGS {
        return Err(AppError::bad(ErrorName::InvalidTags, "tags", format!("at most {MAX_TAGS} tags")));
    }
    let mut tags: Vec<String> = Vec::new();
    for (i, tag) in body.tags.iter().enumerate() {
        let tag = tag.trim();
        if tag.is_empty() || tag.chars().count() > MAX_TAG_LEN || tag.chars().any(char::is_control) {
            return Err(AppError::bad(
                ErrorName::InvalidTags,
                format!("tags[{i}]"),
                format!("a tag has 1 to {MAX_TAG_LEN} characters and no control characters"),
            ));
        }
        if !tags.iter().any(|t| t == tag) {
            tags.push(tag.to_owned());
        }
    }
    let rid = build.rid.clone();
    let stored = tags.clone();
    state.engine.store().call(move |c| builds::set_tags(c, &rid, &stored)).await?;
    build.tags = tags;
    let view = views::team_build(state.engine.data_dir(), &build);
    state.engine.events().publish(kiln_api::teams::Event::Build(view.clone()));
    Ok(Json(view))
}

/// What a submission of this body would run, without running anything.
#[utoipa::path(post, path = "/api/v1/builds/preview", tag = "teams", request_body = SubmitBuildRequest,
    responses((status = 200, description = "What would run, and why", body = PreviewResponse), Invalid, Unauthenticated, TooLarge))]
async fn preview(
    State(state): State<AppState>,
    _caller: Caller,
    ApiJson(req): ApiJson<SubmitBuildRequest>,
) -> Result<Json<PreviewResponse>, AppError> {
    Ok(Json(state.engine.preview(&req).await?))
}

/// Recent finished-build notifications of the teams the caller may see.
#[utoipa::path(get, path = "/api/v1/notifications", tag = "teams", params(TeamQuery),
    responses((status = 200, description = "The notifications, newest first", body = NotificationsResponse), Invalid, Unauthenticated, NotFound))]
async fn list_notifications(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<TeamQuery>,
) -> Result<Json<NotificationsResponse>, AppError> {
    let teams: Option<Vec<TeamName>> = match q.team {
        Some(team) => {
            caller.require(&team)?;
            Some(vec![team])
        }
        None => caller.teams().map(<[TeamName]>::to_vec),
    };
    let since = q.since.as_ref().map(Timestamp::unix_millis);
    let list = state.engine.store().read(move |c| notifications::list(c, teams.as_deref(), since, 200)).await?;
    Ok(Json(NotificationsResponse { notifications: list }))
}
