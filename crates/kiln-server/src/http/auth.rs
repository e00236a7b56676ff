//! Who is calling: the principal of a bearer token (from the token file, or a JWT from the
//! OpenID Connect issuer), or anyone in open mode (neither is configured).

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use kiln_api::TeamName;

use super::AppState;
use super::error::AppError;
use crate::oidc::TokenError;

#[derive(Debug, Clone)]
pub enum Caller {
    /// Neither tokens nor an OpenID Connect issuer are configured: anyone may see every team.
    Open,
    User {
        user: String,
        teams: Vec<TeamName>,
    },
}

impl Caller {
    pub fn user(&self) -> &str {
        match self {
            Caller::Open => "anonymous",
            Caller::User { user, .. } => user,
        }
    }

    /// The teams this caller may see; `None` means all of them.
    pub fn teams(&self) -> Option<&[TeamName]> {
        match self {
            Caller::Open => None,
            Caller::User { teams, .. } => Some(teams),
        }
    }

    pub fn can_see(&self, team: &TeamName) -> bool {
        self.teams().is_none_or(|ts| ts.contains(team))
    }

    /// A team the caller names, which must be visible to them: another team's resources
    /// answer 404, as if they did not exist.
    pub fn require(&self, team: &TeamName) -> Result<(), AppError> {
        if self.can_see(team) {
            Ok(())
        } else {
            Err(AppError::new(kiln_api::ErrorName::TeamNotFound, format!("no team {team} is visible to you")))
        }
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        if state.auth.is_open() && state.oidc.is_none() {
            return Ok(Caller::Open);
        }
        let token = bearer(parts).ok_or(AppError::Unauthenticated)?;
        if let Some(principal) = state.auth.lookup(token) {
            return Ok(Caller::User { user: principal.user.clone(), teams: principal.teams.clone() });
        }
        let Some(oidc) = &state.oidc else {
            return Err(AppError::Unauthenticated);
        };
        match oidc.verify(token).await {
            Ok(principal) => Ok(Caller::User { user: principal.user, teams: principal.teams }),
            Err(TokenError::Provider(e)) => {
                // Our problem, not the caller's: say so in the log, where an operator looks.
                tracing::warn!(error = %e, "cannot check a bearer token: the OpenID Connect issuer did not answer");
                Err(AppError::Unauthenticated)
            }
            Err(e) => {
                tracing::debug!(error = %e, "bearer token refused");
                Err(AppError::Unauthenticated)
            }
        }
    }
}

/// The token of an `Authorization: Bearer …` header (the scheme is case-insensitive).
fn bearer(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}
