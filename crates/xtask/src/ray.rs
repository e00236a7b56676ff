//! The Ray executor tests' cluster: a one-node Ray head on loopback from the pinned venv
//! (`target/ray-venv`), started for the step and stopped with `ray stop` when dropped, so
//! also when the tests fail.

use std::net::SocketAddr;
use std::thread;
use std::time::{Duration, Instant};

use crate::error::{Error, Result};
use crate::proc::{self, Env};
use crate::server;
use crate::setup::RAY_VENV;

/// How long a fresh head may take until its Jobs API answers (about 10 s on this machine).
const HEAD_DEADLINE: Duration = Duration::from_secs(180);

/// A running Ray head.
#[derive(Debug)]
pub struct RayHead {
    stop: std::process::Command,
    /// The dashboard (Jobs REST API), `http://127.0.0.1:<port>`.
    pub address: String,
}

impl RayHead {
    /// `ray start --head` with the dashboard on a free loopback port, then waits for its
    /// Jobs API.
    pub fn start(env: &Env) -> Result<RayHead> {
        let step = "ray start --head";
        let ray = RAY_VENV.bin(env, "ray");
        let dashboard = server::free_port(Some(8265))?;
        let gcs = server::free_port(Some(6379))?;
        let mut start = env.cmd(&ray);
        start
            .args(["start", "--head", "--dashboard-host", "127.0.0.1", "--num-cpus", "2", "--disable-usage-stats"])
            .arg(format!("--dashboard-port={dashboard}"))
            .arg(format!("--port={gcs}"))
            .env("RAY_USAGE_STATS_ENABLED", "0");
        let mut stop = env.cmd(&ray);
        stop.arg("stop").env("RAY_USAGE_STATS_ENABLED", "0");
        // From here on the head may exist: dropping the guard stops it.
        let head = RayHead { stop, address: format!("http://127.0.0.1:{dashboard}") };
        proc::run(step, &mut start)?;
        let addr = SocketAddr::from(([127, 0, 0, 1], dashboard));
        let began = Instant::now();
        while !server::get_ok(addr, "/api/version") {
            if began.elapsed() > HEAD_DEADLINE {
                return Err(Error::StillMissing {
                    tool: "Ray head".into(),
                    detail: format!("its Jobs API at {} did not answer in {} s", head.address, HEAD_DEADLINE.as_secs()),
                });
            }
            thread::sleep(Duration::from_millis(250));
        }
        println!("    Ray head up at {} after {}", head.address, proc::secs(began.elapsed()));
        Ok(head)
    }
}

impl Drop for RayHead {
    fn drop(&mut self) {
        println!("    $ ray stop");
        match self.stop.status() {
            Ok(s) if s.success() => {}
            Ok(s) => eprintln!("    ray stop exited with {s}"),
            Err(e) => eprintln!("    could not run ray stop: {e}"),
        }
    }
}

/// The Ray executor tests (`crates/kiln-server/tests/ray/`) against a fresh head.
pub fn tests(env: &Env) -> Result<()> {
    let head = RayHead::start(env)?;
    // `bench_` tests are the benchmark of BENCHMARKS.md, not checks.
    let mut cmd = env.cargo([
        "test",
        "-p",
        "kiln-server",
        "--test",
        "ray",
        "--",
        "--ignored",
        "--skip",
        "bench_",
        "--test-threads",
        "2",
    ]);
    cmd.env("KILN_RAY_ADDRESS", &head.address);
    let result = proc::run("Ray executor tests", &mut cmd);
    drop(head);
    result
}
