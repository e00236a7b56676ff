//! Starting a job's command as a process-group leader, and ending the whole group.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use nix::errno::Errno;
use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use tokio::process::{Child, Command};

/// How long a group gets between SIGTERM and SIGKILL.
const KILL_GRACE: Duration = Duration::from_secs(5);

/// Spawns `sh -c <command>` as the leader of a new process group, so that one signal to
/// the group reaches its children and grandchildren too.
pub fn spawn(command: &str, dir: &Path, env: &[(String, String)], log: std::fs::File) -> std::io::Result<Child> {
    let stderr = log.try_clone()?;
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(command)
        .current_dir(dir)
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdin(Stdio::null())
        .stdout(Stdio::from(log))
        .stderr(Stdio::from(stderr))
        .process_group(0)
        .kill_on_drop(false);
    cmd.spawn()
}

/// Sends `signal` to every process of the group; a group that is already gone is fine.
pub fn signal_group(pgid: u32, signal: Signal) {
    let Ok(raw) = i32::try_from(pgid) else { return };
    match killpg(Pid::from_raw(raw), signal) {
        Ok(()) | Err(Errno::ESRCH) => {}
        Err(e) => tracing::warn!(pgid, %signal, error = %e, "could not signal process group"),
    }
}

/// Ends a group: SIGTERM, then SIGKILL for whatever is left after the grace period.
/// Returns once the leader has exited.
pub async fn terminate(child: &mut Child, pgid: u32) -> std::io::Result<std::process::ExitStatus> {
    signal_group(pgid, Signal::SIGTERM);
    match tokio::time::timeout(KILL_GRACE, child.wait()).await {
        Ok(status) => {
            // Children that ignored SIGTERM while the leader obeyed still must go.
            signal_group(pgid, Signal::SIGKILL);
            status
        }
        Err(_) => {
            signal_group(pgid, Signal::SIGKILL);
            child.wait().await
        }
    }
}
