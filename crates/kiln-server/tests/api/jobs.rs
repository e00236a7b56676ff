//! Real jobs: outputs flow into the next job, the environment reaches the command,
//! branches and fallbacks resolve inputs.

use kiln_api::build2::{BuildStatus, JobStatus};
use serde_json::json;

use crate::helpers::{self, TestServer};

const CHAIN: &str = r#"
[[datasets]]
name = "numbers"
source_dir = "numbers"

[[job_specs]]
name = "double"
inputs = ["numbers"]
outputs = ["doubled"]
command = "awk '{ print $1 * 2 }' $KILN_INPUT_0/n.txt > $KILN_OUTPUT_0/n.txt"

[[job_specs]]
name = "sum"
inputs = ["doubled"]
outputs = ["total", "env"]
command = "sh sum.sh"
"#;

const SUM: &str = r#"set -eu
awk '{ s += $1 } END { print s }' "$KILN_INPUT_0/n.txt" > "$KILN_OUTPUT_0/total.txt"
env | grep '^KILN_' | sort > "$KILN_OUTPUT_1/env.txt"
echo "summed on attempt $KILN_ATTEMPT"
"#;

#[tokio::test]
async fn a_job_reads_what_the_previous_job_wrote() {
    let s = helpers::start(CHAIN, &[("numbers/n.txt", "1\n2\n3\n"), ("sum.sh", SUM)]).await;
    let body = helpers::datasets_body(&["total"], json!({"buildParameters": {"answer": 42}}));
    let b = s.run(body, BuildStatus::Succeeded).await;
    let sum = TestServer::job_of(&b, "sum");
    assert_eq!(s.output_file(sum, "master", "total.txt"), "12\n");
    let double = TestServer::job_of(&b, "double");
    assert_eq!(sum.depends_on, vec![double.rid.clone()]);

    // The second output carries the environment the command saw.
    let env_txn = sum.outputs[1].transaction_rid.as_ref().expect("env output");
    let env_path = s
        .data()
        .join("datasets")
        .join(sum.outputs[1].dataset_rid.as_str())
        .join("master")
        .join(env_txn.as_str())
        .join("env.txt");
    let env = std::fs::read_to_string(env_path).expect("env.txt");
    let report = s.job(&sum.rid).await;
    let input_txn = report.inputs[0].transaction_rid.as_ref().expect("resolved input");
    for expected in [
        "KILN_ATTEMPT=1".to_owned(),
        "KILN_BRANCH=master".to_owned(),
        "KILN_BUILD_PARAMETERS={\"answer\":42}".to_owned(),
        format!("KILN_BUILD_RID={}", b.rid),
        format!("KILN_JOB_RID={}", sum.rid),
        format!("KILN_RUN_ID={}", b.run_id),
        "KILN_TEAM=default".to_owned(),
    ] {
        assert!(env.lines().any(|l| l == expected), "{expected} missing from\n{env}");
    }
    assert!(env.lines().any(|l| l.starts_with("KILN_INPUT_0=") && l.ends_with(input_txn.as_str())), "{env}");
    assert!(env.lines().any(|l| l.starts_with("KILN_OUTPUT_1=")), "{env}");
    assert_eq!(b.request.build_parameters, Some(serde_json::from_value(json!({"answer": 42})).expect("map")));

    // It ran here, and the job report says so.
    assert_eq!(report.attempts[0].placement, Some(kiln_api::build2::Placement::Local));

    // The attempt's log is there, by offset.
    let log_url = report.attempts[0].log_url.clone().expect("a log URL");
    let r = s.get(&log_url).await;
    assert_eq!(r.headers()["kiln-log-complete"], "true");
    let next: u64 = r.headers()["kiln-log-next-offset"].to_str().expect("text").parse().expect("a number");
    let text = r.text().await.expect("log");
    assert_eq!(text, "summed on attempt 1\n");
    assert_eq!(next, text.len() as u64);
    let tail = s.get(&format!("{log_url}&offset=7")).await.text().await.expect("tail");
    assert_eq!(tail, "on attempt 1\n");
}

#[tokio::test]
async fn inputs_fall_back_to_other_branches_and_fail_clearly_without() {
    let s = helpers::start(CHAIN, &[("numbers/n.txt", "5\n"), ("sum.sh", SUM)]).await;
    // Sources live on master only: without a fallback, develop cannot find them.
    let no_fallback = helpers::datasets_body(&["doubled"], json!({"branch": "develop"}));
    let b = s.run(no_fallback, BuildStatus::Failed).await;
    let double = TestServer::job_of(&b, "double");
    assert_eq!(double.status, JobStatus::Failed);
    let error = double.error.clone().unwrap_or_default();
    assert!(error.contains("numbers") && error.contains("develop"), "{error}");

    let with_fallback = helpers::datasets_body(
        &["doubled"],
        json!({"branch": "develop", "branchFallbacks": {"branches": ["release", "master"]}}),
    );
    let b = s.run(with_fallback, BuildStatus::Succeeded).await;
    let double = TestServer::job_of(&b, "double");
    let report = s.job(&double.rid).await;
    assert_eq!(report.inputs[0].branch.as_deref(), Some("master"));
    assert_eq!(s.output_file(double, "develop", "n.txt"), "10\n", "outputs are written on the build's branch");
    let catalog = s.get_json("/api/v1/catalog/datasets?q=doubled").await;
    let branches: Vec<&str> = catalog["datasets"][0]["branches"]
        .as_array()
        .expect("branches")
        .iter()
        .filter_map(|b| b["name"].as_str())
        .collect();
    assert_eq!(branches, ["develop"]);
}
