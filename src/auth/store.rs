//! What a sign-in keeps in this tab's sessionStorage: the pending request (state and
//! verifier, which never leave the tab) and the tokens it got.

use gloo_storage::{SessionStorage, Storage};
use serde::{Deserialize, Serialize};

use super::provider::{Endpoints, TokenResponse};

const PENDING_KEY: &str = "kiln.oauth.pending";
const TOKENS_KEY: &str = "kiln.oauth.tokens";

/// A sign-in that went to the provider and has not come back yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pending {
    pub state: String,
    pub verifier: String,
    pub redirect_uri: String,
    /// The console path to return to afterwards.
    pub return_to: String,
    pub endpoints: Endpoints,
}

impl Pending {
    pub fn save(&self) {
        let _ = SessionStorage::set(PENDING_KEY, self);
    }

    /// The pending sign-in, removed: a state is good for one answer only.
    pub fn take() -> Option<Pending> {
        let pending = SessionStorage::get(PENDING_KEY).ok();
        SessionStorage::delete(PENDING_KEY);
        pending
    }
}

/// The tokens of a signed-in session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tokens {
    pub access_token: String,
    pub refresh_token: Option<String>,
    /// When the access token expires, in ms since the epoch (`Date.now()`), if the
    /// provider said.
    pub expires_at: Option<f64>,
    /// When it was issued, to refresh a fixed share of its lifetime before it ends.
    pub issued_at: f64,
    pub endpoints: Endpoints,
}

impl Tokens {
    pub fn from_response(r: TokenResponse, previous_refresh: Option<String>, endpoints: Endpoints) -> Tokens {
        let now = js_sys::Date::now();
        Tokens {
            access_token: r.access_token,
            // A provider that does not rotate refresh tokens leaves the old one in force.
            refresh_token: r.refresh_token.or(previous_refresh),
            expires_at: r.expires_in.map(|s| now + s * 1000.0),
            issued_at: now,
            endpoints,
        }
    }

    pub fn load() -> Option<Tokens> {
        SessionStorage::get(TOKENS_KEY).ok()
    }

    pub fn save(&self) {
        let _ = SessionStorage::set(TOKENS_KEY, self);
    }

    pub fn clear() {
        SessionStorage::delete(TOKENS_KEY);
    }

    /// Milliseconds from now until the token should be refreshed: when a quarter of its
    /// lifetime (at most a minute) is left. `None` when it cannot be refreshed.
    pub fn refresh_in(&self, now: f64) -> Option<f64> {
        let (expires_at, _) = (self.expires_at?, self.refresh_token.as_ref()?);
        let margin = ((expires_at - self.issued_at) / 4.0).min(60_000.0);
        Some((expires_at - margin - now).max(0.0))
    }
}
