//! Stopping a build kills every process of its jobs, grandchildren included.

use std::time::Duration;

use kiln_api::build2::{BuildStatus, JobStatus};
use serde_json::json;

use crate::helpers::{self, TestServer};

const SLOW: &str = r#"
[[job_specs]]
name = "slow"
outputs = ["out"]
command = "sh slow.sh"
"#;

/// A child shell that starts a grandchild `sleep` and records its pid.
const SLOW_SH: &str = r#"
sh -c 'sleep 300 & echo $! > "$KILN_OUTPUT_0/../grandchild.pid"; wait' &
echo started
wait
"#;

/// Gone, or a zombie waiting for a reaper that is not us.
fn process_gone(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat.rsplit(')').next().is_some_and(|rest| rest.trim_start().starts_with('Z')),
    }
}

#[tokio::test]
async fn stop_kills_the_whole_process_tree() {
    let s = helpers::start(SLOW, &[("slow.sh", SLOW_SH)]).await;
    let r = s.submit(helpers::datasets_body(&["out"], json!({}))).await;
    let job_rid = r.jobs_created.values().next().expect("a job").clone();
    let pid_file = s.data().join("staging").join(job_rid.as_str()).join("attempt-1").join("grandchild.pid");
    let pid: u32 = helpers::until("the grandchild to start", helpers::DEADLINE, || async {
        std::fs::read_to_string(&pid_file).ok().and_then(|t| t.trim().parse().ok())
    })
    .await;
    assert!(!process_gone(pid), "the grandchild runs");

    let b = s.build(&r.build_rid).await;
    // The running attempt's log tails with Kiln-Log-Complete: false.
    let log = format!("/api/v1/teams/default/builds/{}/jobs/{job_rid}/log?attempt=1&offset=0", b.run_id);
    let text = helpers::until("the log line", helpers::DEADLINE, || async {
        let r = s.get(&log).await;
        let complete = r.headers()["kiln-log-complete"].to_str().expect("text").to_owned();
        let text = r.text().await.expect("log");
        (text == "started\n").then_some(complete)
    })
    .await;
    assert_eq!(text, "false");
    let stop = s.post_json(&format!("/api/v1/teams/default/builds/{}/stop", b.run_id), &json!({})).await;
    assert_eq!(stop["message"], format!("Build id {} has been stopped", b.run_id));
    helpers::until("the grandchild to die", Duration::from_secs(15), || async { process_gone(pid).then_some(()) })
        .await;

    let done = s.finished(&r.build_rid).await;
    assert_eq!(done.status, BuildStatus::Canceled);
    assert_eq!(TestServer::job_of(&done, "slow").status, JobStatus::Canceled);
    let team = s.get_json(&format!("/api/v1/teams/default/builds/{}", b.run_id)).await;
    assert_eq!(team["status"]["state"], "stopped");

    // Stopping again is a conflict: it is not running.
    let again = s.post(&format!("/api/v1/teams/default/builds/{}/stop", b.run_id), &json!({})).await;
    let body = helpers::conjure(again, 409, "CONFLICT").await;
    assert_eq!(body["errorName"], "Default:BuildNotRunning");
}
