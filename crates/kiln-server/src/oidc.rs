//! OpenID Connect bearer tokens: a JWT access token issued by the configured issuer names
//! the caller and their teams.
//!
//! The issuer's discovery document (`/.well-known/openid-configuration`) names its JWKS.
//! The keys are cached; a token whose `kid` is not in the cache makes us fetch them again
//! (the issuer has rotated), at most once per [`MIN_REFETCH`] by default, so a stream of forged `kid`s
//! cannot turn into a stream of requests to the issuer. Signatures and the `exp`, `nbf`,
//! `iss` and `aud` claims are checked by `jsonwebtoken`; we write no crypto of our own.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{Jwk, JwkSet, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use kiln_api::TeamName;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::config::Principal;

/// The default shortest time between two JWKS fetches caused by unknown key ids.
pub const MIN_REFETCH: Duration = Duration::from_secs(10);
/// Keys older than this are fetched again before use, so a key the issuer dropped stops
/// being accepted within this time even when no new key id shows up.
const MAX_KEY_AGE: Duration = Duration::from_secs(3600);
/// Clock skew allowed on `exp` and `nbf`.
const LEEWAY_SECONDS: u64 = 30;
const HTTP_TIMEOUT: Duration = Duration::from_secs(10);

/// Asymmetric algorithms only: a JWKS holds public keys, and an `HS*` token would let
/// anyone holding a public key sign (the classic algorithm confusion), `none` anyone at all.
const ALGORITHMS: [Algorithm; 9] = [
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];

/// What `--oidc-*` flags configure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidcConfig {
    /// The issuer exactly as it appears in tokens' `iss` and in its discovery document.
    pub issuer: String,
    /// The `aud` a token must carry to be meant for this server.
    pub audience: String,
    /// The claim naming the user (default `sub`).
    pub user_claim: String,
    /// The claim listing the user's teams (default `groups`): an array of strings, or one
    /// space-separated string. Entries that are not team names are ignored.
    pub teams_claim: String,
    /// The shortest time between two JWKS fetches ([`MIN_REFETCH`] by default).
    pub refetch_interval: Duration,
}

impl OidcConfig {
    pub fn new(issuer: impl Into<String>, audience: impl Into<String>) -> Self {
        OidcConfig {
            issuer: issuer.into(),
            audience: audience.into(),
            user_claim: "sub".to_owned(),
            teams_claim: "groups".to_owned(),
            refetch_interval: MIN_REFETCH,
        }
    }

    fn discovery_url(&self) -> String {
        format!("{}/.well-known/openid-configuration", self.issuer.trim_end_matches('/'))
    }
}

/// Why a token was not accepted. Each is answered 401; the detail goes to the log only.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("not a JWT: {0}")]
    Malformed(jsonwebtoken::errors::Error),
    #[error("algorithm {0:?} is not accepted")]
    Algorithm(Algorithm),
    #[error("no key {kid:?} in the issuer's JWKS")]
    UnknownKey { kid: Option<String> },
    #[error("the key {kid:?} is for {key:?}, the token says {token:?}")]
    KeyAlgorithm { kid: Option<String>, key: KeyAlgorithm, token: Algorithm },
    #[error("rejected: {0}")]
    Rejected(jsonwebtoken::errors::Error),
    #[error("claim {0:?} is missing or not a non-empty string")]
    NoUser(String),
    #[error(transparent)]
    Provider(#[from] ProviderError),
}

/// The issuer could not be asked for its keys.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ProviderError {
    #[error("cannot fetch {url}: {message}")]
    Fetch { url: String, message: String },
    #[error("discovery document names issuer {found:?}, expected {expected:?}")]
    IssuerMismatch { expected: String, found: String },
    #[error("the issuer did not answer a moment ago; not asking again yet")]
    TooSoon,
}

#[derive(Debug, Deserialize)]
struct Discovery {
    issuer: String,
    jwks_uri: String,
}

#[derive(Debug, Default)]
struct Keys {
    set: JwkSet,
    fetched: Option<Instant>,
}

impl Keys {
    fn is_stale(&self) -> bool {
        self.fetched.is_none_or(|t| t.elapsed() > MAX_KEY_AGE)
    }

    /// The key a token names; a token without `kid` may use the only signing key there is.
    fn find(&self, kid: Option<&str>) -> Option<&Jwk> {
        let signing = |k: &&Jwk| !matches!(k.common.public_key_use, Some(ref u) if *u != PublicKeyUse::Signature);
        match kid {
            Some(kid) => self.set.find(kid).filter(signing),
            None => {
                let mut keys = self.set.keys.iter().filter(signing);
                match (keys.next(), keys.next()) {
                    (Some(only), None) => Some(only),
                    _ => None,
                }
            }
        }
    }
}

/// Checks tokens against the issuer's current keys. Cheap to share (`Arc`).
#[derive(Debug)]
pub struct OidcVerifier {
    config: OidcConfig,
    http: reqwest::Client,
    /// A snapshot that requests read without waiting for a fetch in progress.
    keys: RwLock<Arc<Keys>>,
    /// Held while fetching, so one unknown `kid` makes one fetch however many requests
    /// carry it; holds when the last fetch started.
    fetching: tokio::sync::Mutex<Option<Instant>>,
}

impl OidcVerifier {
    pub fn new(config: OidcConfig) -> Result<Self, ProviderError> {
        let http = reqwest::Client::builder().timeout(HTTP_TIMEOUT).build().map_err(|e| ProviderError::Fetch {
            url: config.discovery_url(),
            message: format!("cannot build an HTTP client: {e}"),
        })?;
        Ok(OidcVerifier {
            config,
            http,
            keys: RwLock::new(Arc::new(Keys::default())),
            fetching: tokio::sync::Mutex::new(None),
        })
    }

    pub fn config(&self) -> &OidcConfig {
        &self.config
    }

    fn snapshot(&self) -> Arc<Keys> {
        match self.keys.read() {
            Ok(k) => Arc::clone(&k),
            // A writer panicked mid-swap of an `Arc`: the old value is still whole.
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// Fetches the discovery document and the JWKS now; `start` calls it so that a
    /// misconfigured issuer shows in the log at once rather than at the first request.
    pub async fn refresh(&self) -> Result<usize, ProviderError> {
        let mut last = self.fetching.lock().await;
        *last = Some(Instant::now());
        let set = self.fetch_keys().await?;
        let count = set.keys.len();
        self.store(Keys { set, fetched: Some(Instant::now()) });
        Ok(count)
    }

    fn store(&self, keys: Keys) {
        let keys = Arc::new(keys);
        match self.keys.write() {
            Ok(mut k) => *k = keys,
            Err(poisoned) => *poisoned.into_inner() = keys,
        }
    }

    async fn get_json<T: serde::de::DeserializeOwned>(&self, url: &str) -> Result<T, ProviderError> {
        let fail = |message: String| ProviderError::Fetch { url: url.to_owned(), message };
        let response = self.http.get(url).send().await.map_err(|e| fail(e.to_string()))?;
        let status = response.status();
        if !status.is_success() {
            return Err(fail(format!("HTTP {status}")));
        }
        response.json::<T>().await.map_err(|e| fail(format!("unexpected body: {e}")))
    }

    async fn fetch_keys(&self) -> Result<JwkSet, ProviderError> {
        let discovery: Discovery = self.get_json(&self.config.discovery_url()).await?;
        // OpenID Connect Discovery 1.0 §4.3: the document must name the issuer it was
        // fetched for, else its keys are not that issuer's.
        if discovery.issuer != self.config.issuer {
            return Err(ProviderError::IssuerMismatch {
                expected: self.config.issuer.clone(),
                found: discovery.issuer,
            });
        }
        self.get_json(&discovery.jwks_uri).await
    }

    /// The key a token names: from the cache, else from a fresh fetch (rate-limited).
    async fn key_for(&self, kid: Option<&str>) -> Result<Jwk, TokenError> {
        let keys = self.snapshot();
        if !keys.is_stale()
            && let Some(jwk) = keys.find(kid)
        {
            return Ok(jwk.clone());
        }
        let mut last = self.fetching.lock().await;
        // Another request may have fetched while this one waited for the lock.
        let keys = self.snapshot();
        if !keys.is_stale()
            && let Some(jwk) = keys.find(kid)
        {
            return Ok(jwk.clone());
        }
        if last.is_some_and(|t| t.elapsed() < self.config.refetch_interval) {
            return Err(if keys.fetched.is_some() {
                TokenError::UnknownKey { kid: kid.map(str::to_owned) }
            } else {
                ProviderError::TooSoon.into()
            });
        }
        *last = Some(Instant::now());
        let fresh = Keys { set: self.fetch_keys().await?, fetched: Some(Instant::now()) };
        let found = fresh.find(kid).cloned();
        self.store(fresh);
        found.ok_or_else(|| TokenError::UnknownKey { kid: kid.map(str::to_owned) })
    }

    /// Checks a token and maps its claims to a principal.
    pub async fn verify(&self, token: &str) -> Result<Principal, TokenError> {
        let header = jsonwebtoken::decode_header(token).map_err(TokenError::Malformed)?;
        if !ALGORITHMS.contains(&header.alg) {
            return Err(TokenError::Algorithm(header.alg));
        }
        let jwk = self.key_for(header.kid.as_deref()).await?;
        // A key published for one algorithm is used for that one only (RFC 7517 §4.4).
        if let Some(key_alg) = jwk.common.key_algorithm
            && Algorithm::try_from(key_alg).ok() != Some(header.alg)
        {
            return Err(TokenError::KeyAlgorithm { kid: header.kid, key: key_alg, token: header.alg });
        }
        let key = DecodingKey::from_jwk(&jwk).map_err(TokenError::Rejected)?;
        let mut validation = Validation::new(header.alg);
        validation.set_issuer(&[&self.config.issuer]);
        validation.set_audience(&[&self.config.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud"]);
        validation.validate_nbf = true;
        validation.leeway = LEEWAY_SECONDS;
        let data =
            jsonwebtoken::decode::<Map<String, Value>>(token, &key, &validation).map_err(TokenError::Rejected)?;
        principal_from_claims(&data.claims, &self.config.user_claim, &self.config.teams_claim)
    }
}

/// The user and teams named by a token's claims.
pub fn principal_from_claims(
    claims: &Map<String, Value>,
    user_claim: &str,
    teams_claim: &str,
) -> Result<Principal, TokenError> {
    let user = claims
        .get(user_claim)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .ok_or_else(|| TokenError::NoUser(user_claim.to_owned()))?
        .to_owned();
    let names: Vec<&str> = match claims.get(teams_claim) {
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        Some(Value::String(s)) => s.split_whitespace().collect(),
        _ => Vec::new(),
    };
    let mut teams: Vec<TeamName> = Vec::new();
    for name in names {
        match TeamName::parse(name) {
            Ok(team) if !teams.contains(&team) => teams.push(team),
            Ok(_) => {}
            Err(e) => tracing::debug!(claim = teams_claim, entry = name, error = %e, "not a team name; ignored"),
        }
    }
    Ok(Principal { user, teams })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn claims(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    #[test]
    fn teams_come_from_an_array_or_a_string_and_bad_names_are_ignored() -> Result<(), TokenError> {
        let p = principal_from_claims(
            &claims(json!({"sub": "alice", "groups": ["data-eng", "../etc", "ml", "data-eng", 7]})),
            "sub",
            "groups",
        )?;
        assert_eq!(p.user, "alice");
        let names: Vec<String> = p.teams.iter().map(ToString::to_string).collect();
        assert_eq!(names, ["data-eng", "ml"]);
        let p = principal_from_claims(&claims(json!({"email": "b@x", "roles": "ml ops"})), "email", "roles")?;
        assert_eq!(p.user, "b@x");
        assert_eq!(p.teams.len(), 2);
        Ok(())
    }

    #[test]
    fn a_token_without_the_user_claim_is_rejected() {
        let r = principal_from_claims(&claims(json!({"sub": " ", "groups": ["ml"]})), "sub", "groups");
        assert!(matches!(r, Err(TokenError::NoUser(c)) if c == "sub"));
        let r = principal_from_claims(&claims(json!({"groups": ["ml"]})), "preferred_username", "groups");
        assert!(matches!(r, Err(TokenError::NoUser(_))));
    }
}
