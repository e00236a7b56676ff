//! Malformed, oversized and unknown requests get a Conjure body and a 4xx, never a 500.

use serde_json::json;

use crate::helpers;

const ONE: &str = "[[job_specs]]\nname = \"one\"\noutputs = [\"out\"]\ncommand = \"true\"\n";

#[tokio::test]
async fn malformed_bodies_name_the_field() {
    let s = helpers::start(ONE, &[]).await;
    let submit = "/build2/api/manager/submitBuild";
    let send_raw =
        |body: &'static str| s.client.post(s.url(submit)).header("content-type", "application/json").body(body).send();
    for body in ["", "{", "[]", "null", "{\"jobSpecSelections\": 3}", "{} trailing"] {
        let r = send_raw(body).await.expect("POST");
        helpers::conjure(r, 400, "INVALID_ARGUMENT").await;
    }
    let cases = [
        (
            json!({"jobSpecSelections": [{"type": "datasets", "datasets": {"datasetRids": [helpers::dataset("out"), "not-a-rid"]}}]}),
            "jobSpecSelections[0].datasets.datasetRids[1]",
        ),
        (json!({"jobSpecSelections": [{"type": "sideways"}]}), "jobSpecSelections[0]"),
        (json!({"jobSpecSelections": [], "branch": "master"}), "jobSpecSelections"),
        (helpers::datasets_body(&["out"], json!({"branch": "../etc"})), "branch"),
        (
            helpers::datasets_body(&["out"], json!({"branchFallbacks": {"branches": ["ok", "a b"]}})),
            "branchFallbacks.branches[1]",
        ),
        (helpers::datasets_body(&["out"], json!({"forceBuild": "yes"})), "forceBuild"),
        (helpers::datasets_body(&["out"], json!({"numRunJobAttempts": 1000})), "numRunJobAttempts"),
        // The contract's bounds (docs/api.md), which the console's form enforces too.
        (helpers::datasets_body(&["out"], json!({"numRunJobAttempts": 101})), "numRunJobAttempts"),
        (helpers::datasets_body(&["out"], json!({"retryBackoffDuration": -1})), "retryBackoffDuration"),
        (helpers::datasets_body(&["out"], json!({"retryBackoffDuration": 3601})), "retryBackoffDuration"),
        (
            helpers::datasets_body(&["out"], json!({"buildGroupRid": "ri.foundry.main.buildgroup.unknown"})),
            "buildGroupRid",
        ),
        (helpers::datasets_body(&["out"], json!({"exceededDurationMode": "SOMETIMES"})), "exceededDurationMode"),
        (
            helpers::datasets_body(
                &["out"],
                json!({"inputFailureStrategies": [{"inputDatasetRid": "ri.foundry.main.dataset.nope", "failureStrategy": "CONTINUE"}]}),
            ),
            "inputFailureStrategies[0].inputDatasetRid",
        ),
    ];
    for (body, field) in cases {
        for path in [submit, "/api/v1/builds/preview"] {
            let err = helpers::conjure(s.post(path, &body).await, 400, "INVALID_ARGUMENT").await;
            assert_eq!(err["parameters"]["field"], field, "{path} {body}");
        }
    }
    // Unknown keys and nulls are fine, and so are the bounds themselves.
    let ok = helpers::datasets_body(&["out"], json!({"someFutureKey": 1, "branch": null}));
    assert_eq!(s.post(submit, &ok).await.status(), 200);
    let edges = helpers::datasets_body(&["out"], json!({"numRunJobAttempts": 100, "retryBackoffDuration": 3600}));
    assert_eq!(s.post(submit, &edges).await.status(), 200);
}

#[tokio::test]
async fn oversized_bodies_get_413() {
    let s = helpers::start(ONE, &[]).await;
    let big = format!("{{\"x\": \"{}\"}}", "a".repeat(2 * 1024 * 1024));
    let r = s
        .client
        .post(s.url("/build2/api/manager/submitBuild"))
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await;
    let r = r.expect("POST");
    helpers::conjure(r, 413, "REQUEST_ENTITY_TOO_LARGE").await;
}

#[tokio::test]
async fn bad_paths_queries_and_unknown_rids() {
    let s = helpers::start(ONE, &[]).await;
    let r = s.get("/build2/api/info/builds2/ri.foundry.main.build.unknown").await;
    assert_eq!(r.status(), 204);
    let r = s.get("/build2/api/info/jobs3/ri.foundry.main.job.unknown").await;
    assert_eq!(r.status(), 204);
    let err = helpers::conjure(s.get("/build2/api/info/builds2/not-a-rid").await, 400, "INVALID_ARGUMENT").await;
    assert_eq!(err["parameters"]["field"], "buildRid");
    let err = helpers::conjure(s.get("/api/v1/teams/default/builds?limit=lots").await, 400, "INVALID_ARGUMENT").await;
    assert_eq!(err["parameters"]["field"], "limit");
    helpers::conjure(s.get("/api/v1/teams/default/builds/7").await, 404, "NOT_FOUND").await;
    helpers::conjure(s.get("/api/v1/nothing-here").await, 404, "NOT_FOUND").await;
    helpers::conjure(s.get("/api/v1/events?team=Bad!").await, 400, "INVALID_ARGUMENT").await;
    let r = s.client.delete(s.url("/api/v1/whoami")).send().await.expect("DELETE");
    assert_eq!(r.status(), 405);
    let r =
        s.post("/build2/api/jobspecs/get-jobspec-for-dataset", &json!({"datasetRid": helpers::dataset("out")})).await;
    let spec: serde_json::Value = r.json().await.expect("a job spec");
    assert_eq!(spec["name"], "one");
    let r = s
        .post("/build2/api/jobspecs/get-jobspec-for-dataset", &json!({"datasetRid": "ri.foundry.main.dataset.x"}))
        .await;
    assert_eq!(r.status(), 204);
    // The console is not built in this temp dir: a page says so, and the API still works.
    let page = s.get("/builds/deep/link").await;
    assert_eq!(page.status(), 200);
    assert!(page.text().await.expect("html").contains("not built"));
    assert_eq!(s.get_json("/config.json").await["build2Url"], "/build2/api");
}

#[tokio::test]
async fn cors_is_an_explicit_allow_list() {
    let closed = helpers::start(ONE, &[]).await;
    let r = closed.client.get(closed.url("/api/v1/health")).header("Origin", "http://127.0.0.1:9").send().await;
    assert!(r.expect("GET").headers().get("access-control-allow-origin").is_none(), "off by default");

    let s = helpers::start_with(ONE, &[], |mut c| {
        c.cors_origins = vec!["http://127.0.0.1:47181".into()];
        c
    })
    .await;
    let preflight = s
        .client
        .request(reqwest::Method::OPTIONS, s.url("/build2/api/manager/submitBuild"))
        .header("Origin", "http://127.0.0.1:47181")
        .header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "authorization,content-type,kiln-team")
        .send()
        .await
        .expect("OPTIONS");
    let headers = preflight.headers();
    assert_eq!(headers["access-control-allow-origin"], "http://127.0.0.1:47181");
    let allowed = headers["access-control-allow-headers"].to_str().expect("text").to_ascii_lowercase();
    assert!(allowed.contains("kiln-team") && allowed.contains("authorization"), "{allowed}");
    let other = s.client.get(s.url("/api/v1/health")).header("Origin", "http://evil.example").send().await;
    assert!(other.expect("GET").headers().get("access-control-allow-origin").is_none());
    let log = s.client.get(s.url("/api/v1/health")).header("Origin", "http://127.0.0.1:47181").send().await;
    let exposed =
        log.expect("GET").headers()["access-control-expose-headers"].to_str().expect("text").to_ascii_lowercase();
    assert!(exposed.contains("kiln-log-next-offset") && exposed.contains("kiln-log-complete"), "{exposed}");
}

#[tokio::test]
async fn the_console_is_served_with_deep_links() {
    let s = helpers::start_with(ONE, &[], |mut c| {
        let ui = c.data_dir.with_file_name("ui");
        helpers::write_files(&ui, &[("index.html", "<html>console</html>"), ("app.js", "console.log(1)")]);
        c.ui_dir = ui;
        c
    })
    .await;
    assert_eq!(s.get("/app.js").await.text().await.expect("js"), "console.log(1)");
    for deep in ["/", "/teams/default/builds/3", "/builds/ri.foundry.main.build.x"] {
        let r = s.get(deep).await;
        assert_eq!(r.status(), 200, "{deep}");
        assert_eq!(r.text().await.expect("html"), "<html>console</html>", "{deep}");
    }
    helpers::conjure(s.get("/api/v1/no-such-thing").await, 404, "NOT_FOUND").await;
    helpers::conjure(s.get("/build2/api/no-such-thing").await, 404, "NOT_FOUND").await;
}
