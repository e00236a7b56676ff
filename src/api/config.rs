//! `config.json`, served next to `index.html`, says where the services are.

use gloo_net::http::Request;
use js_sys::{Promise, Reflect};
use kiln_api::teams::RuntimeConfig;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use super::ApiError;
use super::js_reason;

/// Loads `config.json` relative to the page's base URL. A missing file means the
/// defaults (the service that serves the console); a malformed one is an error.
pub async fn load() -> Result<RuntimeConfig, ApiError> {
    let (status, text) = match started_by_the_loader() {
        Some(answer) => read_started(answer).await?,
        None => read().await?,
    };
    match status {
        404 => Ok(RuntimeConfig::default()),
        200..=299 => serde_json::from_str(&text).map_err(|e| ApiError::Decode(format!("config.json: {e}"))),
        _ => Err(ApiError::Http { status, body: text }),
    }
}

/// The read that index.html's loader (Trunk.toml) starts while the wasm downloads, so the
/// console need not wait for it after starting: a promise of `{ status, text }`, kept on
/// `window.kilnConfig` for both modules of the console (see `crate::handoff`).
fn started_by_the_loader() -> Option<Promise> {
    let window = web_sys::window()?;
    Reflect::get(&window, &JsValue::from_str("kilnConfig")).ok()?.dyn_into::<Promise>().ok()
}

async fn read_started(answer: Promise) -> Result<(u16, String), ApiError> {
    let answer = JsFuture::from(answer).await.map_err(|e| ApiError::Network(js_reason(&e)))?;
    let field = |name: &str| Reflect::get(&answer, &JsValue::from_str(name)).ok();
    let status = field("status").and_then(|s| s.as_f64()).map_or(0, |s| s as u16);
    Ok((status, field("text").and_then(|t| t.as_string()).unwrap_or_default()))
}

async fn read() -> Result<(u16, String), ApiError> {
    let response = Request::get("config.json").send().await.map_err(|e| ApiError::Network(e.to_string()))?;
    let text = response.text().await.map_err(|e| ApiError::Network(e.to_string()))?;
    Ok((response.status(), text))
}
