//! One generic request path for every endpoint: URL building, the bearer token, and the
//! mapping from HTTP status and Conjure bodies to `ApiError`. It also notes when each
//! surface last answered a request, with a success or not, so the header's health check
//! need not ask a surface the page's own traffic has just heard from, and asks at once one
//! whose request failed (see `health`).

use std::cell::RefCell;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

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

/// When each surface (by its base URL) last answered a request with a success, and when
/// one last failed (an error status or no answer), in epoch milliseconds; and who waits to
/// hear. A success says the surface is there. A failure may be about the thing asked for
/// (a 404, a 401), not the surface, so it only tells the health check to ask the surface
/// itself now rather than wait.
#[derive(Default)]
struct Heard {
    ok_at: HashMap<Rc<str>, f64>,
    failed_at: HashMap<Rc<str>, f64>,
    waiting: Vec<Waker>,
}

thread_local! {
    static HEARD: RefCell<Heard> = RefCell::new(Heard::default());
}

/// Resolves once `surface` has answered, or failed to, since `since` (see
/// [`Client::until_heard`]).
struct HeardFrom<'a> {
    client: &'a Client,
    surface: Surface,
    since: f64,
}

impl Future for HeardFrom<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.client.answered_since(self.surface, self.since) || self.client.failed_since(self.surface, self.since) {
            return Poll::Ready(());
        }
        HEARD.with(|h| h.borrow_mut().waiting.push(cx.waker().clone()));
        Poll::Pending
    }
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
        format!("{}{path}", self.base(surface))
    }

    fn base(&self, surface: Surface) -> &Rc<str> {
        match surface {
            Surface::Build2 => &self.build2_url,
            Surface::Teams => &self.teams_url,
            Surface::Foundry => &self.foundry_api_url,
        }
    }

    /// Notes that `surface` answered a request with a success (`ok`) or failed to, just now.
    fn note(&self, surface: Surface, ok: bool) {
        let base = self.base(surface).clone();
        let waiting = HEARD.with(|h| {
            let mut heard = h.borrow_mut();
            let at = if ok { &mut heard.ok_at } else { &mut heard.failed_at };
            at.insert(base, js_sys::Date::now());
            std::mem::take(&mut heard.waiting)
        });
        waiting.into_iter().for_each(Waker::wake);
    }

    /// Whether `surface` answered a request with a success at or after `since` (epoch ms).
    pub fn answered_since(&self, surface: Surface, since: f64) -> bool {
        let base = self.base(surface);
        HEARD.with(|h| h.borrow().ok_at.get(base).is_some_and(|&at| at >= since))
    }

    /// Whether a request to `surface` failed at or after `since` (epoch ms).
    fn failed_since(&self, surface: Surface, since: f64) -> bool {
        let base = self.base(surface);
        HEARD.with(|h| h.borrow().failed_at.get(base).is_some_and(|&at| at >= since))
    }

    /// Resolves once a request to `surface` has been answered, with a success or not, since
    /// `since`.
    pub fn until_heard(&self, surface: Surface, since: f64) -> impl Future<Output = ()> + '_ {
        HeardFrom { client: self, surface, since }
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

    /// [`Client::send`] to one of the surfaces, noting how it answered for the health check.
    async fn exchange(
        &self,
        surface: Surface,
        request: Result<Request, gloo_net::Error>,
    ) -> Result<Response, ApiError> {
        let answer = self.send(request).await;
        // A request the browser could not even build never reached the surface.
        if !matches!(answer, Err(ApiError::Encode(_))) {
            self.note(surface, answer.is_ok());
        }
        answer
    }

    /// GET a JSON answer. A 204 (how build2 says "not found") is `Ok(None)`.
    pub async fn get_json<T: DeserializeOwned>(&self, surface: Surface, path: &str) -> Result<Option<T>, ApiError> {
        let builder = self.authorize(Request::get(&self.url(surface, path)));
        let response = self.exchange(surface, builder.build()).await?;
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
        let response = self.exchange(surface, builder.json(body)).await?;
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
        let response = self.exchange(surface, builder.json(body)).await?;
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
