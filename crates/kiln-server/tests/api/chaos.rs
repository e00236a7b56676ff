//! The chaos test: the real binary is killed with SIGKILL mid-build, at random moments,
//! `KILN_CHAOS_KILLS` times (10 by default; the benchmark in BENCHMARKS.md runs 100),
//! restarting it each time. Afterwards: no build lost, none left RUNNING, none missing from
//! the team's list, no process of a dead server's job alive after the restart, and SQLite's
//! `integrity_check` says ok. `KILN_CHAOS_SEED` replays a run (the seed is printed).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use kiln_api::Rid;
use kiln_api::build2::BuildStatus;
use serde_json::{Value, json};

use crate::helpers;

/// Jobs that are busy for a while, with grandchildren (`sleep` under `sh`), so that a kill
/// lands mid-build and PDEATHSIG alone (which reaches only the shell) would leave orphans.
const PIPELINE: &str = r#"
[[job_specs]]
name = "first"
outputs = ["chaos/first"]
dir = "work"
command = "sleep 0.3; echo one > $KILN_OUTPUT_0/x"

[[job_specs]]
name = "second"
inputs = ["chaos/first"]
outputs = ["chaos/second"]
dir = "work"
command = "sleep 0.4; cat $KILN_INPUT_0/x > $KILN_OUTPUT_0/x"

[[job_specs]]
name = "slow"
outputs = ["chaos/slow"]
dir = "work"
command = "sleep 2 & wait; echo slow > $KILN_OUTPUT_0/x"
"#;

/// xorshift64*: enough randomness for timings, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn env_number(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

/// Starts the binary and returns it with its base URL once it listens.
async fn start_server(data: &Path, pipeline: &Path) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kiln-server"))
        .args(["--addr", "127.0.0.1:0", "--ui-dir", "none", "--workers", "3"])
        .arg("--data-dir")
        .arg(data)
        .arg("--pipeline")
        .arg(pipeline)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the binary");
    let stdout = child.stdout.take().expect("stdout");
    let line = tokio::time::timeout(
        helpers::DEADLINE,
        tokio::task::spawn_blocking(move || {
            let mut line = String::new();
            BufReader::new(stdout).read_line(&mut line).map(|_| line)
        }),
    )
    .await
    .expect("the server listens in time")
    .expect("join")
    .expect("the listening line");
    let base = line.trim().strip_prefix("kiln-server listening on ").expect("listening line").to_owned();
    (child, base)
}

/// Live (not zombie) processes whose working folder is `dir`: jobs of this test.
fn processes_in(dir: &Path) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else { return Vec::new() };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| std::fs::read_link(format!("/proc/{pid}/cwd")).is_ok_and(|cwd| cwd == dir))
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .is_ok_and(|s| s.rsplit(')').next().is_some_and(|rest| !rest.trim_start().starts_with('Z')))
        })
        .collect()
}

fn integrity(db: &Path) -> String {
    let conn = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .expect("open the database");
    conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).expect("integrity_check")
}

#[tokio::test]
async fn kill_9_mid_build_loses_nothing_and_leaves_no_orphans() {
    let kills = env_number("KILN_CHAOS_KILLS").unwrap_or(10);
    let seed = env_number("KILN_CHAOS_SEED").unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(1, |d| d.as_nanos() as u64) | 1
    });
    println!("chaos: {kills} kills, KILN_CHAOS_SEED={seed}");
    let mut rng = Rng(seed);
    let dir = tempfile::tempdir().expect("temp dir");
    let project = dir.path().join("project");
    helpers::write_files(&project, &[("pipeline.toml", PIPELINE), ("work/.keep", "")]);
    let work: PathBuf = project.join("work").canonicalize().expect("work dir");
    let pipeline = project.join("pipeline.toml");
    let data = dir.path().join("data");
    let client = reqwest::Client::new();
    let began = Instant::now();

    let mut submitted: Vec<Rid> = Vec::new();
    let mut survivors_until_restart = 0;
    let (mut child, mut base) = start_server(&data, &pipeline).await;
    for kill in 0..kills {
        for _ in 0..2 {
            let body = helpers::datasets_body(&["chaos/second", "chaos/slow"], json!({"forceBuild": true}));
            let r: kiln_api::build2::SubmitBuildResponse = client
                .post(format!("{base}/build2/api/manager/submitBuild"))
                .json(&body)
                .send()
                .await
                .expect("submit")
                .json()
                .await
                .expect("a submit response");
            submitted.push(r.build_rid);
        }
        // Somewhere between "just submitted" and "the chain is done, the slow job is not".
        tokio::time::sleep(Duration::from_millis(rng.below(1500))).await;
        child.kill().expect("kill -9 the server");
        child.wait().expect("reap the server");
        survivors_until_restart += processes_in(&work).len();

        (child, base) = start_server(&data, &pipeline).await;
        let orphans = processes_in(&work);
        assert!(
            orphans.is_empty(),
            "kill {}: processes of the dead server's jobs after the restart: {orphans:?}",
            kill + 1
        );
        assert_eq!(integrity(&data.join("kiln.sqlite3")), "ok", "after kill {}", kill + 1);
    }

    // Every build is there, finished, and listed.
    let mut run_ids = Vec::new();
    for rid in &submitted {
        let r = client.get(format!("{base}/build2/api/info/builds2/{rid}")).send().await.expect("GET");
        assert_eq!(r.status(), 200, "build {rid} was lost");
        let b: kiln_api::build2::BuildReport = r.json().await.expect("a build report");
        assert!(b.status.is_terminal(), "build {rid} left {:?}", b.status);
        assert!(b.status != BuildStatus::Running);
        run_ids.push(b.run_id);
    }
    let mut listed = Vec::new();
    let mut before: Option<String> = None;
    loop {
        let mut url = format!("{base}/api/v1/teams/default/builds?limit=100");
        if let Some(b) = &before {
            url.push_str(&format!("&cursor={b}"));
        }
        let page: Value = client.get(url).send().await.expect("GET").json().await.expect("JSON");
        for b in page["builds"].as_array().expect("builds") {
            listed.push(b["runId"].as_u64().expect("runId"));
            assert_ne!(b["status"]["state"], "running", "{b}");
        }
        match page["nextCursor"].as_str() {
            Some(t) => before = Some(t.to_owned()),
            None => break,
        }
    }
    for id in &run_ids {
        assert!(listed.contains(id), "build {id} is missing from the team's list");
    }
    assert_eq!(integrity(&data.join("kiln.sqlite3")), "ok");
    child.kill().expect("stop the server");
    child.wait().expect("reap the server");
    println!(
        "chaos: {kills} kills in {:.1} s: {} builds recorded, 0 lost, 0 left RUNNING, 0 missing from the list, \
         0 job processes alive after a restart ({survivors_until_restart} seen between a kill and its restart), \
         integrity_check ok",
        began.elapsed().as_secs_f64(),
        submitted.len()
    );
}
