//! The scheduler under store failures: a start that cannot be recorded gives its worker
//! back and is tried again, so the build still finishes.

use kiln_api::build2::{BuildStatus, JobStatus};
use serde_json::json;

use crate::helpers::{self, TestServer};

const TWO: &str = r#"
[[job_specs]]
name = "a"
outputs = ["out-a"]
command = "echo a"

[[job_specs]]
name = "b"
outputs = ["out-b"]
command = "echo b"
"#;

/// Makes every write that marks job `a` RUNNING fail, as a full disk would.
const FAIL_A_START: &str = "CREATE TRIGGER fail_a_start BEFORE UPDATE OF status ON jobs
     WHEN NEW.status = 'RUNNING' AND NEW.job_spec_name = 'a'
     BEGIN SELECT RAISE(ABORT, 'injected: the disk is full'); END;";

#[tokio::test]
async fn a_start_that_cannot_be_written_frees_its_worker_and_is_retried() {
    // One worker: if the failed start kept it, nothing else could ever run.
    let s = helpers::start_with(TWO, &[], |mut c| {
        c.workers = 1;
        c
    })
    .await;
    let db = rusqlite::Connection::open(s.data().join("kiln.sqlite3")).expect("open the server's database");
    db.busy_timeout(std::time::Duration::from_secs(5)).expect("busy timeout");
    db.execute_batch(FAIL_A_START).expect("create the failing trigger");

    let r = s.submit(helpers::job_specs_body(&["a", "b"], json!({}))).await;
    let build = helpers::until("job b to succeed", helpers::DEADLINE, || async {
        let b = s.build(&r.build_rid).await;
        (TestServer::job_of(&b, "b").status == JobStatus::Succeeded).then_some(b)
    })
    .await;
    let a = TestServer::job_of(&build, "a");
    assert_eq!(a.status, JobStatus::Waiting, "a's start was never recorded: {a:?}");
    assert!(a.started_time.is_none(), "a rolled back to waiting: {a:?}");
    assert_eq!(build.status, BuildStatus::Running);

    // The disk has room again: a starts on its next try and the build ends.
    db.execute_batch("DROP TRIGGER fail_a_start;").expect("drop the trigger");
    let done = s.finished(&r.build_rid).await;
    assert_eq!(done.status, BuildStatus::Succeeded, "{:#?}", done.jobs);
    assert_eq!(TestServer::job_of(&done, "a").attempt_count, 1);
    s.shutdown().await;
}
