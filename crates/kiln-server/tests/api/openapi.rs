//! `/api/v1/openapi.json` against the routes the server really serves: every documented
//! operation is served, and answers a status the document lists for it. (The unit test
//! `http::openapi::tests::no_route_bypasses_the_document` covers the other direction;
//! `cargo xtask test` runs schemathesis against the whole document.)

use serde_json::Value;

use crate::helpers;

const ONE: &str = "[[job_specs]]\nname = \"one\"\noutputs = [\"out\"]\ncommand = \"true\"\n";

/// A value for a path parameter that routes (handlers may still reject it).
fn sample(param: &str) -> &'static str {
    match param {
        "team" => "default",
        "run_id" => "1",
        _ => "ri.foundry.main.dataset.x",
    }
}

fn fill(path: &str) -> String {
    path.split('/')
        .map(|seg| match seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(param) => sample(param).to_owned(),
            None => seg.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[tokio::test]
async fn every_documented_operation_is_served_and_answers_a_documented_status() {
    let s = helpers::start(ONE, &[]).await;
    let doc = s.get_json("/api/v1/openapi.json").await;
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().expect("paths");
    let mut operations = 0;
    for (path, item) in paths {
        for (method, op) in item.as_object().expect("a path item") {
            let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).expect("a method");
            operations += 1;
            let response = s
                .client
                .request(method.clone(), s.url(&fill(path)))
                .header("content-type", "application/json")
                .body("{}")
                .send()
                .await
                .expect("an answer");
            let status = response.status().as_u16();
            let streams = response
                .headers()
                .get("content-type")
                .is_some_and(|c| c.to_str().is_ok_and(|c| c.starts_with("text/event-stream")));
            // The events stream never ends: its headers are the answer.
            let text = if streams { String::new() } else { response.text().await.unwrap_or_default() };
            assert!(
                !(status == 404 && text.contains("no endpoint")) && status != 405,
                "{method} {path} is documented but not served: {status} {text}"
            );
            let documented: Vec<&String> = op["responses"].as_object().map(|r| r.keys().collect()).unwrap_or_default();
            assert!(
                documented.iter().any(|d| **d == status.to_string()),
                "{method} {path} answered {status}, which its responses {documented:?} do not list: {text}"
            );
            if status >= 400 {
                helpers::assert_conjure_body(&serde_json::from_str::<Value>(&text).unwrap_or_default(), status);
            }
        }
    }
    assert!(operations >= 20, "only {operations} operations documented");
}
