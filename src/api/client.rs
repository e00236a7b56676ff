//! One generic request path for every endpoint: URL building, the bearer token, and the
//! mapping from HTTP status and Conjure bodies to `ApiError`.

use std::rc::Rc;

use gloo_net::http::{Request, RequestBuilder, Response};
use kiln_api::teams::RuntimeConfig;
use kiln_api::{ConjureError, LOG_COMPLETE_HEADER, LOG_NEXT_OFFSET_HEADER, LOG_STDERR_HEADER, StderrRanges};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::ApiError;

/// Which half of the contract a path belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    Build2,
    Teams,
    /// Foundry's public API, `{foundryUrl}/api` (paths start with `/v2/`).
    Foundry,
}

/// Where the service is and how to authenticate; cheap to clone.
#[derive(Debug, Clone, PartialEq)]
pub struct Client {
    build2_url: Rc<str>,
    teams_url: Rc<str>,
    foundry_api_url: Rc<str>,
    token: Option<Rc<str>>,
}

/// A piece of a log, from an offset to what the service had written so far.
#[derive(Debug, Clone, PartialEq)]
pub struct LogChunk {
    pub text: String,
    pub next_offset: u64,
    pub complete: bool,
    /// The bytes of the log in this piece that came from stderr (`Kiln-Log-Stderr`); none
    /// when the service does not say.
    pub stderr: StderrRanges,
}

impl Client {
    pub fn new(config: &RuntimeConfig, token: Option<&str>) -> Self {
        Client {
            build2_url: config.build2_url.trim_end_matches('/').into(),
            teams_url: config.teams_url.trim_end_matches('/').into(),
            foundry_api_url: format!("{}/api", config.foundry_url.as_deref().unwrap_or_default().trim_end_matches('/'))
                .into(),
            token: token.map(Into::into),
        }
    }

    /// The full URL of `path` (which starts with `/` and is already encoded).
    pub fn url(&self, surface: Surface, path: &str) -> String {
        let base = match surface {
            Surface::Build2 => &self.build2_url,
            Surface::Teams => &self.teams_url,
            Surface::Foundry => &self.foundry_api_url,
        };
        format!("{base}{path}")
    }

    fn authorize(&self, builder: RequestBuilder) -> RequestBuilder {
        match &self.token {
            Some(token) => builder.header("Authorization", &format!("Bearer {token}")),
            None => builder,
        }
    }

    async fn send(&self, request: Result<Request, gloo_net::Error>) -> Result<Response, ApiError> {
        let request = request.map_err(|e| ApiError::Encode(e.to_string()))?;
        let response = request.send().await.map_err(|e| ApiError::Network(e.to_string()))?;
        if response.ok() { Ok(response) } else { Err(error_from(response).await) }
    }

    /// GET a JSON answer. A 204 (how build2 says "not found") is `Ok(None)`.
    pub async fn get_json<T: DeserializeOwned>(&self, surface: Surface, path: &str) -> Result<Option<T>, ApiError> {
        let builder = self.authorize(Request::get(&self.url(surface, path)));
        let response = self.send(builder.build()).await?;
        decode_optional(response).await
    }

    /// GET a JSON answer that must be there.
    pub async fn get<T: DeserializeOwned>(&self, surface: Surface, path: &str) -> Result<T, ApiError> {
        self.get_json(surface, path).await?.ok_or_else(no_content)
    }

    /// POST a JSON body; `headers` are extra request headers such as `Kiln-Team`.
    pub async fn post_json<B: Serialize, T: DeserializeOwned>(
        &self,
        surface: Surface,
        path: &str,
        body: &B,
        headers: &[(&str, &str)],
    ) -> Result<Option<T>, ApiError> {
        let mut builder = self.authorize(Request::post(&self.url(surface, path)));
        for (name, value) in headers {
            builder = builder.header(name, value);
        }
        let response = self.send(builder.json(body)).await?;
        decode_optional(response).await
    }

    pub async fn post<B: Serialize, T: DeserializeOwned>(
        &self,
        surface: Surface,
        path: &str,
        body: &B,
    ) -> Result<T, ApiError> {
        self.post_json(surface, path, body, &[]).await?.ok_or_else(no_content)
    }

    pub async fn put<B: Serialize, T: DeserializeOwned>(
        &self,
        surface: Surface,
        path: &str,
        body: &B,
    ) -> Result<T, ApiError> {
        let builder = self.authorize(Request::put(&self.url(surface, path)));
        let response = self.send(builder.json(body)).await?;
        decode_optional(response).await?.ok_or_else(no_content)
    }

    /// A URL the service gave (such as an attempt's `logUrl`, a path on the service's own
    /// host) made absolute: resolved against the teams surface's URL, which is itself
    /// resolved against the page.
    pub fn resolve(&self, href: &str) -> String {
        let page = web_sys::window().and_then(|w| w.location().href().ok()).unwrap_or_default();
        let base = web_sys::Url::new_with_base(&self.teams_url, &page).map(|u| u.href());
        match base.and_then(|base| web_sys::Url::new_with_base(href, &base)) {
            Ok(url) => url.href(),
            Err(_) => href.to_owned(),
        }
    }

    /// GET a piece of a log with its offset headers.
    pub async fn get_log(&self, path: &str) -> Result<LogChunk, ApiError> {
        self.get_log_at(&self.url(Surface::Teams, path)).await
    }

    /// GET a piece of a log from a full URL (see [`Client::resolve`]).
    pub async fn get_log_at(&self, url: &str) -> Result<LogChunk, ApiError> {
        let builder = self.authorize(Request::get(url));
        let response = self.send(builder.build()).await?;
        let headers = response.headers();
        let next_offset = headers.get(LOG_NEXT_OFFSET_HEADER).and_then(|v| v.parse().ok());
        let complete = headers.get(LOG_COMPLETE_HEADER).is_some_and(|v| v == "true");
        // A header we cannot read only loses the marks, not the log.
        let stderr = headers.get(LOG_STDERR_HEADER).and_then(|v| StderrRanges::parse(&v).ok()).unwrap_or_default();
        let text = response.text().await.map_err(|e| ApiError::Decode(e.to_string()))?;
        let next_offset =
            next_offset.ok_or_else(|| ApiError::Decode(format!("missing {LOG_NEXT_OFFSET_HEADER} header")))?;
        Ok(LogChunk { text, next_offset, complete, stderr })
    }
}

fn no_content() -> ApiError {
    ApiError::Decode("the service answered 204 No Content where a body was expected".to_owned())
}

async fn decode_optional<T: DeserializeOwned>(response: Response) -> Result<Option<T>, ApiError> {
    if response.status() == 204 {
        return Ok(None);
    }
    let text = response.text().await.map_err(|e| ApiError::Network(e.to_string()))?;
    serde_json::from_str(&text).map(Some).map_err(|e| ApiError::Decode(e.to_string()))
}

async fn error_from(response: Response) -> ApiError {
    let status = response.status();
    let body = response.text().await.unwrap_or_default();
    let conjure = serde_json::from_str::<ConjureError>(&body).ok();
    match (status, conjure) {
        (401, conjure) => ApiError::Unauthorized(conjure),
        (status, Some(error)) => ApiError::Service { status, error },
        (status, None) => ApiError::Http { status, body },
    }
}

/// Encodes one path segment or query value.
pub fn encode(value: &str) -> String {
    String::from(js_sys::encode_uri_component(value))
}
