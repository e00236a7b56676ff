//! The console's static files (Trunk's output), with `index.html` for deep links.

use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, Uri};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use kiln_api::teams::RuntimeConfig;
use tower::ServiceExt;
use tower_http::services::{ServeDir, ServeFile};

use super::AppState;
use super::error::AppError;

pub fn router() -> Router<AppState> {
    Router::new().route("/config.json", get(config_json)).fallback(fallback)
}

const NOT_BUILT: &str = "<!doctype html><html><head><meta charset=\"utf-8\"><title>Kiln</title></head>\
<body><h1>The Kiln console is not built</h1><p>This server has no console files in its \
<code>--ui-dir</code>. Build the console with Trunk (<code>cargo xtask run</code> does it), \
or point <code>--ui-dir</code> at its output. The API works: try \
<a href=\"/api/v1/health\">/api/v1/health</a>.</p></body></html>";

/// `config.json` from the console folder, or the defaults pointing at this server.
async fn config_json(State(state): State<AppState>, req: Request) -> Response {
    let file = state.ui_dir.join("config.json");
    if file.is_file() {
        return match ServeFile::new(file).oneshot(req).await {
            Ok(r) => r.into_response(),
            Err(never) => match never {},
        };
    }
    Json(RuntimeConfig::default()).into_response()
}

fn is_api(uri: &Uri) -> bool {
    let path = uri.path();
    ["/api/", "/build2/"].iter().any(|p| path.starts_with(p)) || path == "/api" || path == "/build2"
}

async fn fallback(State(state): State<AppState>, req: Request) -> Response {
    if is_api(req.uri()) {
        return AppError::not_found("Default:NotFound", format!("no endpoint {} {}", req.method(), req.uri().path()))
            .into_response();
    }
    if !matches!(*req.method(), Method::GET | Method::HEAD) {
        return AppError::MethodNotAllowed.into_response();
    }
    let index = state.ui_dir.join("index.html");
    if !index.is_file() {
        return (StatusCode::OK, Html(NOT_BUILT)).into_response();
    }
    let service = ServeDir::new(&state.ui_dir).fallback(ServeFile::new(index));
    match service.oneshot(req).await {
        Ok(r) => r.into_response(),
        Err(never) => match never {},
    }
}
