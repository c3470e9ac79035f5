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
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use easel_contract::endpoint::{
    call_url, is_api_version, is_deployment_name, with_deployment, Auth, API_VERSION_PARAM, DEPLOYMENTS_EDITS_PATH,
    DEPLOYMENTS_GENERATIONS_PATH, V1_API_VERSION, V1_EDITS_PATH, V1_GENERATIONS_PATH,
};
use easel_contract::failure::ApiError;
use easel_contract::headers::{
    API_KEY_HEADER, RATE_LIMIT_HEADERS, REGION_HEADER, REQUEST_ID_HEADERS, RETRY_AFTER_HEADER, RETRY_AFTER_MS_HEADER,
};
use easel_contract::profiles::{
    LinkSignature, FETCH_THROUGH_EXPIRY_PARAM, FETCH_THROUGH_PARAM, FETCH_THROUGH_PATH, FETCH_THROUGH_SIGNATURE_PARAM,
    LINK_SIGNATURES_HEADER,
};
use easel_contract::request::OutputFormat;
use easel_contract::response::{ImagesResponse, LINK_LIFETIME};
use futures_util::{stream, StreamExt};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use tokio::sync::Semaphore;
use tower_http::cors::{AllowHeaders, AllowOrigin, CorsLayer};

use crate::admission::{host_of, Caller, Hosts, Origins};
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

/// The fetch-through's answer to a link the proxy did not sign, or whose signature expired.
const NOT_PASSED_ON: &str = "This server fetches only image links its proxy passed on, for 24 hours.";

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
    // served from one of them must read the link signatures.
    let cors = CorsLayer::new()
        .allow_origin(AllowOrigin::list(allowed))
        .allow_methods([Method::POST, Method::GET])
        .allow_headers(AllowHeaders::mirror_request())
        .expose_headers([HeaderName::from_static(LINK_SIGNATURES_HEADER)]);
    let in_flight = Arc::new(Semaphore::new(config.max_in_flight));
    let proxy = Arc::new(Proxy { config, hosts: Hosts::of(listen), client, in_flight });
    Router::new()
        .route(FETCH_THROUGH_PATH, get(on_fetch_through))
        .route(DEPLOYMENTS_GENERATIONS_PATH, post(on_deployment))
        .route(DEPLOYMENTS_EDITS_PATH, post(on_deployment))
        .route(V1_GENERATIONS_PATH, post(on_v1))
        .route(V1_EDITS_PATH, post(on_v1))
        .layer(cors)
        .layer(middleware::from_fn_with_state(proxy.clone(), admit))
        .with_state(proxy)
}

/// Admits a request from its head alone, before its body is read: it must name this server as
/// its host (else 421), come from this server's page or an allowed origin (else 403), and, but
/// for a CORS preflight, carry the access token when one is set (else 401) and find a slot
/// among the calls in flight (else 429), which it holds until its answer has gone out.
async fn admit(State(proxy): State<Arc<Proxy>>, request: Request, next: Next) -> Response {
    let host = host_of(request.headers(), request.uri()).unwrap_or_default();
    if !proxy.hosts.accepts(host) {
        return AzureError(ApiError::misdirected(host)).into_response();
    }
    if let Caller::Refused(origin) = proxy.config.allowed_origins.caller(request.headers(), host) {
        return AzureError(ApiError::origin_not_allowed(&origin)).into_response();
    }
    if request.method() == Method::OPTIONS {
        return next.run(request).await;
    }
    if let Some(token) = &proxy.config.access_token {
        // Whatever credential the client sent is checked here, then dropped, never forwarded.
        if let Err(refused) = credentials::check(request.headers(), Some(token)) {
            return AzureError(refused.into()).into_response();
        }
    }
    let Ok(permit) = proxy.in_flight.clone().try_acquire_owned() else {
        let mut response = AzureError(ApiError::proxy_busy(BUSY_RETRY_AFTER_SECS)).into_response();
        for (name, value) in ApiError::retry_after_headers(BUSY_RETRY_AFTER_SECS) {
            let value = HeaderValue::from_str(&value).expect("a number of seconds is a header value");
            response.headers_mut().insert(HeaderName::from_static(name), value);
        }
        return response;
    };
    let (parts, body) = next.run(request).await.into_parts();
    let body = body.map_frame(move |frame| {
        let _held_until_the_answer_is_sent = &permit;
        frame
    });
    Response::from_parts(parts, Body::new(body))
}

async fn on_deployment(
    State(proxy): State<Arc<Proxy>>,
    Path(deployment): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let version = query.get(API_VERSION_PARAM).filter(|version| is_api_version(version));
    let (Some(version), true) = (version, is_deployment_name(&deployment)) else {
        return AzureError(ApiError::resource_not_found()).into_response();
    };
    let template = if uri.path().ends_with("/edits") { DEPLOYMENTS_EDITS_PATH } else { DEPLOYMENTS_GENERATIONS_PATH };
    let path = with_deployment(template, &deployment);
    proxy.forward(&path, version, &headers, body).await
}

async fn on_v1(
    State(proxy): State<Arc<Proxy>>,
    Query(query): Query<HashMap<String, String>>,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let version = query.get(API_VERSION_PARAM).map_or(V1_API_VERSION, String::as_str);
    if version != V1_API_VERSION {
        return AzureError(ApiError::resource_not_found()).into_response();
    }
    let path = if uri.path().ends_with("/edits") { V1_EDITS_PATH } else { V1_GENERATIONS_PATH };
    proxy.forward(path, version, &headers, body).await
}

async fn on_fetch_through(State(proxy): State<Arc<Proxy>>, Query(query): Query<HashMap<String, String>>) -> Response {
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
    let Some(link) = signed else {
        return (StatusCode::NOT_FOUND, NOT_PASSED_ON).into_response();
    };
    let started = Instant::now();
    let fetched = proxy.fetch_image(link).await;
    // The link itself carries the host's signature, so it is not printed.
    let status = if fetched.is_ok() { StatusCode::OK } else { StatusCode::BAD_GATEWAY };
    eprintln!("proxy: GET {FETCH_THROUGH_PATH} -> {} after {} ms", status.as_u16(), started.elapsed().as_millis());
    match fetched {
        Ok((kind, image)) => {
            let headers = [
                (header::CONTENT_TYPE, HeaderValue::from_static(kind.mime())),
                (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
                (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
            ];
            (headers, image).into_response()
        }
        Err(failure) => (status, failure.message(proxy.config.timeout, proxy.config.body_limit)).into_response(),
    }
}

impl Proxy {
    async fn forward(&self, path: &str, api_version: &str, headers: &HeaderMap, body: Body) -> Response {
        let body = match self.read_body(headers, body).await {
            Ok(body) => body,
            Err(refused) => return AzureError(refused).into_response(),
        };
        let started = Instant::now();
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
        let response = match answered {
            Ok(response) => response,
            Err(error) => {
                let (status, code, message) = gateway_error(&error, self.config.timeout);
                eprintln!(
                    "proxy: POST {path} -> {} ({code}) after {} ms",
                    status.as_u16(),
                    started.elapsed().as_millis()
                );
                let body = serde_json::json!({ "error": { "code": code, "message": message } });
                return (status, axum::Json(body)).into_response();
            }
        };
        // Logged when the answer starts back; a streamed one may go on for a while.
        eprintln!("proxy: POST {path} -> {} after {} ms", response.status().as_u16(), started.elapsed().as_millis());
        response
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
    async fn fetch_image(&self, link: &str) -> Result<(OutputFormat, Bytes), FetchFailure> {
        let response = self.client.get(link).send().await.map_err(FetchFailure::Transport)?;
        if !response.status().is_success() {
            return Err(FetchFailure::Refused(response.status()));
        }
        let declared = response.headers().get(header::CONTENT_TYPE).cloned();
        let image = read_within(response, self.config.body_limit).await?;
        let kind = declared.and_then(|declared| raster_image(&declared, &image)).ok_or(FetchFailure::NotAnImage)?;
        Ok((kind, image))
    }
}

/// What the fetch-through passes back: an image in one of the formats the image API makes, whose
/// bytes begin as the type `content_type` declares. Not SVG, which carries script, nor anything
/// a browser might run if the answer were opened as a page.
fn raster_image(content_type: &HeaderValue, bytes: &[u8]) -> Option<OutputFormat> {
    let declared = content_type.to_str().ok()?.split(';').next()?.trim().to_ascii_lowercase();
    OutputFormat::of_bytes(bytes).filter(|found| found.mime() == declared)
}

/// Reads `response`'s body whole if it is at most `limit` bytes.
async fn read_within(mut response: reqwest::Response, limit: usize) -> Result<Bytes, FetchFailure> {
    if response.content_length().is_some_and(|length| length > limit as u64) {
        return Err(FetchFailure::TooLarge);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(FetchFailure::Transport)? {
        if body.len() + chunk.len() > limit {
            return Err(FetchFailure::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.into())
}

/// The status, Azure-style code and message a client of the proxy gets when the upstream could
/// not be reached or did not answer in time.
fn gateway_error(error: &reqwest::Error, timeout: Duration) -> (StatusCode, &'static str, String) {
    if error.is_timeout() {
        let message = format!("The upstream did not answer within {} s.", timeout.as_secs());
        (StatusCode::GATEWAY_TIMEOUT, "Timeout", message)
    } else {
        (StatusCode::BAD_GATEWAY, "BadGateway", "The proxy could not reach the upstream.".to_owned())
    }
}

/// Why the fetch-through could not pass an image on.
#[derive(Debug)]
enum FetchFailure {
    /// The host could not be reached, or did not answer in time.
    Transport(reqwest::Error),
    /// The image is over the body limit.
    TooLarge,
    /// The host answered with something other than success (an expired link, a redirect).
    Refused(reqwest::StatusCode),
    /// The host answered with something other than a PNG, JPEG or WebP image.
    NotAnImage,
}

impl FetchFailure {
    /// What went wrong, in a sentence for the tile.
    fn message(&self, timeout: Duration, limit: usize) -> String {
        match self {
            FetchFailure::Transport(error) if error.is_timeout() => {
                format!("The image host did not answer within {} s.", timeout.as_secs())
            }
            FetchFailure::Transport(_) => "The image host could not be reached.".to_owned(),
            FetchFailure::TooLarge => format!("The image is larger than {limit} bytes."),
            FetchFailure::Refused(status) => format!("The image host answered {status}."),
            FetchFailure::NotAnImage => {
                "The image host answered with something other than a PNG, JPEG or WebP image.".to_owned()
            }
        }
    }
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
