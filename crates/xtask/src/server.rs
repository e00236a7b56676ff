//! Starting a throw-away `kiln-server` for the test steps: a free loopback port, a fresh data
//! directory, a log file, a health-check deadline, and a kill when it is dropped.

use std::fs::{self, File};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::error::{Error, Result};
use crate::proc::Env;

/// How long a fresh server may take to answer `/api/v1/health`.
const HEALTH_DEADLINE: Duration = Duration::from_secs(60);

/// A loopback port that is free right now: `preferred` if it is, else one the OS picks.
///
/// A stable port keeps values baked into test binaries the same between runs, so a warm run
/// does not recompile them.
pub fn free_port(preferred: Option<u16>) -> Result<u16> {
    if let Some(port) = preferred
        && TcpListener::bind(("127.0.0.1", port)).is_ok()
    {
        return Ok(port);
    }
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| Error::io("finding a free port", e))?;
    let addr = listener.local_addr().map_err(|e| Error::io("finding a free port", e))?;
    Ok(addr.port())
}

/// What to start the server with.
#[derive(Debug, Default)]
pub struct ServerOptions {
    /// Port to listen on (on 127.0.0.1); `None` picks a free one.
    pub port: Option<u16>,
    /// `--pipeline FILE`; `None` uses the embedded demo pipeline.
    pub pipeline: Option<PathBuf>,
    /// `--ui-dir DIR`; `None` leaves the server's default.
    pub ui_dir: Option<PathBuf>,
    /// One `--cors-origin` per entry.
    pub cors_origins: Vec<String>,
}

/// A running `kiln-server`, killed and its data directory removed when dropped.
#[derive(Debug)]
pub struct TestServer {
    child: Child,
    /// `http://127.0.0.1:<port>`, without a trailing slash.
    pub url: String,
    data_dir: PathBuf,
    log: PathBuf,
}

impl TestServer {
    /// Starts `bin` and waits until `/api/v1/health` answers 200.
    pub fn start(env: &Env, bin: &Path, opts: ServerOptions) -> Result<Self> {
        let port = match opts.port {
            Some(port) => port,
            None => free_port(None)?,
        };
        let stamp = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or_default();
        let data_dir = std::env::temp_dir().join(format!("kiln-xtask-{}-{stamp}", std::process::id()));
        fs::create_dir_all(&data_dir).map_err(|e| Error::io(format!("creating {}", data_dir.display()), e))?;
        let log_dir = env.target.join("xtask");
        fs::create_dir_all(&log_dir).map_err(|e| Error::io(format!("creating {}", log_dir.display()), e))?;
        let log = log_dir.join(format!("kiln-server-{port}.log"));
        let out = File::create(&log).map_err(|e| Error::io(format!("creating {}", log.display()), e))?;
        let err = out.try_clone().map_err(|e| Error::io(format!("opening {}", log.display()), e))?;

        let mut cmd = env.cmd(bin);
        cmd.arg("--addr").arg(format!("127.0.0.1:{port}")).arg("--data-dir").arg(&data_dir);
        if let Some(pipeline) = &opts.pipeline {
            cmd.arg("--pipeline").arg(pipeline);
        }
        if let Some(ui_dir) = &opts.ui_dir {
            cmd.arg("--ui-dir").arg(ui_dir);
        }
        for origin in &opts.cors_origins {
            cmd.arg("--cors-origin").arg(origin);
        }
        cmd.stdin(Stdio::null()).stdout(out).stderr(err);
        println!("    $ {}  (log: {})", crate::proc::display(&cmd), log.display());
        let child = cmd.spawn().map_err(|source| Error::Spawn { program: bin.display().to_string(), source })?;
        let mut server = TestServer { child, url: format!("http://127.0.0.1:{port}"), data_dir, log };
        server.wait_healthy(SocketAddr::from(([127, 0, 0, 1], port)))?;
        println!("    kiln-server is healthy at {}", server.url);
        Ok(server)
    }

    fn wait_healthy(&mut self, addr: SocketAddr) -> Result<()> {
        let start = Instant::now();
        while start.elapsed() < HEALTH_DEADLINE {
            if let Ok(Some(status)) = self.child.try_wait() {
                print_tail(&self.log);
                return Err(Error::ServerExited { status, log: self.log.clone() });
            }
            if health_ok(addr) {
                return Ok(());
            }
            thread::sleep(Duration::from_millis(100));
        }
        print_tail(&self.log);
        Err(Error::ServerUnhealthy {
            url: format!("{}/api/v1/health", self.url),
            waited: HEALTH_DEADLINE,
            log: self.log.clone(),
        })
    }

    /// Prints the end of the server's log (for a failed step).
    pub fn print_log_tail(&self) {
        print_tail(&self.log);
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        // SIGKILL: a throw-away server with a throw-away data dir needs no graceful shutdown.
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = fs::remove_dir_all(&self.data_dir);
    }
}

/// One HTTP/1.1 exchange over a plain socket (xtask has no HTTP client): the status and
/// the body.
fn exchange(addr: SocketAddr, method: &str, path: &str, body: &str) -> std::io::Result<(u16, String)> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes())?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let status = response.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    // Small JSON answers: the body is everything after the head (answers here are not chunked
    // apart from that framing, which a substring search does not mind).
    let body = response.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default();
    Ok((status, body))
}

impl TestServer {
    fn addr(&self) -> Result<SocketAddr> {
        let hostport = self.url.trim_start_matches("http://");
        hostport.parse().map_err(|e| Error::io(format!("parsing {hostport}"), std::io::Error::other(e)))
    }

    /// Submits a build of `dataset` (found by name in the catalog) and waits until it is no
    /// longer running, so that the server has a finished build, its jobs and their logs.
    pub fn seed_build(&self, dataset: &str) -> Result<()> {
        let addr = self.addr()?;
        let fail =
            |what: String| Error::io(format!("seeding a build: {what}"), std::io::Error::other("unexpected answer"));
        let (_, catalog) = exchange(addr, "GET", &format!("/api/v1/catalog/datasets?q={dataset}"), "")
            .map_err(|e| Error::io("seeding a build: the catalog", e))?;
        let rid = catalog
            .split("\"rid\":\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .ok_or_else(|| fail(format!("no dataset {dataset} in {catalog}")))?
            .to_owned();
        let body = format!(
            "{{\"jobSpecSelections\":[{{\"type\":\"datasets\",\"datasets\":{{\"datasetRids\":[\"{rid}\"],\"isRequired\":true}}}}]}}"
        );
        let (status, answer) = exchange(addr, "POST", "/build2/api/manager/submitBuild", &body)
            .map_err(|e| Error::io("seeding a build: submitBuild", e))?;
        if status != 200 {
            return Err(fail(format!("submitBuild answered {status}: {answer}")));
        }
        let start = Instant::now();
        while start.elapsed() < HEALTH_DEADLINE {
            let (_, build) = exchange(addr, "GET", "/api/v1/teams/default/builds/1", "")
                .map_err(|e| Error::io("seeding a build: its state", e))?;
            if !build.contains("\"state\":\"running\"") && !build.contains("\"state\":\"queued\"") {
                return Ok(());
            }
            thread::sleep(Duration::from_millis(200));
        }
        Err(fail(format!("the build did not finish within {HEALTH_DEADLINE:?}")))
    }
}

/// One `GET /api/v1/health` over a plain socket; true on a 200.
fn health_ok(addr: SocketAddr) -> bool {
    get_ok(addr, "/api/v1/health")
}

/// One `GET path` over a plain socket; true on a 200.
pub fn get_ok(addr: SocketAddr, path: &str) -> bool {
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_secs(1)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut head = [0u8; 16];
    let mut read = 0;
    while read < head.len() {
        match stream.read(&mut head[read..]) {
            Ok(0) | Err(_) => break,
            Ok(n) => read += n,
        }
    }
    let status_line = String::from_utf8_lossy(&head[..read]);
    status_line.starts_with("HTTP/1.1 200") || status_line.starts_with("HTTP/1.0 200")
}

fn print_tail(log: &Path) {
    let text = fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    let from = lines.len().saturating_sub(40);
    eprintln!("---- last lines of {} ----", log.display());
    for line in &lines[from..] {
        eprintln!("{line}");
    }
    eprintln!("---- end of log ----");
}
