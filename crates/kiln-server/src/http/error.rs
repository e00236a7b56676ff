//! The one error type of the HTTP layer, answered as a Conjure error body.
//!
//! Client mistakes say what is wrong (and which field); internal failures are logged
//! with an instance id and answered with that id only.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kiln_api::{ConjureError, ErrorCode};

use crate::engine::EngineError;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{message}")]
    BadRequest { name: &'static str, field: Option<String>, message: String },
    #[error("a valid bearer token is required")]
    Unauthenticated,
    #[error("{0}")]
    Forbidden(String),
    #[error("{message}")]
    NotFound { name: &'static str, message: String },
    #[error("{message}")]
    Conflict { name: &'static str, message: String },
    #[error("the request body is larger than {limit} bytes")]
    TooLarge { limit: usize },
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("file system error: {0}")]
    Io(#[from] std::io::Error),
}

impl AppError {
    pub fn bad(name: &'static str, field: impl Into<String>, message: impl Into<String>) -> Self {
        AppError::BadRequest { name, field: Some(field.into()), message: message.into() }
    }

    pub fn not_found(name: &'static str, message: impl Into<String>) -> Self {
        AppError::NotFound { name, message: message.into() }
    }

    pub fn conflict(name: &'static str, message: impl Into<String>) -> Self {
        AppError::Conflict { name, message: message.into() }
    }
}

impl From<EngineError> for AppError {
    fn from(e: EngineError) -> Self {
        match e {
            EngineError::Invalid { name, field, message } => AppError::BadRequest { name, field, message },
            EngineError::Conflict(message) => AppError::Conflict { name: "Build2:BuildNotRunning", message },
            EngineError::Store(e) => AppError::Store(e),
            EngineError::Io(e) => AppError::Io(e),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let instance = uuid::Uuid::new_v4().to_string();
        let (status, code, name, field, message) = match &self {
            AppError::BadRequest { name, field, message } => {
                (StatusCode::BAD_REQUEST, ErrorCode::InvalidArgument, *name, field.clone(), message.clone())
            }
            AppError::Unauthenticated => (
                StatusCode::UNAUTHORIZED,
                ErrorCode::PermissionDenied,
                "Default:Unauthenticated",
                None,
                "send a valid token as \"Authorization: Bearer <token>\"".to_owned(),
            ),
            AppError::Forbidden(message) => {
                (StatusCode::FORBIDDEN, ErrorCode::PermissionDenied, "Default:PermissionDenied", None, message.clone())
            }
            AppError::NotFound { name, message } => {
                (StatusCode::NOT_FOUND, ErrorCode::NotFound, *name, None, message.clone())
            }
            AppError::Conflict { name, message } => {
                (StatusCode::CONFLICT, ErrorCode::Conflict, *name, None, message.clone())
            }
            AppError::TooLarge { .. } => (
                StatusCode::PAYLOAD_TOO_LARGE,
                ErrorCode::RequestEntityTooLarge,
                "Default:RequestEntityTooLarge",
                None,
                self.to_string(),
            ),
            AppError::MethodNotAllowed => (
                StatusCode::METHOD_NOT_ALLOWED,
                ErrorCode::InvalidArgument,
                "Default:MethodNotAllowed",
                None,
                "this path does not accept this HTTP method".to_owned(),
            ),
            AppError::Store(_) | AppError::Io(_) => {
                tracing::error!(error = %self, error_instance_id = %instance, "internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    ErrorCode::Internal,
                    "Default:Internal",
                    None,
                    format!("internal error; the server log has details under errorInstanceId {instance}"),
                )
            }
        };
        let mut body = ConjureError::new(code, name, instance).with_param("message", message);
        if let Some(field) = field {
            body = body.with_param("field", field);
        }
        let mut response = (status, axum::Json(body)).into_response();
        if matches!(self, AppError::Unauthenticated) {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}
