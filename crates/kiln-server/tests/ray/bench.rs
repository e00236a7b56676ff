//! Benchmark (not run by `cargo xtask test`, which skips `bench_`): submit → SUCCEEDED for a
//! chain of 20 jobs, on the local executor and on Ray in the same run, against the cost of
//! a bare `sh -c true`. Figures go to BENCHMARKS.md; run it with a head up:
//! `KILN_RAY_ADDRESS=http://127.0.0.1:8265 cargo test -p kiln-server --test ray -- --ignored bench_ --nocapture`

use std::time::{Duration, Instant};

use kiln_api::build2::BuildStatus;
use kiln_server::config::ExecutorConfig;
use kiln_server::engine::executor::RayConfig;
use serde_json::json;

use crate::helpers;

const CHAIN: usize = 20;

fn chain_pipeline() -> String {
    let mut p = String::new();
    for i in 0..CHAIN {
        p.push_str(&format!("[[job_specs]]\nname = \"step-{i}\"\noutputs = [\"chain/{i}\"]\ncommand = \"true\"\n"));
        if i > 0 {
            p.push_str(&format!("inputs = [\"chain/{}\"]\n", i - 1));
        }
    }
    p
}

async fn chain_once(executor: ExecutorConfig) -> Duration {
    let s = helpers::start_with(&chain_pipeline(), &[], |mut c| {
        c.executor = executor;
        c
    })
    .await;
    let began = Instant::now();
    let r = s.submit(helpers::datasets_body(&[&format!("chain/{}", CHAIN - 1)], json!({}))).await;
    let b = helpers::until("the chain to finish", Duration::from_secs(600), || async {
        let b = s.build(&r.build_rid).await;
        b.status.is_terminal().then_some(b)
    })
    .await;
    let took = began.elapsed();
    assert_eq!(b.status, BuildStatus::Succeeded);
    assert_eq!(b.jobs.len(), CHAIN);
    s.shutdown().await;
    took
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[tokio::test]
#[ignore = "benchmark; needs a Ray head"]
async fn bench_chain_of_20_local_against_ray() {
    let address = std::env::var("KILN_RAY_ADDRESS").expect("KILN_RAY_ADDRESS");
    // The baseline: what one job's command costs by itself.
    let began = Instant::now();
    for _ in 0..CHAIN {
        let status = tokio::process::Command::new("sh").args(["-c", "true"]).status().await.expect("sh");
        assert!(status.success());
    }
    let bare = began.elapsed() / CHAIN as u32;
    let local = chain_once(ExecutorConfig::Local).await;
    let ray = chain_once(ExecutorConfig::Ray(RayConfig { address })).await;
    let per_job = |total: Duration| ms(total) / CHAIN as f64 - ms(bare);
    println!("bare `sh -c true`: {:.2} ms per run", ms(bare));
    println!(
        "local: {CHAIN}-job chain submit → SUCCEEDED {:.0} ms, {:.1} ms per job over bare",
        ms(local),
        per_job(local)
    );
    println!("ray:   {CHAIN}-job chain submit → SUCCEEDED {:.0} ms, {:.1} ms per job over bare", ms(ray), per_job(ray));
}
