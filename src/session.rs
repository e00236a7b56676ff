//! The console's session store: which service, which team, which token, and the
//! service's health. One `use_reducer` store, handed down as a context.

use std::rc::Rc;

use gloo_storage::{LocalStorage, SessionStorage, Storage};
use kiln_api::TeamName;
use kiln_api::teams::{ApiKind, RuntimeConfig};
use serde::{Deserialize, Serialize};
use yew::prelude::*;

use crate::api::health::ServiceHealth;
use crate::api::{ApiError, Client, Service};

const TOKEN_KEY: &str = "kiln.token";
const SETTINGS_KEY: &str = "kiln.settings";

/// What a person changed in Settings; it overrides `config.json` in this browser.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LocalSettings {
    pub build2_url: Option<String>,
    pub teams_url: Option<String>,
    pub default_team: Option<TeamName>,
    /// The kind of service, when it differs from `config.json`'s.
    #[serde(default)]
    pub api: Option<ApiKind>,
    #[serde(default)]
    pub foundry_url: Option<String>,
}

impl LocalSettings {
    pub fn load() -> Self {
        LocalStorage::get(SETTINGS_KEY).unwrap_or_default()
    }

    fn save(&self) {
        // Storage can be full or disabled; the session still works without persistence.
        let _ = LocalStorage::set(SETTINGS_KEY, self);
    }
}

/// How the service answered the last health check.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Health {
    #[default]
    Unknown,
    /// The surfaces whose answer is known, while the check still waits for the others
    /// (listening to the page's requests, or probing).
    Heard(ServiceHealth),
    Checked(ServiceHealth),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    /// `config.json` as served next to `index.html`.
    pub served: RuntimeConfig,
    pub local: LocalSettings,
    pub token: Option<String>,
    pub team: TeamName,
    pub health: Health,
    /// `false` once the teams surface answered 404: a plain build2 service.
    pub teams_available: bool,
    /// Set by a 401, so the header can lead to the token field.
    pub needs_token: bool,
    pub banner: Option<ApiError>,
}

impl Session {
    pub fn new(served: RuntimeConfig) -> Self {
        let local = LocalSettings::load();
        let team = local.default_team.clone().unwrap_or_else(|| served.default_team.clone());
        let mut session = Session {
            served,
            local,
            token: SessionStorage::get(TOKEN_KEY).ok(),
            team,
            health: Health::Unknown,
            teams_available: true,
            needs_token: false,
            banner: None,
        };
        session.teams_available = session.service().capabilities().teams_surface;
        session
    }

    /// The configuration in force: `config.json` with this browser's overrides.
    pub fn config(&self) -> RuntimeConfig {
        RuntimeConfig {
            build2_url: self.local.build2_url.clone().unwrap_or_else(|| self.served.build2_url.clone()),
            teams_url: self.local.teams_url.clone().unwrap_or_else(|| self.served.teams_url.clone()),
            default_team: self.team.clone(),
            oauth: self.served.oauth.clone(),
            api: self.local.api.unwrap_or(self.served.api),
            foundry_url: self.local.foundry_url.clone().or_else(|| self.served.foundry_url.clone()),
        }
    }

    pub fn client(&self) -> Client {
        Client::new(&self.config(), self.token.as_deref())
    }

    /// The service in use, of the kind the configuration names.
    pub fn service(&self) -> Service {
        Service::new(&self.config(), self.token.as_deref())
    }
}

#[derive(Debug, Clone)]
pub enum SessionAction {
    SetToken(Option<String>),
    SetTeam(TeamName),
    SaveSettings(LocalSettings),
    /// The health check's answer for requests sent with `token`; dropped when the session
    /// has another token by now (a sign-in finished while the check was on its way).
    Health {
        token: Option<String>,
        health: Health,
    },
    TeamsUnavailable,
    /// Shows an error in the banner; a 401 also flags that a token is needed.
    ShowError(ApiError),
    /// A 401 to requests sent with `token`: as `ShowError`, unless the session has another
    /// token by now, which the old answer says nothing about.
    Refused {
        token: Option<String>,
        error: ApiError,
    },
    DismissError,
}

impl Reducible for Session {
    type Action = SessionAction;

    fn reduce(self: Rc<Self>, action: SessionAction) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            SessionAction::SetToken(token) => {
                let token = token.filter(|t| !t.trim().is_empty());
                match &token {
                    Some(t) => {
                        let _ = SessionStorage::set(TOKEN_KEY, t);
                    }
                    None => SessionStorage::delete(TOKEN_KEY),
                }
                next.token = token;
                next.needs_token = false;
                next.banner = None;
            }
            SessionAction::SetTeam(team) => next.team = team,
            SessionAction::SaveSettings(local) => {
                local.save();
                if let Some(team) = &local.default_team {
                    next.team = team.clone();
                }
                next.local = local;
                // Until the health check says otherwise, the kind of service says it.
                next.teams_available = next.service().capabilities().teams_surface;
                next.health = Health::Unknown;
            }
            SessionAction::Health { token, health } => {
                // What a new check has heard so far does not hide the last check's answer.
                let heard_over_checked = matches!((&health, &next.health), (Health::Heard(_), Health::Checked(_)));
                if token == next.token && !heard_over_checked {
                    next.health = health;
                }
            }
            SessionAction::Refused { token, error } => {
                if token == next.token {
                    next.needs_token |= error.is_unauthorized();
                    next.banner = Some(error);
                }
            }
            SessionAction::TeamsUnavailable => next.teams_available = false,
            SessionAction::ShowError(error) => {
                next.needs_token |= error.is_unauthorized();
                next.banner = Some(error);
            }
            SessionAction::DismissError => next.banner = None,
        }
        Rc::new(next)
    }
}

pub type SessionHandle = UseReducerHandle<Session>;

/// The session of the surrounding app.
#[hook]
pub fn use_session() -> SessionHandle {
    use_context::<SessionHandle>().expect("every page is rendered inside the App's session provider")
}
