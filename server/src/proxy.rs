//! Proxy mode: the image endpoints, and nothing else, forwarded to one Azure resource, with the
//! credential added here so it never reaches the browser.
//!
//! It is never an open proxy: the upstream is fixed at start-up; only POST to the four image
//! paths is routed; the deployment and api-version are checked by the contract's rules and the
//! upstream URL is built from them, never from the request's own URL or Host. Before a body is
//! read, a request must name this server as its host, come from this server's own page or an
//! allowed origin, carry the access token when one is set, and find a slot among the calls in
//! flight. The one GET, [`FETCH_THROUGH_PATH`], fetches only an image link this proxy (or a
//! replica sharing its link secret) signed in the last 24 hours, and sends it no credential.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::{Body, Bytes};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, Request, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use easel_contract::api_error::ApiError;
use easel_contract::endpoint::{
    call_url, is_deployment_name, with_deployment, Auth, DEPLOYMENTS_EDITS_PATH, DEPLOYMENTS_GENERATIONS_PATH,
    V1_EDITS_PATH, V1_GENERATIONS_PATH,
};
use easel_contract::headers::{
    API_KEY_HEADER, RATE_LIMIT_HEADERS, REGION_HEADER, REQUEST_ID_HEADERS, RETRY_AFTER_HEADER, RETRY_AFTER_MS_HEADER,
};
use easel_contract::profiles::{
    LinkSignature, FETCH_THROUGH_EXPIRY_PARAM, FETCH_THROUGH_PARAM, FETCH_THROUGH_PATH, FETCH_THROUGH_SIGNATURE_PARAM,
    LINK_SIGNATURES_HEADER,
};
use easel_contract::response::{ImagesResponse, LINK_LIFETIME};
use easel_contract::wire::OutputFormat;
use futures_util::{stream, StreamExt};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use tokio::sync::Semaphore;
use tower_http::cors::AllowOrigin;
use tower_http::trace::TraceLayer;
use tracing::Span;

use crate::admission::{host_of, Caller, Hosts, Origins};
use crate::api::{self, ApiRoute, ApiVersion, DeploymentInUrl};
use crate::azure_error::AzureError;
use crate::credentials;
use crate::links::LinkSecret;

/// Where and how the proxy forwards, and whom it answers.
#[derive(Clone)]
pub struct ProxyConfig {
    /// `https://NAME.openai.azure.com`: the one upstream, checked at start-up.
    pub upstream: String,
    /// The credential added to every forwarded call.
    pub credential: Auth,
    /// The token clients must send (as `api-key` or a bearer token); required when the server
    /// listens beyond loopback.
    pub access_token: Option<String>,
    /// The origins besides the server's own whose pages may call it.
    pub allowed_origins: Origins,
    /// How long the upstream, or an image host, may take.
    pub timeout: Duration,
    /// The largest request body forwarded (edits carry images), and the largest image fetched
    /// through.
    pub body_limit: usize,
    /// How long a request's body may take to arrive.
    pub body_timeout: Duration,
    /// Calls through the proxy at once, fetch-throughs included; more get a 429.
    pub max_in_flight: usize,
    /// Signs the image links passed on; replicas sharing it accept each other's links.
    pub link_secret: LinkSecret,
}

impl ProxyConfig {
    /// A proxy to `upstream` adding `credential`, with the command line's defaults: no access
    /// token, no other origin, 180 s for the upstream, 64 MiB and 60 s for a body, 32 calls in
    /// flight, and a link secret of this process alone.
    pub fn new(upstream: impl Into<String>, credential: Auth) -> ProxyConfig {
        ProxyConfig {
            upstream: upstream.into(),
            credential,
            access_token: None,
            allowed_origins: Origins::default(),
            timeout: Duration::from_secs(180),
            body_limit: 64 * 1024 * 1024,
            body_timeout: Duration::from_secs(60),
            max_in_flight: 32,
            link_secret: LinkSecret::random(),
        }
    }
}

/// How much of a successful JSON answer is held back to sign its image links: a `url` answer is
/// a few hundred bytes, and anything longer (a `b64_json` answer) holds no link and streams on.
const LINKS_READ_LIMIT: usize = 256 * 1024;

/// The wait a 429 for a full proxy asks for: a generation takes seconds.
const BUSY_RETRY_AFTER_SECS: u32 = 2;

/// Response headers worth passing back: the body's type, and the headers of the API a client
/// needs to wait or to quote (the contract names them).
fn passed_back() -> impl Iterator<Item = &'static str> {
    let single = [header::CONTENT_TYPE.as_str(), RETRY_AFTER_HEADER, RETRY_AFTER_MS_HEADER, REGION_HEADER];
    single.into_iter().chain(RATE_LIMIT_HEADERS.iter().copied()).chain(REQUEST_ID_HEADERS.iter().copied())
}

struct Proxy {
    config: ProxyConfig,
    /// The host names the server answers to.
    hosts: Hosts,
    /// Keeps no cookies, adds no credential of its own and follows no redirect.
    client: reqwest::Client,
    in_flight: Arc<Semaphore>,
}

/// The proxy's routes, for a server listening on `listen`: POST to the four image paths, and GET
/// of the fetch-through, each admitted (see [`admit`]) before anything else is done.
pub fn routes(config: ProxyConfig, listen: SocketAddr) -> Router {
    let client = reqwest::Client::builder()
        .timeout(config.timeout)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a client with rustls and the system's roots builds");
    let allowed = config.allowed_origins.as_slice().iter().filter_map(|origin| HeaderValue::from_str(origin).ok());
    // Same-origin calls need no CORS; only the allowed origins get its headers, and the app
    // served from one of them must fetch through and read the link signatures.
    let cors = api::cors(AllowOrigin::list(allowed))
        .allow_methods([Method::POST, Method::GET])
        .expose_headers([HeaderName::from_static(LINK_SIGNATURES_HEADER)]);
    // Each call is logged once its answer starts back (a streamed one may go on for a while),
    // refused ones too: its method, its path alone (a query may hold an image link, which
    // carries its host's signature), the status and the milliseconds taken.
    let logged = TraceLayer::new_for_http()
        .make_span_with(
            |request: &Request| tracing::info_span!("proxy", method = %request.method(), path = %request.uri().path()),
        )
        .on_request(())
        .on_response(|response: &Response, elapsed: Duration, _: &Span| {
            tracing::info!(status = response.status().as_u16(), elapsed_ms = elapsed.as_millis() as u64, "answered");
        })
        .on_failure(());
    let in_flight = Arc::new(Semaphore::new(config.max_in_flight));
    let proxy = Arc::new(Proxy { config, hosts: Hosts::of(listen), client, in_flight });
    Router::new()
        .route(FETCH_THROUGH_PATH, get(on_fetch_through))
        .route(DEPLOYMENTS_GENERATIONS_PATH, post(on_deployment))
        .route(DEPLOYMENTS_EDITS_PATH, post(on_deployment))
        .route(V1_GENERATIONS_PATH, post(on_v1))
        .route(V1_EDITS_PATH, post(on_v1))
        // Before the layers, so a 405 is admitted and goes through CORS as every answer does.
        .method_not_allowed_fallback(api::method_not_allowed)
        .layer(cors)
        .layer(middleware::from_fn_with_state(proxy.clone(), admit))
        .layer(logged)
        .with_state(proxy)
}

/// Admits a request from its head alone, before its body is read: it must name this server as
/// its host (else 421), come from this server's page or an allowed origin (else 403), and, but
/// for a CORS preflight, carry the access token when one is set (else 401) and find a slot
/// among the calls in flight (else 429), which it holds until its answer has gone out.
async fn admit(State(proxy): State<Arc<Proxy>>, request: Request, next: Next) -> Result<Response, AzureError> {
    let host = host_of(request.headers(), request.uri()).unwrap_or_default();
    if !proxy.hosts.accepts(host) {
        return Err(ApiError::misdirected(host).into());
    }
    if let Caller::Refused(origin) = proxy.config.allowed_origins.caller(request.headers(), host) {
        return Err(ApiError::origin_not_allowed(&origin).into());
    }
    if request.method() == Method::OPTIONS {
        return Ok(next.run(request).await);
    }
    if let Some(token) = &proxy.config.access_token {
        // Whatever credential the client sent is checked here, then dropped, never forwarded.
        credentials::check(request.headers(), Some(token))?;
    }
    let permit =
        proxy.in_flight.clone().try_acquire_owned().map_err(|_| ApiError::proxy_busy(BUSY_RETRY_AFTER_SECS))?;
    let (parts, body) = next.run(request).await.into_parts();
    let body = body.map_frame(move |frame| {
        let _held_until_the_answer_is_sent = &permit;
        frame
    });
    Ok(Response::from_parts(parts, Body::new(body)))
}

async fn on_deployment(
    State(proxy): State<Arc<Proxy>>,
    route: ApiRoute,
    ApiVersion(version): ApiVersion,
    DeploymentInUrl(deployment): DeploymentInUrl,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, AzureError> {
    // Only a name that is one path segment as typed goes into the upstream's URL.
    if !is_deployment_name(&deployment) {
        return Err(ApiError::resource_not_found().into());
    }
    proxy.forward(&with_deployment(route.path(), &deployment), &version, &headers, body).await
}

async fn on_v1(
    State(proxy): State<Arc<Proxy>>,
    route: ApiRoute,
    ApiVersion(version): ApiVersion,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, AzureError> {
    proxy.forward(route.path(), &version, &headers, body).await
}

async fn on_fetch_through(
    State(proxy): State<Arc<Proxy>>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Response, AzureError> {
    let query = query.map(|Query(query)| query).unwrap_or_default();
    let param = |name: &str| query.get(name).map(String::as_str);
    let signed =
        match (param(FETCH_THROUGH_PARAM), param(FETCH_THROUGH_EXPIRY_PARAM), param(FETCH_THROUGH_SIGNATURE_PARAM)) {
            (Some(link), Some(expires), Some(signature)) => expires
                .parse()
                .ok()
                .filter(|expires| proxy.config.link_secret.holds(link, *expires, signature, unix_now()))
                .map(|_| link),
            _ => None,
        };
    let link = signed.ok_or_else(ApiError::link_not_passed_on)?;
    let (kind, image) = proxy.fetch_image(link).await?;
    let headers = [
        (header::CONTENT_TYPE, HeaderValue::from_static(kind.mime())),
        (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
    ];
    Ok((headers, image).into_response())
}

impl Proxy {
    async fn forward(
        &self,
        path: &str,
        api_version: &str,
        headers: &HeaderMap,
        body: Body,
    ) -> Result<Response, AzureError> {
        let body = self.read_body(headers, body).await?;
        let url = call_url(&self.config.upstream, path, api_version);
        let mut call = self.client.post(&url).body(body);
        // Only the body's type travels up (multipart edits need its boundary); the client's own
        // credentials, cookies and Host never do.
        if let Some(content_type) = headers.get(header::CONTENT_TYPE) {
            call = call.header(header::CONTENT_TYPE, content_type);
        }
        call = match &self.config.credential {
            Auth::ApiKey(key) => call.header(API_KEY_HEADER, key),
            Auth::Bearer(token) => call.bearer_auth(token),
            Auth::None => call,
        };
        let answered = match call.send().await {
            Ok(response) => self.pass_back(response).await,
            Err(error) => Err(error),
        };
        answered.map_err(|cause| self.unreachable(cause, ApiError::upstream_timeout, ApiError::upstream_unreachable))
    }

    /// What the client is told when a host this proxy called failed with `cause`: `timed_out`
    /// (given the seconds it waited) when it did not answer in time, else `unreachable`.
    fn unreachable(
        &self,
        cause: reqwest::Error,
        timed_out: fn(u64) -> ApiError,
        unreachable: fn() -> ApiError,
    ) -> AzureError {
        let answer = if cause.is_timeout() { timed_out(self.config.timeout.as_secs()) } else { unreachable() };
        AzureError::unreachable(cause, answer)
    }

    /// The request's body, within the body limit and the body timeout.
    async fn read_body(&self, headers: &HeaderMap, body: Body) -> Result<Bytes, ApiError> {
        let limit = self.config.body_limit;
        let declared = headers.get(header::CONTENT_LENGTH).and_then(|length| length.to_str().ok()?.parse::<u64>().ok());
        if declared.is_some_and(|length| length > limit as u64) {
            return Err(ApiError::body_too_large(limit));
        }
        match tokio::time::timeout(self.config.body_timeout, Limited::new(body, limit).collect()).await {
            Ok(Ok(collected)) => Ok(collected.to_bytes()),
            Ok(Err(error)) if error.is::<LengthLimitError>() => Err(ApiError::body_too_large(limit)),
            Ok(Err(error)) => Err(ApiError::malformed_body(error)),
            Err(_) => Err(ApiError::body_timeout(self.config.body_timeout.as_secs())),
        }
    }

    /// The upstream's answer as it goes back: status and the headers worth passing, and the body
    /// as it comes. A successful JSON answer short enough to hold image links is read whole
    /// first, to sign them ([`LINK_SIGNATURES_HEADER`]); its bytes go back unchanged.
    async fn pass_back(&self, response: reqwest::Response) -> Result<Response, reqwest::Error> {
        let status = StatusCode::from_u16(response.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
        let mut passed = HeaderMap::new();
        for name in passed_back() {
            if let Some(value) =
                response.headers().get(name).and_then(|value| HeaderValue::from_bytes(value.as_bytes()).ok())
            {
                passed.insert(HeaderName::from_static(name), value);
            }
        }
        let is_json = passed
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| value.trim().to_ascii_lowercase().starts_with("application/json"));
        let may_hold_links = status.is_success()
            && is_json
            && response.content_length().is_none_or(|length| length <= LINKS_READ_LIMIT as u64);
        if !may_hold_links {
            return Ok((status, passed, Body::from_stream(response.bytes_stream())).into_response());
        }
        let mut rest = response.bytes_stream();
        let mut read = Vec::new();
        while read.len() <= LINKS_READ_LIMIT {
            match rest.next().await.transpose()? {
                Some(chunk) => read.extend_from_slice(&chunk),
                None => {
                    if let Some(signatures) = self.sign_links(&read) {
                        passed.insert(HeaderName::from_static(LINK_SIGNATURES_HEADER), signatures);
                    }
                    return Ok((status, passed, read).into_response());
                }
            }
        }
        let body = stream::once(async { Ok(Bytes::from(read)) }).chain(rest);
        Ok((status, passed, Body::from_stream(body)).into_response())
    }

    /// [`LINK_SIGNATURES_HEADER`] for an images answer with links; other bodies have none.
    fn sign_links(&self, body: &[u8]) -> Option<HeaderValue> {
        let answer = serde_json::from_slice::<ImagesResponse>(body).ok()?;
        let expires = unix_now() + LINK_LIFETIME.as_secs() as i64;
        let signatures: Vec<_> = answer
            .data
            .iter()
            .map(|image| image.url.as_deref().map(|link| self.config.link_secret.sign(link, expires)))
            .collect();
        if signatures.iter().all(Option::is_none) {
            return None;
        }
        HeaderValue::from_str(&LinkSignature::header(&signatures)).ok()
    }

    /// A plain GET of `link`: the client adds no credential, cookie or referrer and follows no
    /// redirect, so the host learns nothing of the server's key or of the browser, and the
    /// fetch cannot be bounced to a host the upstream did not name.
    async fn fetch_image(&self, link: &str) -> Result<(OutputFormat, Bytes), AzureError> {
        let unreachable =
            |cause| self.unreachable(cause, ApiError::image_host_timeout, ApiError::image_host_unreachable);
        let limit = self.config.body_limit;
        let mut response = self.client.get(link).send().await.map_err(unreachable)?;
        if !response.status().is_success() {
            return Err(ApiError::image_host_refused(response.status()).into());
        }
        if response.content_length().is_some_and(|length| length > limit as u64) {
            return Err(ApiError::image_too_large(limit).into());
        }
        let declared = response.headers().get(header::CONTENT_TYPE).cloned();
        let mut image = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(unreachable)? {
            if image.len() + chunk.len() > limit {
                return Err(ApiError::image_too_large(limit).into());
            }
            image.extend_from_slice(&chunk);
        }
        let kind = declared.and_then(|declared| raster_image(&declared, &image)).ok_or_else(ApiError::not_an_image)?;
        Ok((kind, image.into()))
    }
}

/// What the fetch-through passes back: an image in one of the formats the image API makes, whose
/// bytes begin as the type `content_type` declares. Not SVG, which carries script, nor anything
/// a browser might run if the answer were opened as a page.
fn raster_image(content_type: &HeaderValue, bytes: &[u8]) -> Option<OutputFormat> {
    let declared = content_type.to_str().ok()?.split(';').next()?.trim().to_ascii_lowercase();
    OutputFormat::of_bytes(bytes).filter(|found| found.mime() == declared)
}

fn unix_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_secs() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_png_jpeg_and_webp_that_are_what_they_say_are_passed_on() {
        let png = b"\x89PNG\r\n\x1a\n....".as_slice();
        let jpeg = b"\xff\xd8\xff\xe0....".as_slice();
        let webp = b"RIFF\x10\0\0\0WEBPVP8 ".as_slice();
        for (content_type, bytes, passed) in [
            ("image/png", png, Some(OutputFormat::Png)),
            ("IMAGE/PNG; charset=binary", png, Some(OutputFormat::Png)),
            ("image/jpeg", jpeg, Some(OutputFormat::Jpeg)),
            ("image/webp", webp, Some(OutputFormat::Webp)),
            ("image/png", jpeg, None),
            ("image/png", b"<html><script>1</script>".as_slice(), None),
            ("image/gif", b"GIF89a....".as_slice(), None),
            ("image/svg+xml", b"<svg/>".as_slice(), None),
            ("text/html", png, None),
            ("application/octet-stream", png, None),
        ] {
            assert_eq!(raster_image(&HeaderValue::from_static(content_type), bytes), passed, "{content_type}");
        }
    }
}
