//! Sign-in pieces that need a browser: PKCE through SubtleCrypto, the pending sign-in kept
//! in sessionStorage, and the checks on the provider's answer.

use kiln_api::teams::OAuthConfig;
use kiln_console::auth::flow::{self, SignInError};
use kiln_console::auth::pkce;
use kiln_console::auth::provider::Endpoints;
use kiln_console::auth::store::{Pending, Tokens};
use wasm_bindgen_test::wasm_bindgen_test;

fn oauth() -> OAuthConfig {
    OAuthConfig { client_id: "kiln-console".into(), issuer: None, scopes: None, redirect_path: None }
}

fn endpoints() -> Endpoints {
    Endpoints { authorize: "http://127.0.0.1:9/auth".into(), token: "http://127.0.0.1:9/token".into(), revoke: None }
}

#[wasm_bindgen_test]
async fn the_s256_challenge_is_base64url_of_sha256() {
    // The expected value from another implementation: node -e 'require("crypto")
    //   .createHash("sha256").update("dBjftJeZ4CVP-mJ92K9XkgPgjwVaqwb7Z93M5n3R8sg").digest("base64url")'
    let challenge = pkce::challenge("dBjftJeZ4CVP-mJ92K9XkgPgjwVaqwb7Z93M5n3R8sg").await.expect("digest");
    assert_eq!(challenge, "HcKrowxn2zJC1nMxap9rU1Hl39dzhp_DyO0zcGx900s");
    assert_eq!(pkce::base64url(b"f"), "Zg");
    assert_eq!(pkce::base64url(b"fo"), "Zm8");
    assert_eq!(pkce::base64url(b"foo"), "Zm9v");
    assert_eq!(pkce::base64url(&[0xfb, 0xff]), "-_8");
}

#[wasm_bindgen_test]
fn verifiers_are_random_and_long_enough() {
    let a = pkce::verifier().expect("random");
    let b = pkce::verifier().expect("random");
    assert_eq!(a.len(), 43, "32 bytes, base64url: the shortest RFC 7636 allows");
    assert_ne!(a, b);
    assert!(a.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'));
}

fn pend(state: &str) {
    Pending {
        state: state.into(),
        verifier: "v".into(),
        redirect_uri: "http://127.0.0.1:9/auth/callback".into(),
        return_to: "/".into(),
        endpoints: endpoints(),
    }
    .save();
}

#[wasm_bindgen_test]
async fn an_answer_with_another_state_is_refused_and_the_pending_sign_in_is_used_up() {
    pend("s1");
    let r = flow::complete(&oauth(), "?code=c&state=forged").await;
    assert_eq!(r.map(|_| ()), Err(SignInError::StateMismatch));
    let r = flow::complete(&oauth(), "?code=c&state=s1").await;
    assert_eq!(r.map(|_| ()), Err(SignInError::NothingPending), "a state is good for one answer");
}

#[wasm_bindgen_test]
async fn a_cancelled_or_refused_sign_in_says_so() {
    pend("s2");
    let r = flow::complete(&oauth(), "?error=access_denied&state=s2").await;
    assert_eq!(r.map(|_| ()), Err(SignInError::Cancelled));
    pend("s3");
    let r = flow::complete(&oauth(), "?error=invalid_scope&error_description=no+such+scope&state=s3").await;
    let e = r.map(|_| ()).expect_err("refused");
    assert_eq!(e.to_string(), "the sign-in provider refused: no such scope (invalid_scope)");
}

#[wasm_bindgen_test]
async fn the_authorize_url_carries_pkce_and_state_and_keeps_the_verifier_here() {
    let _ = Pending::take();
    assert_eq!(flow::authorize_url(&oauth(), "/").await, Err(SignInError::NotConfigured), "no issuer");
    assert!(Pending::take().is_none(), "nothing is pending after a failure");

    let oauth = OAuthConfig { scopes: Some(vec!["openid".into(), "kiln".into()]), ..oauth() };
    let url = flow::authorize_url_at(endpoints(), &oauth, "/builds/x").await.expect("a URL");
    let pending = Pending::take().expect("the sign-in is pending in this tab");
    let (base, query) = url.split_once('?').expect("a query");
    assert_eq!(base, "http://127.0.0.1:9/auth");
    let params: std::collections::HashMap<String, String> = serde_urlencoded::from_str(query).expect("form");
    let challenge = pkce::challenge(&pending.verifier).await.expect("digest");
    assert_eq!(params["response_type"], "code");
    assert_eq!(params["client_id"], "kiln-console");
    assert_eq!(params["scope"], "openid kiln");
    assert_eq!(params["code_challenge_method"], "S256");
    assert_eq!(params["code_challenge"], challenge);
    assert_eq!(params["state"], pending.state);
    assert!(params["redirect_uri"].ends_with("/auth/callback"));
    assert_eq!(pending.redirect_uri, params["redirect_uri"]);
    assert_eq!(pending.return_to, "/builds/x");
    assert!(!url.contains(&pending.verifier), "the verifier never leaves the tab");
}

#[wasm_bindgen_test]
fn tokens_refresh_a_quarter_of_their_lifetime_early_at_most_a_minute() {
    let t = |lifetime_s: f64, refresh: Option<&str>| Tokens {
        access_token: "a".into(),
        refresh_token: refresh.map(Into::into),
        expires_at: Some(1_000_000.0 + lifetime_s * 1000.0),
        issued_at: 1_000_000.0,
        endpoints: endpoints(),
    };
    assert_eq!(t(20.0, Some("r")).refresh_in(1_000_000.0), Some(15_000.0));
    assert_eq!(t(3600.0, Some("r")).refresh_in(1_000_000.0), Some(3_540_000.0));
    assert_eq!(t(20.0, None).refresh_in(1_000_000.0), None, "nothing to refresh with");
    assert_eq!(t(20.0, Some("r")).refresh_in(2_000_000.0), Some(0.0), "overdue: now");
}
