//! Who is calling: a bearer token's principal, or anyone in open mode.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use kiln_api::TeamName;

use super::AppState;
use super::error::AppError;

#[derive(Debug, Clone)]
pub enum Caller {
    /// No tokens are configured: anyone may see every team.
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
        if state.auth.is_open() {
            return Ok(Caller::Open);
        }
        let token = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
            .map(str::trim)
            .ok_or(AppError::Unauthenticated)?;
        let principal = state.auth.lookup(token).ok_or(AppError::Unauthenticated)?;
        Ok(Caller::User { user: principal.user.clone(), teams: principal.teams.clone() })
    }
}
