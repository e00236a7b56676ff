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
