//! The local executor: each attempt is a process group on this machine, its stdout
//! written straight into the attempt's log file and its stderr relayed into the same file
//! with its byte ranges noted (see `log_streams`).

use std::os::unix::process::ExitStatusExt;
use std::process::ExitStatus;
use std::time::Duration;

use nix::sys::signal::Signal;
use tokio::process::Child;
use tokio::task::JoinHandle;

use super::{AttemptExit, AttemptSpec, StartFailure};
use crate::engine::log_streams;
use crate::engine::process::{self, GroupMark, Spawner};

/// How long an ended attempt waits for the rest of its stderr to reach the log. The group
/// is killed first, so the pipe closes unless something outside the group holds it.
const RELAY_DRAIN: Duration = Duration::from_secs(5);

#[derive(Debug)]
pub struct Local {
    spawner: Spawner,
}

#[derive(Debug)]
pub struct Running {
    child: Child,
    pgid: u32,
    mark: Option<GroupMark>,
    /// The thread copying the job's stderr into its log.
    relay: Option<JoinHandle<()>>,
}

impl Local {
    pub fn new() -> std::io::Result<Local> {
        Ok(Local { spawner: Spawner::start()? })
    }

    pub async fn start(&self, spec: &AttemptSpec) -> Result<Running, StartFailure> {
        let refused = |message: String| StartFailure { message, retryable: false };
        let log = log_streams::create_log(&spec.log)
            .map_err(|e| refused(format!("could not create the log file {}: {e}", spec.log.display())))?;
        let mut child = self
            .spawner
            .spawn(&spec.command, &spec.dir, &spec.env, log)
            .await
            .map_err(|e| refused(format!("could not start the command in {}: {e}", spec.dir.display())))?;
        let relay = child.stderr.take().and_then(|pipe| pipe.into_owned_fd().ok()).map(|fd| {
            let log = spec.log.clone();
            tokio::task::spawn_blocking(move || {
                if let Err(e) = log_streams::relay(std::fs::File::from(fd), &log) {
                    tracing::warn!(log = %log.display(), error = %e, "could not copy a job's stderr into its log");
                }
            })
        });
        let Some(pgid) = child.id() else {
            return Err(StartFailure { message: "the command vanished".into(), retryable: true });
        };
        Ok(Running { child, pgid, mark: process::mark_of(pgid), relay })
    }
}

fn exit_of(status: ExitStatus) -> AttemptExit {
    match (status.code(), status.signal()) {
        (Some(code), _) => AttemptExit::Code(code),
        (None, Some(signal)) => AttemptExit::Signal(signal),
        (None, None) => AttemptExit::Lost(format!("ended with status {status}")),
    }
}

impl Running {
    /// The group and its leader's start time, recorded so a restart can find it.
    pub fn mark(&self) -> Option<GroupMark> {
        self.mark
    }

    pub async fn wait(&mut self) -> std::io::Result<AttemptExit> {
        let status = self.child.wait().await?;
        // The leader is done; whatever it left running in its group goes too.
        process::signal_group(self.pgid, Signal::SIGKILL);
        self.drain().await;
        Ok(exit_of(status))
    }

    pub async fn kill(&mut self) -> std::io::Result<AttemptExit> {
        let exit = process::terminate(&mut self.child, self.pgid).await.map(exit_of);
        self.drain().await;
        exit
    }

    /// Waits until the job's last stderr is in its log, so that a finished attempt's log is
    /// whole when its end is recorded.
    async fn drain(&mut self) {
        if let Some(relay) = self.relay.take()
            && tokio::time::timeout(RELAY_DRAIN, relay).await.is_err()
        {
            tracing::warn!(pgid = self.pgid, "a job's stderr is still open after its group ended");
        }
    }
}
