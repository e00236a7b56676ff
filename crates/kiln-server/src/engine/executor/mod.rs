//! How one attempt runs. The scheduler and the runner decide what runs, when, with which
//! retries and timeouts, and when to stop; an executor only runs one attempt: it starts
//! it, waits for its end, copies its output into the attempt's log file as it grows, and
//! kills it when asked.
//!
//! - [`local`]: a process group on this machine (the default).
//! - [`ray`]: one Ray job per attempt, through Ray's Jobs REST API.

pub mod local;
pub mod ray;

use std::path::PathBuf;

use kiln_api::Rid;
use kiln_api::build2::Placement;

pub use self::ray::{Ray, RayConfig, RayError};
use super::process::GroupMark;

/// Everything an executor needs to run one attempt.
#[derive(Debug, Clone)]
pub struct AttemptSpec {
    pub job: Rid,
    pub attempt: u32,
    /// Run with `sh -c`.
    pub command: String,
    /// The working folder.
    pub dir: PathBuf,
    /// Every `KILN_*` variable.
    pub env: Vec<(String, String)>,
    /// The attempt's log file; the executor creates it and appends the output to it.
    pub log: PathBuf,
    pub resources: Resources,
}

/// What a job spec asks of the machine it runs on (`num_cpus`, `memory` in the pipeline
/// file). Ray reserves them; the local executor has nothing to reserve and ignores them.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Resources {
    pub num_cpus: Option<f64>,
    /// Bytes.
    pub memory: Option<u64>,
}

/// How an attempt ended, as far as the executor can tell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttemptExit {
    Code(i32),
    /// Killed by this signal.
    Signal(i32),
    /// Ended without an exit code (a lost node, the worker killed for memory): why.
    Lost(String),
}

/// An attempt that could not be started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartFailure {
    pub message: String,
    /// The executor was unreachable, so another attempt may well start.
    pub retryable: bool,
}

/// The executor the server was started with.
#[derive(Debug)]
pub enum Executor {
    Local(local::Local),
    Ray(ray::Ray),
}

impl Executor {
    /// The local executor; needs a tokio runtime (it starts its spawner thread).
    pub fn local() -> std::io::Result<Executor> {
        Ok(Executor::Local(local::Local::new()?))
    }

    pub async fn start(&self, spec: &AttemptSpec) -> Result<Running, StartFailure> {
        match self {
            Executor::Local(l) => l.start(spec).await.map(Running::Local),
            Executor::Ray(r) => r.start(spec).await.map(Running::Ray),
        }
    }

    pub fn ray(&self) -> Option<&ray::Ray> {
        match self {
            Executor::Ray(r) => Some(r),
            Executor::Local(_) => None,
        }
    }
}

/// One attempt that runs.
#[derive(Debug)]
pub enum Running {
    Local(local::Running),
    Ray(ray::Running),
}

impl Running {
    /// Where it runs, for the job report.
    pub fn placement(&self) -> Placement {
        match self {
            Running::Local(_) => Placement::Local,
            Running::Ray(r) => r.placement(),
        }
    }

    /// A local attempt's process group, recorded so that a restart can kill it.
    pub fn mark(&self) -> Option<GroupMark> {
        match self {
            Running::Local(l) => l.mark(),
            Running::Ray(_) => None,
        }
    }

    /// Waits for the end. Cancel-safe: the runner races it against Stop and the timeout.
    pub async fn wait(&mut self) -> std::io::Result<AttemptExit> {
        match self {
            Running::Local(l) => l.wait().await,
            Running::Ray(r) => r.wait().await,
        }
    }

    /// Ends the attempt and returns how it ended.
    pub async fn kill(&mut self) -> std::io::Result<AttemptExit> {
        match self {
            Running::Local(l) => l.kill().await,
            Running::Ray(r) => r.kill().await,
        }
    }
}
