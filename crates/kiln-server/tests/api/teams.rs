//! The team surface: archive and restore, tags, listing filters, traversal attempts,
//! token scopes, events.

use kiln_api::TeamName;
use kiln_api::build2::BuildStatus;
use serde_json::{Value, json};

use crate::helpers;

const QUICK: &str = r#"
[[job_specs]]
name = "quick"
outputs = ["out"]
command = "echo hello > $KILN_OUTPUT_0/hello.txt; echo logged"
"#;

fn quick(extra: Value) -> Value {
    let mut body = helpers::datasets_body(&["out"], json!({"forceBuild": true}));
    helpers::merge(&mut body, extra);
    body
}

#[tokio::test]
async fn archive_and_restore_move_the_folder_and_answer_the_path() {
    let s = helpers::start(QUICK, &[]).await;
    let b = s.run(quick(json!({})), BuildStatus::Succeeded).await;
    let live = s.data().join("default/logs").join(b.run_id.to_string());
    let archived = s.data().join("default/logs/archive").join(b.run_id.to_string());
    assert!(live.join("quick.attempt-1.log").is_file());

    let r = s.post_json(&format!("/api/v1/teams/default/builds/{}/archive", b.run_id), &json!({})).await;
    assert_eq!(r["path"], archived.display().to_string());
    assert!(archived.join("quick.attempt-1.log").is_file() && !live.exists());
    let detail = s.get_json(&format!("/api/v1/teams/default/builds/{}", b.run_id)).await;
    assert_eq!((detail["archived"].clone(), detail["path"].clone()), (json!(true), r["path"].clone()));
    let listed = s.get_json("/api/v1/teams/default/builds").await;
    assert_eq!(listed["builds"], json!([]), "archived builds are hidden by default");
    let listed = s.get_json("/api/v1/teams/default/builds?archived=true").await;
    assert_eq!(listed["builds"][0]["runId"], b.run_id);
    // Logs still answer from the archive.
    let job = &b.jobs[0];
    let log = s.get(&format!("/api/v1/teams/default/builds/{}/jobs/{}/log", b.run_id, job.rid)).await;
    assert_eq!(log.text().await.expect("log"), "logged\n");

    let r = s.post_json(&format!("/api/v1/teams/default/builds/{}/restore", b.run_id), &json!({})).await;
    assert_eq!(r["path"], live.display().to_string());
    assert!(live.join("quick.attempt-1.log").is_file() && !archived.exists());
}

#[tokio::test]
async fn a_running_build_cannot_be_archived() {
    let slow = "[[job_specs]]\nname = \"slow\"\noutputs = [\"out\"]\ncommand = \"sleep 30\"\n";
    let s = helpers::start(slow, &[]).await;
    let r = s.submit(helpers::datasets_body(&["out"], json!({}))).await;
    let b = s.build(&r.build_rid).await;
    let resp = s.post(&format!("/api/v1/teams/default/builds/{}/archive", b.run_id), &json!({})).await;
    helpers::conjure(resp, 409, "CONFLICT").await;
    s.post_json(&format!("/api/v1/teams/default/builds/{}/stop", b.run_id), &json!({})).await;
    s.finished(&r.build_rid).await;
}

#[tokio::test]
async fn tags_are_set_listed_and_filtered() {
    let s = helpers::start(QUICK, &[]).await;
    let one = s.run(quick(json!({})), BuildStatus::Succeeded).await;
    let two = s.run(quick(json!({})), BuildStatus::Succeeded).await;
    assert_eq!((one.run_id, two.run_id), (1, 2), "run ids count from 1 per team");
    let tagged = s
        .put(
            &format!("/api/v1/teams/default/builds/{}/tags", one.run_id),
            &json!({"tags": ["nightly", " nightly ", "v1"]}),
        )
        .await;
    assert_eq!(tagged.status(), 200);
    let tagged: Value = tagged.json().await.expect("team build");
    assert_eq!(tagged["tags"], json!(["nightly", "v1"]));
    let page = s.get_json("/api/v1/teams/default/builds?tag=nightly").await;
    let runs: Vec<&Value> = page["builds"].as_array().expect("builds").iter().map(|b| &b["runId"]).collect();
    assert_eq!(runs, [&json!(1)]);
    let page = s.get_json("/api/v1/teams/default/builds?limit=1").await;
    assert_eq!(page["builds"][0]["runId"], 2, "newest first");
    let cursor = page["nextCursor"].as_str().expect("a next page");
    let page = s.get_json(&format!("/api/v1/teams/default/builds?limit=1&cursor={cursor}")).await;
    assert_eq!((page["builds"][0]["runId"].clone(), page["nextCursor"].clone()), (json!(1), Value::Null));
    let page = s.get_json("/api/v1/teams/default/builds?state=complete&q=quick").await;
    assert_eq!(page["builds"].as_array().map(Vec::len), Some(2));

    let bad = s.put(&format!("/api/v1/teams/default/builds/{}/tags", one.run_id), &json!({"tags": ["ok", ""]})).await;
    let err = helpers::conjure(bad, 400, "INVALID_ARGUMENT").await;
    assert_eq!(err["parameters"]["field"], "tags[1]");
    let bad = s.get("/api/v1/teams/default/builds?state=sleeping").await;
    let err = helpers::conjure(bad, 400, "INVALID_ARGUMENT").await;
    assert_eq!(err["parameters"]["field"], "state");
}

#[tokio::test]
async fn traversal_in_team_and_run_id_is_rejected() {
    let s = helpers::start(QUICK, &[]).await;
    s.run(quick(json!({})), BuildStatus::Succeeded).await;
    let attempts = [
        "/api/v1/teams/../builds",
        "/api/v1/teams/%2e%2e/builds",
        "/api/v1/teams/%2E%2E/builds/1",
        "/api/v1/teams/%2Fetc/builds",
        "/api/v1/teams/%2Fetc%2Fpasswd/builds/1/archive",
        "/api/v1/teams/default/builds/..",
        "/api/v1/teams/default/builds/%2e%2e",
        "/api/v1/teams/default/builds/%2e%2e%2f1",
        "/api/v1/teams/default/builds/%2Ftmp",
        "/api/v1/teams/default/builds/-1",
        // One past SQLite's signed 64-bit range (schemathesis found it answering 500).
        "/api/v1/teams/default/builds/9223372036854775808",
        "/api/v1/teams/default/builds/9223372036854775808/archive",
        "/api/v1/teams/default/builds/18446744073709551616",
        "/api/v1/teams/default/builds/1%2f..%2f..",
        "/api/v1/teams/default/builds/..%2f1/jobs/x/log",
    ];
    for path in attempts {
        let (status, body) = helpers::raw_get(&s.base, path, None).await;
        assert!((400..500).contains(&status), "{path}: {status}");
        let body: Value = serde_json::from_str(&body).unwrap_or_else(|_| panic!("{path}: a Conjure body, got {body}"));
        assert!(body["errorCode"].is_string(), "{path}: {body}");
    }
    // Nothing moved anywhere.
    assert!(s.data().join("default/logs/1").is_dir());
}

#[tokio::test]
async fn a_token_sees_only_its_own_teams() {
    let auth = kiln_server::AuthConfig::default()
        .with_token("alpha-token", "alice", vec![TeamName::parse("alpha").expect("team")])
        .with_token("beta-token", "bob", vec![TeamName::parse("beta").expect("team")]);
    let mut s = helpers::start_with(QUICK, &[], |mut c| {
        c.auth = auth;
        c
    })
    .await;

    helpers::conjure(s.get("/api/v1/whoami").await, 401, "PERMISSION_DENIED").await;
    s.token = Some("wrong".into());
    helpers::conjure(s.get("/api/v1/teams").await, 401, "PERMISSION_DENIED").await;
    let health = s.get("/api/v1/health").await;
    assert_eq!(health.status(), 200, "health needs no token");

    s.token = Some("alpha-token".into());
    assert_eq!(s.get_json("/api/v1/whoami").await, json!({"user": "alice", "teams": ["alpha"]}));
    let b = s.run(quick(json!({})), BuildStatus::Succeeded).await;
    assert_eq!((b.team.as_str(), b.created_by.as_str()), ("alpha", "alice"));
    let other_team = s
        .client
        .post(s.url("/build2/api/manager/submitBuild"))
        .bearer_auth("alpha-token")
        .header("Kiln-Team", "beta")
        .json(&quick(json!({})))
        .send()
        .await
        .expect("POST");
    helpers::conjure(other_team, 403, "PERMISSION_DENIED").await;

    s.token = Some("beta-token".into());
    helpers::conjure(s.get("/api/v1/teams/alpha/builds").await, 404, "NOT_FOUND").await;
    helpers::conjure(s.get("/api/v1/teams/alpha/builds/1").await, 404, "NOT_FOUND").await;
    let r = s.get(&format!("/build2/api/info/builds2/{}", b.rid)).await;
    assert_eq!(r.status(), 204, "another team's build is not known");
    let r = s.get(&format!("/build2/api/info/jobs3/{}", b.jobs[0].rid)).await;
    assert_eq!(r.status(), 204);
    let teams = s.get_json("/api/v1/teams").await;
    assert_eq!(teams["teams"], json!([{"name": "beta", "activeBuilds": 0, "totalBuilds": 0}]));
    let notes = s.get_json("/api/v1/notifications").await;
    assert_eq!(notes["notifications"], json!([]));
}

#[tokio::test]
async fn events_stream_build_and_job_changes() {
    let s = helpers::start(QUICK, &[]).await;
    let mut stream = s.get("/api/v1/events?team=default").await;
    assert_eq!(stream.headers()["content-type"], "text/event-stream");
    let r = s.submit(quick(json!({}))).await;
    let mut text = String::new();
    let seen = tokio::time::timeout(helpers::DEADLINE, async {
        while let Some(chunk) = stream.chunk().await.expect("chunk") {
            text.push_str(&String::from_utf8_lossy(&chunk));
            if text.contains("event: notification") {
                return true;
            }
        }
        false
    })
    .await;
    assert_eq!(seen, Ok(true), "{text}");
    // The stream's first bytes are a comment, sent at once, so a browser opens it at once.
    assert!(text.starts_with(": connected\n"), "{text}");
    assert!(text.contains("event: build") && text.contains("event: job"), "{text}");
    assert!(text.contains(r.build_rid.as_str()), "{text}");
    let notes = s.get_json("/api/v1/notifications?team=default").await;
    assert_eq!(notes["notifications"][0]["buildRid"], r.build_rid.as_str());
    assert_eq!(notes["notifications"][0]["state"], "complete");
}

#[tokio::test]
async fn run_ids_count_per_team_and_the_team_header_picks_the_team() {
    let s = helpers::start(QUICK, &[]).await;
    s.run(quick(json!({})), BuildStatus::Succeeded).await;
    let r = s
        .client
        .post(s.url("/build2/api/manager/submitBuild"))
        .header("Kiln-Team", "data-eng")
        .json(&quick(json!({})))
        .send()
        .await
        .expect("POST");
    let r: kiln_api::build2::SubmitBuildResponse = r.json().await.expect("response");
    let b = s.finished(&r.build_rid).await;
    assert_eq!((b.team.as_str(), b.run_id), ("data-eng", 1));
    assert!(s.data().join("data-eng/logs/1/quick.attempt-1.log").is_file());
    let teams = s.get_json("/api/v1/teams").await;
    assert_eq!(
        teams["teams"],
        json!([{"name": "data-eng", "activeBuilds": 0, "totalBuilds": 1}, {"name": "default", "activeBuilds": 0, "totalBuilds": 1}])
    );
    let bad = s
        .client
        .post(s.url("/build2/api/manager/submitBuild"))
        .header("Kiln-Team", "../x")
        .json(&quick(json!({})))
        .send();
    let err = helpers::conjure(bad.await.expect("POST"), 400, "INVALID_ARGUMENT").await;
    assert_eq!(err["parameters"]["field"], "Kiln-Team");
}

/// The list page is cached between writes (`http/page_cache.rs`); whatever a write changed
/// must show in the next list request, while other clients keep asking for the same page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listed_page_shows_every_write_at_once() {
    let s = helpers::start(QUICK, &[]).await;
    let first = s.run(quick(json!({})), BuildStatus::Succeeded).await;
    // Other clients read the page the whole time, so that most answers come from the cache.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let readers: Vec<_> = (0..4)
        .map(|_| {
            let (client, url, stop) = (s.client.clone(), s.url("/api/v1/teams/default/builds"), stop.clone());
            tokio::spawn(async move {
                let mut answered = 0u32;
                while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                    let r = client.get(&url).send().await.expect("list");
                    assert_eq!(r.status(), 200);
                    answered += 1;
                }
                answered
            })
        })
        .collect();

    for round in 0..20 {
        let tag = format!("round-{round}");
        let tags = s.put(&format!("/api/v1/teams/default/builds/{}/tags", first.run_id), &json!({"tags": [tag]})).await;
        assert_eq!(tags.status(), 200);
        let page = s.get_json("/api/v1/teams/default/builds").await;
        let listed = page["builds"].as_array().expect("builds").iter().find(|b| b["runId"] == first.run_id);
        assert_eq!(listed.map(|b| b["tags"].clone()), Some(json!([tag])), "round {round}: {page}");
    }

    // A new build is listed as soon as its submission answered, and its end once it ended.
    let r = s.submit(quick(json!({}))).await;
    let page = s.get_json("/api/v1/teams/default/builds").await;
    assert!(page["builds"].as_array().expect("builds").iter().any(|b| b["buildRid"] == r.build_rid.to_string()));
    let done = s.finished(&r.build_rid).await;
    let page = s.get_json("/api/v1/teams/default/builds").await;
    let listed = &page["builds"][0];
    assert_eq!(listed["runId"], done.run_id);
    // The list reads fewer columns than the detail; both show the same build.
    let mut detail = s.get_json(&format!("/api/v1/teams/default/builds/{}", done.run_id)).await;
    detail.as_object_mut().expect("detail").remove("steps");
    assert_eq!(listed, &detail);
    assert_eq!(listed["status"]["state"], "complete");

    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    for reader in readers {
        assert!(reader.await.expect("reader") > 0, "each reader was answered");
    }
}
