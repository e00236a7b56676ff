//! OpenID Connect bearer tokens against an issuer played by the test: a discovery document
//! and a JWKS the test can change, with a count of JWKS fetches. Tokens are signed with
//! `jsonwebtoken` and Ed25519 test keys. (tests/e2e/oidc*.test.mjs does the same against the
//! real `oidc-provider`, with RS256 and the whole sign-in.)

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::routing::get;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use kiln_api::TeamName;
use kiln_api::build2::BuildStatus;
use kiln_server::oidc::OidcConfig;
use serde_json::{Value, json};

use crate::helpers::{self, TestServer};

// Test-only Ed25519 keys (openssl genpkey -algorithm ed25519); `x` is each public key.
const KEY_A: &str = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA6ygb9wV1jmtgcrntqq+Kwim2TrqruruQjxXpQqUOyJ\n-----END PRIVATE KEY-----\n";
const X_A: &str = "-gTgylvNk2L-NuwPftANpZ7gjjjOy19T1VSP5kwKJB4";
const KEY_B: &str = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIFnx5Lwf7gi2uXyRoN32+3Pu5HJXWehvd5cmIwu5ySTi\n-----END PRIVATE KEY-----\n";
const X_B: &str = "Hp9-zEPZ_wDnYH7PYKfoH28YKXseN37UxQTbfRE6uHQ";

const AUDIENCE: &str = "https://kiln.test/api";

const QUICK: &str = r#"
[[job_specs]]
name = "quick"
outputs = ["out"]
command = "echo hello > $KILN_OUTPUT_0/hello.txt"
"#;

fn jwk(kid: &str, x: &str) -> Value {
    json!({"kty": "OKP", "crv": "Ed25519", "x": x, "kid": kid, "use": "sig", "alg": "EdDSA"})
}

#[derive(Clone)]
struct Issuer {
    url: String,
    jwks: Arc<Mutex<Value>>,
    fetches: Arc<AtomicUsize>,
}

impl Issuer {
    /// Serves discovery and a JWKS with key `a` on a free loopback port.
    async fn start() -> Issuer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let issuer = Issuer {
            url,
            jwks: Arc::new(Mutex::new(json!({"keys": [jwk("a", X_A)]}))),
            fetches: Arc::new(AtomicUsize::new(0)),
        };
        let app = axum::Router::new()
            .route(
                "/.well-known/openid-configuration",
                get(|State(i): State<Issuer>| async move {
                    Json(json!({"issuer": i.url, "jwks_uri": format!("{}/jwks", i.url)}))
                }),
            )
            .route(
                "/jwks",
                get(|State(i): State<Issuer>| async move {
                    i.fetches.fetch_add(1, Ordering::SeqCst);
                    Json(i.jwks.lock().expect("jwks lock").clone())
                }),
            )
            .with_state(issuer.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        issuer
    }

    fn fetches(&self) -> usize {
        self.fetches.load(Ordering::SeqCst)
    }

    fn claims(&self, user: &str, teams: &[&str]) -> Value {
        let now = jsonwebtoken::get_current_timestamp();
        json!({"iss": self.url, "aud": AUDIENCE, "sub": user, "groups": teams, "iat": now, "exp": now + 300})
    }
}

fn sign(kid: &str, pem: &str, claims: &Value) -> String {
    let mut header = Header::new(Algorithm::EdDSA);
    header.kid = Some(kid.to_owned());
    let key = EncodingKey::from_ed_pem(pem.as_bytes()).expect("test key");
    jsonwebtoken::encode(&header, claims, &key).expect("signed")
}

fn with(mut claims: Value, extra: Value) -> Value {
    helpers::merge(&mut claims, extra);
    claims
}

fn without(mut claims: Value, key: &str) -> Value {
    if let Some(m) = claims.as_object_mut() {
        m.remove(key);
    }
    claims
}

async fn start(issuer: &Issuer, refetch: Duration) -> TestServer {
    let url = issuer.url.clone();
    helpers::start_with(QUICK, &[], move |mut c| {
        c.oidc = Some(OidcConfig { refetch_interval: refetch, ..OidcConfig::new(url, AUDIENCE) });
        c.auth = kiln_server::AuthConfig::default().with_token("file-token", "ci", vec![team("alpha")]);
        c
    })
    .await
}

fn team(name: &str) -> TeamName {
    TeamName::parse(name).expect("team")
}

async fn status_with(s: &mut TestServer, token: &str, path: &str) -> u16 {
    s.token = Some(token.to_owned());
    s.get(path).await.status().as_u16()
}

#[tokio::test]
async fn issuer_tokens_name_the_user_and_teams_and_bad_ones_get_401() {
    let issuer = Issuer::start().await;
    let mut s = start(&issuer, Duration::ZERO).await;
    assert_eq!(issuer.fetches(), 1, "the keys are fetched at start-up");

    let alice = sign("a", KEY_A, &issuer.claims("alice", &["alpha", "not a team!"]));
    s.token = Some(alice.clone());
    assert_eq!(s.get_json("/api/v1/whoami").await, json!({"user": "alice", "teams": ["alpha"]}));
    let b = s.run(helpers::datasets_body(&["out"], json!({"forceBuild": true})), BuildStatus::Succeeded).await;
    assert_eq!((b.team.as_str(), b.created_by.as_str()), ("alpha", "alice"));
    assert_eq!(s.get("/api/v1/teams/alpha/builds/1").await.status(), 200);

    let bob = sign("a", KEY_A, &issuer.claims("bob", &["beta"]));
    assert_eq!(status_with(&mut s, &bob, "/api/v1/teams/alpha/builds/1").await, 404, "another team's build");
    assert_eq!(
        status_with(&mut s, "file-token", "/api/v1/teams/alpha/builds/1").await,
        200,
        "the token file still works"
    );

    let now = jsonwebtoken::get_current_timestamp();
    let good = issuer.claims("alice", &["alpha"]);
    let bad = [
        ("expired", sign("a", KEY_A, &with(good.clone(), json!({"exp": now - 120})))),
        ("not yet valid", sign("a", KEY_A, &with(good.clone(), json!({"nbf": now + 300})))),
        ("wrong audience", sign("a", KEY_A, &with(good.clone(), json!({"aud": "https://other.test"})))),
        ("wrong issuer", sign("a", KEY_A, &with(good.clone(), json!({"iss": "https://evil.test"})))),
        ("no exp", sign("a", KEY_A, &without(good.clone(), "exp"))),
        ("no audience", sign("a", KEY_A, &without(good.clone(), "aud"))),
        ("no issuer", sign("a", KEY_A, &without(good.clone(), "iss"))),
        ("no user", sign("a", KEY_A, &without(good.clone(), "sub"))),
        ("forged: another key under a's kid", sign("a", KEY_B, &good)),
        ("forged: an unknown kid", sign("b", KEY_B, &good)),
        ("HS256 with the public key as secret", {
            let mut h = Header::new(Algorithm::HS256);
            h.kid = Some("a".to_owned());
            jsonwebtoken::encode(&h, &good, &EncodingKey::from_secret(X_A.as_bytes()).expect("key")).expect("signed")
        }),
        ("not a JWT", "garbage".to_owned()),
    ];
    for (what, token) in bad {
        assert_eq!(status_with(&mut s, &token, "/api/v1/whoami").await, 401, "{what}");
    }
    s.token = None;
    helpers::conjure(s.get("/api/v1/whoami").await, 401, "PERMISSION_DENIED").await;
}

#[tokio::test]
async fn an_unknown_kid_refetches_the_keys_and_a_rotated_key_is_accepted() {
    let issuer = Issuer::start().await;
    let mut s = start(&issuer, Duration::ZERO).await;
    let claims = issuer.claims("alice", &["alpha"]);
    let rotated = sign("b", KEY_B, &claims);

    assert_eq!(status_with(&mut s, &rotated, "/api/v1/whoami").await, 401, "b is not published yet");
    assert_eq!(issuer.fetches(), 2, "the unknown kid made one fetch");

    *issuer.jwks.lock().expect("jwks lock") = json!({"keys": [jwk("a", X_A), jwk("b", X_B)]});
    assert_eq!(status_with(&mut s, &rotated, "/api/v1/whoami").await, 200, "b is published now");
    assert_eq!(issuer.fetches(), 3);
    assert_eq!(status_with(&mut s, &sign("a", KEY_A, &claims), "/api/v1/whoami").await, 200);
    assert_eq!(status_with(&mut s, &rotated, "/api/v1/whoami").await, 200);
    assert_eq!(issuer.fetches(), 3, "known kids are served from the cache");
}

#[tokio::test]
async fn unknown_kids_do_not_hammer_the_issuer() {
    let issuer = Issuer::start().await;
    let mut s = start(&issuer, Duration::from_secs(3600)).await;
    let claims = issuer.claims("alice", &["alpha"]);
    for kid in ["x1", "x2", "x3"] {
        assert_eq!(status_with(&mut s, &sign(kid, KEY_B, &claims), "/api/v1/whoami").await, 401);
    }
    assert_eq!(issuer.fetches(), 1, "only the start-up fetch within the refetch interval");
    assert_eq!(status_with(&mut s, &sign("a", KEY_A, &claims), "/api/v1/whoami").await, 200);
}
