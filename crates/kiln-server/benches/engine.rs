//! Kiln server benchmarks: figures, each against a baseline measured in the same process.
//!
//! Run: `cargo bench -p kiln-server --bench engine` (results go in BENCHMARKS.md).
//! Plain `fn main` with `std::time::Instant`; no benchmark framework. Every loop is bounded
//! in count and in time, and the only sockets are on 127.0.0.1.
//!
//! 1. Lineage: `Pipeline::parse` and `lineage::resolve` over a generated lineage of 10,000
//!    job specs, against `toml` parsing alone and a plain stack walk over the same adjacency.
//! 2. Engine: submit → SUCCEEDED for a chain of N trivial jobs (`true`) through the real HTTP
//!    server, against spawning the same N `sh -c true` processes one after another.
//! 3. Store: read endpoints with 10,000 builds in the store, against `GET /api/v1/health`.

use std::error::Error;
use std::fmt::Write as _;
use std::future::Future;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use kiln_api::build2::JobSpecSelection;
use kiln_server::pipeline::{Pipeline, dataset_rid};
use kiln_server::{ServerConfig, lineage};
use serde_json::{Value, json};

type BenchResult<T> = Result<T, Box<dyn Error>>;

/// Datasets and job specs of the generated lineage (one output each).
const LINEAGE_SPECS: usize = 10_000;
/// Builds seeded into the store for the read benchmarks.
const SEED_BUILDS: usize = 10_000;
/// Longest chain of trivial jobs submitted through the server.
const CHAIN: usize = 20;

// ---------------------------------------------------------------------------------------
// Measuring
// ---------------------------------------------------------------------------------------

/// Timings of one measured operation, in order of measurement.
struct Sample {
    times: Vec<Duration>,
}

impl Sample {
    fn sorted(&self) -> Vec<Duration> {
        let mut t = self.times.clone();
        t.sort();
        t
    }

    fn median(&self) -> Duration {
        let t = self.sorted();
        t.get(t.len() / 2).copied().unwrap_or_default()
    }

    fn p95(&self) -> Duration {
        let t = self.sorted();
        if t.is_empty() {
            return Duration::ZERO;
        }
        t[((t.len() * 95) / 100).min(t.len() - 1)]
    }
}

/// Runs `f` until `max_iters` runs or `budget` elapsed (at least once), after one warm-up.
fn measure(max_iters: usize, budget: Duration, mut f: impl FnMut() -> BenchResult<()>) -> BenchResult<Sample> {
    f()?;
    let start = Instant::now();
    let mut times = Vec::new();
    while times.len() < max_iters && (times.is_empty() || start.elapsed() < budget) {
        let t = Instant::now();
        f()?;
        times.push(t.elapsed());
    }
    Ok(Sample { times })
}

/// The async twin of [`measure`].
async fn measure_async<F, Fut>(max_iters: usize, budget: Duration, mut f: F) -> BenchResult<Sample>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = BenchResult<()>>,
{
    f().await?;
    let start = Instant::now();
    let mut times = Vec::new();
    while times.len() < max_iters && (times.is_empty() || start.elapsed() < budget) {
        let t = Instant::now();
        f().await?;
        times.push(t.elapsed());
    }
    Ok(Sample { times })
}

fn fmt_d(d: Duration) -> String {
    let us = d.as_secs_f64() * 1e6;
    if us < 1_000.0 {
        format!("{us:.1} µs")
    } else if us < 1_000_000.0 {
        format!("{:.2} ms", us / 1_000.0)
    } else {
        format!("{:.2} s", us / 1_000_000.0)
    }
}

/// One printed table: rows of (name, sample, index of the row it is compared with).
struct Table {
    title: String,
    rows: Vec<(String, Sample, usize)>,
}

impl Table {
    fn new(title: &str) -> Self {
        Table { title: title.to_owned(), rows: Vec::new() }
    }

    /// Adds a row compared with the first row (the table's baseline).
    fn add(&mut self, name: impl Into<String>, sample: Sample) {
        self.add_vs(name, sample, 0);
    }

    /// Adds a row compared with row `base` (itself when `base` is its own index).
    fn add_vs(&mut self, name: impl Into<String>, sample: Sample, base: usize) {
        self.rows.push((name.into(), sample, base));
    }

    fn median_of(&self, row: usize) -> f64 {
        self.rows.get(row).map_or(0.0, |(_, s, _)| s.median().as_secs_f64())
    }

    fn print(&self) {
        let mut out = String::new();
        let _ = writeln!(out, "\n## {}\n", self.title);
        let _ = writeln!(out, "| measurement | runs | median | p95 | × baseline (median) |");
        let _ = writeln!(out, "|---|---:|---:|---:|---:|");
        for (i, (name, s, base)) in self.rows.iter().enumerate() {
            let base_median = self.median_of(*base);
            let ratio = if i == *base {
                "baseline".to_owned()
            } else if base_median > 0.0 {
                format!("{:.1}×", s.median().as_secs_f64() / base_median)
            } else {
                "n/a".to_owned()
            };
            let (runs, median, p95) = (s.times.len(), fmt_d(s.median()), fmt_d(s.p95()));
            let _ = writeln!(out, "| {name} | {runs} | {median} | {p95} | {ratio} |");
        }
        print!("{out}");
    }
}

// ---------------------------------------------------------------------------------------
// 1. Lineage
// ---------------------------------------------------------------------------------------

/// A deterministic pseudo-random sequence (64-bit LCG), so every run builds the same graph.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
}

/// `n` job specs `s<i>` producing `d/<i>`; each reads one to three earlier datasets among
/// the 64 before it, so the lineage is deep (~thousands of levels) and wide.
fn lineage_toml(n: usize) -> String {
    let mut rng = Lcg(42);
    let mut out = String::with_capacity(n * 90);
    for i in 0..n {
        let mut inputs: Vec<usize> = Vec::new();
        if i > 0 {
            let fan = 1 + (rng.next() % 3) as usize;
            for _ in 0..fan {
                let back = 1 + (rng.next() as usize % i.min(64));
                let j = i - back;
                if !inputs.contains(&j) {
                    inputs.push(j);
                }
            }
        }
        let inputs: Vec<String> = inputs.iter().map(|j| format!("\"d/{j}\"")).collect();
        let _ = writeln!(
            out,
            "[[job_specs]]\nname = \"s{i}\"\ninputs = [{}]\noutputs = [\"d/{i}\"]\ncommand = \"true\"\n",
            inputs.join(", ")
        );
    }
    out
}

/// The floor: the same walks over the same adjacency with a `Vec<bool>` visited set and
/// no selection bookkeeping. Returns how many job specs were reached.
fn plain_upstream(p: &Pipeline, starts: &[usize], ignore: &[bool], seen: &mut Vec<bool>, specs: &mut Vec<bool>) {
    seen.clear();
    seen.resize(p.datasets.len(), false);
    specs.clear();
    specs.resize(p.job_specs.len(), false);
    let mut stack: Vec<usize> = starts.to_vec();
    while let Some(d) = stack.pop() {
        if ignore[d] || seen[d] {
            continue;
        }
        seen[d] = true;
        if let Some(s) = p.datasets[d].produced_by
            && !specs[s]
        {
            specs[s] = true;
            stack.extend(p.job_specs[s].inputs.iter().copied());
        }
    }
}

fn plain_downstream(p: &Pipeline, starts: &[usize], ignore: &[bool], seen: &mut Vec<bool>, specs: &mut Vec<bool>) {
    seen.clear();
    seen.resize(p.datasets.len(), false);
    specs.clear();
    specs.resize(p.job_specs.len(), false);
    let mut stack: Vec<usize> = starts.to_vec();
    while let Some(d) = stack.pop() {
        if ignore[d] || seen[d] {
            continue;
        }
        seen[d] = true;
        for &s in &p.datasets[d].consumed_by {
            if !specs[s] {
                specs[s] = true;
                stack.extend(p.job_specs[s].outputs.iter().copied());
            }
        }
    }
}

fn selection(v: Value) -> BenchResult<Vec<JobSpecSelection>> {
    Ok(serde_json::from_value(v)?)
}

fn bench_lineage() -> BenchResult<()> {
    let iters = 200;
    let budget = Duration::from_secs(3);
    let text = lineage_toml(LINEAGE_SPECS);

    let mut parse = Table::new(&format!(
        "Pipeline load: {LINEAGE_SPECS} job specs, {} KiB of TOML (baseline: toml::Table parse of the same text)",
        text.len() / 1024
    ));
    parse.add(
        "toml::Table parse (baseline)",
        measure(20, budget, || {
            std::hint::black_box(text.parse::<toml::Table>()?);
            Ok(())
        })?,
    );
    parse.add(
        "Pipeline::parse (validation, topo order, RIDs, hashes)",
        measure(20, budget, || {
            std::hint::black_box(Pipeline::parse(&text, "bench.toml", Path::new("/"))?);
            Ok(())
        })?,
    );
    parse.print();

    let p = Pipeline::parse(&text, "bench.toml", Path::new("/"))?;
    let last = LINEAGE_SPECS - 1;
    let idx = |name: &str| p.dataset_by_name(name).ok_or_else(|| format!("no dataset {name}"));
    let last_d = idx(&format!("d/{last}"))?;
    let first_d = idx("d/0")?;
    // Twenty ignored datasets spread over the middle of the lineage.
    let ignored: Vec<usize> = (0..20).map(|k| 2_000 + k * 300).collect();
    let ignored_names: Vec<String> = ignored.iter().map(|i| format!("d/{i}")).collect();
    let ignored_rids: Vec<String> = ignored_names.iter().map(|n| dataset_rid(n).to_string()).collect();
    let mut ignore_mask = vec![false; p.datasets.len()];
    for n in &ignored_names {
        ignore_mask[idx(n)?] = true;
    }
    let no_ignore = vec![false; p.datasets.len()];
    let last_rid = dataset_rid(&format!("d/{last}")).to_string();
    let first_rid = dataset_rid("d/0").to_string();

    let up_all = selection(json!([{"type": "upstream", "upstream": {"datasetRids": [last_rid]}}]))?;
    let up_ign = selection(json!([{"type": "upstream", "upstream": {
        "datasetRids": [last_rid], "datasetRidsToIgnore": ignored_rids}}]))?;
    let conn = selection(json!([{"type": "connecting", "connecting": {
        "upstreamDatasetRids": [first_rid], "downstreamDatasetRids": [last_rid],
        "datasetRidsToIgnore": ignored_rids}}]))?;

    // Same answers first: the baseline must do the same work, not less.
    let (mut seen, mut specs, mut seen2, mut specs2) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let count = |v: &[bool]| v.iter().filter(|b| **b).count();
    plain_upstream(&p, &[last_d], &no_ignore, &mut seen, &mut specs);
    let n_up_all = count(&specs);
    plain_upstream(&p, &[last_d], &ignore_mask, &mut seen, &mut specs);
    let n_up_ign = count(&specs);
    plain_downstream(&p, &[first_d], &ignore_mask, &mut seen, &mut specs);
    plain_upstream(&p, &[last_d], &ignore_mask, &mut seen2, &mut specs2);
    let n_conn = specs.iter().zip(&specs2).filter(|(a, b)| **a && **b).count();
    for (name, sel, want) in
        [("upstream", &up_all, n_up_all), ("upstream+ignores", &up_ign, n_up_ign), ("connecting", &conn, n_conn)]
    {
        let got = lineage::resolve(&p, sel)?.specs.len();
        if got != want {
            return Err(format!("{name}: resolve selected {got} job specs, the plain walk {want}").into());
        }
    }

    let mut t = Table::new(&format!(
        "Selection resolution over {LINEAGE_SPECS} job specs (each baseline: a plain stack walk over the same \
         adjacency with Vec<bool> visited sets, selecting the same job specs)"
    ));
    t.add_vs(
        format!("plain walk upstream of d/{last} ({n_up_all} specs) (baseline)"),
        measure(iters, budget, || {
            plain_upstream(&p, &[last_d], &no_ignore, &mut seen, &mut specs);
            std::hint::black_box(&specs);
            Ok(())
        })?,
        0,
    );
    t.add_vs(
        format!("lineage::resolve upstream of d/{last} ({n_up_all} specs)"),
        measure(iters, budget, || {
            std::hint::black_box(lineage::resolve(&p, &up_all)?);
            Ok(())
        })?,
        0,
    );
    t.add_vs(
        format!("plain walk upstream, 20 ignored ({n_up_ign} specs) (baseline)"),
        measure(iters, budget, || {
            plain_upstream(&p, &[last_d], &ignore_mask, &mut seen, &mut specs);
            std::hint::black_box(&specs);
            Ok(())
        })?,
        2,
    );
    t.add_vs(
        format!("lineage::resolve upstream, 20 ignored ({n_up_ign} specs)"),
        measure(iters, budget, || {
            std::hint::black_box(lineage::resolve(&p, &up_ign)?);
            Ok(())
        })?,
        2,
    );
    t.add_vs(
        format!("plain walk connecting d/0 → d/{last}, 20 ignored ({n_conn} specs) (baseline)"),
        measure(iters, budget, || {
            plain_downstream(&p, &[first_d], &ignore_mask, &mut seen, &mut specs);
            plain_upstream(&p, &[last_d], &ignore_mask, &mut seen2, &mut specs2);
            std::hint::black_box(specs.iter().zip(&specs2).filter(|(a, b)| **a && **b).count());
            Ok(())
        })?,
        4,
    );
    t.add_vs(
        format!("lineage::resolve connecting d/0 → d/{last}, 20 ignored ({n_conn} specs)"),
        measure(iters, budget, || {
            std::hint::black_box(lineage::resolve(&p, &conn)?);
            Ok(())
        })?,
        4,
    );
    t.print();
    Ok(())
}

// ---------------------------------------------------------------------------------------
// 2 and 3. The real server on loopback
// ---------------------------------------------------------------------------------------

struct Server {
    running: kiln_server::RunningServer,
    _dir: tempfile::TempDir,
    base: String,
    client: reqwest::Client,
}

/// Starts a server on 127.0.0.1 (any free port) with `pipeline` in a fresh temp dir.
async fn start_server(pipeline: &str, workers: usize) -> BenchResult<Server> {
    let dir = tempfile::tempdir()?;
    let project = dir.path().join("project");
    std::fs::create_dir_all(&project)?;
    std::fs::write(project.join("pipeline.toml"), pipeline)?;
    let mut config = ServerConfig::new(dir.path().join("data"));
    config.pipeline = Some(project.join("pipeline.toml"));
    config.ui_dir = dir.path().join("no-ui");
    config.workers = workers;
    let running = kiln_server::start(config).await?;
    if !running.addr.ip().is_loopback() {
        return Err(format!("the server listens on {}, not loopback", running.addr).into());
    }
    let base = running.url();
    let client = reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(60)).build()?;
    Ok(Server { running, _dir: dir, base, client })
}

impl Server {
    async fn get(&self, path: &str) -> BenchResult<Value> {
        let res = self.client.get(format!("{}{path}", self.base)).send().await?;
        let status = res.status();
        let body = res.bytes().await?;
        if !status.is_success() {
            return Err(format!("GET {path}: {status}: {}", String::from_utf8_lossy(&body)).into());
        }
        Ok(serde_json::from_slice(&body)?)
    }

    /// GETs and discards the body (still read in full), checking the status.
    async fn get_ok(&self, path: &str) -> BenchResult<()> {
        let res = self.client.get(format!("{}{path}", self.base)).send().await?;
        let status = res.status();
        let body = res.bytes().await?;
        if !status.is_success() {
            return Err(format!("GET {path}: {status}").into());
        }
        std::hint::black_box(body);
        Ok(())
    }

    async fn submit(&self, body: &Value) -> BenchResult<String> {
        let res = self.client.post(format!("{}/build2/api/manager/submitBuild", self.base)).json(body).send().await?;
        let status = res.status();
        let v: Value = res.json().await?;
        if !status.is_success() {
            return Err(format!("submit: {status}: {v}").into());
        }
        v["buildRid"].as_str().map(str::to_owned).ok_or_else(|| format!("submit: no buildRid in {v}").into())
    }

    /// Polls the build report every millisecond until the build is no longer RUNNING.
    async fn wait_done(&self, rid: &str, deadline: Duration) -> BenchResult<String> {
        let start = Instant::now();
        loop {
            let report = self.get(&format!("/build2/api/info/builds2/{rid}")).await?;
            let status = report["status"].as_str().unwrap_or("?").to_owned();
            if status != "RUNNING" {
                return Ok(status);
            }
            if start.elapsed() > deadline {
                return Err(format!("build {rid} still RUNNING after {deadline:?}").into());
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }

    async fn stop(self) {
        self.running.shutdown().await;
    }
}

fn chain_toml(n: usize) -> String {
    let mut out = String::new();
    for i in 0..n {
        let inputs = if i == 0 { String::new() } else { format!("\"c/{}\"", i - 1) };
        let _ = writeln!(
            out,
            "[[job_specs]]\nname = \"c{i}\"\ninputs = [{inputs}]\noutputs = [\"c/{i}\"]\ncommand = \"true\"\n"
        );
    }
    out
}

fn upstream_of(name: &str, force: bool) -> Value {
    json!({
        "jobSpecSelections": [{"type": "upstream", "upstream": {"datasetRids": [dataset_rid(name).to_string()]}}],
        "forceBuild": force,
    })
}

fn spawn_true_sequentially(n: usize) -> BenchResult<()> {
    for _ in 0..n {
        let status = Command::new("sh").arg("-c").arg("true").stdin(Stdio::null()).stdout(Stdio::null()).status()?;
        if !status.success() {
            return Err("sh -c true failed".into());
        }
    }
    Ok(())
}

async fn bench_chain() -> BenchResult<()> {
    let server = start_server(&chain_toml(CHAIN), 2).await?;
    let budget = Duration::from_secs(20);
    let deadline = Duration::from_secs(60);
    let mut tables = Vec::new();
    for n in [1, CHAIN] {
        let body = upstream_of(&format!("c/{}", n - 1), true);
        let mut t = Table::new(&format!(
            "Submit → SUCCEEDED, chain of {n} `true` job(s), HTTP on loopback, 2 workers (baseline: {n} × `sh -c true` spawned sequentially)"
        ));
        t.add(
            format!("{n} × spawn `sh -c true` and wait (baseline)"),
            measure(30, budget, || spawn_true_sequentially(n))?,
        );
        t.add(
            format!("submit + poll build report until SUCCEEDED ({n} job(s))"),
            measure_async(10, budget, || async {
                let rid = server.submit(&body).await?;
                let status = server.wait_done(&rid, deadline).await?;
                if status != "SUCCEEDED" {
                    return Err(format!("build {rid} ended {status}").into());
                }
                Ok(())
            })
            .await?,
        );
        tables.push(t);
    }
    for t in &tables {
        t.print();
    }
    if let [one, many] = tables.as_slice() {
        let per_job = (many.median_of(1) - one.median_of(1)) / (CHAIN - 1) as f64;
        let per_spawn = (many.median_of(0) - one.median_of(0)) / (CHAIN - 1) as f64;
        println!(
            "\nMarginal cost of one more job in the chain: {} through the engine vs {} to spawn `sh -c true` ({:.1}×).",
            fmt_d(Duration::from_secs_f64(per_job.max(0.0))),
            fmt_d(Duration::from_secs_f64(per_spawn.max(0.0))),
            if per_spawn > 0.0 { per_job / per_spawn } else { 0.0 }
        );
    }
    server.stop().await;
    Ok(())
}

/// Five no-op job specs in a chain, `p0 → … → p4`.
fn seed_toml() -> String {
    let mut out = String::new();
    for i in 0..5 {
        let inputs = if i == 0 { String::new() } else { format!("\"p/{}\"", i - 1) };
        let _ = writeln!(
            out,
            "[[job_specs]]\nname = \"p{i}\"\ninputs = [{inputs}]\noutputs = [\"p/{i}\"]\ncommand = \"true\"\n"
        );
    }
    out
}

async fn bench_store() -> BenchResult<()> {
    let server = start_server(&seed_toml(), 2).await?;
    let body = upstream_of("p/4", false);
    // The first build runs the five jobs; every later one finds them up to date
    // (DID_NOT_RUN) and finishes at once, so seeding measures submission alone.
    let first = server.submit(&body).await?;
    let status = server.wait_done(&first, Duration::from_secs(60)).await?;
    if status != "SUCCEEDED" {
        return Err(format!("the first build ended {status}").into());
    }
    let seed_budget = Duration::from_secs(300);
    let seed_start = Instant::now();
    let mut submit_times = Vec::with_capacity(SEED_BUILDS);
    let mut rids = vec![first];
    while rids.len() < SEED_BUILDS && seed_start.elapsed() < seed_budget {
        let t = Instant::now();
        rids.push(server.submit(&body).await?);
        submit_times.push(t.elapsed());
    }
    let seeded = rids.len();
    let seed_time = seed_start.elapsed();
    let last_rid = rids.last().cloned().unwrap_or_default();
    let status = server.wait_done(&last_rid, Duration::from_secs(60)).await?;
    println!(
        "\nSeeded {seeded} builds ({} jobs) in {} by sequential no-op submissions (last build: {status}).",
        seeded * 5,
        fmt_d(seed_time)
    );

    let window = 500.min(submit_times.len() / 2).max(1);
    let mut seed = Table::new(&format!(
        "Submission latency as the store grows (no-op builds, 5 DID_NOT_RUN jobs each; baseline: first {window} submissions)"
    ));
    seed.add(format!("submissions 2..{} (baseline)", window + 1), Sample { times: submit_times[..window].to_vec() });
    seed.add(
        format!("submissions {}..{}", submit_times.len() + 1 - window, submit_times.len()),
        Sample { times: submit_times[submit_times.len() - window..].to_vec() },
    );
    seed.print();

    let iters = 300;
    let budget = Duration::from_secs(3);
    let mid_rid = rids[seeded / 2].clone();
    let mid_run = {
        let report = server.get(&format!("/build2/api/info/builds2/{mid_rid}")).await?;
        report["runId"].as_u64().ok_or("no runId in the build report")?
    };
    let mut t = Table::new(&format!("Read latency with {seeded} builds in the store (baseline: GET /api/v1/health)"));
    let paths: Vec<(String, String)> = vec![
        ("GET /api/v1/health (baseline)".into(), "/api/v1/health".into()),
        (
            "GET /build2/api/info/builds2/{rid} (a middle build, 5 jobs)".into(),
            format!("/build2/api/info/builds2/{mid_rid}"),
        ),
        ("GET /api/v1/teams/default/builds/{runId} (detail)".into(), format!("/api/v1/teams/default/builds/{mid_run}")),
        ("GET /api/v1/teams/default/builds (first page, 100)".into(), "/api/v1/teams/default/builds".into()),
        ("GET …/builds?limit=500 (the console's page)".into(), "/api/v1/teams/default/builds?limit=500".into()),
        ("GET …/builds?limit=1000 (largest page)".into(), "/api/v1/teams/default/builds?limit=1000".into()),
        ("GET …/builds?q=p3 (free text, every build matches)".into(), "/api/v1/teams/default/builds?q=p3".into()),
        (
            "GET …/builds?q=zzz-no-match (free text, scans all)".into(),
            "/api/v1/teams/default/builds?q=zzz-no-match".into(),
        ),
        ("GET …/builds?state=failed (no match, scans all)".into(), "/api/v1/teams/default/builds?state=failed".into()),
        ("GET …/builds?dataset=p/2 (every build matches)".into(), "/api/v1/teams/default/builds?dataset=p/2".into()),
        ("GET /api/v1/teams (per-team counts)".into(), "/api/v1/teams".into()),
    ];
    for (name, path) in &paths {
        t.add(name.clone(), measure_async(iters, budget, || server.get_ok(path)).await?);
    }
    // Paging through everything the way the console does as it scrolls: 500 at a time.
    let pages = std::cell::Cell::new(0usize);
    t.add(
        format!("page through all {seeded} builds, limit=500, following nextCursor"),
        measure_async(10, Duration::from_secs(20), || async {
            let mut cursor: Option<String> = None;
            let mut seen = 0;
            let mut n = 0;
            loop {
                let path = match &cursor {
                    Some(c) => format!("/api/v1/teams/default/builds?limit=500&cursor={c}"),
                    None => "/api/v1/teams/default/builds?limit=500".to_owned(),
                };
                let page = server.get(&path).await?;
                n += 1;
                seen += page["builds"].as_array().map_or(0, Vec::len);
                match page["nextCursor"].as_str() {
                    Some(c) if n < 1_000 => cursor = Some(c.to_owned()),
                    _ => break,
                }
            }
            if seen != seeded {
                return Err(format!("paging saw {seen} builds, expected {seeded}").into());
            }
            pages.set(n);
            Ok(())
        })
        .await?,
    );
    t.print();
    println!("(paging took {} requests per pass)", pages.get());
    server.stop().await;
    Ok(())
}

fn main() -> BenchResult<()> {
    // `cargo bench` passes `--bench`; a name filter picks sections: lineage, chain, store.
    let filter: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    let want = |s: &str| filter.is_empty() || filter.iter().any(|f| s.contains(f.as_str()));
    println!("# kiln-server engine benchmarks");
    println!(
        "(debug assertions: {}; cores: {})",
        cfg!(debug_assertions),
        std::thread::available_parallelism().map_or(0, usize::from)
    );
    if want("lineage") {
        bench_lineage()?;
    }
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    if want("chain") {
        rt.block_on(bench_chain())?;
    }
    if want("store") {
        rt.block_on(bench_store())?;
    }
    Ok(())
}
