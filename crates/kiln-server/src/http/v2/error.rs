//! Errors of the public API: Foundry's names and typed parameters in the Conjure body, so
//! that `foundry-platform-sdk` raises its own exceptions; everything else (malformed
//! bodies, auth, internal failures) answers as the rest of Kiln does.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kiln_api::orchestration::FoundryError;

use crate::engine::EngineError;
use crate::http::error::AppError;
use crate::store::StoreError;

#[derive(Debug)]
pub enum V2Error {
    Foundry { error: FoundryError, message: String },
    App(AppError),
}

impl V2Error {
    pub fn foundry(error: FoundryError, message: impl Into<String>) -> Self {
        V2Error::Foundry { error, message: message.into() }
    }
}

impl From<AppError> for V2Error {
    fn from(e: AppError) -> Self {
        V2Error::App(e)
    }
}

impl From<StoreError> for V2Error {
    fn from(e: StoreError) -> Self {
        V2Error::App(e.into())
    }
}

impl From<EngineError> for V2Error {
    fn from(e: EngineError) -> Self {
        V2Error::App(e.into())
    }
}

impl IntoResponse for V2Error {
    fn into_response(self) -> Response {
        match self {
            V2Error::App(e) => e.into_response(),
            V2Error::Foundry { error, message } => {
                let instance = uuid::Uuid::new_v4().to_string();
                let status = StatusCode::from_u16(error.name().http_status()).unwrap_or(StatusCode::BAD_REQUEST);
                (status, axum::Json(error.to_conjure(instance, message))).into_response()
            }
        }
    }
}
