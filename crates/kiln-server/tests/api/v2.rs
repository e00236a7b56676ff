//! The public Orchestration v2 API: option mapping onto the engine, the search filter tree,
//! keyset page tokens under concurrent inserts, Foundry's error names and parameters, team
//! visibility, and one build seen through every surface.

use std::collections::HashSet;

use kiln_api::TeamName;
use kiln_api::build2::{BuildStatus, JobStatus};
use kiln_api::orchestration::{Build, Job, ListJobsOfBuildResponse, SearchBuildsResponse};
use serde_json::{Value, json};

use crate::helpers::{self, TestServer};

const PIPELINE: &str = r#"
[[datasets]]
name = "src"
source_dir = "src"

[[job_specs]]
name = "a"
inputs = ["src"]
outputs = ["a/out"]
command = "cat $KILN_INPUT_0/x.txt > $KILN_OUTPUT_0/x.txt"

[[job_specs]]
name = "b"
inputs = ["a/out"]
outputs = ["b/out"]
command = "cp $KILN_INPUT_0/x.txt $KILN_OUTPUT_0/x.txt"

[[job_specs]]
name = "c"
inputs = ["b/out"]
outputs = ["c/out"]
command = "cp $KILN_INPUT_0/x.txt $KILN_OUTPUT_0/x.txt"

[[job_specs]]
name = "fails"
outputs = ["f/out"]
command = "exit 3"

[[job_specs]]
name = "slow"
outputs = ["s/out"]
command = "sleep 60"
"#;

const FILES: &[(&str, &str)] = &[("src/x.txt", "x\n")];

fn target(kind: &str, names: &[&str]) -> Value {
    let rids: Vec<String> = names.iter().map(|n| helpers::dataset(n)).collect();
    json!({"type": kind, "targetRids": rids, "ignoredRids": []})
}

fn create_body(target: Value, extra: Value) -> Value {
    let mut body = json!({"target": target, "fallbackBranches": []});
    helpers::merge(&mut body, extra);
    body
}

async fn create(s: &TestServer, target: Value, extra: Value) -> Build {
    let v = s.post_json("/api/v2/orchestration/builds/create", &create_body(target, extra)).await;
    serde_json::from_value(v).expect("a Build")
}

/// Waits for a build to end through the public API.
async fn finished(s: &TestServer, rid: &kiln_api::Rid) -> Build {
    helpers::until(&format!("build {rid} to finish"), helpers::DEADLINE, || async {
        let b: Build =
            serde_json::from_value(s.get_json(&format!("/api/v2/orchestration/builds/{rid}")).await).expect("a Build");
        b.status.is_terminal().then_some(b)
    })
    .await
}

/// Asserts a Foundry error: status, `errorName` without a namespace, and the parameters;
/// returns the parameters.
async fn foundry_error(response: reqwest::Response, status: u16, name: &str) -> Value {
    assert_eq!(response.status().as_u16(), status, "status of {name}");
    let body: Value = response.json().await.expect("a JSON error body");
    assert_eq!(body["errorName"], name, "{body}");
    assert!(body["errorInstanceId"].as_str().is_some_and(|i| !i.is_empty()), "{body}");
    assert!(body["parameters"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{body}");
    body["parameters"].clone()
}

async fn search(s: &TestServer, body: Value) -> SearchBuildsResponse {
    serde_json::from_value(s.post_json("/api/v2/orchestration/builds/search", &body).await).expect("a search page")
}

async fn search_rids(s: &TestServer, filter: Value) -> HashSet<String> {
    let page = search(s, json!({"where": filter, "pageSize": 1000})).await;
    assert!(page.next_page_token.is_none());
    page.data.into_iter().map(|b| b.rid.to_string()).collect()
}

#[tokio::test]
async fn create_maps_targets_and_every_option_onto_the_engine() {
    let s = helpers::start(PIPELINE, FILES).await;
    let all = json!({
        "branchName": "master", "fallbackBranches": ["develop", "release"], "forceBuild": true, "retryCount": 2,
        "retryBackoffDuration": {"value": 3000, "unit": "MILLISECONDS"}, "abortOnFailure": true,
        "notificationsEnabled": false,
    });
    let b = create(&s, target("manual", &["b/out"]), all).await;
    assert_eq!((b.retry_count, b.retry_backoff_duration.value, b.abort_on_failure), (2, 3, true));
    assert_eq!(b.fallback_branches, ["develop", "release"]);
    let report = s.build(&b.rid).await;
    let req = &report.request;
    assert_eq!(req.num_run_job_attempts, Some(3), "retryCount N is N + 1 attempts");
    assert_eq!(req.retry_backoff_duration, Some(3), "3000 ms is 3 s");
    assert_eq!(
        (req.finish_on_failures, req.suppress_notifications, req.force_build),
        (Some(true), Some(true), Some(true))
    );
    assert_eq!(req.fallback_branches(), ["develop", "release"]);
    assert_eq!(report.job_rids, b.job_rids, "build2 lists the same jobs in the same order");
    finished(&s, &b.rid).await;

    // Defaults: master, one attempt, no backoff, notifications on.
    let d = create(&s, target("manual", &["a/out"]), json!({"notificationsEnabled": true})).await;
    assert_eq!((d.branch_name.as_str(), d.retry_count, d.retry_backoff_duration.value), ("master", 0, 0));
    let req = s.build(&d.rid).await.request;
    assert_eq!(
        (req.num_run_job_attempts, req.suppress_notifications, req.finish_on_failures),
        (None, Some(false), None)
    );

    // upstream with ignoredRids and connecting become the selections of the same names.
    let up = create(
        &s,
        json!({"type": "upstream", "targetRids": [helpers::dataset("c/out")], "ignoredRids": [helpers::dataset("a/out")]}),
        json!({"forceBuild": true}),
    )
    .await;
    let names: Vec<String> = s.build(&up.rid).await.jobs.into_iter().map(|j| j.job_spec_name).collect();
    assert_eq!(names, ["b", "c"]);
    let conn = create(
        &s,
        json!({"type": "connecting", "inputRids": [helpers::dataset("a/out")], "targetRids": [helpers::dataset("c/out")],
               "ignoredRids": []}),
        json!({"forceBuild": true}),
    )
    .await;
    let report = s.build(&conn.rid).await;
    let names: Vec<&str> = report.jobs.iter().map(|j| j.job_spec_name.as_str()).collect();
    assert_eq!(names, ["b", "c"], "inputs are exclusive, targets inclusive");
    assert!(matches!(&report.request.job_spec_selections[0], kiln_api::build2::JobSpecSelection::Connecting(_)));

    // Options that cannot be honoured name their field as this API spells it.
    let bad = |extra: Value| create_body(target("manual", &["a/out"]), extra);
    for (extra, field) in [
        (json!({"retryCount": -1}), "retryCount"),
        (json!({"retryCount": 100}), "retryCount"),
        (json!({"retryBackoffDuration": {"value": 1, "unit": "MONTHS"}}), "retryBackoffDuration"),
        (json!({"retryBackoffDuration": {"value": 1500, "unit": "MILLISECONDS"}}), "retryBackoffDuration"),
        (json!({"retryBackoffDuration": {"value": 2, "unit": "HOURS"}}), "retryBackoffDuration"),
        (json!({"branchName": "a/../b"}), "branchName"),
        (json!({"fallbackBranches": ["ok", "no way"]}), "fallbackBranches[1]"),
    ] {
        let r = s.post("/api/v2/orchestration/builds/create", &bad(extra.clone())).await;
        let body = helpers::conjure(r, 400, "INVALID_ARGUMENT").await;
        assert_eq!(body["parameters"]["field"], field, "{extra}: {body}");
    }
    s.shutdown().await;
}

#[tokio::test]
async fn target_errors_use_foundrys_names_and_parameters() {
    let s = helpers::start(PIPELINE, FILES).await;
    let unknown = "ri.foundry.main.dataset.nope";
    let r = s
        .post(
            "/api/v2/orchestration/builds/create",
            &create_body(json!({"type": "manual", "targetRids": [unknown]}), json!({})),
        )
        .await;
    assert_eq!(foundry_error(r, 404, "BuildTargetsNotFound").await["resourceRids"], json!([unknown]));
    let r = s.post("/api/v2/orchestration/builds/create", &create_body(target("manual", &["src"]), json!({}))).await;
    assert_eq!(
        foundry_error(r, 400, "BuildTargetsMissingJobSpecs").await["resourceRids"],
        json!([helpers::dataset("src")])
    );
    let r = s.post("/api/v2/orchestration/builds/create", &create_body(target("upstream", &["src"]), json!({}))).await;
    foundry_error(r, 400, "BuildTargetsResolutionError").await;
    let r = s.post("/api/v2/orchestration/builds/create", &create_body(target("manual", &[]), json!({}))).await;
    foundry_error(r, 400, "MissingBuildTargets").await;
    let none = json!({"type": "connecting", "inputRids": [], "targetRids": [helpers::dataset("c/out")]});
    let r = s.post("/api/v2/orchestration/builds/create", &create_body(none, json!({}))).await;
    foundry_error(r, 400, "MissingConnectingBuildInputs").await;
    // Malformed bodies are 400s with the contract's body, never 500s.
    for body in [
        json!({}),
        json!({"target": {"type": "all"}}),
        json!({"target": {"type": "manual", "targetRids": ["x"]}}),
        json!([1]),
    ] {
        let r = s.post("/api/v2/orchestration/builds/create", &body).await;
        helpers::conjure(r, 400, "INVALID_ARGUMENT").await;
    }
    let r = s.client.post(s.url("/api/v2/orchestration/builds/search")).body("{\"where\":").send().await.expect("POST");
    helpers::conjure(r, 400, "INVALID_ARGUMENT").await;
    let r = s.get("/api/v2/datasets/ri.foundry.main.dataset.nope").await;
    assert_eq!(foundry_error(r, 404, "DatasetNotFound").await["datasetRid"], "ri.foundry.main.dataset.nope");
    let ds = s.get_json(&format!("/api/v2/datasets/{}?preview=true", helpers::dataset("a/out"))).await;
    assert_eq!(ds["name"], "a/out");
    assert!(ds["parentFolderRid"].as_str().is_some_and(|f| f.starts_with("ri.compass.main.folder.")), "{ds}");
    let too_many: Vec<Value> = (0..101).map(|i| json!({"buildRid": format!("ri.foundry.main.build.b{i}")})).collect();
    let r = s.post("/api/v2/orchestration/builds/getBatch", &json!(too_many)).await;
    let p = foundry_error(r, 400, "BatchRequestSizeExceededLimit").await;
    assert_eq!((p["maximumBatchSize"].as_u64(), p["providedBatchSize"].as_u64()), (Some(100), Some(101)));
    s.shutdown().await;
}

#[tokio::test]
async fn search_compiles_the_whole_filter_tree() {
    let s = helpers::start(PIPELINE, FILES).await;
    let ok = create(&s, target("manual", &["a/out"]), json!({"forceBuild": true})).await;
    let ok = finished(&s, &ok.rid).await;
    let failed = finished(&s, &create(&s, target("manual", &["f/out"]), json!({})).await.rid).await;
    let dev = finished(
        &s,
        &create(&s, target("manual", &["a/out"]), json!({"branchName": "dev", "fallbackBranches": ["master"]}))
            .await
            .rid,
    )
    .await;
    let slow = create(&s, target("manual", &["s/out"]), json!({})).await;
    assert_eq!(
        (ok.status, failed.status, dev.status, slow.status),
        (BuildStatus::Succeeded, BuildStatus::Failed, BuildStatus::Succeeded, BuildStatus::Running)
    );
    let set = |bs: &[&Build]| -> HashSet<String> { bs.iter().map(|b| b.rid.to_string()).collect() };
    let eq = |field: &str, value: Value| json!({"type": "eq", "field": field, "value": value});

    assert_eq!(search_rids(&s, eq("STATUS", json!("FAILED"))).await, set(&[&failed]));
    assert_eq!(search_rids(&s, eq("BRANCH_NAME", json!("dev"))).await, set(&[&dev]));
    assert_eq!(search_rids(&s, eq("RID", json!(ok.rid))).await, set(&[&ok]));
    // CREATED_BY takes the principal id a Build shows, or the user name.
    assert_eq!(search_rids(&s, eq("CREATED_BY", json!(ok.created_by))).await.len(), 4);
    assert_eq!(search_rids(&s, eq("CREATED_BY", json!("anonymous"))).await.len(), 4);
    assert!(search_rids(&s, eq("CREATED_BY", json!("someone-else"))).await.is_empty());
    let tree = json!({"type": "and", "items": [
        {"type": "or", "items": [eq("STATUS", json!("SUCCEEDED")), eq("STATUS", json!("FAILED"))]},
        {"type": "not", "value": eq("BRANCH_NAME", json!("dev"))},
    ]});
    assert_eq!(search_rids(&s, tree).await, set(&[&ok, &failed]));
    // A running build has no finished time: it matches neither gte nor lt on it.
    let far_past = "2000-01-01T00:00:00Z";
    let gte = json!({"type": "gte", "field": "FINISHED_TIME", "value": far_past});
    assert_eq!(search_rids(&s, gte.clone()).await, set(&[&ok, &failed, &dev]));
    assert_eq!(search_rids(&s, json!({"type": "not", "value": gte})).await, set(&[&slow]));
    let at = failed.finished_time.expect("finished").to_string();
    let before = json!({"type": "lt", "field": "FINISHED_TIME", "value": at});
    assert_eq!(search_rids(&s, before).await, set(&[&ok]));
    // Values are bound, not pasted: a quote in a branch name is just a branch name.
    assert!(search_rids(&s, eq("BRANCH_NAME", json!("x' OR '1'='1"))).await.is_empty());

    let bad = |filter: Value| json!({"where": filter});
    for (filter, name) in [
        (eq("STATUS", json!("DONE")), "InvalidFilterValue"),
        (eq("RID", json!(3)), "InvalidFilterValue"),
        (json!({"type": "gte", "field": "STARTED_TIME", "value": "yesterday"}), "InvalidFilterValue"),
        (json!({"type": "or", "items": []}), "InvalidOrFilter"),
        (json!({"type": "and", "items": []}), "InvalidAndFilter"),
    ] {
        let r = s.post("/api/v2/orchestration/builds/search", &bad(filter)).await;
        foundry_error(r, 400, name).await;
    }
    let r = s
        .post("/api/v2/orchestration/builds/search", &json!({"where": eq("STATUS", json!("RUNNING")), "pageSize": 0}))
        .await;
    assert_eq!(foundry_error(r, 400, "InvalidPageSize").await["pageSize"], 0);
    s.shutdown().await;
}

/// Pages read while builds are being created list exactly the builds that existed when the
/// first page was read, each once, in order, whichever order is asked for.
#[tokio::test]
async fn page_tokens_are_stable_under_concurrent_inserts() {
    let s = helpers::start(PIPELINE, FILES).await;
    let mut existing: Vec<String> = Vec::new();
    for _ in 0..10 {
        let b = create(&s, target("manual", &["a/out"]), json!({})).await;
        finished(&s, &b.rid).await;
        existing.push(b.rid.to_string());
    }
    let everything = json!({"type": "not", "value": {"type": "eq", "field": "STATUS", "value": "FAILED"}});
    let orders = [
        json!(null),
        json!({"fields": [{"field": "STARTED_TIME", "direction": "ASC"}]}),
        json!({"fields": [{"field": "FINISHED_TIME", "direction": "DESC"}, {"field": "STARTED_TIME", "direction": "ASC"}]}),
    ];
    for order in orders {
        let expected: HashSet<String> = existing.iter().cloned().collect();
        let mut seen: Vec<Build> = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut body = json!({"where": everything, "pageSize": 3, "pageToken": token});
            if !order.is_null() {
                body["orderBy"] = order.clone();
            }
            let page = search(&s, body).await;
            seen.extend(page.data);
            // Two builds are created (and finish, so they would sort into any order) between pages.
            for _ in 0..2 {
                let b = create(&s, target("manual", &["a/out"]), json!({})).await;
                finished(&s, &b.rid).await;
                existing.push(b.rid.to_string());
            }
            token = page.next_page_token;
            if token.is_none() {
                break;
            }
        }
        let rids: Vec<String> = seen.iter().map(|b| b.rid.to_string()).collect();
        let unique: HashSet<String> = rids.iter().cloned().collect();
        assert_eq!(unique.len(), rids.len(), "no build twice ({order})");
        assert_eq!(unique, expected, "exactly the builds of the first page's time ({order})");
        let mut keys: Vec<(i64, i64)> = Vec::new();
        for b in &seen {
            let r = s.build(&b.rid).await;
            assert_eq!(b.job_rids, r.job_rids, "a search result lists its build's jobs in job order");
            let ms = |t: Option<kiln_api::Timestamp>| t.map_or(i64::MAX, |t| t.unix_millis());
            keys.push((ms(r.started_time), ms(r.finished_time)));
        }
        let mut sorted = keys.clone();
        match order["fields"][0]["field"].as_str() {
            Some("STARTED_TIME") => sorted.sort_by_key(|k| k.0),
            Some(_) => sorted.sort_by_key(|k| (std::cmp::Reverse(k.1), k.0)),
            None => {
                let created: Vec<_> = seen.iter().map(|b| b.created_time).collect();
                assert!(created.windows(2).all(|w| w[0] >= w[1]), "newest first by default");
            }
        }
        assert_eq!(keys, sorted, "{order}");
    }
    // A token belongs to its request.
    let first = search(&s, json!({"where": everything, "pageSize": 1})).await;
    let token = first.next_page_token.expect("more pages");
    let other = json!({"where": {"type": "eq", "field": "STATUS", "value": "SUCCEEDED"}, "pageToken": token});
    let r = s.post("/api/v2/orchestration/builds/search", &other).await;
    assert_eq!(foundry_error(r, 400, "InvalidPageToken").await["pageToken"], token);
    s.shutdown().await;
}

/// One build through every surface: created on v2, read on build2 and teams, its jobs paged
/// on v2, stopped on teams; another created on build2 and cancelled on v2 and then on build2.
#[tokio::test]
async fn every_surface_sees_and_stops_the_same_builds() {
    let s = helpers::start(PIPELINE, FILES).await;
    let b = create(&s, target("manual", &["a/out", "b/out", "c/out"]), json!({"forceBuild": true})).await;
    let done = finished(&s, &b.rid).await;
    assert_eq!(done.status, BuildStatus::Succeeded);
    let report = s.build(&b.rid).await;
    assert_eq!(report.job_rids, report.jobs.iter().map(|j| j.rid.clone()).collect::<Vec<_>>());
    let detail = s.get_json(&format!("/api/v1/teams/default/builds/{}", report.run_id)).await;
    assert_eq!(detail["buildRid"], b.rid.as_str());
    for job in &report.jobs {
        let jr = s.job(&job.rid).await;
        let keys: Vec<String> = jr.job_results.keys().map(|k| k.to_string()).collect();
        let outputs: Vec<String> = job.outputs.iter().map(|o| o.dataset_rid.to_string()).collect();
        assert_eq!(keys, outputs, "jobResults is keyed by the output datasets");
        assert!(jr.job_results.values().all(|r| r.transaction_rid.is_some()));
    }

    // Jobs in pages of 2, in job order, each as Job.get has it.
    let mut listed: Vec<Job> = Vec::new();
    let mut token = String::new();
    loop {
        let path = format!("/api/v2/orchestration/builds/{}/jobs?pageSize=2&pageToken={token}", b.rid);
        let page: ListJobsOfBuildResponse = serde_json::from_value(s.get_json(&path).await).expect("a page");
        assert!(page.data.len() <= 2);
        listed.extend(page.data);
        match page.next_page_token {
            Some(t) => token = t,
            None => break,
        }
    }
    assert_eq!(listed.iter().map(|j| j.rid.clone()).collect::<Vec<_>>(), done.job_rids);
    for job in &listed {
        let one: Job =
            serde_json::from_value(s.get_json(&format!("/api/v2/orchestration/jobs/{}?preview=true", job.rid)).await)
                .expect("a Job");
        assert_eq!(&one, job);
        assert_eq!(one.job_status, JobStatus::Succeeded);
        assert!(one.latest_attempt_start_time.is_some());
        assert_eq!(one.started_time, done.created_time, "a job waits from its build's creation");
    }
    let batch = s
        .post_json(
            "/api/v2/orchestration/jobs/getBatch?preview=true",
            &json!([{"jobRid": listed[0].rid}, {"jobRid": "ri.foundry.main.job.nope"}]),
        )
        .await;
    assert_eq!(batch["data"].as_object().map(|d| d.len()), Some(1));
    let r = s.get(&format!("/api/v2/orchestration/builds/{}/jobs?pageToken=zzz", b.rid)).await;
    foundry_error(r, 400, "InvalidPageToken").await;

    // Made on v2, stopped on teams.
    let slow = create(&s, target("manual", &["s/out"]), json!({})).await;
    let run_id = s.build(&slow.rid).await.run_id;
    s.post_json(&format!("/api/v1/teams/default/builds/{run_id}/stop"), &json!({})).await;
    assert_eq!(finished(&s, &slow.rid).await.status, BuildStatus::Canceled);
    let r = s.post(&format!("/api/v2/orchestration/builds/{}/cancel", slow.rid), &json!(null)).await;
    assert_eq!(foundry_error(r, 400, "BuildNotRunning").await["buildRid"], slow.rid.as_str());

    // Made on build2, cancelled on v2.
    let submitted = s.submit(helpers::datasets_body(&["s/out"], json!({}))).await;
    let r = s
        .client
        .post(s.url(&format!("/api/v2/orchestration/builds/{}/cancel", submitted.build_rid)))
        .send()
        .await
        .expect("POST");
    assert_eq!(r.status(), 204);
    assert_eq!(s.finished(&submitted.build_rid).await.status, BuildStatus::Canceled);
    // And build2's cancelJobsInBuild.
    let again = s.submit(helpers::datasets_body(&["s/out"], json!({}))).await;
    let r = s
        .client
        .delete(s.url(&format!("/build2/api/manager/builds/{}", again.build_rid)))
        .send()
        .await
        .expect("DELETE");
    assert_eq!(r.status(), 204);
    let report = s.finished(&again.build_rid).await;
    assert_eq!(report.status, BuildStatus::Canceled);
    assert!(report.jobs.iter().all(|j| j.status == JobStatus::Canceled));
    let r = s
        .client
        .delete(s.url(&format!("/build2/api/manager/builds/{}", again.build_rid)))
        .send()
        .await
        .expect("DELETE");
    assert_eq!(r.status(), 204, "nothing left to cancel");
    let r =
        s.client.delete(s.url("/build2/api/manager/builds/ri.foundry.main.build.nope")).send().await.expect("DELETE");
    helpers::conjure(r, 404, "NOT_FOUND").await;
    s.shutdown().await;
}

#[tokio::test]
async fn another_teams_build_is_not_found() {
    let auth = kiln_server::AuthConfig::default()
        .with_token("alpha-token", "alice", vec![TeamName::parse("alpha").expect("team")])
        .with_token("beta-token", "bob", vec![TeamName::parse("beta").expect("team")]);
    let mut s = helpers::start_with(PIPELINE, FILES, |mut c| {
        c.auth = auth;
        c
    })
    .await;
    let r = s.get("/api/v2/orchestration/builds/ri.foundry.main.build.x").await;
    assert_eq!(r.status(), 401);
    s.token = Some("alpha-token".into());
    let b = create(&s, target("manual", &["s/out"]), json!({})).await;
    let job = b.job_rids[0].clone();
    assert_eq!(s.build(&b.rid).await.team.as_str(), "alpha");

    s.token = Some("beta-token".into());
    for path in
        [format!("/api/v2/orchestration/builds/{}", b.rid), format!("/api/v2/orchestration/builds/{}/jobs", b.rid)]
    {
        let r = s.get(&path).await;
        assert_eq!(foundry_error(r, 404, "BuildNotFound").await["buildRid"], b.rid.as_str());
    }
    let r = s.post(&format!("/api/v2/orchestration/builds/{}/cancel", b.rid), &json!(null)).await;
    foundry_error(r, 404, "BuildNotFound").await;
    let r = s.get(&format!("/api/v2/orchestration/jobs/{job}")).await;
    assert_eq!(foundry_error(r, 404, "JobNotFound").await["jobRid"], job.as_str());
    let batch = s.post_json("/api/v2/orchestration/builds/getBatch", &json!([{"buildRid": b.rid}])).await;
    assert_eq!(batch["data"], json!({}));
    let batch = s.post_json("/api/v2/orchestration/jobs/getBatch", &json!([{"jobRid": job}])).await;
    assert_eq!(batch["data"], json!({}));
    let found = search(&s, json!({"where": {"type": "eq", "field": "RID", "value": b.rid}})).await;
    assert!(found.data.is_empty(), "search sees only the caller's teams");
    let r = s
        .client
        .delete(s.url(&format!("/build2/api/manager/builds/{}", b.rid)))
        .bearer_auth("beta-token")
        .send()
        .await
        .expect("DELETE");
    helpers::conjure(r, 404, "NOT_FOUND").await;

    s.token = Some("alpha-token".into());
    let found = search(&s, json!({"where": {"type": "eq", "field": "RID", "value": b.rid}})).await;
    assert_eq!(found.data.len(), 1);
    assert_eq!(found.data[0].created_by, kiln_server::store::search::principal_id("alice"));
    let r = s
        .client
        .post(s.url(&format!("/api/v2/orchestration/builds/{}/cancel", b.rid)))
        .bearer_auth("alpha-token")
        .send()
        .await
        .expect("POST");
    assert_eq!(r.status(), 204);
    finished(&s, &b.rid).await;
    s.shutdown().await;
}
