//! The errors of the public API, by the names and parameters `foundry-platform-sdk` knows
//! (`foundry_sdk/v2/orchestration/errors.py`, `v2/core/errors.py`, `v2/datasets/errors.py`).
//!
//! The SDK turns a Conjure body into its typed exception when `errorName` is one the
//! called method declares and `parameters` validate against that exception's parameter
//! type; these variants carry exactly those parameters.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{ConjureError, ErrorCode, ErrorName, Rid};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "errorName", content = "parameters")]
pub enum FoundryError {
    #[serde(rename_all = "camelCase")]
    BuildNotFound { build_rid: Rid },
    #[serde(rename_all = "camelCase")]
    JobNotFound { job_rid: Rid },
    /// Targets (or inputs, or ignored datasets) that name no known dataset.
    #[serde(rename_all = "camelCase")]
    BuildTargetsNotFound { resource_rids: Vec<Rid> },
    /// Manual targets that no job spec produces.
    #[serde(rename_all = "camelCase")]
    BuildTargetsMissingJobSpecs { resource_rids: Vec<Rid> },
    /// The targets are known but do not resolve to job specs to run.
    BuildTargetsResolutionError {},
    /// A target without any dataset.
    MissingBuildTargets {},
    /// A connecting target without input datasets.
    MissingConnectingBuildInputs {},
    /// An `and` search filter without items.
    InvalidAndFilter {},
    /// An `or` search filter without items.
    InvalidOrFilter {},
    #[serde(rename_all = "camelCase")]
    BuildNotRunning { build_rid: Rid },
    #[serde(rename_all = "camelCase")]
    InvalidPageSize { page_size: i64 },
    #[serde(rename_all = "camelCase")]
    InvalidPageToken { page_token: String },
    #[serde(rename_all = "camelCase")]
    BatchRequestSizeExceededLimit { maximum_batch_size: usize, provided_batch_size: usize },
    #[serde(rename_all = "camelCase")]
    DatasetNotFound { dataset_rid: Rid },
    /// A search filter's value does not fit its field; `field` is the filter's field
    /// (`STATUS`), and the message names where in the tree it is.
    #[serde(rename_all = "camelCase")]
    InvalidFilterValue { field: String, value: serde_json::Value, expected_type: FilterType },
}

/// `core.FilterType`, the kinds of value a filter field takes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum FilterType {
    DateTime,
    String,
    Rid,
    Enum { values: Vec<String> },
}

impl FoundryError {
    /// The name, which fixes the `errorCode` and the HTTP status (the SDK picks its
    /// exception's base class by status: `NotFoundError` for 404, `BadRequestError` for 400).
    pub fn name(&self) -> ErrorName {
        match self {
            FoundryError::BuildNotFound { .. } => ErrorName::PublicBuildNotFound,
            FoundryError::JobNotFound { .. } => ErrorName::PublicJobNotFound,
            FoundryError::BuildTargetsNotFound { .. } => ErrorName::BuildTargetsNotFound,
            FoundryError::BuildTargetsMissingJobSpecs { .. } => ErrorName::BuildTargetsMissingJobSpecs,
            FoundryError::BuildTargetsResolutionError {} => ErrorName::BuildTargetsResolutionError,
            FoundryError::MissingBuildTargets {} => ErrorName::MissingBuildTargets,
            FoundryError::MissingConnectingBuildInputs {} => ErrorName::MissingConnectingBuildInputs,
            FoundryError::InvalidAndFilter {} => ErrorName::InvalidAndFilter,
            FoundryError::InvalidOrFilter {} => ErrorName::InvalidOrFilter,
            FoundryError::BuildNotRunning { .. } => ErrorName::PublicBuildNotRunning,
            FoundryError::InvalidPageSize { .. } => ErrorName::InvalidPageSize,
            FoundryError::InvalidPageToken { .. } => ErrorName::InvalidPageToken,
            FoundryError::BatchRequestSizeExceededLimit { .. } => ErrorName::BatchRequestSizeExceededLimit,
            FoundryError::DatasetNotFound { .. } => ErrorName::DatasetNotFound,
            FoundryError::InvalidFilterValue { .. } => ErrorName::InvalidFilterValue,
        }
    }

    pub fn code(&self) -> ErrorCode {
        self.name().code()
    }

    /// The typed parameters as a JSON object (empty for an error without any).
    pub fn parameters(&self) -> BTreeMap<String, serde_json::Value> {
        match serde_json::to_value(self) {
            Ok(serde_json::Value::Object(mut body)) => match body.remove("parameters") {
                Some(serde_json::Value::Object(params)) => params.into_iter().collect(),
                _ => BTreeMap::new(),
            },
            _ => BTreeMap::new(),
        }
    }

    /// The Conjure body, with `message` (the sentence a person reads) beside the typed
    /// parameters; the SDK's parameter types allow extra keys.
    pub fn to_conjure(&self, instance_id: impl Into<String>, message: impl Into<String>) -> ConjureError {
        let mut body = ConjureError::named(self.name(), instance_id);
        body.parameters = self.parameters();
        body.parameters.insert("message".to_owned(), serde_json::Value::String(message.into()));
        body
    }
}
