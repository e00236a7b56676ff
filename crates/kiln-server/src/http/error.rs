//! The one error type of the HTTP layer, answered as a Conjure error body.
//!
//! Client mistakes say what is wrong (and which field); internal failures are logged
//! with an instance id and answered with that id only. Every name comes from
//! [`ErrorName`], which also fixes the error code and so the status.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kiln_api::{ConjureError, ErrorName};

use crate::engine::EngineError;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// A request the server will not honour; `field` names the request field at fault.
    #[error("{message}")]
    Client { name: ErrorName, field: Option<String>, message: String },
    #[error("a valid bearer token is required")]
    Unauthenticated,
    #[error("{0}")]
    Forbidden(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("file system error: {0}")]
    Io(#[from] std::io::Error),
    #[error("cannot encode the answer: {0}")]
    Encode(#[from] serde_json::Error),
}

impl AppError {
    /// A client error about the request as a whole.
    pub fn new(name: ErrorName, message: impl Into<String>) -> Self {
        AppError::Client { name, field: None, message: message.into() }
    }

    /// A client error about one request field.
    pub fn bad(name: ErrorName, field: impl Into<String>, message: impl Into<String>) -> Self {
        AppError::Client { name, field: Some(field.into()), message: message.into() }
    }

    pub fn too_large(limit: usize) -> Self {
        AppError::new(ErrorName::RequestEntityTooLarge, format!("the request body is larger than {limit} bytes"))
    }

    pub fn method_not_allowed() -> Self {
        AppError::new(ErrorName::MethodNotAllowed, "this path does not accept this HTTP method")
    }
}

impl From<EngineError> for AppError {
    fn from(e: EngineError) -> Self {
        match e {
            EngineError::Invalid { name, field, message } => AppError::Client { name, field, message },
            EngineError::Conflict { name, message } => AppError::new(name, message),
            EngineError::Store(e) => AppError::Store(e),
            EngineError::Io(e) => AppError::Io(e),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let instance = uuid::Uuid::new_v4().to_string();
        let (name, field, message) = match self {
            AppError::Client { name, field, message } => (name, field, message),
            AppError::Unauthenticated => {
                (ErrorName::Unauthenticated, None, "send a valid token as \"Authorization: Bearer <token>\"".to_owned())
            }
            AppError::Forbidden(message) => (ErrorName::PermissionDenied, None, message),
            internal @ (AppError::Store(_) | AppError::Io(_) | AppError::Encode(_)) => {
                tracing::error!(error = %internal, error_instance_id = %instance, "internal error");
                (
                    ErrorName::Internal,
                    None,
                    format!("internal error; the server log has details under errorInstanceId {instance}"),
                )
            }
        };
        let status = StatusCode::from_u16(name.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut body = ConjureError::named(name, instance).with_param("message", message);
        if let Some(field) = field {
            body = body.with_param("field", field);
        }
        let mut response = (status, axum::Json(body)).into_response();
        if name == ErrorName::Unauthenticated {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}
