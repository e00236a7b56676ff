//! The Conjure error body that Foundry services return, and that Kiln returns too, and
//! the one list of error names Kiln sends.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// The error categories of the contract, each with its HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
    pub const fn http_status(self) -> u16 {
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

/// Declares [`ErrorName`]: one line per name, `Variant = "Prefix:WireName", ErrorCode;`.
macro_rules! error_names {
    ($($(#[$doc:meta])* $variant:ident = $wire:literal, $code:ident;)*) => {
        /// Every `errorName` Kiln sends. The name fixes its `errorCode` and its HTTP
        /// status, so one failure is never spelled two ways or sent with two statuses.
        /// Adding a name is one line in the table below.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ErrorName {
            $($(#[$doc])* $variant,)*
        }

        impl ErrorName {
            /// Every name, in table order.
            pub const ALL: &'static [ErrorName] = &[$(ErrorName::$variant),*];

            /// The wire string, such as `Build2:InvalidJobSpecSelection`.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(ErrorName::$variant => $wire,)*
                }
            }

            /// The error code this name is always sent with.
            pub const fn code(self) -> ErrorCode {
                match self {
                    $(ErrorName::$variant => ErrorCode::$code,)*
                }
            }
        }
    };
}

error_names! {
    // Any surface: the request itself.
    InvalidRequestBody = "Default:InvalidRequestBody", InvalidArgument;
    InvalidQuery = "Default:InvalidQuery", InvalidArgument;
    InvalidPath = "Default:InvalidPath", InvalidArgument;
    InvalidTeam = "Default:InvalidTeam", InvalidArgument;
    InvalidRunId = "Default:InvalidRunId", InvalidArgument;
    InvalidRid = "Default:InvalidRid", InvalidArgument;
    InvalidTags = "Default:InvalidTags", InvalidArgument;
    /// Sent with status 405.
    MethodNotAllowed = "Default:MethodNotAllowed", InvalidArgument;
    RequestEntityTooLarge = "Default:RequestEntityTooLarge", RequestEntityTooLarge;
    // Any surface: who is asking.
    /// Sent with status 401, although its code is `PERMISSION_DENIED` (the code list has
    /// no code of its own for 401).
    Unauthenticated = "Default:Unauthenticated", PermissionDenied;
    PermissionDenied = "Default:PermissionDenied", PermissionDenied;
    // Any surface: what is asked for.
    NotFound = "Default:NotFound", NotFound;
    TeamNotFound = "Default:TeamNotFound", NotFound;
    BuildNotFound = "Default:BuildNotFound", NotFound;
    JobNotFound = "Default:JobNotFound", NotFound;
    AttemptNotFound = "Default:AttemptNotFound", NotFound;
    JobSpecNotFound = "Default:JobSpecNotFound", NotFound;
    BuildRunning = "Default:BuildRunning", Conflict;
    BuildNotRunning = "Default:BuildNotRunning", Conflict;
    Internal = "Default:Internal", Internal;
    // build2: submissions.
    InvalidBuildRequest = "Build2:InvalidBuildRequest", InvalidArgument;
    InvalidJobSpecSelection = "Build2:InvalidJobSpecSelection", InvalidArgument;
    BuildGroupNotFound = "Build2:BuildGroupNotFound", InvalidArgument;
    /// A `submissionId` seen before whose first build no longer exists, so the earlier
    /// answer cannot be repeated and a new build would break the id's promise.
    SubmissionBuildGone = "Build2:SubmissionBuildGone", Conflict;
    // The public Orchestration v2 API: foundry-platform-sdk's names, unprefixed, each the
    // name of an SDK exception (`orchestration::FoundryError` carries their parameters).
    /// A request value outside what Kiln can honour, such as `retryCount` 500.
    InvalidArgument = "Default:InvalidArgument", InvalidArgument;
    PublicBuildNotFound = "BuildNotFound", NotFound;
    PublicJobNotFound = "JobNotFound", NotFound;
    BuildTargetsNotFound = "BuildTargetsNotFound", NotFound;
    BuildTargetsMissingJobSpecs = "BuildTargetsMissingJobSpecs", InvalidArgument;
    BuildTargetsResolutionError = "BuildTargetsResolutionError", InvalidArgument;
    MissingBuildTargets = "MissingBuildTargets", InvalidArgument;
    MissingConnectingBuildInputs = "MissingConnectingBuildInputs", InvalidArgument;
    /// Sent with status 400, as the SDK's `BadRequestError` (the teams surface answers 409).
    PublicBuildNotRunning = "BuildNotRunning", InvalidArgument;
    InvalidPageSize = "InvalidPageSize", InvalidArgument;
    InvalidPageToken = "InvalidPageToken", InvalidArgument;
    InvalidAndFilter = "InvalidAndFilter", InvalidArgument;
    InvalidOrFilter = "InvalidOrFilter", InvalidArgument;
    InvalidFilterValue = "InvalidFilterValue", InvalidArgument;
    BatchRequestSizeExceededLimit = "BatchRequestSizeExceededLimit", InvalidArgument;
    DatasetNotFound = "DatasetNotFound", NotFound;
}

impl ErrorName {
    /// The HTTP status this name is sent with: its code's, except where HTTP has a more
    /// precise status than the code list.
    pub const fn http_status(self) -> u16 {
        match self {
            ErrorName::Unauthenticated => 401,
            ErrorName::MethodNotAllowed => 405,
            other => other.code().http_status(),
        }
    }

    /// The name with this wire string, if Kiln sends one.
    pub fn from_wire(wire: &str) -> Option<ErrorName> {
        ErrorName::ALL.iter().copied().find(|n| n.as_str() == wire)
    }
}

impl fmt::Display for ErrorName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<ErrorName> for String {
    fn from(name: ErrorName) -> String {
        name.as_str().to_owned()
    }
}

/// `{"errorCode", "errorName", "errorInstanceId", "parameters"}`.
///
/// The message meant for a person is `parameters.message`; a parameter `field` names the
/// request field the error concerns, when there is one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ConjureError {
    pub error_code: ErrorCode,
    pub error_name: String,
    pub error_instance_id: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
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

    /// A body for one of Kiln's names, with the code that name is always sent with.
    pub fn named(name: ErrorName, instance_id: impl Into<String>) -> Self {
        ConjureError::new(name.code(), name, instance_id)
    }

    /// Kiln's name for this error, when it is one of Kiln's.
    pub fn name(&self) -> Option<ErrorName> {
        ErrorName::from_wire(&self.error_name)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_name_is_listed_once_and_parses_back() {
        let mut seen = std::collections::HashSet::new();
        for &name in ErrorName::ALL {
            assert!(seen.insert(name.as_str()), "{name} is listed twice");
            assert_eq!(ErrorName::from_wire(name.as_str()), Some(name));
        }
        assert_eq!(ErrorName::from_wire("Build2:Unknown"), None);
    }

    #[test]
    fn a_named_body_carries_the_names_code() {
        let body = ConjureError::named(ErrorName::BuildNotFound, "id");
        assert_eq!(body.error_code, ErrorCode::NotFound);
        assert_eq!(body.error_name, "Default:BuildNotFound");
        assert_eq!(body.name(), Some(ErrorName::BuildNotFound));
    }
}
