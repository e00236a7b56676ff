//! Job logs served in chunks: a chunk never cuts a multi-byte character in two.

use kiln_api::build2::BuildStatus;
use serde_json::json;

use crate::helpers;

/// The chunk size of the log endpoint (256 KiB).
const CHUNK: usize = 256 * 1024;

/// Prints `CHUNK - 2` ASCII bytes, then a 4-byte character straddling the chunk's edge, then
/// a 3-byte and a 2-byte one and a line end.
const PIPELINE: &str = r#"
[[job_specs]]
name = "utf8"
outputs = ["out"]
command = "head -c 262142 /dev/zero | tr '\\0' a; printf '\\360\\237\\230\\200\\342\\202\\254\\303\\251\\n'"
"#;

#[tokio::test]
async fn log_chunks_end_on_a_character_boundary() {
    let s = helpers::start(PIPELINE, &[]).await;
    let b = s.run(helpers::job_specs_body(&["utf8"], json!({})), BuildStatus::Succeeded).await;
    let report = s.job(&b.jobs[0].rid).await;
    let log_url = report.attempts[0].log_url.clone().expect("a log URL");

    let mut text = String::new();
    let mut offset = 0u64;
    let mut chunks = Vec::new();
    loop {
        let r = s.get(&format!("{log_url}&offset={offset}")).await;
        assert_eq!(r.status(), 200);
        let next: u64 = r.headers()["kiln-log-next-offset"].to_str().expect("text").parse().expect("a number");
        let complete = r.headers()["kiln-log-complete"] == "true";
        let body = r.text().await.expect("log text");
        assert!(!body.contains('\u{FFFD}'), "a character was broken at offset {offset}");
        assert_eq!(next - offset, body.len() as u64, "the next offset counts the bytes sent");
        chunks.push(body.len());
        text.push_str(&body);
        offset = next;
        if complete {
            break;
        }
        assert!(chunks.len() < 10, "the log never completed: chunks {chunks:?}");
    }
    // The first chunk stops before the emoji that would have straddled its edge.
    assert_eq!(chunks[0], CHUNK - 2, "chunks {chunks:?}");
    let expected = format!("{}😀€é\n", "a".repeat(CHUNK - 2));
    assert_eq!(text.len(), expected.len());
    assert!(text == expected, "the log reads back byte for byte");
}

/// Writes stdout and stderr in turn, waiting a little between them so that each write
/// reaches the log on its own (stderr passes through the server; stdout does not).
const STREAMS: &str = r#"
[[job_specs]]
name = "streams"
outputs = ["out"]
command = "echo 'out one'; sleep 0.2; echo 'err one' >&2; sleep 0.2; echo 'out two'; sleep 0.2; echo 'err two' >&2; sleep 0.2; echo 'out three'"
"#;

#[tokio::test]
async fn a_log_piece_says_which_bytes_came_from_stderr() {
    let s = helpers::start(STREAMS, &[]).await;
    let b = s.run(helpers::job_specs_body(&["streams"], json!({})), BuildStatus::Succeeded).await;
    let report = s.job(&b.jobs[0].rid).await;
    let log_url = report.attempts[0].log_url.clone().expect("a log URL");

    let r = s.get(&format!("{log_url}&offset=0")).await;
    assert_eq!(r.status(), 200);
    let ranges = r.headers()[kiln_api::LOG_STDERR_HEADER].to_str().expect("text").to_owned();
    let text = r.text().await.expect("log text");
    assert_eq!(text, "out one\nerr one\nout two\nerr two\nout three\n", "both streams, in the order written");
    let ranges = kiln_api::StderrRanges::parse(&ranges).expect("ranges");
    let stderr: Vec<&str> = ranges.0.iter().map(|r| &text[r.start as usize..r.end as usize]).collect();
    assert_eq!(stderr, ["err one\n", "err two\n"]);

    // A piece from an offset lists only its own part of the ranges.
    let r = s.get(&format!("{log_url}&offset=12")).await;
    let ranges = r.headers()[kiln_api::LOG_STDERR_HEADER].to_str().expect("text").to_owned();
    assert_eq!(ranges, "12-16,24-32");
}
