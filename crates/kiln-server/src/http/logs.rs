//! Job logs by byte offset, for tailing from the console.

use std::io::SeekFrom;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use kiln_api::teams::LogQuery;
use kiln_api::{LOG_COMPLETE_HEADER, LOG_NEXT_OFFSET_HEADER};
use tokio::io::{AsyncReadExt, AsyncSeekExt};

use super::AppState;
use super::auth::Caller;
use super::error::AppError;
use super::extract::{ApiPath, ApiQuery, rid_param};
use super::teams::load_build;
use crate::store::builds;

/// The most one request returns; the client asks again from the next offset.
const CHUNK: u64 = 256 * 1024;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/teams/{team}/builds/{run_id}/jobs/{job_rid}/log", get(log))
}

async fn log(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((team, run_id, job_rid)): ApiPath<(String, String, String)>,
    ApiQuery(q): ApiQuery<LogQuery>,
) -> Result<Response, AppError> {
    let build = load_build(&state, &caller, &team, &run_id).await?;
    let job_rid = rid_param(&job_rid, "jobRid")?;
    let lookup = job_rid.clone();
    let (job, attempts) = state
        .engine
        .store()
        .call(move |c| Ok((builds::get_job(c, &lookup)?, builds::attempts_of(c, &lookup)?)))
        .await?;
    let job = job.filter(|j| j.build_rid == build.rid).ok_or_else(|| {
        AppError::not_found("Default:JobNotFound", format!("build {} has no job {job_rid}", build.run_id))
    })?;
    let number = q.attempt.unwrap_or(job.attempt_count);
    let attempt = attempts.iter().find(|a| a.number == number).ok_or_else(|| {
        AppError::not_found("Default:AttemptNotFound", format!("job {} has no attempt {number}", job.job_spec_name))
    })?;
    let path =
        state.engine.data_dir().attempt_log(&build.team, build.run_id, build.archived, &job.job_spec_name, number);
    let offset = q.offset.unwrap_or(0);
    let (body, len) = match tokio::fs::File::open(&path).await {
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
    let next = offset.min(len) + body.len() as u64;
    let complete = attempt.finished_ms.is_some() && next >= len;
    let mut response = String::from_utf8_lossy(&body).into_owned().into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    headers.insert(LOG_NEXT_OFFSET_HEADER, HeaderValue::from(next));
    headers.insert(LOG_COMPLETE_HEADER, HeaderValue::from_static(if complete { "true" } else { "false" }));
    Ok(response)
}
