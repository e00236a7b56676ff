//! `GET /api/v1/openapi.json`: the OpenAPI 3.1 document of every route this server serves.
//!
//! The route table and the document come from one list: each resource module registers
//! its handlers with `utoipa_axum::routes!`, which takes the path and method from the
//! handler's `#[utoipa::path]` and adds both the axum route and the operation. A route
//! registered any other way would be served but undocumented; the tests below fail then.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::response::IntoResponse;
use axum::response::Response;
use axum::{Extension, Json};
use kiln_api::{ConjureError, ErrorCode};
use utoipa::openapi::response::{Response as ApiResponse, ResponseBuilder};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{ContentBuilder, InfoBuilder, OpenApi, Ref, RefOr};
use utoipa::{IntoResponses, PartialSchema, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;

/// The document, built once with the router.
#[derive(Clone)]
pub struct Document(pub Arc<OpenApi>);

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(openapi_json))
}

/// This document.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "meta",
    responses((status = 200, description = "The OpenAPI 3.1 document", body = Object)))]
async fn openapi_json(Extension(doc): Extension<Document>) -> Response {
    Json(doc.0.as_ref()).into_response()
}

/// Fills in what the handlers do not say themselves: title, the shared error body and
/// the optional bearer token.
pub fn finish(mut doc: OpenApi) -> OpenApi {
    doc.info = InfoBuilder::new()
        .title("Kiln")
        .version(env!("CARGO_PKG_VERSION"))
        .description(Some(
            "Kiln's reference build service: the build2 surface foundry-dev-tools speaks (/build2/api) \
             and Kiln's team surface (/api/v1). The contract in words is docs/api.md.",
        ))
        .build();
    let components = doc.components.get_or_insert_with(Default::default);
    components.schemas.insert(<ConjureError as ToSchema>::name().into_owned(), ConjureError::schema());
    components.schemas.insert(<ErrorCode as ToSchema>::name().into_owned(), ErrorCode::schema());
    components
        .add_security_scheme("bearer", SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()));
    // Open mode needs no token; with tokens configured every route but health, config and
    // this document needs one.
    doc.security = Some(vec![SecurityRequirement::default(), SecurityRequirement::new("bearer", Vec::<String>::new())]);
    doc
}

/// A response with a Conjure error body.
fn conjure(description: &str) -> RefOr<ApiResponse> {
    let body = ContentBuilder::new().schema(Some(Ref::from_schema_name(<ConjureError as ToSchema>::name()))).build();
    ResponseBuilder::new().description(description).content("application/json", body).build().into()
}

/// Declares one `IntoResponses` type per error status, for `responses(...)` lists.
macro_rules! error_responses {
    ($($(#[$doc:meta])* $name:ident = $status:literal, $description:literal;)*) => {
        $(
            $(#[$doc])*
            pub struct $name;

            impl IntoResponses for $name {
                fn responses() -> BTreeMap<String, RefOr<ApiResponse>> {
                    BTreeMap::from([($status.to_owned(), conjure($description))])
                }
            }
        )*
    };
}

error_responses! {
    /// A malformed path, query or body; `parameters.field` names the part at fault.
    Invalid = "400", "The request is malformed; parameters.field names the field at fault";
    /// A token is required and none (or an unknown one) was sent.
    Unauthenticated = "401", "A valid bearer token is required";
    Forbidden = "403", "The token may not do this";
    NotFound = "404", "Not found, or not visible to this token";
    Conflict = "409", "The request clashes with the state of what it names";
    TooLarge = "413", "The request body is over the server's limit";
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    /// No route reaches axum except through `routes!`, so none can be served without
    /// being documented. (`tests/api/openapi.rs` checks the other direction over HTTP:
    /// every documented operation is served and answers a status it documents.)
    #[test]
    fn no_route_bypasses_the_document() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/http");
        // Every .rs file under src/http, subfolders (such as v2/) included.
        let mut pending = vec![dir.clone()];
        let mut sources = Vec::new();
        while let Some(folder) = pending.pop() {
            for entry in std::fs::read_dir(&folder).expect("a readable folder") {
                let path = entry.expect("an entry").path();
                if path.is_dir() {
                    pending.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    sources.push(path);
                }
            }
        }
        let mut files = 0;
        for path in sources {
            files += 1;
            let source = std::fs::read_to_string(&path).expect("readable source");
            for (n, line) in source.lines().enumerate() {
                let code = line.split("//").next().unwrap_or_default();
                // Spelled in pieces so that this test's own source does not match.
                let banned = ["route", "route_service", "nest", "nest_service"].map(|m| format!(".{m}("));
                for banned in banned.iter().map(String::as_str).chain([concat!("axum::", "routing")]) {
                    assert!(
                        !code.contains(banned),
                        "{}:{}: `{banned}` adds a route the OpenAPI document does not list; \
                         register the handler with utoipa_axum::routes! and #[utoipa::path]",
                        path.display(),
                        n + 1
                    );
                }
            }
        }
        assert!(files > 5, "read {files} files of {}", dir.display());
    }

    #[test]
    fn the_document_is_openapi_3_1_and_every_ref_resolves() {
        let (_, doc) = super::super::routes().split_for_parts();
        let json = serde_json::to_value(finish(doc)).expect("serializes");
        assert_eq!(json["openapi"], "3.1.0");
        let paths = json["paths"].as_object().expect("paths");
        for path in ["/build2/api/manager/submitBuild", "/api/v1/teams/{team}/builds", "/api/v1/openapi.json"] {
            assert!(paths.contains_key(path), "{path} is missing");
        }
        // OpenAPI requires a description on every response.
        for (path, item) in paths {
            for (method, op) in item.as_object().into_iter().flatten() {
                for (status, response) in op["responses"].as_object().into_iter().flatten() {
                    let described = response["description"].as_str().is_some_and(|d| !d.is_empty());
                    assert!(described, "{method} {path}: response {status} has no description");
                }
            }
        }
        // The public API's bodies are described, so schemathesis checks them too.
        let schema_of = |v: &serde_json::Value| v["content"]["application/json"]["schema"]["$ref"].clone();
        for (path, request, response) in [
            ("/api/v2/orchestration/builds/create", Some("CreateBuildRequest"), "Build"),
            ("/api/v2/orchestration/builds/search", Some("SearchBuildsRequest"), "SearchBuildsResponse"),
            ("/api/v2/orchestration/builds/getBatch", None, "GetBuildsBatchResponse"),
            ("/api/v2/orchestration/jobs/getBatch", None, "GetJobsBatchResponse"),
        ] {
            let op = &paths[path]["post"];
            if let Some(request) = request {
                assert_eq!(schema_of(&op["requestBody"]), format!("#/components/schemas/{request}"), "{path}");
            }
            assert_eq!(schema_of(&op["responses"]["200"]), format!("#/components/schemas/{response}"), "{path}");
        }
        for (path, response) in [
            ("/api/v2/orchestration/builds/{build_rid}", "Build"),
            ("/api/v2/orchestration/builds/{build_rid}/jobs", "ListJobsOfBuildResponse"),
            ("/api/v2/orchestration/jobs/{job_rid}", "Job"),
            ("/api/v2/datasets/{dataset_rid}", "Dataset"),
        ] {
            assert_eq!(
                schema_of(&paths[path]["get"]["responses"]["200"]),
                format!("#/components/schemas/{response}"),
                "{path}"
            );
        }
        let text = json.to_string();
        let schemas = json["components"]["schemas"].as_object().expect("schemas");
        for piece in text.split("\"#/components/schemas/").skip(1) {
            let name = piece.split('"').next().unwrap_or_default();
            assert!(schemas.contains_key(name), "$ref to a missing schema {name}");
        }
    }
}
