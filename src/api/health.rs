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
//! A request of the page's that fails has its surface probed at once. Each surface's
//! answer is reported as soon as it is known, so a page that reads only the teams surface
//! shows "teams ok" at once, not "Connecting…" for `LISTEN_FOR`.

use std::cell::RefCell;
use std::pin::pin;
use std::time::Duration;

use futures::future::{join, select};
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

/// The answer of a surface the page's own traffic has just heard from, or else of `probe`.
/// It listens to that traffic until a request to the surface has been answered or
/// `LISTEN_FOR` has passed: a success is the answer, and a failure, or silence, has the
/// surface asked by `probe`, which tells why.
async fn heard_or<T>(
    client: &Client,
    surface: Surface,
    since: f64,
    probe: impl Future<Output = Result<T, ApiError>>,
) -> Result<Option<T>, ApiError> {
    let heard = pin!(client.until_heard(surface, since));
    let _ = select(heard, gloo_timers::future::sleep(LISTEN_FOR)).await;
    if client.answered_since(surface, since) { Ok(None) } else { probe.await.map(Some) }
}

/// The surfaces answered so far, in the order the check lists them, for `on_heard`; the
/// last surface's answer is the check's own, so it is not told.
struct Progress<'a> {
    order: &'a [Surface],
    known: RefCell<Vec<SurfaceHealth>>,
    on_heard: &'a dyn Fn(ServiceHealth),
}

impl Progress<'_> {
    fn tell(&self, health: &SurfaceHealth) {
        let mut known = self.known.borrow_mut();
        known.push(health.clone());
        if known.len() < self.order.len() {
            known.sort_by_key(|s| self.order.iter().position(|o| *o == s.surface));
            (self.on_heard)(ServiceHealth { version: None, surfaces: known.clone() });
        }
    }
}

/// How `surface` answered, told to `progress` as soon as it is known.
fn surface_health<T>(
    client: &Client,
    surface: Surface,
    answer: &Result<Option<T>, ApiError>,
    progress: &Progress<'_>,
) -> SurfaceHealth {
    let health = SurfaceHealth { surface, url: client.url(surface, ""), state: SurfaceState::of(answer) };
    progress.tell(&health);
    health
}

/// Asks build2 and the teams surface, those the page's traffic has not answered for, each
/// on its own, so a team list on a plain build2 service learns at once that it has no teams
/// surface (its own request failed), without waiting to hear from build2.
pub async fn build2_and_teams(client: &Client, on_heard: &dyn Fn(ServiceHealth)) -> ServiceHealth {
    let since = js_sys::Date::now();
    let progress = Progress { order: &[Surface::Build2, Surface::Teams], known: RefCell::default(), on_heard };
    let probe = format!("/info/builds2/{PROBE_BUILD}");
    let build2 = async {
        let answer =
            heard_or(client, Surface::Build2, since, client.get_json::<IgnoredAny>(Surface::Build2, &probe)).await;
        surface_health(client, Surface::Build2, &answer, &progress)
    };
    let teams = async {
        let answer = heard_or(client, Surface::Teams, since, teams::health(client)).await;
        let version = answer.as_ref().ok().and_then(|h| h.as_ref()).map(|h| h.version.clone());
        (surface_health(client, Surface::Teams, &answer, &progress), version)
    };
    let (build2, (teams, version)) = join(build2, teams).await;
    ServiceHealth { version, surfaces: vec![build2, teams] }
}

/// Asks Foundry's public API, unless the page's traffic has (it has no unauthenticated
/// call, so a 401 means it is there).
pub async fn foundry(client: &Client, on_heard: &dyn Fn(ServiceHealth)) -> ServiceHealth {
    let since = js_sys::Date::now();
    let progress = Progress { order: &[Surface::Foundry], known: RefCell::default(), on_heard };
    let answer = heard_or(client, Surface::Foundry, since, foundry::ping(client)).await;
    ServiceHealth { version: None, surfaces: vec![surface_health(client, Surface::Foundry, &answer, &progress)] }
}
