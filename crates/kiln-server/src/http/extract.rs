//! Extractors whose rejections are `AppError`s, so that every malformed request gets a
//! Conjure body naming the field at fault.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use kiln_api::{ErrorName, TeamName};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use utoipa::openapi::Required;
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};

use super::error::AppError;

/// A JSON body. Errors carry the path of the offending field, such as
/// `jobSpecSelections[0].datasets.datasetRids[1]`.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

fn field_of(path: &serde_path_to_error::Path) -> Option<String> {
    let s = path.to_string();
    (s != "." && !s.is_empty()).then_some(s)
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        let limit = req.extensions().get::<BodyLimit>().map_or(0, |l| l.0);
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                AppError::too_large(limit)
            } else {
                AppError::new(ErrorName::InvalidRequestBody, format!("cannot read the body: {e}"))
            }
        })?;
        let mut de = serde_json::Deserializer::from_slice(&bytes);
        let value = serde_path_to_error::deserialize(&mut de).map_err(|e| AppError::Client {
            name: ErrorName::InvalidRequestBody,
            field: field_of(e.path()),
            message: format!("invalid JSON body: {}", e.inner()),
        })?;
        de.end().map_err(|e| AppError::new(ErrorName::InvalidRequestBody, format!("invalid JSON body: {e}")))?;
        Ok(ApiJson(value))
    }
}

/// The configured body limit, put in request extensions so rejections can quote it.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimit(pub usize);

/// A query string; errors name the parameter at fault.
#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, AppError> {
        let query = parts.uri.query().unwrap_or_default();
        let de = serde_urlencoded::Deserializer::new(form_urlencoded_parse(query));
        serde_path_to_error::deserialize(de).map(ApiQuery).map_err(|e| AppError::Client {
            name: ErrorName::InvalidQuery,
            field: field_of(e.path()),
            message: format!("invalid query parameter: {}", e.inner()),
        })
    }
}

fn form_urlencoded_parse(query: &str) -> form_urlencoded::Parse<'_> {
    form_urlencoded::parse(query.as_bytes())
}

/// Path parameters; a segment that cannot be decoded is a 400, never a 500.
#[derive(Debug)]
pub struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| ApiPath(p.0))
            .map_err(|e| AppError::new(ErrorName::InvalidPath, format!("invalid path: {e}")))
    }
}

/// The `{team}` and `{run_id}` of a team build's path, both validated before anything
/// is looked up or any path is built from them.
#[derive(Debug, Clone)]
pub struct TeamRun {
    pub team: TeamName,
    pub run_id: u64,
}

impl<S: Send + Sync> FromRequestParts<S> for TeamRun {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        // Other parameters of the same path (such as a job RID) are left to their own
        // extractor.
        #[derive(Deserialize)]
        struct Raw {
            team: String,
            run_id: String,
        }
        let ApiPath(raw) = ApiPath::<Raw>::from_request_parts(parts, state).await?;
        Ok(TeamRun { team: team_param(&raw.team, "team")?, run_id: run_id_param(&raw.run_id)? })
    }
}

impl utoipa::IntoParams for TeamRun {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        let path =
            |name: &str| ParameterBuilder::new().name(name).parameter_in(ParameterIn::Path).required(Required::True);
        vec![
            path("team").schema(Some(<TeamName as utoipa::PartialSchema>::schema())).build(),
            path("run_id")
                .description(Some("The build's number in its team, from 1"))
                .schema(Some(
                    ObjectBuilder::new()
                        .schema_type(Type::Integer)
                        .minimum(Some(1))
                        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64))),
                ))
                .build(),
        ]
    }
}

/// Parses a team name from a path or query, naming the field when it is not one.
pub fn team_param(raw: &str, field: &str) -> Result<TeamName, AppError> {
    TeamName::parse(raw).map_err(|e| AppError::bad(ErrorName::InvalidTeam, field, e.to_string()))
}

/// Parses a run id: a positive decimal integer and nothing else, at most `i64::MAX` (the
/// document says int64, and SQLite stores it as a signed 64-bit integer: a larger id would
/// fail the store's conversion and answer 500 instead of 400).
pub fn run_id_param(raw: &str) -> Result<u64, AppError> {
    match raw.parse::<u64>() {
        Ok(id) if id > 0 && id <= i64::MAX.unsigned_abs() && raw.bytes().all(|b| b.is_ascii_digit()) => Ok(id),
        _ => Err(AppError::bad(
            ErrorName::InvalidRunId,
            "runId",
            format!("{raw:?} is not a run id (a positive integer)"),
        )),
    }
}

/// Parses a RID from a path segment, naming the field when it is not one.
pub fn rid_param(raw: &str, field: &str) -> Result<kiln_api::Rid, AppError> {
    kiln_api::Rid::parse(raw).map_err(|e| AppError::bad(ErrorName::InvalidRid, field, format!("{raw:?}: {e}")))
}
