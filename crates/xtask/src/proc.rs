//! Running programs: the repository root, the PATH every tool sees, and named steps that
//! stop at the first failure.

use std::env;
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};

/// Where things are, and the environment every child process gets.
#[derive(Debug)]
pub struct Env {
    /// The repository root (the workspace and the console crate).
    pub root: PathBuf,
    /// Cargo's target directory.
    pub target: PathBuf,
    /// `<root>/node_modules/.bin`, then Cargo's bin directory, then the inherited PATH.
    path: OsString,
    /// The cargo that runs us, so children use the same toolchain.
    cargo: OsString,
}

impl Env {
    /// Finds the repository from this crate's location and builds the tool PATH.
    pub fn detect() -> Result<Self> {
        let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
        let root =
            manifest_dir.join("../..").canonicalize().map_err(|e| Error::io("finding the repository root", e))?;
        let target = env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .map(|t| if t.is_absolute() { t } else { root.join(t) })
            .unwrap_or_else(|| root.join("target"));
        let cargo_home = env::var_os("CARGO_HOME")
            .map(PathBuf::from)
            .or_else(|| env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")));
        let mut dirs = vec![root.join("node_modules/.bin")];
        dirs.extend(cargo_home.map(|h| h.join("bin")));
        dirs.extend(env::split_paths(&env::var_os("PATH").unwrap_or_default()));
        let path = env::join_paths(dirs).map_err(|e| Error::io("building PATH", std::io::Error::other(e)))?;
        let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        Ok(Env { root, target, path, cargo })
    }

    /// A command run from the repository root with the tool PATH.
    pub fn cmd(&self, program: impl AsRef<OsStr>) -> Command {
        let mut cmd = Command::new(program);
        cmd.current_dir(&self.root).env("PATH", &self.path);
        cmd
    }

    /// `cargo` with the given arguments.
    pub fn cargo<I, S>(&self, args: I) -> Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut cmd = self.cmd(&self.cargo);
        cmd.args(args);
        cmd
    }

    /// The Trunk output folder.
    pub fn dist(&self) -> PathBuf {
        self.root.join("dist")
    }

    /// The debug `kiln-server` binary that [`crate::checks::build_server`] produces.
    pub fn server_bin(&self) -> PathBuf {
        self.target.join("debug/kiln-server")
    }
}

/// Shows a command the way a shell user would type it.
pub fn display(cmd: &Command) -> String {
    let program = Path::new(cmd.get_program());
    // The cargo that runs us has a long toolchain path; `cargo` says the same.
    let mut out = if program.file_name().is_some_and(|n| n == "cargo") {
        "cargo".to_owned()
    } else {
        program.to_string_lossy().into_owned()
    };
    for arg in cmd.get_args() {
        let arg = arg.to_string_lossy();
        out.push(' ');
        if arg.is_empty() || arg.contains(char::is_whitespace) {
            out.push_str(&format!("'{arg}'"));
        } else {
            out.push_str(&arg);
        }
    }
    out
}

/// Runs a command with inherited stdio; a non-zero exit fails `step`.
pub fn run(step: &str, cmd: &mut Command) -> Result<()> {
    let shown = display(cmd);
    println!("    $ {shown}");
    let status = cmd
        .status()
        .map_err(|source| Error::Spawn { program: cmd.get_program().to_string_lossy().into_owned(), source })?;
    if status.success() { Ok(()) } else { Err(Error::StepFailed { step: step.to_owned(), command: shown, status }) }
}

/// Runs a probe such as `tool --version`: its trimmed stdout when it starts and succeeds,
/// `None` otherwise (not installed, or broken).
pub fn probe(cmd: &mut Command) -> Option<String> {
    let out = cmd.stdin(Stdio::null()).stderr(Stdio::null()).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// Runs named steps in order, timing each, and says which one failed.
#[derive(Debug)]
pub struct Steps {
    started: Instant,
    total: usize,
    done: Vec<(String, Duration)>,
    /// The folder whose disk each step's line reports: a full run writes several GB there, and
    /// a disk that fills shows up only as a compiler's "IO failure" otherwise.
    disk: PathBuf,
}

impl Steps {
    /// A run of `total` steps that writes into `disk` (the target directory).
    pub fn new(total: usize, disk: &Path) -> Self {
        Steps { started: Instant::now(), total, done: Vec::new(), disk: disk.to_owned() }
    }

    /// Runs one step; on failure prints which step failed and returns the error.
    pub fn run(&mut self, name: &str, step: impl FnOnce() -> Result<()>) -> Result<()> {
        let n = self.done.len() + 1;
        println!("\n==> [{n}/{}] {name}{}", self.total, free_disk_note(&self.disk));
        let start = Instant::now();
        let result = step();
        let (took, disk) = (start.elapsed(), free_disk_note(&self.disk));
        match result {
            Ok(()) => {
                println!("==> [{n}/{}] {name}: ok in {}{disk}", self.total, secs(took));
                self.done.push((name.to_owned(), took));
                Ok(())
            }
            Err(e) => {
                eprintln!("\n==> [{n}/{}] {name}: FAILED after {}{disk}", self.total, secs(took));
                Err(e)
            }
        }
    }

    /// Prints every step's time and the total.
    pub fn summary(&self) {
        println!("\n==> all {} steps passed:", self.done.len());
        for (name, took) in &self.done {
            println!("    {:>8}  {name}", secs(*took));
        }
        println!("    {:>8}  total", secs(self.started.elapsed()));
    }
}

/// ` (12.3 GB free)` for the disk holding `dir`, read with POSIX `df -Pk`; empty when `df`
/// is missing or says something else, since the note only helps read a failure.
fn free_disk_note(dir: &Path) -> String {
    let Some(out) = probe(Command::new("df").arg("-Pk").arg(dir)) else { return String::new() };
    // The second line's fourth column is the space available, in KiB.
    let free_kib = out.lines().nth(1).and_then(|line| line.split_whitespace().nth(3)?.parse::<u64>().ok());
    match free_kib {
        Some(kib) => format!(" ({:.1} GB free)", kib as f64 * 1024.0 / 1e9),
        None => String::new(),
    }
}

/// A duration as `12.3s`.
pub fn secs(d: Duration) -> String {
    format!("{:.1}s", d.as_secs_f64())
}
