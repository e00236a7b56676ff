//! Starting a job's command as a process-group leader, ending the whole group, and
//! finding the groups a dead server left behind.
//!
//! Two guards keep a job from outliving its server:
//! - the direct child gets `PR_SET_PDEATHSIG(SIGKILL)`, so the kernel kills it when the
//!   thread that forked it exits. That is a *thread*, not the process: tokio's blocking
//!   pool retires idle threads, so every child is forked from one long-lived thread of
//!   its own ([`Spawner`]), which lives as long as the server does;
//! - the group and its leader's start time are recorded in the store as soon as it is
//!   spawned, and the next start kills every recorded group that is still alive and
//!   really ours ([`kill_leftovers`]), which also reaches grandchildren that the first
//!   guard cannot.

use std::path::Path;
use std::process::Stdio;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use tokio::process::{Child, Command};
use tokio::sync::oneshot;

/// How long a group gets between SIGTERM and SIGKILL.
const KILL_GRACE: Duration = Duration::from_secs(5);

/// What identifies a process group after a crash: its id and its leader's start time
/// (field 22 of `/proc/<pid>/stat`, clock ticks after boot), which a reused pid cannot
/// have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GroupMark {
    pub pgid: u32,
    pub started: u64,
}

type SpawnRequest = (Command, oneshot::Sender<std::io::Result<Child>>);

/// One long-lived thread that forks every job, so that `PR_SET_PDEATHSIG` fires when the
/// server goes and not when some pool thread retires.
#[derive(Debug)]
pub struct Spawner {
    requests: mpsc::Sender<SpawnRequest>,
}

impl Spawner {
    /// Starts the thread; it needs the runtime's handle to register children with it.
    pub fn start() -> std::io::Result<Spawner> {
        let handle = tokio::runtime::Handle::current();
        let (tx, rx) = mpsc::channel::<SpawnRequest>();
        std::thread::Builder::new().name("kiln-spawner".into()).spawn(move || {
            let _runtime = handle.enter();
            // Ends when the executor (and so the sender) is dropped.
            for (mut cmd, reply) in rx {
                let _ = reply.send(cmd.spawn());
            }
        })?;
        Ok(Spawner { requests: tx })
    }

    /// Spawns `sh -c <command>` as the leader of a new process group, so that one signal to
    /// the group reaches its children and grandchildren too. Its stdout goes to `stdout`;
    /// its stderr is a pipe, the child's `stderr`, for the caller to relay.
    pub async fn spawn(
        &self,
        command: &str,
        dir: &Path,
        env: &[(String, String)],
        stdout: std::fs::File,
    ) -> std::io::Result<Child> {
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg(command)
            .current_dir(dir)
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(Stdio::null())
            .stdout(Stdio::from(stdout))
            .stderr(Stdio::piped())
            .process_group(0)
            .kill_on_drop(false);
        die_with_parent(&mut cmd);
        let (tx, rx) = oneshot::channel();
        let gone = || std::io::Error::other("the spawner thread is gone");
        self.requests.send((cmd, tx)).map_err(|_| gone())?;
        rx.await.map_err(|_| gone())?
    }
}

/// Asks the kernel to SIGKILL the child when the forking thread exits.
#[allow(unsafe_code)]
fn die_with_parent(cmd: &mut Command) {
    let parent = Pid::this();
    // SAFETY: the closure runs in the forked child before exec, where only
    // async-signal-safe calls are allowed: it calls prctl(2) and getppid(2) and builds an
    // io::Error from a raw errno, none of which allocates or takes a lock.
    unsafe {
        cmd.pre_exec(move || {
            nix::sys::prctl::set_pdeathsig(Signal::SIGKILL).map_err(|e| std::io::Error::from_raw_os_error(e as i32))?;
            // The parent may have died between fork and prctl: then nobody would kill us.
            if nix::unistd::getppid() != parent {
                return Err(std::io::Error::from_raw_os_error(Errno::ESRCH as i32));
            }
            Ok(())
        });
    }
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

/// What `/proc/<pid>/stat` says about a process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stat {
    pgrp: u32,
    started: u64,
    /// Dead and waiting for its parent to reap it: it cannot run or write any more.
    zombie: bool,
}

fn read_stat(pid: u32) -> Option<Stat> {
    parse_stat(&std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
}

/// Fields after the command name, which sits in parentheses and may hold anything,
/// including spaces and `)`: so split after the last `)`.
fn parse_stat(text: &str) -> Option<Stat> {
    let rest = &text[text.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // rest starts at field 3 (state): pgrp is field 5, starttime field 22.
    Some(Stat {
        pgrp: fields.get(2)?.parse().ok()?,
        started: fields.get(19)?.parse().ok()?,
        zombie: *fields.first()? == "Z",
    })
}

/// The mark of a freshly spawned leader, for the store.
pub fn mark_of(pid: u32) -> Option<GroupMark> {
    read_stat(pid).map(|s| GroupMark { pgid: pid, started: s.started })
}

/// One attempt a dead server left running: its job and attempt number (which every
/// process of the job carries as `KILN_JOB_RID` and `KILN_ATTEMPT`), and its recorded group.
#[derive(Debug, Clone)]
pub struct Leftover {
    pub job_rid: String,
    pub attempt: u32,
    pub mark: Option<GroupMark>,
}

/// Whether `pid` carries the attempt's marker in its environment.
fn carries(pid: u32, markers: &[Vec<u8>; 2]) -> bool {
    let Ok(environ) = std::fs::read(format!("/proc/{pid}/environ")) else { return false };
    markers.iter().all(|m| environ.split(|&b| b == 0).any(|var| var == m.as_slice()))
}

fn all_pids() -> Vec<u32> {
    let Ok(dir) = std::fs::read_dir("/proc") else { return Vec::new() };
    dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok()).collect()
}

/// Kills every process group of `leftovers` that is still alive and really ours, and waits
/// (up to a few seconds) until its processes are gone. A group is ours when its recorded
/// leader is alive with the recorded start time, or when any process carries the attempt's
/// `KILN_JOB_RID`/`KILN_ATTEMPT` (that also finds a group whose leader has exited, or one
/// spawned just before a crash and never recorded). Returns how many groups it killed.
pub fn kill_leftovers(leftovers: &[Leftover]) -> usize {
    if leftovers.is_empty() {
        return 0;
    }
    let mut groups: Vec<u32> = Vec::new();
    let pids = all_pids();
    for l in leftovers {
        if let Some(mark) = l.mark
            && read_stat(mark.pgid).is_some_and(|s| s.started == mark.started && s.pgrp == mark.pgid && !s.zombie)
        {
            groups.push(mark.pgid);
        }
        let markers =
            [format!("KILN_JOB_RID={}", l.job_rid).into_bytes(), format!("KILN_ATTEMPT={}", l.attempt).into_bytes()];
        for &pid in &pids {
            if carries(pid, &markers)
                && let Some(stat) = read_stat(pid)
            {
                groups.push(stat.pgrp);
            }
        }
    }
    groups.sort_unstable();
    groups.dedup();
    for &pgid in &groups {
        tracing::warn!(pgid, "killing the process group of a job a previous run left running");
        signal_group(pgid, Signal::SIGKILL);
    }
    // SIGKILL is asynchronous: wait until no process of those groups is left, so that none
    // of them writes anything after the server has started.
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        let alive = all_pids().into_iter().filter_map(read_stat).any(|s| !s.zombie && groups.contains(&s.pgrp));
        if !alive {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    groups.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_fields_after_a_tricky_command_name() {
        let text = "1234 (a) b (c)) S 1 1234 1234 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 987654 1000 10";
        assert_eq!(parse_stat(text), Some(Stat { pgrp: 1234, started: 987654, zombie: false }));
        assert_eq!(parse_stat("garbage"), None);
    }

    #[test]
    fn this_process_has_a_start_time() {
        let me = std::process::id();
        let stat = read_stat(me).expect("our own stat");
        assert!(stat.started > 0);
    }
}
