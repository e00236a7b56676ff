//! The health check, for the header: whenever the service or the token changes, each
//! surface of the service is heard from, by the page's own requests or else by a probe
//! (see `api::health`).

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use futures::future::{Either, select};
use yew::prelude::*;

use crate::api::ApiError;
use crate::session::{Health, SessionAction, SessionHandle};

/// Set when the check's service is no longer the session's (another token, other
/// settings): the check listens for a while before it probes, and a probe sent by then
/// with the old token would only be refused.
#[derive(Default)]
struct Superseded {
    done: Cell<bool>,
    waiting: RefCell<Option<Waker>>,
}

impl Superseded {
    fn set(&self) {
        self.done.set(true);
        if let Some(waker) = self.waiting.borrow_mut().take() {
            waker.wake();
        }
    }
}

/// Resolves once the check is superseded.
struct WhenSuperseded(Rc<Superseded>);

impl Future for WhenSuperseded {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0.done.get() {
            return Poll::Ready(());
        }
        *self.0.waiting.borrow_mut() = Some(cx.waker().clone());
        Poll::Pending
    }
}

/// Asks the service for its health whenever the service or token changes. Without the
/// teams surface reports still work; team views do not.
#[hook]
pub fn use_health_check(session: &SessionHandle) {
    let service = session.service();
    let session = session.clone();
    use_effect_with(service, move |service| {
        // The service is compared by its token too, so this is the token it sends.
        let (service, token) = (service.clone(), session.token.clone());
        let superseded = Rc::new(Superseded::default());
        let when_superseded = WhenSuperseded(superseded.clone());
        wasm_bindgen_futures::spawn_local(async move {
            // A check that is superseded is dropped, with the probes it has not sent yet.
            let health = match select(Box::pin(service.health()), when_superseded).await {
                Either::Left((health, _)) => health,
                Either::Right(_) => return,
            };
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
        move || superseded.set()
    });
}
