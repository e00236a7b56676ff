//! The one error type of xtask: every failure names the step or tool it belongs to.

use std::fmt;
use std::io;
use std::path::PathBuf;
use std::process::ExitStatus;
use std::time::Duration;

/// Everything that can stop an xtask command.
#[derive(Debug)]
pub enum Error {
    /// The command line was not understood.
    Usage(String),
    /// A program could not be started at all (usually: not installed).
    Spawn { program: String, source: io::Error },
    /// A step's command ran and exited unsuccessfully.
    StepFailed { step: String, command: String, status: ExitStatus },
    /// A file or directory operation failed.
    Io { what: String, source: io::Error },
    /// `Cargo.lock` does not name exactly one version of a package we must match.
    LockVersion { package: &'static str, found: Vec<String> },
    /// A tool is still missing or at the wrong version after installing it.
    StillMissing { tool: String, detail: String },
    /// kiln-server exited before it answered its health check.
    ServerExited { status: ExitStatus, log: PathBuf },
    /// kiln-server did not answer its health check in time.
    ServerUnhealthy { url: String, waited: Duration, log: PathBuf },
    /// The build produced no file of the expected kind.
    NoArtifacts { dir: PathBuf, kind: &'static str },
}

impl Error {
    /// Wraps an I/O error with what was being done.
    pub fn io(what: impl Into<String>, source: io::Error) -> Self {
        Error::Io { what: what.into(), source }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Usage(msg) => write!(f, "{msg}\n\n{}", crate::USAGE),
            Error::Spawn { program, source } => {
                write!(f, "could not start `{program}`: {source}")
            }
            Error::StepFailed { step, command, status } => write!(f, "step `{step}` failed ({status}): {command}"),
            Error::Io { what, source } => write!(f, "{what}: {source}"),
            Error::LockVersion { package, found } => {
                write!(f, "Cargo.lock must name exactly one version of `{package}`, found {found:?}")
            }
            Error::StillMissing { tool, detail } => {
                write!(f, "{tool} is still not usable after installing it: {detail}")
            }
            Error::ServerExited { status, log } => {
                write!(f, "kiln-server exited before it became healthy ({status}); its log is {}", log.display())
            }
            Error::ServerUnhealthy { url, waited, log } => {
                write!(f, "kiln-server did not answer {url} within {}s; its log is {}", waited.as_secs(), log.display())
            }
            Error::NoArtifacts { dir, kind } => {
                write!(f, "no {kind} file in {}", dir.display())
            }
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Spawn { source, .. } | Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// Result with xtask's error.
pub type Result<T, E = Error> = std::result::Result<T, E>;
