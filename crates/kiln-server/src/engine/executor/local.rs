//! The local executor: each attempt is a process group on this machine, its stdout and
//! stderr written straight into the attempt's log file.

use std::os::unix::process::ExitStatusExt;
use std::process::ExitStatus;

use nix::sys::signal::Signal;
use tokio::process::Child;

use super::{AttemptExit, AttemptSpec, StartFailure};
use crate::engine::process::{self, GroupMark, Spawner};

#[derive(Debug)]
pub struct Local {
    spawner: Spawner,
}

#[derive(Debug)]
pub struct Running {
    child: Child,
    pgid: u32,
    mark: Option<GroupMark>,
}

impl Local {
    pub fn new() -> std::io::Result<Local> {
        Ok(Local { spawner: Spawner::start()? })
    }

    pub async fn start(&self, spec: &AttemptSpec) -> Result<Running, StartFailure> {
        let refused = |message: String| StartFailure { message, retryable: false };
        let log = std::fs::File::create(&spec.log)
            .map_err(|e| refused(format!("could not create the log file {}: {e}", spec.log.display())))?;
        let child = self
            .spawner
            .spawn(&spec.command, &spec.dir, &spec.env, log)
            .await
            .map_err(|e| refused(format!("could not start the command in {}: {e}", spec.dir.display())))?;
        let Some(pgid) = child.id() else {
            return Err(StartFailure { message: "the command vanished".into(), retryable: true });
        };
        Ok(Running { child, pgid, mark: process::mark_of(pgid) })
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
        Ok(exit_of(status))
    }

    pub async fn kill(&mut self) -> std::io::Result<AttemptExit> {
        process::terminate(&mut self.child, self.pgid).await.map(exit_of)
    }
}
