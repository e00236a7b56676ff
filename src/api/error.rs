//! Every way a request can fail, in words a person understands.

use std::fmt;

use kiln_api::ConjureError;
use wasm_bindgen::{JsCast, JsValue};

#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// The request never got an answer: the service is down, unreachable, or refused
    /// by the browser (CORS).
    Network(String),
    /// 401: no token, or one the service does not accept.
    Unauthorized(Option<ConjureError>),
    /// An error in the contract's Conjure body.
    Service { status: u16, error: ConjureError },
    /// An error status without a Conjure body.
    Http { status: u16, body: String },
    /// An answer that is not the shape the contract promises.
    Decode(String),
    /// A request body we could not write.
    Encode(String),
}

impl ApiError {
    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Unauthorized(_) => Some(401),
            ApiError::Service { status, .. } | ApiError::Http { status, .. } => Some(*status),
            _ => None,
        }
    }

    pub fn is_unauthorized(&self) -> bool {
        matches!(self, ApiError::Unauthorized(_))
    }

    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }

    /// The Conjure body, when the service sent one.
    pub fn conjure(&self) -> Option<&ConjureError> {
        match self {
            ApiError::Service { error, .. } => Some(error),
            ApiError::Unauthorized(error) => error.as_ref(),
            _ => None,
        }
    }

    /// The request field the service says is wrong, if it named one.
    pub fn field(&self) -> Option<&str> {
        self.conjure().and_then(ConjureError::field)
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::Network(detail) => {
                write!(f, "The service could not be reached: {detail}. Check the service URL in Settings.")
            }
            ApiError::Unauthorized(_) => f.write_str("The service needs a valid token. Enter one in Settings."),
            ApiError::Service { status, error } => match error.message() {
                Some(message) => f.write_str(message),
                None => write!(f, "The service answered {status} {}.", error.error_name),
            },
            ApiError::Http { status, body } if body.trim().is_empty() => {
                write!(f, "The service answered {status}.")
            }
            ApiError::Http { status, body } => {
                let excerpt: String = body.chars().take(200).collect();
                write!(f, "The service answered {status}: {excerpt}")
            }
            ApiError::Decode(detail) => {
                write!(f, "The service's answer was not what Kiln expected: {detail}")
            }
            ApiError::Encode(detail) => write!(f, "The request could not be written: {detail}"),
        }
    }
}

/// What a JavaScript error says ("Failed to fetch"), or what the thrown value was.
pub fn js_reason(error: &JsValue) -> String {
    error
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| error.as_string())
        .unwrap_or_else(|| "the browser gave no reason".to_owned())
}
