//! The console's static files (Trunk's output), with `index.html` for deep links.
//!
//! Trunk puts a content hash into the names of the wasm, JS and CSS it emits, so those files
//! never change under their name: browsers may keep them for a year without asking again.
//! `index.html` (which names the current hashes) and `config.json` must be asked for again
//! on every load. `cargo xtask` writes `.br` and `.gz` copies of the hashed files next to
//! them, and `ServeDir` picks the one the browser's `Accept-Encoding` allows.

use axum::Json;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Response};
use kiln_api::ErrorName;
use kiln_api::teams::RuntimeConfig;
use tower::ServiceExt;
use tower_http::services::{ServeDir, ServeFile};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::AppError;

/// For files whose name changes whenever their content does.
pub const CACHE_IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// For files that keep their name across builds: revalidate on every use.
pub const CACHE_REVALIDATE: &str = "no-cache";

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(config_json)).fallback(fallback)
}

const NOT_BUILT: &str = "<!doctype html><html><head><meta charset=\"utf-8\"><title>Kiln</title></head>\
<body><h1>The Kiln console is not built</h1><p>This server has no console files in its \
<code>--ui-dir</code>. Build the console with Trunk (<code>cargo xtask run</code> does it), \
or point <code>--ui-dir</code> at its output. The API works: try \
<a href=\"/api/v1/health\">/api/v1/health</a>.</p></body></html>";

/// `config.json` from the console folder, or the defaults pointing at this server.
#[utoipa::path(get, path = "/config.json", tag = "meta", security(()),
    responses((status = 200, description = "The console's configuration", body = RuntimeConfig)))]
async fn config_json(State(state): State<AppState>, req: Request) -> Response {
    let file = state.ui_dir.join("config.json");
    let mut response = if file.is_file() {
        match ServeFile::new(file).oneshot(req).await {
            Ok(r) => r.into_response(),
            Err(never) => match never {},
        }
    } else {
        Json(RuntimeConfig::default()).into_response()
    };
    set_cache(&mut response, CACHE_REVALIDATE);
    response
}

fn is_api(uri: &Uri) -> bool {
    let path = uri.path();
    ["/api/", "/build2/"].iter().any(|p| path.starts_with(p)) || path == "/api" || path == "/build2"
}

/// Whether a file name carries Trunk's content hash: `name-<hex>.ext` or
/// `name-<hex>_bg.wasm`, with at least 8 hex digits (Trunk writes a 64-bit hash in hex).
pub fn is_hashed(file_name: &str) -> bool {
    let Some((stem, _ext)) = file_name.rsplit_once('.') else { return false };
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    let Some((_, hash)) = stem.rsplit_once('-') else { return false };
    (8..=16).contains(&hash.len()) && hash.bytes().all(|b| b.is_ascii_hexdigit())
}

fn set_cache(response: &mut Response, policy: &'static str) {
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
}

async fn fallback(State(state): State<AppState>, req: Request) -> Response {
    if is_api(req.uri()) {
        return AppError::new(ErrorName::NotFound, format!("no endpoint {} {}", req.method(), req.uri().path()))
            .into_response();
    }
    if !matches!(*req.method(), Method::GET | Method::HEAD) {
        return AppError::method_not_allowed().into_response();
    }
    let index = state.ui_dir.join("index.html");
    if !index.is_file() {
        return (StatusCode::OK, Html(NOT_BUILT)).into_response();
    }
    let name = req.uri().path().rsplit('/').next().unwrap_or_default();
    let hashed = is_hashed(name);
    let service = ServeDir::new(&state.ui_dir).precompressed_br().precompressed_gzip().fallback(ServeFile::new(index));
    let mut response = match service.oneshot(req).await {
        Ok(r) => r.into_response(),
        Err(never) => match never {},
    };
    // A hashed name that is not there gets index.html (the deep-link fallback), which must
    // not be kept under that name.
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|t| t.to_str().is_ok_and(|t| t.starts_with("text/html")));
    let immutable = hashed && response.status() == StatusCode::OK && !is_html;
    set_cache(&mut response, if immutable { CACHE_IMMUTABLE } else { CACHE_REVALIDATE });
    response
}

#[cfg(test)]
mod tests {
    use super::is_hashed;

    #[test]
    fn trunk_names_are_hashed_and_fixed_names_are_not() {
        for name in ["kiln-console-3f2a9c1d0b4e5f67_bg.wasm", "kiln-console-3f2a9c1d0b4e5f67.js", "base-0123abcd.css"] {
            assert!(is_hashed(name), "{name}");
        }
        // The full console is named after its binary (a Trunk worker asset), so it is
        // revalidated on each load rather than kept for a year.
        for name in [
            "index.html",
            "config.json",
            "favicon.svg",
            "kiln-console.js",
            "kiln-console-full.js",
            "kiln-console-full_bg.wasm",
            "my-page.html",
            "a-xyz12345.js",
        ] {
            assert!(!is_hashed(name), "{name}");
        }
    }
}
