//! Every build option changes what runs, observably (issue 6).

use std::collections::{BTreeMap, HashMap};

use kiln_api::Rid;
use kiln_api::build2::{BuildReport, BuildStatus, JobStatus};
use serde_json::json;

use crate::helpers::{self, TestServer};

/// `flaky` fails its first attempt with 75 (retryable), `broken` fails attempt 1 with 3,
/// `late` outlives its timeout on attempt 1.
const ATTEMPTS: &str = r#"
[[job_specs]]
name = "flaky"
outputs = ["flaky-out"]
command = "[ $KILN_ATTEMPT -ge 2 ] || exit 75"

[[job_specs]]
name = "broken"
outputs = ["broken-out"]
command = "[ $KILN_ATTEMPT -ge 2 ] || exit 3"

[[job_specs]]
name = "killed"
outputs = ["killed-out"]
command = "[ $KILN_ATTEMPT -ge 2 ] || kill -KILL $$"

[[job_specs]]
name = "late"
outputs = ["late-out"]
command = "[ $KILN_ATTEMPT -ge 2 ] || sleep 30"
timeout_seconds = 1
"#;

fn ms(t: &Option<kiln_api::Timestamp>) -> i64 {
    t.as_ref().expect("a time").unix_millis()
}

#[tokio::test]
async fn retryable_failures_are_retried_with_backoff() {
    let s = helpers::start(ATTEMPTS, &[]).await;
    let once = s.run(helpers::datasets_body(&["flaky-out"], json!({})), BuildStatus::Failed).await;
    let job = s.job(&once.jobs[0].rid).await;
    assert_eq!(job.attempts.len(), 1, "absent numRunJobAttempts means one attempt");
    assert_eq!((job.attempts[0].exit_code, job.attempts[0].retryable), (Some(75), true));

    let body = helpers::datasets_body(&["flaky-out"], json!({"numRunJobAttempts": 3, "retryBackoffDuration": 1}));
    let b = s.run(body, BuildStatus::Succeeded).await;
    let job = s.job(&b.jobs[0].rid).await;
    assert_eq!(job.attempts.len(), 2);
    assert_eq!(b.jobs[0].attempt_count, 2);
    let gap = ms(&job.attempts[1].started_time) - ms(&job.attempts[0].finished_time);
    assert!(gap >= 1000, "attempts are spaced by the backoff: {gap} ms");
    assert_eq!(job.attempts[1].exit_code, Some(0));
    assert!(job.attempts.iter().all(|a| a.log_url.is_some()));
}

#[tokio::test]
async fn force_retry_makes_every_failure_retryable() {
    let s = helpers::start(ATTEMPTS, &[]).await;
    let b = s.run(helpers::datasets_body(&["broken-out"], json!({"numRunJobAttempts": 2})), BuildStatus::Failed).await;
    let job = s.job(&b.jobs[0].rid).await;
    assert_eq!((job.attempts.len(), job.attempts[0].exit_code, job.attempts[0].retryable), (1, Some(3), false));

    let body = helpers::datasets_body(&["broken-out"], json!({"numRunJobAttempts": 2, "forceRetry": true}));
    let b = s.run(body, BuildStatus::Succeeded).await;
    assert_eq!(s.job(&b.jobs[0].rid).await.attempts.len(), 2);

    // Death by a signal Kiln did not send is retryable without forceRetry.
    let b =
        s.run(helpers::datasets_body(&["killed-out"], json!({"numRunJobAttempts": 2})), BuildStatus::Succeeded).await;
    let job = s.job(&b.jobs[0].rid).await;
    assert_eq!((job.attempts[0].signal, job.attempts[0].exit_code, job.attempts[0].retryable), (Some(9), None, true));
}

#[tokio::test]
async fn exceeded_duration_cancels_or_retries() {
    let s = helpers::start(ATTEMPTS, &[]).await;
    let b = s.run(helpers::datasets_body(&["late-out"], json!({})), BuildStatus::Canceled).await;
    let job = s.job(&b.jobs[0].rid).await;
    assert_eq!(job.status, JobStatus::Canceled);
    assert_eq!(job.timeout_seconds, Some(1));
    assert!(job.reason.as_deref().is_some_and(|r| r.contains("timeout")), "{job:?}");
    let took = ms(&job.attempts[0].finished_time) - ms(&job.attempts[0].started_time);
    assert!((900..15_000).contains(&took), "killed at its timeout, not at the end of sleep 30: {took} ms");

    let body = helpers::datasets_body(&["late-out"], json!({"exceededDurationMode": "RETRY", "numRunJobAttempts": 2}));
    let b = s.run(body, BuildStatus::Succeeded).await;
    let job = s.job(&b.jobs[0].rid).await;
    assert_eq!(job.attempts.len(), 2);
    assert!(job.attempts[0].retryable && job.attempts[0].error.as_deref().is_some_and(|e| e.contains("timeout")));
}

/// `fail` fails once `slow` is running; `after` needs `slow`, `child` needs `fail`.
const FAILURES: &str = r#"
[[job_specs]]
name = "slow"
outputs = ["slow-out"]
command = "touch slow.started; sleep $(printf %s \"$KILN_BUILD_PARAMETERS\" | tr -cd 0-9)"

[[job_specs]]
name = "fail"
outputs = ["fail-out"]
command = "while [ ! -f slow.started ]; do sleep 0.05; done; exit 1"

[[job_specs]]
name = "after"
inputs = ["slow-out"]
outputs = ["after-out"]
command = "true"

[[job_specs]]
name = "child"
inputs = ["fail-out"]
outputs = ["child-out"]
command = "true"
"#;

#[tokio::test]
async fn finish_on_failures_stops_the_rest_and_without_it_independent_jobs_go_on() {
    let s = helpers::start(FAILURES, &[]).await;
    let all = ["after-out", "child-out"];
    let body = helpers::datasets_body(&all, json!({"finishOnFailures": true, "buildParameters": {"seconds": 30}}));
    let b = s.run(body, BuildStatus::Failed).await;
    let status = |b: &BuildReport, n: &str| TestServer::job_of(b, n).status;
    assert_eq!(status(&b, "fail"), JobStatus::Failed);
    assert_eq!(status(&b, "slow"), JobStatus::Canceled);
    assert_eq!(status(&b, "after"), JobStatus::DidNotRun);
    assert!(TestServer::job_of(&b, "after").reason.as_deref().is_some_and(|r| r.contains("finishOnFailures")));

    std::fs::remove_file(s.project().join("slow.started")).expect("reset marker");
    let body = helpers::datasets_body(&all, json!({"buildParameters": {"seconds": 1}}));
    let b = s.run(body, BuildStatus::Failed).await;
    assert_eq!(status(&b, "slow"), JobStatus::Succeeded);
    assert_eq!(status(&b, "after"), JobStatus::Succeeded);
    let child = TestServer::job_of(&b, "child");
    assert_eq!(child.status, JobStatus::DidNotRun);
    assert!(
        child.reason.as_deref().is_some_and(|r| r.contains("upstream failed") && r.contains("fail-out")),
        "{child:?}"
    );
}

const UPDOWN: &str = r#"
[[job_specs]]
name = "up"
outputs = ["U"]
command = "case \"$KILN_BUILD_PARAMETERS\" in *fail*) exit 1;; esac; echo $KILN_RUN_ID > $KILN_OUTPUT_0/u.txt"

[[job_specs]]
name = "down"
inputs = ["U"]
outputs = ["D"]
command = "cp $KILN_INPUT_0/u.txt $KILN_OUTPUT_0/"
"#;

#[tokio::test]
async fn input_failure_strategies_continue_or_fail() {
    let s = helpers::start(UPDOWN, &[]).await;
    let first = s.run(helpers::datasets_body(&["D"], json!({})), BuildStatus::Succeeded).await;
    let good_u = TestServer::job_of(&first, "up").outputs[0].transaction_rid.clone();
    let failing = |strategy: Option<&str>| {
        let mut extra = json!({"forceBuild": true, "buildParameters": {"fail": true}});
        if let Some(st) = strategy {
            extra["inputFailureStrategies"] =
                json!([{"inputDatasetRid": helpers::dataset("U"), "failureStrategy": st}]);
        }
        helpers::job_specs_body(&["up", "down"], extra)
    };
    let b = s.run(failing(None), BuildStatus::Failed).await;
    assert_eq!(TestServer::job_of(&b, "down").status, JobStatus::DidNotRun);

    let b = s.run(failing(Some("CONTINUE")), BuildStatus::Failed).await;
    let down = TestServer::job_of(&b, "down");
    assert_eq!(down.status, JobStatus::Succeeded);
    let report = s.job(&down.rid).await;
    assert_eq!(report.inputs[0].transaction_rid, good_u, "runs on the last good transaction");
    assert_eq!(s.output_file(down, "master", "u.txt"), "1\n");

    let b = s.run(failing(Some("FAIL")), BuildStatus::Failed).await;
    let down = TestServer::job_of(&b, "down");
    assert_eq!(down.status, JobStatus::Failed);
    assert!(down.reason.as_deref().is_some_and(|r| r.contains("input U")), "{down:?}");
    assert_eq!(down.attempt_count, 0, "never started");
}

/// `hold` waits for a file named by its build parameters, so tests decide when it ends.
const HOLD: &str = r#"
[[job_specs]]
name = "hold"
outputs = ["H"]
command = "sh hold.sh && echo $KILN_RUN_ID > $KILN_OUTPUT_0/h.txt"

[[job_specs]]
name = "next"
inputs = ["H"]
outputs = ["N"]
command = "cp $KILN_INPUT_0/h.txt $KILN_OUTPUT_0/"

[[job_specs]]
name = "feed"
outputs = ["F"]
variant = "long-running"
command = "sh hold.sh"
"#;

/// Waits until the file named by the build parameter `wait` exists, if one is named.
const HOLD_SH: (&str, &str) = (
    "hold.sh",
    r#"f=$(printf %s "$KILN_BUILD_PARAMETERS" | sed -n 's/.*"wait":"\([a-z]*\)".*/\1/p')
while [ -n "$f" ] && [ ! -f "$f" ]; do sleep 0.05; done
"#,
);

async fn wait_status(s: &TestServer, job: &Rid, status: JobStatus) {
    helpers::until(&format!("job {job} to be {status}"), helpers::DEADLINE, || async {
        (s.job(job).await.status == status).then_some(())
    })
    .await;
}

#[tokio::test]
async fn queue_up_waits_behind_and_supersede_cancels() {
    let s = helpers::start(HOLD, &[HOLD_SH]).await;
    let first = s.submit(helpers::datasets_body(&["H"], json!({"buildParameters": {"wait": "gate"}}))).await;
    let first_job = first.jobs_created[&helpers::job_spec("hold").parse::<Rid>().expect("rid")].clone();
    wait_status(&s, &first_job, JobStatus::Running).await;
    let second = s.submit(helpers::datasets_body(&["H"], json!({"forceBuild": true}))).await;
    let spec: Rid = helpers::job_spec("hold").parse().expect("rid");
    assert_eq!(second.jobs_in_other_builds.get(&spec), Some(&first_job));
    let second_job = second.jobs_created[&spec].clone();
    let report = s.job(&second_job).await;
    assert_eq!((report.status, report.queued_behind.as_ref()), (JobStatus::Waiting, Some(&first_job)));

    helpers::write_files(&s.project(), &[("gate", "")]);
    let one = s.finished(&first.build_rid).await;
    let two = s.finished(&second.build_rid).await;
    assert_eq!((one.status, two.status), (BuildStatus::Succeeded, BuildStatus::Succeeded));
    assert!(ms(&two.jobs[0].started_time) >= ms(&one.jobs[0].finished_time), "queued behind, not beside");

    // A long-running job spec supersedes by default; a batch one when asked to.
    let old = s.submit(helpers::datasets_body(&["F"], json!({"buildParameters": {"wait": "never"}}))).await;
    let old_job = old.jobs_created.values().next().expect("job").clone();
    wait_status(&s, &old_job, JobStatus::Running).await;
    let new = s.submit(helpers::datasets_body(&["F"], json!({"forceBuild": true}))).await;
    assert!(new.jobs_in_other_builds.is_empty());
    assert_eq!(s.finished(&old.build_rid).await.status, BuildStatus::Canceled);
    let old_report = s.job(&old_job).await;
    assert!(old_report.reason.as_deref().is_some_and(|r| r.contains("superseded")), "{old_report:?}");
    assert_eq!(s.finished(&new.build_rid).await.status, BuildStatus::Succeeded);

    let held = s
        .submit(helpers::datasets_body(&["H"], json!({"forceBuild": true, "buildParameters": {"wait": "never"}})))
        .await;
    let held_job = held.jobs_created.values().next().expect("job").clone();
    wait_status(&s, &held_job, JobStatus::Running).await;
    let sup = helpers::datasets_body(&["H"], json!({"forceBuild": true, "outputQueueStrategy": "SUPERSEDE"}));
    let sup = s.submit(sup).await;
    assert_eq!(s.finished(&held.build_rid).await.status, BuildStatus::Canceled);
    assert_eq!(s.finished(&sup.build_rid).await.status, BuildStatus::Succeeded);
}

#[tokio::test]
async fn a_build_group_shares_running_jobs() {
    let s = helpers::start(HOLD, &[HOLD_SH]).await;
    let spec: Rid = helpers::job_spec("hold").parse().expect("rid");
    let first = s.submit(helpers::datasets_body(&["H"], json!({"buildParameters": {"wait": "gate"}}))).await;
    let shared = first.jobs_created[&spec].clone();
    let joined = helpers::job_specs_body(&["hold", "next"], json!({"buildGroupRid": first.build_group_rid}));
    let second = s.submit(joined).await;
    assert_eq!(second.build_group_rid, first.build_group_rid);
    assert_eq!(second.jobs_in_other_builds.get(&spec), Some(&shared));
    assert!(!second.jobs_created.contains_key(&spec), "not started twice");
    let next = second.jobs_created[&helpers::job_spec("next").parse::<Rid>().expect("rid")].clone();
    assert_eq!(s.job(&next).await.status, JobStatus::Waiting);

    helpers::write_files(&s.project(), &[("gate", "")]);
    let two = s.finished(&second.build_rid).await;
    assert_eq!(two.status, BuildStatus::Succeeded);
    assert_eq!(two.jobs[0].depends_on, vec![shared.clone()]);
    assert_eq!(s.output_file(&two.jobs[0], "master", "h.txt"), "1\n", "next read the shared job's output");
    assert_eq!(s.job(&shared).await.attempts.len(), 1);
}

#[tokio::test]
async fn a_submission_id_is_idempotent() {
    let s = helpers::start(UPDOWN, &[]).await;
    let body = helpers::datasets_body(&["U"], json!({"submissionId": "nightly-2026-06-08"}));
    let first = s.submit(body.clone()).await;
    assert_eq!(first.is_new_submission, Some(true));
    let again = s.submit(body).await;
    assert_eq!(again.is_new_submission, Some(false));
    assert_eq!((again.build_rid.clone(), again.jobs_created.clone()), (first.build_rid.clone(), first.jobs_created));
    let plain = s.submit(helpers::datasets_body(&["U"], json!({}))).await;
    assert_eq!(plain.is_new_submission, None);
    s.finished(&first.build_rid).await;
    s.finished(&plain.build_rid).await;
    let page = s.get_json("/api/v1/teams/default/builds").await;
    assert_eq!(page["builds"].as_array().map(Vec::len), Some(2), "the repeat started nothing");
}

const POLICY: &str = r#"
[[datasets]]
name = "x"
source_dir = "x"

[[datasets]]
name = "y"
source_dir = "y"

[[job_specs]]
name = "both"
inputs = ["x", "y"]
outputs = ["xy"]
command = "cat $KILN_INPUT_0/* $KILN_INPUT_1/* > $KILN_OUTPUT_0/xy.txt"
build_policy = "all-inputs-updated"
"#;

#[tokio::test]
async fn all_inputs_updated_waits_for_every_input_unless_ignored() {
    let s = helpers::start(POLICY, &[("x/v", "x1\n"), ("y/v", "y1\n")]).await;
    let body = |extra| helpers::datasets_body(&["xy"], extra);
    s.run(body(json!({})), BuildStatus::Succeeded).await;
    helpers::write_files(&s.project(), &[("x/v", "x2\n")]);
    let b = s.run(body(json!({})), BuildStatus::Succeeded).await;
    assert_eq!(b.jobs[0].status, JobStatus::DidNotRun);
    assert!(b.jobs[0].reason.as_deref().is_some_and(|r| r.contains("all-inputs-updated") && r.contains("input y")));
    let b = s.run(body(json!({"ignoreBuildPolicy": true})), BuildStatus::Succeeded).await;
    assert_eq!(s.output_file(&b.jobs[0], "master", "xy.txt"), "x2\ny1\n");
    helpers::write_files(&s.project(), &[("x/v", "x3\n"), ("y/v", "y3\n")]);
    let b = s.run(body(json!({})), BuildStatus::Succeeded).await;
    assert_eq!(s.output_file(&b.jobs[0], "master", "xy.txt"), "x3\ny3\n");
}

#[tokio::test]
async fn suppressed_builds_send_no_notification() {
    let s = helpers::start(UPDOWN, &[]).await;
    let quiet =
        s.run(helpers::datasets_body(&["U"], json!({"suppressNotifications": true})), BuildStatus::Succeeded).await;
    let loud = s.run(helpers::datasets_body(&["U"], json!({"forceBuild": true})), BuildStatus::Succeeded).await;
    let notes = s.get_json("/api/v1/notifications").await;
    let rids: Vec<&str> =
        notes["notifications"].as_array().expect("list").iter().filter_map(|n| n["buildRid"].as_str()).collect();
    assert_eq!(rids, [loud.rid.as_str()]);
    assert_ne!(quiet.rid, loud.rid);
    assert_eq!(notes["notifications"][0]["runId"], loud.run_id);
}

#[tokio::test]
async fn preview_matches_what_a_submission_runs() {
    let s = helpers::start(crate::selections::LINEAGE, &[crate::selections::SRC]).await;
    s.run(helpers::datasets_body(&["C"], json!({})), BuildStatus::Succeeded).await;
    helpers::write_files(&s.project(), &[("src/data.txt", "new\n")]);
    let body = json!({"jobSpecSelections": [
        {"type": "upstream", "upstream": {"datasetRids": [helpers::dataset("E")], "datasetRidsToIgnore": [helpers::dataset("C")]}},
        {"type": "jobSpecs", "jobSpecs": {"jobSpecRids": [helpers::job_spec("b")]}}]});
    let before = s.get_json("/api/v1/catalog/datasets?q=src").await;
    let preview = s.preview(body.clone()).await;
    assert_eq!(s.get_json("/api/v1/catalog/datasets?q=src").await, before, "a preview imports nothing");
    assert_eq!(s.get_json("/api/v1/teams/default/builds").await["builds"].as_array().map(Vec::len), Some(1));
    let expected: BTreeMap<String, bool> = preview["jobs"]
        .as_array()
        .expect("jobs")
        .iter()
        .map(|j| (j["name"].as_str().expect("name").to_owned(), j["willRun"] == true))
        .collect();
    let b = s.run(body, BuildStatus::Succeeded).await;
    let actual: BTreeMap<String, bool> =
        b.jobs.iter().map(|j| (j.job_spec_name.clone(), j.status != JobStatus::DidNotRun)).collect();
    assert_eq!(actual, expected);
    assert!(expected.values().all(|run| *run), "the source changed, so everything selected runs: {expected:?}");
}

const OVERLAP: &str = r#"
[[job_specs]]
name = "p1"
outputs = ["X"]
command = "echo $KILN_RUN_ID > $KILN_OUTPUT_0/x"

[[job_specs]]
name = "p2"
inputs = ["X"]
outputs = ["Y"]
command = "cp $KILN_INPUT_0/x $KILN_OUTPUT_0/y"

[[job_specs]]
name = "p3"
outputs = ["Z"]
command = "echo z > $KILN_OUTPUT_0/z"
"#;

#[tokio::test]
async fn fifty_concurrent_builds_over_overlapping_outputs_all_finish() {
    let s = helpers::start(OVERLAP, &[]).await;
    let selections: [&[&str]; 4] = [&["X"], &["Y"], &["X", "Z"], &["Y", "Z"]];
    // Fifty submissions in flight at once, each on its own task.
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..50 {
        let body = helpers::datasets_body(selections[i % 4], json!({"forceBuild": true}));
        let (client, url) = (s.client.clone(), s.url("/build2/api/manager/submitBuild"));
        tasks.spawn(async move {
            let r = client.post(url).json(&body).send().await.expect("submit");
            r.json::<kiln_api::build2::SubmitBuildResponse>().await.expect("a submit response")
        });
    }
    let responses = tasks.join_all().await;
    let mut reports = Vec::new();
    for r in &responses {
        reports.push(s.finished(&r.build_rid).await);
    }
    let mut runs_by_spec: HashMap<String, Vec<(i64, i64)>> = HashMap::new();
    let mut all_jobs: HashMap<Rid, JobStatus> = HashMap::new();
    for (r, b) in responses.iter().zip(&reports) {
        assert_eq!(b.status, BuildStatus::Succeeded, "{:#?}", b.jobs);
        assert_eq!(b.jobs.len(), r.jobs_created.len(), "no job lost");
        for j in &b.jobs {
            assert_eq!((j.status, j.attempt_count), (JobStatus::Succeeded, 1), "run exactly once: {j:?}");
            runs_by_spec.entry(j.job_spec_name.clone()).or_default().push((ms(&j.started_time), ms(&j.finished_time)));
            all_jobs.insert(j.rid.clone(), j.status);
        }
    }
    // QUEUE_UP: runs of one job spec never overlap, and every queuedBehind names a
    // finished job of an earlier build, so every chain ends.
    for (spec, mut runs) in runs_by_spec {
        runs.sort_unstable();
        for pair in runs.windows(2) {
            assert!(pair[1].0 >= pair[0].1, "{spec}: runs overlap: {pair:?}");
        }
    }
    for b in &reports {
        for j in &b.jobs {
            if let Some(behind) = s.job(&j.rid).await.queued_behind {
                assert!(all_jobs.get(&behind).is_some_and(|st| st.is_terminal()), "{behind} is not a finished job");
            }
        }
    }
}
