//! The Conjure error body that Foundry services return, and that Kiln returns too.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The error categories of the contract, each with its HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    InvalidArgument,
    PermissionDenied,
    NotFound,
    Conflict,
    RequestEntityTooLarge,
    FailedPrecondition,
    Internal,
    Timeout,
    /// Any code another service sends that this contract does not name.
    #[serde(other)]
    Unknown,
}

impl ErrorCode {
    /// The HTTP status this code is sent with.
    pub fn http_status(self) -> u16 {
        match self {
            ErrorCode::InvalidArgument => 400,
            ErrorCode::PermissionDenied => 403,
            ErrorCode::NotFound => 404,
            ErrorCode::Conflict => 409,
            ErrorCode::RequestEntityTooLarge => 413,
            ErrorCode::FailedPrecondition => 400,
            ErrorCode::Internal | ErrorCode::Timeout | ErrorCode::Unknown => 500,
        }
    }
}

/// `{"errorCode", "errorName", "errorInstanceId", "parameters"}`.
///
/// The message meant for a person is `parameters.message`; a parameter `field` names the
/// request field the error concerns, when there is one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConjureError {
    pub error_code: ErrorCode,
    pub error_name: String,
    pub error_instance_id: String,
    #[serde(default)]
    pub parameters: BTreeMap<String, serde_json::Value>,
}

impl ConjureError {
    pub fn new(code: ErrorCode, name: impl Into<String>, instance_id: impl Into<String>) -> Self {
        ConjureError {
            error_code: code,
            error_name: name.into(),
            error_instance_id: instance_id.into(),
            parameters: BTreeMap::new(),
        }
    }

    pub fn with_param(mut self, key: &str, value: impl Into<serde_json::Value>) -> Self {
        self.parameters.insert(key.to_owned(), value.into());
        self
    }

    fn string_param(&self, key: &str) -> Option<&str> {
        self.parameters.get(key).and_then(serde_json::Value::as_str)
    }

    /// The message a person reads, if the service gave one.
    pub fn message(&self) -> Option<&str> {
        self.string_param("message")
    }

    /// The request field the error concerns, if the service named one.
    pub fn field(&self) -> Option<&str> {
        self.string_param("field")
    }
}
