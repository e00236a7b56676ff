//! A submission's options, validated once and shared by every job of the build.

use std::collections::HashMap;
use std::time::Duration;

use kiln_api::build2::{ExceededDurationMode, FailureStrategy, OutputQueueStrategy, SubmitBuildRequest};
use kiln_api::{ErrorName, Rid};

use super::EngineError;
use crate::paths::check_branch;
use crate::pipeline::Pipeline;
use crate::staleness::search_branches;

/// The largest accepted `numRunJobAttempts` and `retryBackoffDuration` (seconds).
const MAX_ATTEMPTS: i64 = 100;
const MAX_BACKOFF_SECONDS: i64 = 3600;

#[derive(Debug, Clone)]
pub struct BuildOptions {
    pub branch: String,
    /// The build's branch followed by its fallbacks.
    pub search_branches: Vec<String>,
    pub max_attempts: u32,
    pub force_retry: bool,
    pub backoff: Duration,
    pub exceeded_duration_mode: ExceededDurationMode,
    pub input_strategies: HashMap<Rid, FailureStrategy>,
    pub finish_on_failures: bool,
    pub output_queue_strategy: Option<OutputQueueStrategy>,
    pub parameters_json: String,
    pub suppress_notifications: bool,
}

const NAME: ErrorName = ErrorName::InvalidBuildRequest;

impl BuildOptions {
    /// Checks every option that does not need the store; errors name the field at fault.
    pub fn from_request(pipeline: &Pipeline, req: &SubmitBuildRequest) -> Result<BuildOptions, EngineError> {
        let branch = req.branch_or_default().to_owned();
        check_branch(&branch).map_err(|m| EngineError::invalid(NAME, "branch", m))?;
        for (i, b) in req.fallback_branches().iter().enumerate() {
            check_branch(b).map_err(|m| EngineError::invalid(NAME, format!("branchFallbacks.branches[{i}]"), m))?;
        }
        let attempts = req.num_run_job_attempts.unwrap_or(1);
        if attempts > MAX_ATTEMPTS {
            return Err(EngineError::invalid(
                NAME,
                "numRunJobAttempts",
                format!("at most {MAX_ATTEMPTS} attempts per job are allowed"),
            ));
        }
        let backoff = req.retry_backoff_duration.unwrap_or(0);
        if !(0..=MAX_BACKOFF_SECONDS).contains(&backoff) {
            return Err(EngineError::invalid(
                NAME,
                "retryBackoffDuration",
                format!("the backoff is a number of seconds from 0 to {MAX_BACKOFF_SECONDS}"),
            ));
        }
        let mut input_strategies = HashMap::new();
        for (i, s) in req.input_failure_strategies.iter().flatten().enumerate() {
            if pipeline.dataset_index(&s.input_dataset_rid).is_none() {
                return Err(EngineError::invalid(
                    NAME,
                    format!("inputFailureStrategies[{i}].inputDatasetRid"),
                    format!("no dataset {} is known to this service", s.input_dataset_rid),
                ));
            }
            input_strategies.insert(s.input_dataset_rid.clone(), s.failure_strategy);
        }
        let parameters = req.build_parameters.clone().unwrap_or_default();
        Ok(BuildOptions {
            branch,
            search_branches: search_branches(req),
            max_attempts: attempts.clamp(1, MAX_ATTEMPTS) as u32,
            force_retry: req.force_retry.unwrap_or(false),
            backoff: Duration::from_secs(backoff as u64),
            exceeded_duration_mode: req.exceeded_duration_mode.unwrap_or_default(),
            input_strategies,
            finish_on_failures: req.finish_on_failures.unwrap_or(false),
            output_queue_strategy: req.output_queue_strategy,
            parameters_json: serde_json::Value::Object(parameters).to_string(),
            suppress_notifications: req.suppress_notifications.unwrap_or(false),
        })
    }
}
