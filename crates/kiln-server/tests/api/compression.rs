//! What a browser gets over the wire: precompressed console files by content negotiation,
//! cache headers that let hashed files live for a year, compressed JSON, and an events
//! stream and log pieces that are never compressed (a compressor would hold them back).

use std::io::Read;

use kiln_api::build2::BuildStatus;
use serde_json::{Value, json};

use crate::helpers::{self, TestServer};

const QUICK: &str = "[[job_specs]]\nname = \"quick\"\noutputs = [\"out\"]\ncommand = \"echo logged\"\n";

const WASM: &str = "kiln-console-0123456789abcdef_bg.wasm";
const JS: &str = "kiln-console-0123456789abcdef.js";
/// The full console, which the entry module loads on the first visit to another page: Trunk
/// names it after its binary, without a hash.
const FULL: &str = "kiln-console-full_bg.wasm";

/// A console folder as `cargo xtask` leaves it: hashed files with `.br` and `.gz` copies.
/// The copies' content marks which one was served (ServeDir does not look inside them).
async fn with_console() -> TestServer {
    helpers::start_with(QUICK, &[], |mut c| {
        let ui = c.data_dir.with_file_name("ui");
        helpers::write_files(
            &ui,
            &[
                ("index.html", "<html>console</html>"),
                ("config.json", "{\"defaultTeam\": \"default\"}"),
                (WASM, "raw wasm"),
                (&format!("{WASM}.br"), "brotli wasm"),
                (&format!("{WASM}.gz"), "gzip wasm"),
                (JS, "raw js"),
                (&format!("{JS}.gz"), "gzip js"),
                (FULL, "raw full"),
                (&format!("{FULL}.br"), "brotli full"),
            ],
        );
        c.ui_dir = ui;
        c
    })
    .await
}

async fn get_with(s: &TestServer, path: &str, accept: &str) -> reqwest::Response {
    s.client.get(s.url(path)).header("accept-encoding", accept).send().await.expect("GET")
}

fn header<'a>(r: &'a reqwest::Response, name: &str) -> Option<&'a str> {
    r.headers().get(name).map(|v| v.to_str().expect("text header"))
}

#[tokio::test]
async fn hashed_console_files_come_precompressed_and_immutable() {
    let s = with_console().await;
    let cases = [
        (WASM, "br, gzip", Some("br"), "brotli wasm"),
        (WASM, "gzip", Some("gzip"), "gzip wasm"),
        (WASM, "identity", None, "raw wasm"),
        // No .br copy: the .gz one, which the browser also accepts.
        (JS, "br, gzip", Some("gzip"), "gzip js"),
    ];
    for (file, accept, encoding, body) in cases {
        let r = get_with(&s, &format!("/{file}"), accept).await;
        assert_eq!(r.status(), 200, "{file} {accept}");
        assert_eq!(header(&r, "content-encoding"), encoding, "{file} {accept}");
        assert_eq!(header(&r, "cache-control"), Some("public, max-age=31536000, immutable"), "{file}");
        assert_eq!(header(&r, "vary"), Some("accept-encoding"), "{file}");
        if file == WASM {
            assert_eq!(header(&r, "content-type"), Some("application/wasm"), "{file} {accept}");
        }
        assert_eq!(r.text().await.expect("body"), body, "{file} {accept}");
    }
}

#[tokio::test]
async fn index_config_and_deep_links_are_revalidated() {
    let s = with_console().await;
    for path in
        ["/", "/index.html", "/config.json", "/builds/ri.foundry.main.build.x", "/kiln-console-ffffffffffffffff.js"]
    {
        let r = get_with(&s, path, "identity").await;
        assert_eq!(r.status(), 200, "{path}");
        assert_eq!(header(&r, "cache-control"), Some("no-cache"), "{path}");
    }
    // A hashed name that is not there is the deep-link page, not a year-long cache entry.
    let r = get_with(&s, "/kiln-console-ffffffffffffffff.js", "identity").await;
    assert_eq!(r.text().await.expect("html"), "<html>console</html>");
    // Without a config.json file the defaults are served, also revalidated.
    let bare = helpers::start(QUICK, &[]).await;
    let r = get_with(&bare, "/config.json", "identity").await;
    assert_eq!(header(&r, "cache-control"), Some("no-cache"));
}

#[tokio::test]
async fn the_full_console_comes_precompressed_and_is_revalidated_not_downloaded_again() {
    let s = with_console().await;
    let r = get_with(&s, &format!("/{FULL}"), "br, gzip").await;
    assert_eq!(r.status(), 200);
    assert_eq!(header(&r, "content-encoding"), Some("br"));
    assert_eq!(header(&r, "content-type"), Some("application/wasm"));
    assert_eq!(header(&r, "cache-control"), Some("no-cache"));
    let modified = header(&r, "last-modified").expect("a Last-Modified to revalidate with").to_owned();
    assert_eq!(r.text().await.expect("body"), "brotli full");
    let again = s
        .client
        .get(s.url(&format!("/{FULL}")))
        .header("accept-encoding", "br, gzip")
        .header("if-modified-since", modified)
        .send()
        .await
        .expect("GET");
    assert_eq!(again.status(), 304);
    assert_eq!(again.bytes().await.expect("body").len(), 0);
}

fn gunzip(bytes: &[u8]) -> String {
    let mut text = String::new();
    flate2::read::GzDecoder::new(bytes).read_to_string(&mut text).expect("gzip body");
    text
}

#[tokio::test]
async fn json_answers_are_compressed_but_events_and_logs_are_not() {
    let s = helpers::start(QUICK, &[]).await;
    let b = s.run(helpers::datasets_body(&["out"], json!({"forceBuild": true})), BuildStatus::Succeeded).await;

    let path = format!("/build2/api/info/builds2/{}", b.rid);
    let r = get_with(&s, &path, "gzip").await;
    assert_eq!(header(&r, "content-encoding"), Some("gzip"));
    let report: Value = serde_json::from_str(&gunzip(&r.bytes().await.expect("body"))).expect("JSON");
    assert_eq!(report["rid"], b.rid.as_str());
    let r = get_with(&s, "/api/v1/teams/default/builds", "br, gzip").await;
    assert_eq!(header(&r, "content-encoding"), Some("br"));
    // A client that asks for nothing gets plain JSON.
    let r = get_with(&s, &path, "identity").await;
    assert_eq!(header(&r, "content-encoding"), None);

    let job = &b.jobs[0];
    let log = format!("/api/v1/teams/default/builds/{}/jobs/{}/log", b.run_id, job.rid);
    let r = get_with(&s, &log, "br, gzip").await;
    assert_eq!(header(&r, "content-encoding"), None, "log pieces are sent as written");
    assert_eq!(r.text().await.expect("log"), "logged\n");

    let r = get_with(&s, "/api/v1/events?team=default", "br, gzip").await;
    assert_eq!(header(&r, "content-type"), Some("text/event-stream"));
    assert_eq!(header(&r, "content-encoding"), None, "the events stream is sent as it happens");
}
