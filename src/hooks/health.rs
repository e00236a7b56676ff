//! The health check, for the header: whenever the service or the token changes, each
//! surface of the service is heard from, by the page's own requests or else by a probe
//! (see `api::health`).

use futures::future::abortable;
use yew::prelude::*;

use crate::api::ApiError;
use crate::api::health::ServiceHealth;
use crate::session::{Health, SessionAction, SessionHandle};

/// Asks the service for its health whenever the service or token changes. Without the
/// teams surface reports still work; team views do not.
#[hook]
pub fn use_health_check(session: &SessionHandle) {
    let service = session.service();
    let session = session.clone();
    use_effect_with(service, move |service| {
        // The service is compared by its token too, so this is the token it sends.
        let (service, token) = (service.clone(), session.token.clone());
        // A check whose service is no longer the session's (another token, other settings)
        // is dropped with the probes it has not sent: it listens for a while before it
        // probes, and a probe sent by then with the old token would only be refused.
        let (check, superseded) = abortable(async move {
            // The surfaces answered so far; a missing teams surface changes what pages show,
            // so it is acted on at once.
            let heard = |heard: ServiceHealth| {
                if heard.teams_absent() {
                    session.dispatch(SessionAction::TeamsUnavailable);
                }
                session.dispatch(SessionAction::Health { token: token.clone(), health: Health::Heard(heard) });
            };
            let health = service.health(&heard).await;
            if health.teams_absent() {
                session.dispatch(SessionAction::TeamsUnavailable);
            }
            // The service answered, so it is not unreachable: it wants a token (Foundry's
            // public API has no unauthenticated call), and the header offers to sign in.
            if health.needs_sign_in() {
                session.dispatch(SessionAction::Refused { token: token.clone(), error: ApiError::Unauthorized(None) });
            }
            let health = Health::Checked(health);
            session.dispatch(SessionAction::Health { token, health });
        });
        wasm_bindgen_futures::spawn_local(async move {
            // Err(Aborted) is the superseded check: nothing to report.
            let _ = check.await;
        });
        move || superseded.abort()
    });
}
