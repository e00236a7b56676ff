//! Attempts in words: how each one ended (exit code, or the signal by name) and its badge.
//! The job report's table and the build report's timeline both say it this way.

use kiln_api::build2::{Attempt, JobStatus};

use crate::components::status_badge::{BadgeLook, job_look};

/// The conventional name of a POSIX signal number (Linux numbering), such as `SIGTERM`.
pub fn signal_name(number: i32) -> Option<&'static str> {
    const NAMES: [&str; 31] = [
        "SIGHUP",
        "SIGINT",
        "SIGQUIT",
        "SIGILL",
        "SIGTRAP",
        "SIGABRT",
        "SIGBUS",
        "SIGFPE",
        "SIGKILL",
        "SIGUSR1",
        "SIGSEGV",
        "SIGUSR2",
        "SIGPIPE",
        "SIGALRM",
        "SIGTERM",
        "SIGSTKFLT",
        "SIGCHLD",
        "SIGCONT",
        "SIGSTOP",
        "SIGTSTP",
        "SIGTTIN",
        "SIGTTOU",
        "SIGURG",
        "SIGXCPU",
        "SIGXFSZ",
        "SIGVTALRM",
        "SIGPROF",
        "SIGWINCH",
        "SIGIO",
        "SIGPWR",
        "SIGSYS",
    ];
    usize::try_from(number).ok().and_then(|n| n.checked_sub(1)).and_then(|i| NAMES.get(i).copied())
}

/// How an attempt ended, in a few words: "exit code 1", "killed by SIGTERM (15)".
pub fn ending(attempt: &Attempt) -> String {
    match (attempt.finished_time, attempt.signal, attempt.exit_code) {
        (_, Some(signal), _) => match signal_name(signal) {
            Some(name) => format!("killed by {name} ({signal})"),
            None => format!("killed by signal {signal}"),
        },
        (_, None, Some(code)) => format!("exit code {code}"),
        (None, None, None) if attempt.started_time.is_some() => "running".to_owned(),
        (None, None, None) => "not started".to_owned(),
        (Some(_), None, None) => "ended without an exit code".to_owned(),
    }
}

/// The badge of one attempt: running, succeeded, killed or failed.
pub fn attempt_look(attempt: &Attempt) -> BadgeLook {
    if attempt.finished_time.is_none() && attempt.exit_code.is_none() && attempt.signal.is_none() {
        return job_look(JobStatus::Running);
    }
    if attempt.signal.is_some() {
        return BadgeLook { label: "Killed", class: "badge-canceled" };
    }
    if attempt.exit_code == Some(0) && attempt.error.is_none() {
        return job_look(JobStatus::Succeeded);
    }
    job_look(JobStatus::Failed)
}
