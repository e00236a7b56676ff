//! Whether each surface of the service answers. The header reports them one by one
//! ("build2 ok · teams unreachable at …"), because reports still work while the teams
//! surface is down, and the other way round.
//!
//! The check listens before it asks: a surface that answers one of the page's own
//! requests with a success within `LISTEN_FOR` of the check's start is ok, and is not
//! probed; only the surfaces not heard from by then are. So a page that reads the build
//! report and its attempts sends no probe at all, and a page that never touches build2
//! probes it after `LISTEN_FOR`. What a probe alone tells: the service's version (the
//! teams surface's `/health`), and why a surface is absent, wants a sign-in or is down.
//! While it listens, the surfaces heard so far are reported as they are heard, so a page
//! that reads only the teams surface shows "teams ok" at once, not "Connecting…" for
//! `LISTEN_FOR`.

use std::pin::pin;
use std::time::Duration;

use futures::future::{Either, join, select};
use serde::de::IgnoredAny;

use super::{ApiError, Client, Surface, foundry, teams};

/// A build RID no service has: asking for it costs the service one lookup, and build2
/// answers it with a 204.
const PROBE_BUILD: &str = "ri.foundry.main.build.00000000-0000-0000-0000-000000000000";

/// How long the check listens to the page's own traffic before it probes the surfaces it
/// has not heard from. Long enough for a large report's second round of requests (its
/// attempts and the lineage, asked once the report is drawn) on a slow machine.
pub const LISTEN_FOR: Duration = Duration::from_secs(2);

/// How one surface answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SurfaceState {
    Ok,
    /// It answered 404: a plain build2 service has no teams surface.
    Absent,
    /// It answered 401: it is there, and wants a token or a sign-in.
    NeedsSignIn,
    /// No answer at all (down, a wrong URL, or refused by the browser).
    Unreachable {
        reason: String,
    },
}

impl SurfaceState {
    fn of<T>(answer: &Result<T, ApiError>) -> SurfaceState {
        match answer {
            Ok(_) => SurfaceState::Ok,
            Err(ApiError::Network(reason)) => SurfaceState::Unreachable { reason: reason.clone() },
            Err(e) if e.is_unauthorized() => SurfaceState::NeedsSignIn,
            Err(e) if e.is_not_found() => SurfaceState::Absent,
            // Any other answer (an error body, a 5xx) still says the service is there.
            Err(_) => SurfaceState::Ok,
        }
    }
}

/// One surface: which it is, where it is, how it answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SurfaceHealth {
    pub surface: Surface,
    pub url: String,
    pub state: SurfaceState,
}

impl SurfaceHealth {
    /// What the header calls the surface.
    pub fn name(&self) -> &'static str {
        match self.surface {
            Surface::Build2 => "build2",
            Surface::Teams => "teams",
            Surface::Foundry => "Foundry public API",
        }
    }

    /// "build2 ok", "teams unreachable at http://…", "teams not on this service".
    pub fn words(&self) -> String {
        let name = self.name();
        match &self.state {
            SurfaceState::Ok => format!("{name} ok"),
            SurfaceState::Absent => format!("{name} not on this service"),
            SurfaceState::NeedsSignIn => format!("{name} needs sign-in"),
            SurfaceState::Unreachable { .. } => format!("{name} unreachable at {}", self.url),
        }
    }
}

/// How the whole service answered, surface by surface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceHealth {
    /// What the service calls itself, when it said.
    pub version: Option<String>,
    pub surfaces: Vec<SurfaceHealth>,
}

/// The header's summary of a health check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overall {
    /// Every surface answered.
    Ok,
    /// Some surfaces answered and some did not.
    Partial,
    /// None answered.
    Down,
}

impl Overall {
    /// The `data-health` attribute's value.
    pub fn key(self) -> &'static str {
        match self {
            Overall::Ok => "ok",
            Overall::Partial => "partial",
            Overall::Down => "down",
        }
    }
}

impl ServiceHealth {
    pub fn overall(&self) -> Overall {
        let reached = |s: &&SurfaceHealth| !matches!(s.state, SurfaceState::Unreachable { .. });
        match self.surfaces.iter().filter(reached).count() {
            n if n == self.surfaces.len() => Overall::Ok,
            0 => Overall::Down,
            _ => Overall::Partial,
        }
    }

    /// "build2 ok · teams unreachable at http://…".
    pub fn words(&self) -> String {
        self.surfaces.iter().map(SurfaceHealth::words).collect::<Vec<_>>().join(" · ")
    }

    /// Each unreachable surface's reason, for the header's tooltip.
    pub fn details(&self) -> String {
        let mut lines: Vec<String> = self.version.iter().map(|v| format!("Service: {v}")).collect();
        for surface in &self.surfaces {
            lines.push(match &surface.state {
                SurfaceState::Unreachable { reason } => format!("{}: {} — {reason}", surface.name(), surface.url),
                _ => format!("{}: {}", surface.name(), surface.url),
            });
        }
        lines.join("\n")
    }

    /// Whether the teams surface answered 404, so team views cannot work here.
    pub fn teams_absent(&self) -> bool {
        self.surfaces.iter().any(|s| s.surface == Surface::Teams && s.state == SurfaceState::Absent)
    }

    pub fn needs_sign_in(&self) -> bool {
        self.surfaces.iter().any(|s| s.state == SurfaceState::NeedsSignIn)
    }
}

/// Listens to the page's own traffic until every one of `surfaces` has answered since
/// `since`, or `LISTEN_FOR` has passed. Each time more of them have answered, `on_heard`
/// is told which, all ok.
async fn listen(client: &Client, surfaces: &[Surface], since: f64, on_heard: &dyn Fn(ServiceHealth)) {
    let mut deadline = pin!(gloo_timers::future::sleep(LISTEN_FOR));
    let mut told = 0;
    loop {
        let heard = client.answered_of(surfaces, since);
        if heard.len() == surfaces.len() {
            return;
        }
        if heard.len() > told {
            told = heard.len();
            on_heard(ServiceHealth {
                version: None,
                surfaces: heard
                    .into_iter()
                    .map(|surface| SurfaceHealth { surface, url: client.url(surface, ""), state: SurfaceState::Ok })
                    .collect(),
            });
        }
        let more = pin!(client.answered_more(surfaces, since, told));
        if let Either::Right(_) = select(more, deadline.as_mut()).await {
            return;
        }
    }
}

/// The answer of a surface the page's own traffic has just heard from, or else of `probe`.
async fn heard_or<T>(
    client: &Client,
    surface: Surface,
    since: f64,
    probe: impl Future<Output = Result<T, ApiError>>,
) -> Result<Option<T>, ApiError> {
    if client.answered_since(surface, since) { Ok(None) } else { probe.await.map(Some) }
}

/// Asks build2 and the teams surface, those the page's traffic has not answered for, at once.
pub async fn build2_and_teams(client: &Client, on_heard: &dyn Fn(ServiceHealth)) -> ServiceHealth {
    let since = js_sys::Date::now();
    listen(client, &[Surface::Build2, Surface::Teams], since, on_heard).await;
    let probe = format!("/info/builds2/{PROBE_BUILD}");
    let build2 = heard_or(client, Surface::Build2, since, client.get_json::<IgnoredAny>(Surface::Build2, &probe));
    let teams = heard_or(client, Surface::Teams, since, teams::health(client));
    let (build2, teams) = join(build2, teams).await;
    ServiceHealth {
        version: teams.as_ref().ok().and_then(|h| h.as_ref()).map(|h| h.version.clone()),
        surfaces: vec![
            SurfaceHealth {
                surface: Surface::Build2,
                url: client.url(Surface::Build2, ""),
                state: SurfaceState::of(&build2),
            },
            SurfaceHealth {
                surface: Surface::Teams,
                url: client.url(Surface::Teams, ""),
                state: SurfaceState::of(&teams),
            },
        ],
    }
}

/// Asks Foundry's public API, unless the page's traffic has (it has no unauthenticated
/// call, so a 401 means it is there).
pub async fn foundry(client: &Client, on_heard: &dyn Fn(ServiceHealth)) -> ServiceHealth {
    let since = js_sys::Date::now();
    listen(client, &[Surface::Foundry], since, on_heard).await;
    let answer = heard_or(client, Surface::Foundry, since, foundry::ping(client)).await;
    ServiceHealth {
        version: None,
        surfaces: vec![SurfaceHealth {
            surface: Surface::Foundry,
            url: client.url(Surface::Foundry, ""),
            state: SurfaceState::of(&answer),
        }],
    }
}
