//! The sign-in itself: authorization code with PKCE (S256) as a public client. `begin`
//! leaves for the provider; `complete` checks what came back and trades the code for
//! tokens; `refresh` and `sign_out` keep and end them.

use std::collections::HashMap;
use std::fmt;

use kiln_api::teams::{ApiKind, OAuthConfig, RuntimeConfig};

use super::pkce::{self, CryptoError};
use super::provider::{self, Endpoints};
use super::store::{Pending, Tokens};
use crate::api::ApiError;

/// Where the provider sends people back unless `config.json` says otherwise.
pub const DEFAULT_REDIRECT_PATH: &str = "/auth/callback";
/// Scopes for an OpenID Connect issuer unless `config.json` says otherwise.
const DEFAULT_OIDC_SCOPES: &[&str] = &["openid", "offline_access"];
/// Scopes on a Foundry stack unless `config.json` says otherwise: read and run builds,
/// read dataset names, and a refresh token.
pub const DEFAULT_FOUNDRY_SCOPES: &[&str] =
    &["api:orchestration-read", "api:orchestration-write", "api:datasets-read", "offline_access"];

/// Why a sign-in did not end signed in, in words for the page.
#[derive(Debug, Clone, PartialEq)]
pub enum SignInError {
    /// `config.json` has no `oauth` section, or one without an issuer.
    NotConfigured,
    Crypto(CryptoError),
    /// The issuer's discovery document could not be read.
    Discovery(ApiError),
    /// The person cancelled at the provider (`access_denied`).
    Cancelled,
    /// The provider refused, with its error code and description.
    Refused {
        error: String,
        description: Option<String>,
    },
    /// The answer's `state` is not the one this tab sent: not our sign-in.
    StateMismatch,
    /// This tab started no sign-in (or it was already completed).
    NothingPending,
    /// The provider answered without a code.
    NoCode,
    /// The token endpoint refused the code.
    Exchange(ApiError),
}

impl fmt::Display for SignInError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SignInError::NotConfigured => write!(f, "sign-in is not configured (config.json has no oauth section)"),
            SignInError::Crypto(e) => write!(f, "{e}"),
            SignInError::Discovery(e) => write!(f, "the sign-in provider could not be reached: {e}"),
            SignInError::Cancelled => write!(f, "you cancelled at the sign-in page, so you are not signed in"),
            SignInError::Refused { error, description } => match description {
                Some(d) => write!(f, "the sign-in provider refused: {d} ({error})"),
                None => write!(f, "the sign-in provider refused: {error}"),
            },
            SignInError::StateMismatch => {
                write!(f, "the answer does not belong to the sign-in this tab started, so it was ignored")
            }
            SignInError::NothingPending => {
                write!(f, "this tab has no sign-in in progress (it may have been completed already)")
            }
            SignInError::NoCode => write!(f, "the sign-in provider sent no authorization code"),
            SignInError::Exchange(e) => write!(f, "the sign-in could not be completed: {e}"),
        }
    }
}

impl From<CryptoError> for SignInError {
    fn from(e: CryptoError) -> Self {
        SignInError::Crypto(e)
    }
}

/// The provider's endpoints for this configuration.
pub async fn endpoints(oauth: &OAuthConfig) -> Result<Endpoints, SignInError> {
    match &oauth.issuer {
        Some(issuer) => provider::discover(issuer).await.map_err(SignInError::Discovery),
        None => Err(SignInError::NotConfigured),
    }
}

/// A Foundry stack's OAuth2 endpoints: fixed paths under multipass, no discovery.
pub fn foundry_endpoints(foundry_url: &str) -> Endpoints {
    let base = format!("{}/multipass/api/oauth2", foundry_url.trim_end_matches('/'));
    Endpoints {
        authorize: format!("{base}/authorize"),
        token: format!("{base}/token"),
        revoke: Some(format!("{base}/revoke_token")),
    }
}

fn origin() -> String {
    web_sys::window().and_then(|w| w.location().origin().ok()).unwrap_or_default()
}

pub fn redirect_uri(oauth: &OAuthConfig) -> String {
    let path = oauth.redirect_path.as_deref().unwrap_or(DEFAULT_REDIRECT_PATH);
    format!("{}/{}", origin(), path.trim_start_matches('/'))
}

fn scopes(oauth: &OAuthConfig) -> String {
    match &oauth.scopes {
        Some(s) => s.join(" "),
        None => DEFAULT_OIDC_SCOPES.join(" "),
    }
}

/// The authorize URL for a new pending sign-in (saved in this tab), and that sign-in.
pub async fn authorize_url(oauth: &OAuthConfig, return_to: &str) -> Result<String, SignInError> {
    authorize_url_at(endpoints(oauth).await?, oauth, return_to).await
}

/// [`authorize_url`] with the endpoints known.
pub async fn authorize_url_at(
    endpoints: Endpoints,
    oauth: &OAuthConfig,
    return_to: &str,
) -> Result<String, SignInError> {
    let verifier = pkce::verifier()?;
    let challenge = pkce::challenge(&verifier).await?;
    let state = pkce::random(16)?;
    let redirect_uri = redirect_uri(oauth);
    let query = serde_urlencoded::to_string([
        ("response_type", "code"),
        ("client_id", oauth.client_id.as_str()),
        ("redirect_uri", redirect_uri.as_str()),
        ("scope", scopes(oauth).as_str()),
        ("state", state.as_str()),
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
    ])
    .map_err(|e| SignInError::Exchange(ApiError::Encode(e.to_string())))?;
    let sep = if endpoints.authorize.contains('?') { '&' } else { '?' };
    let url = format!("{}{sep}{query}", endpoints.authorize);
    Pending { state, verifier, redirect_uri, return_to: return_to.to_owned(), endpoints }.save();
    Ok(url)
}

/// The authorize URL for the configuration in use: on a Foundry stack its multipass
/// endpoints and Foundry's default scopes, otherwise the issuer's discovered endpoints.
pub async fn authorize_url_for(config: &RuntimeConfig, return_to: &str) -> Result<String, SignInError> {
    let oauth = config.oauth.as_ref().ok_or(SignInError::NotConfigured)?;
    match (config.api, config.foundry_url.as_deref()) {
        (ApiKind::Foundry, Some(foundry_url)) => {
            let mut oauth = oauth.clone();
            oauth.scopes.get_or_insert_with(|| DEFAULT_FOUNDRY_SCOPES.iter().map(|s| (*s).to_owned()).collect());
            authorize_url_at(foundry_endpoints(foundry_url), &oauth, return_to).await
        }
        _ => authorize_url(oauth, return_to).await,
    }
}

/// Leaves for the provider's sign-in page.
pub async fn begin(config: &RuntimeConfig, return_to: &str) -> Result<(), SignInError> {
    let url = authorize_url_for(config, return_to).await?;
    if let Some(window) = web_sys::window() {
        let _ = window.location().assign(&url);
    }
    Ok(())
}

/// Checks the provider's answer (the callback's query string) against this tab's pending
/// sign-in and trades the code for tokens. Answers the tokens and where to go next.
pub async fn complete(oauth: &OAuthConfig, query: &str) -> Result<(Tokens, String), SignInError> {
    let params: HashMap<String, String> = serde_urlencoded::from_str(query.trim_start_matches('?')).unwrap_or_default();
    let pending = Pending::take().ok_or(SignInError::NothingPending)?;
    if params.get("state") != Some(&pending.state) {
        return Err(SignInError::StateMismatch);
    }
    if let Some(error) = params.get("error") {
        return Err(if error == "access_denied" {
            SignInError::Cancelled
        } else {
            SignInError::Refused { error: error.clone(), description: params.get("error_description").cloned() }
        });
    }
    let code = params.get("code").ok_or(SignInError::NoCode)?;
    let response =
        provider::exchange_code(&pending.endpoints, &oauth.client_id, code, &pending.verifier, &pending.redirect_uri)
            .await
            .map_err(SignInError::Exchange)?;
    let tokens = Tokens::from_response(response, None, pending.endpoints);
    tokens.save();
    Ok((tokens, pending.return_to))
}

/// New tokens before the old ones expire.
pub async fn refresh(oauth: &OAuthConfig, tokens: &Tokens) -> Result<Tokens, ApiError> {
    let refresh_token = tokens.refresh_token.clone().unwrap_or_default();
    let response = provider::refresh(&tokens.endpoints, &oauth.client_id, &refresh_token).await?;
    let next = Tokens::from_response(response, tokens.refresh_token.clone(), tokens.endpoints.clone());
    next.save();
    Ok(next)
}

/// Revokes the tokens (refresh token first: with it the grant ends) and forgets them.
/// They are forgotten in this tab even when the provider cannot be reached.
pub async fn sign_out(oauth: &OAuthConfig, tokens: Tokens) -> Result<(), ApiError> {
    Tokens::clear();
    if let Some(refresh) = &tokens.refresh_token {
        provider::revoke(&tokens.endpoints, &oauth.client_id, refresh, "refresh_token").await?;
    }
    match provider::revoke(&tokens.endpoints, &oauth.client_id, &tokens.access_token, "access_token").await {
        // A provider may not revoke self-contained (JWT) access tokens and says so (RFC 7009
        // §2.2.1); with the refresh token revoked the grant has ended, and the access token
        // has left this tab, so that is not a failed sign-out.
        Err(ApiError::Http { status: 400, body }) if body.contains("unsupported_token_type") => Ok(()),
        other => other,
    }
}
