//! PKCE (RFC 7636, S256) and the `state` value, from the browser's own crypto: random bytes
//! from `crypto.getRandomValues`, SHA-256 from `crypto.subtle.digest`. Nothing here is
//! crypto of our own; base64url is only an encoding.

use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

/// Why the browser could not make a sign-in request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the browser's crypto is unavailable: {0}")]
pub struct CryptoError(String);

impl From<JsValue> for CryptoError {
    fn from(v: JsValue) -> Self {
        CryptoError(v.as_string().unwrap_or_else(|| format!("{v:?}")))
    }
}

fn crypto() -> Result<web_sys::Crypto, CryptoError> {
    let window = web_sys::window().ok_or_else(|| CryptoError("no window".to_owned()))?;
    Ok(window.crypto()?)
}

/// `n` random bytes, base64url without padding.
pub fn random(n: usize) -> Result<String, CryptoError> {
    let mut bytes = vec![0u8; n];
    crypto()?.get_random_values_with_u8_array(&mut bytes)?;
    Ok(base64url(&bytes))
}

/// A code verifier: 32 random bytes give 43 characters, the shortest RFC 7636 allows.
pub fn verifier() -> Result<String, CryptoError> {
    random(32)
}

/// The S256 challenge of a verifier: base64url(SHA-256(verifier)).
pub async fn challenge(verifier: &str) -> Result<String, CryptoError> {
    let promise = crypto()?.subtle().digest_with_str_and_u8_array("SHA-256", verifier.as_bytes())?;
    let digest = JsFuture::from(promise).await?;
    Ok(base64url(&js_sys::Uint8Array::new(&digest).to_vec()))
}

/// RFC 4648 §5 base64url, without padding (as PKCE and JWTs use it).
pub fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], chunk.get(1).copied().unwrap_or(0), chunk.get(2).copied().unwrap_or(0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    out
}
