//! Server-Sent Events: `build`, `job` and `notification` changes of the teams a caller
//! may see.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use kiln_api::TeamName;
use kiln_api::teams::TeamQuery;
use tokio_stream::StreamExt;
use tokio_stream::wrappers::BroadcastStream;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::auth::Caller;
use super::error::AppError;
use super::extract::ApiQuery;
use super::openapi::{Invalid, NotFound, Unauthenticated};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(events))
}

/// A stream that never ends: `build`, `job` and `notification` events (their data is a
/// TeamBuild, a JobEvent or a Notification as JSON), after a `connected` comment, with a
/// keep-alive comment every 15 s.
#[utoipa::path(get, path = "/api/v1/events", tag = "teams", params(TeamQuery),
    responses((status = 200, description = "Events as they happen", content_type = "text/event-stream", body = String), Invalid, Unauthenticated, NotFound))]
async fn events(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<TeamQuery>,
) -> Result<Sse<impl tokio_stream::Stream<Item = Result<SseEvent, Infallible>>>, AppError> {
    let teams: Option<Vec<TeamName>> = match q.team {
        Some(team) => {
            caller.require(&team)?;
            Some(vec![team])
        }
        None => caller.teams().map(<[TeamName]>::to_vec),
    };
    let stream = BroadcastStream::new(state.engine.events().subscribe()).filter_map(move |event| {
        // A lagging subscriber skips what it missed; the console refetches on gaps.
        let event = event.ok()?;
        if teams.as_ref().is_some_and(|ts| !ts.contains(event.team())) {
            return None;
        }
        let data = event.data().ok()?;
        Some(Ok(SseEvent::default().event(event.name()).data(data)))
    });
    // A comment first, so the response's first bytes leave at once: Firefox (and proxies
    // that buffer) open an EventSource only when body bytes arrive, which otherwise waits
    // for the first event or the keep-alive, up to 15 s later.
    let opened = tokio_stream::once(Ok(SseEvent::default().comment("connected")));
    Ok(Sse::new(opened.chain(stream)).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)).text("keep-alive")))
}
