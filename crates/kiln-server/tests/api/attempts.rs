//! The build's attempts in one answer, as the console's timeline reads them.

use kiln_api::build2::BuildStatus;
use kiln_api::teams::BuildAttempts;
use serde_json::json;

use crate::helpers;

const RETRIED: &str = r#"
[[job_specs]]
name = "flaky"
outputs = ["f"]
command = "exit 75"

[[job_specs]]
name = "fine"
outputs = ["g"]
command = "true"
"#;

#[tokio::test]
async fn every_attempt_of_every_job_comes_in_one_answer() {
    let s = helpers::start(RETRIED, &[]).await;
    let body = helpers::datasets_body(
        &["f", "g"],
        json!({"numRunJobAttempts": 2, "retryBackoffDuration": 0, "finishOnFailures": true}),
    );
    let b = s.run(body, BuildStatus::Failed).await;
    let answer: BuildAttempts =
        serde_json::from_value(s.get_json(&format!("/api/v1/teams/default/builds/{}/attempts", b.run_id)).await)
            .expect("the answer's shape");
    assert_eq!(answer.jobs.len(), b.jobs.len());
    for job in &b.jobs {
        let listed = answer.jobs.iter().find(|j| j.job_rid == job.rid).expect("every job is listed");
        // The same attempts the job report shows, log URLs included.
        assert_eq!(listed.attempts, s.job(&job.rid).await.attempts, "{}", job.job_spec_name);
    }
    let flaky = helpers::TestServer::job_of(&b, "flaky");
    let attempts = &answer.jobs.iter().find(|j| j.job_rid == flaky.rid).expect("flaky").attempts;
    assert_eq!(attempts.iter().map(|a| a.exit_code).collect::<Vec<_>>(), [Some(75), Some(75)]);

    let missing = s.get("/api/v1/teams/default/builds/999/attempts").await;
    helpers::conjure(missing, 404, "NOT_FOUND").await;
}
