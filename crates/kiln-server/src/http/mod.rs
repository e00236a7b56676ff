//! The HTTP surface: one router per resource, merged here with the shared layers.

mod attempts;
mod auth;
mod build2;
mod catalog;
pub mod error;
mod events;
mod extract;
mod logs;
pub mod openapi;
pub(crate) mod page_cache;
mod pipeline;
mod static_ui;
pub(crate) mod teams;
mod v2;

use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, Method, header};
use std::sync::Arc;

use axum::{Extension, Json, Router};
use kiln_api::teams::Health;
use tower_http::CompressionLevel;
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::{DefaultPredicate, NotForContentType, Predicate};
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::trace::TraceLayer;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use crate::state::AppState;
use error::AppError;
use extract::BodyLimit;

/// Every route, each with its OpenAPI operation: the one list both come from.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(build2::router())
        .merge(teams::router())
        .merge(logs::router())
        .merge(attempts::router())
        .merge(catalog::router())
        .merge(pipeline::router())
        .merge(events::router())
        .merge(v2::router())
        .routes(routes!(health))
        .merge(openapi::router())
        .merge(static_ui::router())
}

pub fn router(state: AppState) -> Router {
    let limit = state.body_limit;
    let (routes, doc) = routes().split_for_parts();
    let doc = openapi::Document(Arc::new(openapi::finish(doc)));
    let mut router = routes
        .method_not_allowed_fallback(method_not_allowed)
        .layer(Extension(doc))
        .layer(DefaultBodyLimit::max(limit))
        .layer(Extension(BodyLimit(limit)))
        .layer(compression_layer())
        .layer(TraceLayer::new_for_http());
    if let Some(cors) = cors_layer(&state.cors_origins) {
        router = router.layer(cors);
    }
    router.with_state(state)
}

/// Answers while the server runs; needs no token.
#[utoipa::path(get, path = "/api/v1/health", tag = "meta", security(()), responses((status = 200, description = "The server runs", body = Health)))]
async fn health() -> Json<Health> {
    Json(Health { status: "ok".to_owned(), version: env!("CARGO_PKG_VERSION").to_owned() })
}

async fn method_not_allowed() -> AppError {
    AppError::method_not_allowed()
}

/// Brotli or gzip for what the browser accepts. Not for the events stream (the default
/// predicate skips `text/event-stream`) nor for log pieces (`text/plain`): a compressor
/// buffers, and both must reach the page as soon as they are written. Files that
/// `ServeDir` already sends precompressed keep their encoding. A fast level (4), because
/// answers are compressed per request; the large static files come precompressed at the best one.
fn compression_layer() -> CompressionLayer<impl Predicate> {
    let predicate = DefaultPredicate::new().and(NotForContentType::const_new("text/plain"));
    CompressionLayer::new().no_deflate().no_zstd().quality(CompressionLevel::Precise(4)).compress_when(predicate)
}

/// An explicit allow-list: browser tests served from another local port need it.
fn cors_layer(origins: &[String]) -> Option<CorsLayer> {
    let origins: Vec<HeaderValue> = origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()).collect();
    if origins.is_empty() {
        return None;
    }
    Some(
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(origins))
            .allow_methods([Method::GET, Method::POST, Method::PUT, Method::DELETE])
            .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE, HeaderName::from_static("kiln-team")])
            .expose_headers([
                HeaderName::from_static("kiln-log-next-offset"),
                HeaderName::from_static("kiln-log-complete"),
                HeaderName::from_static("kiln-log-stderr"),
            ]),
    )
}
