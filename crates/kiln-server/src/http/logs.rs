//! Job logs by byte offset, for tailing from the console.

use std::io::SeekFrom;

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use kiln_api::teams::LogQuery;
use kiln_api::{ErrorName, LOG_COMPLETE_HEADER, LOG_NEXT_OFFSET_HEADER, LOG_STDERR_HEADER};
use tokio::io::{AsyncReadExt, AsyncSeekExt};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::auth::Caller;
use super::error::AppError;
use super::extract::{ApiPath, ApiQuery, TeamRun, rid_param};
use super::openapi::{Invalid, NotFound, Unauthenticated};
use super::teams::load_build;
use crate::engine::log_streams;
use crate::store::builds;

/// The most one request returns; the client asks again from the next offset.
const CHUNK: u64 = 256 * 1024;
/// The most stderr ranges one piece lists; a piece with more ends after the last one
/// listed, which keeps the header small (a few KiB) whatever the job wrote.
const MAX_STDERR_RANGES: usize = 256;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(log))
}

/// The job part of a log's path; [`TeamRun`] takes the rest.
#[derive(serde::Deserialize)]
struct JobPath {
    job_rid: String,
}

/// A piece of an attempt's log from a byte offset: at most 256 KiB, ending on a character
/// boundary while the log may still grow, with the byte ranges in it that came from stderr.
#[utoipa::path(get, path = "/api/v1/teams/{team}/builds/{run_id}/jobs/{job_rid}/log", tag = "teams",
    params(TeamRun, ("job_rid" = inline(kiln_api::Rid), Path), LogQuery),
    responses((status = 200, description = "The log piece", content_type = "text/plain; charset=utf-8", body = String,
        headers(("Kiln-Log-Next-Offset" = u64, description = "The offset to ask for next"),
            ("Kiln-Log-Complete" = bool, description = "Whether the log will grow no further"),
            ("Kiln-Log-Stderr" = String, description = "Byte ranges of the log in this piece that came from stderr: `start-end,…`, end exclusive"))),
        Invalid, Unauthenticated, NotFound))]
async fn log(
    State(state): State<AppState>,
    caller: Caller,
    path: TeamRun,
    ApiPath(JobPath { job_rid }): ApiPath<JobPath>,
    ApiQuery(q): ApiQuery<LogQuery>,
) -> Result<Response, AppError> {
    let build = load_build(&state, &caller, &path).await?;
    let job_rid = rid_param(&job_rid, "jobRid")?;
    let lookup = job_rid.clone();
    let (job, attempts) = state
        .engine
        .store()
        .read(move |c| Ok((builds::get_job(c, &lookup)?, builds::attempts_of(c, &lookup)?)))
        .await?;
    let job = job
        .filter(|j| j.build_rid == build.rid)
        .ok_or_else(|| AppError::new(ErrorName::JobNotFound, format!("build {} has no job {job_rid}", build.run_id)))?;
    let number = q.attempt.unwrap_or(job.attempt_count);
    let attempt = attempts.iter().find(|a| a.number == number).ok_or_else(|| {
        AppError::new(ErrorName::AttemptNotFound, format!("job {} has no attempt {number}", job.job_spec_name))
    })?;
    let path =
        state.engine.data_dir().attempt_log(&build.team, build.run_id, build.archived, &job.job_spec_name, number);
    let offset = q.offset.unwrap_or(0);
    let finished = attempt.finished_ms.is_some();
    let (mut body, len) = match tokio::fs::File::open(&path).await {
        Ok(mut file) => {
            let len = file.metadata().await?.len();
            let start = offset.min(len);
            file.seek(SeekFrom::Start(start)).await?;
            let mut buf = Vec::new();
            file.take(CHUNK).read_to_end(&mut buf).await?;
            (buf, len)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => (Vec::new(), 0),
        Err(e) => return Err(e.into()),
    };
    let start = offset.min(len);
    let read_to = start + body.len() as u64;
    let mut stderr = log_streams::read_index(&path).await?.clipped(&(start..read_to));
    if stderr.0.len() > MAX_STDERR_RANGES {
        stderr.0.truncate(MAX_STDERR_RANGES);
        let cut = stderr.0.last().map_or(read_to, |r| r.end);
        body.truncate((cut - start) as usize);
    }
    // More bytes may follow this chunk: the file is longer, or the attempt still writes it.
    let more_may_follow = start + (body.len() as u64) < len || !finished;
    body.truncate(utf8_chunk_len(&body, more_may_follow));
    let next = start + body.len() as u64;
    let stderr = stderr.clipped(&(start..next));
    let complete = finished && next >= len;
    let mut response = String::from_utf8_lossy(&body).into_owned().into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    headers.insert(LOG_NEXT_OFFSET_HEADER, HeaderValue::from(next));
    headers.insert(LOG_COMPLETE_HEADER, HeaderValue::from_static(if complete { "true" } else { "false" }));
    if !stderr.is_empty() {
        // Digits, dashes and commas only: always a valid header value.
        if let Ok(value) = HeaderValue::from_str(&stderr.to_string()) {
            headers.insert(LOG_STDERR_HEADER, value);
        }
    }
    Ok(response)
}

/// How much of `chunk` to send so that it does not end inside a UTF-8 character: a
/// character cut at the chunk's edge would otherwise become U+FFFD for good. The cut is
/// made only when the rest of the character may still come (`more_may_follow`); bytes
/// that can never form a character are sent as they are (and decoded lossily).
fn utf8_chunk_len(chunk: &[u8], more_may_follow: bool) -> usize {
    if !more_may_follow {
        return chunk.len();
    }
    // A UTF-8 character is at most 4 bytes: only the last 3 can be an unfinished one.
    let tail_start = chunk.len().saturating_sub(3);
    for cut in (tail_start..chunk.len()).rev() {
        let byte = chunk[cut];
        if byte & 0b1100_0000 == 0b1000_0000 {
            continue; // a continuation byte: look further back for the character's start
        }
        let width = match byte {
            0x00..=0x7f => 1,
            0xc0..=0xdf => 2,
            0xe0..=0xef => 3,
            0xf0..=0xf7 => 4,
            _ => 1, // not a leading byte: nothing to wait for
        };
        return if cut + width > chunk.len() { cut } else { chunk.len() };
    }
    chunk.len()
}

#[cfg(test)]
mod tests {
    use super::utf8_chunk_len;

    #[test]
    fn a_chunk_never_ends_inside_a_character_that_may_still_come() {
        let text = "ab€😀é".as_bytes();
        for end in 0..=text.len() {
            let cut = utf8_chunk_len(&text[..end], true);
            assert!(std::str::from_utf8(&text[..cut]).is_ok(), "cut {cut} of {end}");
            assert!(end - cut < 4, "at most an unfinished character is held back");
        }
        // Nothing more will come: the broken tail goes out as it is.
        assert_eq!(utf8_chunk_len(&text[..3], false), 3);
        // Bytes that are not UTF-8 at all are not held back.
        assert_eq!(utf8_chunk_len(&[b'a', 0xff], true), 2);
        assert_eq!(utf8_chunk_len(&[0x80, 0x80, 0x80], true), 3);
    }
}
