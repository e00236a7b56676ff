//! The identity provider's OAuth2 endpoints: the issuer's discovery document, the token endpoint
//! (code exchange and refresh) and revocation. Public client: no secret, form bodies.

use gloo_net::http::Request;
use serde::{Deserialize, Serialize};

use crate::api::ApiError;

/// Where a sign-in goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endpoints {
    pub authorize: String,
    pub token: String,
    pub revoke: Option<String>,
}

#[derive(Deserialize)]
struct Discovery {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    #[serde(default)]
    revocation_endpoint: Option<String>,
}

/// The endpoints an OpenID Connect issuer names in `/.well-known/openid-configuration`.
pub async fn discover(issuer: &str) -> Result<Endpoints, ApiError> {
    let url = format!("{}/.well-known/openid-configuration", issuer.trim_end_matches('/'));
    let response = Request::get(&url).send().await.map_err(|e| ApiError::Network(e.to_string()))?;
    if !response.ok() {
        let status = response.status();
        return Err(ApiError::Http { status, body: response.text().await.unwrap_or_default() });
    }
    let doc: Discovery =
        response.json().await.map_err(|e| ApiError::Decode(format!("{url}: not a discovery document: {e}")))?;
    // OpenID Connect Discovery §4.3: a document for another issuer is not this one's.
    if doc.issuer.trim_end_matches('/') != issuer.trim_end_matches('/') {
        return Err(ApiError::Decode(format!("{url} names issuer {}, not {issuer}", doc.issuer)));
    }
    Ok(Endpoints { authorize: doc.authorization_endpoint, token: doc.token_endpoint, revoke: doc.revocation_endpoint })
}

/// A token endpoint's answer (RFC 6749 §5.1).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct TokenResponse {
    pub access_token: String,
    #[serde(default)]
    pub refresh_token: Option<String>,
    /// Seconds from now.
    #[serde(default)]
    pub expires_in: Option<f64>,
}

/// A token endpoint's refusal (RFC 6749 §5.2).
#[derive(Debug, Deserialize)]
struct TokenError {
    error: String,
    #[serde(default)]
    error_description: Option<String>,
}

async fn post_form(url: &str, form: &[(&str, &str)]) -> Result<gloo_net::http::Response, ApiError> {
    let body = serde_urlencoded::to_string(form).map_err(|e| ApiError::Encode(e.to_string()))?;
    Request::post(url)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body)
        .map_err(|e| ApiError::Encode(e.to_string()))?
        .send()
        .await
        .map_err(|e| ApiError::Network(e.to_string()))
}

async fn token_request(url: &str, form: &[(&str, &str)]) -> Result<TokenResponse, ApiError> {
    let response = post_form(url, form).await?;
    let status = response.status();
    let text = response.text().await.map_err(|e| ApiError::Network(e.to_string()))?;
    if !response.ok() {
        let body = match serde_json::from_str::<TokenError>(&text) {
            Ok(e) => match e.error_description {
                Some(d) => format!("{}: {d}", e.error),
                None => e.error,
            },
            Err(_) => text,
        };
        return Err(ApiError::Http { status, body });
    }
    serde_json::from_str(&text).map_err(|e| ApiError::Decode(format!("token endpoint: {e}")))
}

/// Trades an authorization code and its PKCE verifier for tokens.
pub async fn exchange_code(
    endpoints: &Endpoints,
    client_id: &str,
    code: &str,
    verifier: &str,
    redirect_uri: &str,
) -> Result<TokenResponse, ApiError> {
    token_request(
        &endpoints.token,
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("code_verifier", verifier),
            ("redirect_uri", redirect_uri),
            ("client_id", client_id),
        ],
    )
    .await
}

/// New tokens for a refresh token.
pub async fn refresh(endpoints: &Endpoints, client_id: &str, refresh_token: &str) -> Result<TokenResponse, ApiError> {
    token_request(
        &endpoints.token,
        &[("grant_type", "refresh_token"), ("refresh_token", refresh_token), ("client_id", client_id)],
    )
    .await
}

/// Revokes a token (RFC 7009); a provider without a revocation endpoint has nothing to call.
pub async fn revoke(endpoints: &Endpoints, client_id: &str, token: &str, hint: &str) -> Result<(), ApiError> {
    let Some(url) = &endpoints.revoke else {
        return Ok(());
    };
    let response = post_form(url, &[("token", token), ("token_type_hint", hint), ("client_id", client_id)]).await?;
    if response.ok() {
        Ok(())
    } else {
        let status = response.status();
        Err(ApiError::Http { status, body: response.text().await.unwrap_or_default() })
    }
}
