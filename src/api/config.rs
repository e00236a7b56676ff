//! `config.json`, served next to `index.html`, says where the services are.

use gloo_net::http::Request;
use kiln_api::teams::RuntimeConfig;

use super::ApiError;

/// Loads `config.json` relative to the page's base URL. A missing file means the
/// defaults (the service that serves the console); a malformed one is an error.
pub async fn load() -> Result<RuntimeConfig, ApiError> {
    let response = Request::get("config.json").send().await.map_err(|e| ApiError::Network(e.to_string()))?;
    if response.status() == 404 {
        return Ok(RuntimeConfig::default());
    }
    if !response.ok() {
        let status = response.status();
        return Err(ApiError::Http { status, body: response.text().await.unwrap_or_default() });
    }
    let text = response.text().await.map_err(|e| ApiError::Network(e.to_string()))?;
    serde_json::from_str(&text).map_err(|e| ApiError::Decode(format!("config.json: {e}")))
}
