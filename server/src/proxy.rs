//! Proxy mode: the image endpoints, and nothing else, forwarded to one Azure resource, with the
//! credential added here so it never reaches the browser.
//!
//! It is never an open proxy: the upstream is fixed at start-up; only POST to the four image
//! paths is routed; the deployment and api-version are checked by the contract's rules and the
//! upstream URL is built from them, never from the request's own URL or Host. The one GET,
//! [`FETCH_THROUGH_PATH`], fetches only an image link the upstream itself answered with in the
//! last 24 hours, matched exactly, and sends it no credential.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use easel_contract::endpoint::{
    is_api_version, is_deployment_name, Auth, API_KEY_HEADER, API_VERSION_PARAM, DEPLOYMENTS_EDITS_PATH,
    DEPLOYMENTS_GENERATIONS_PATH, V1_API_VERSION, V1_EDITS_PATH, V1_GENERATIONS_PATH,
};
use easel_contract::failure::ApiError;
use easel_contract::profiles::{FETCH_THROUGH_PARAM, FETCH_THROUGH_PATH};
use easel_contract::response::{ImagesResponse, LINK_LIFETIME};
use tower_http::cors::{AllowHeaders, Any, CorsLayer};

use crate::azure_error::AzureError;
use crate::credentials;

/// Where and how the proxy forwards.
#[derive(Clone)]
pub struct ProxyConfig {
    /// `https://NAME.openai.azure.com`: the one upstream, checked at start-up.
    pub upstream: String,
    /// The credential added to every forwarded call.
    pub credential: Auth,
    /// The token clients must send (as `api-key` or a bearer token); required when the server
    /// listens beyond loopback.
    pub access_token: Option<String>,
    /// How long the upstream, or an image host, may take.
    pub timeout: Duration,
    /// The largest request body forwarded (edits carry images), and the largest image fetched
    /// through.
    pub body_limit: usize,
}

/// How many image links the proxy keeps for the fetch-through; a team's day of images.
const LINKS_KEPT: usize = 10_000;

/// The fetch-through's answer to a link the proxy did not pass on.
const NOT_PASSED_ON: &str = "This server fetches only image links its proxy passed on, for 24 hours.";

/// Response headers worth passing back: the body's type, and the rate-limit and request-id
/// headers a client needs to wait or to quote.
const PASSED_BACK: &[&str] = &[
    "content-type",
    "retry-after",
    "retry-after-ms",
    "x-ratelimit-limit-requests",
    "x-ratelimit-remaining-requests",
    "x-ratelimit-reset-requests",
    "x-ratelimit-limit-tokens",
    "x-ratelimit-remaining-tokens",
    "apim-request-id",
    "x-request-id",
    "x-ms-region",
];

struct Proxy {
    config: ProxyConfig,
    /// Keeps no cookies, adds no credential of its own and follows no redirect.
    client: reqwest::Client,
    passed_on: Mutex<PassedOn>,
}

/// The proxy's routes: POST to the four image paths, and GET of the fetch-through.
pub fn routes(config: ProxyConfig) -> Router {
    let client = reqwest::Client::builder()
        .timeout(config.timeout)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a client with rustls and the system's roots builds");
    let body_limit = config.body_limit;
    let passed_on = Mutex::new(PassedOn::new(LINKS_KEPT, LINK_LIFETIME));
    let proxy = Arc::new(Proxy { config, client, passed_on });
    let cors = CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::POST, Method::GET])
        .allow_headers(AllowHeaders::mirror_request());
    Router::new()
        .route(FETCH_THROUGH_PATH, get(on_fetch_through))
        .route(DEPLOYMENTS_GENERATIONS_PATH, post(on_deployment))
        .route(DEPLOYMENTS_EDITS_PATH, post(on_deployment))
        .route(V1_GENERATIONS_PATH, post(on_v1))
        .route(V1_EDITS_PATH, post(on_v1))
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(cors)
        .with_state(proxy)
}

async fn on_deployment(
    State(proxy): State<Arc<Proxy>>,
    Path(deployment): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let version = query.get(API_VERSION_PARAM).filter(|version| is_api_version(version));
    let (Some(version), true) = (version, is_deployment_name(&deployment)) else {
        return AzureError(ApiError::resource_not_found()).into_response();
    };
    let template = if uri.path().ends_with("/edits") { DEPLOYMENTS_EDITS_PATH } else { DEPLOYMENTS_GENERATIONS_PATH };
    let path = template.replace("{deployment}", &deployment);
    proxy.forward(&path, version, &headers, body).await
}

async fn on_v1(
    State(proxy): State<Arc<Proxy>>,
    Query(query): Query<HashMap<String, String>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let version = query.get(API_VERSION_PARAM).map_or(V1_API_VERSION, String::as_str);
    if version != V1_API_VERSION {
        return AzureError(ApiError::resource_not_found()).into_response();
    }
    let path = if uri.path().ends_with("/edits") { V1_EDITS_PATH } else { V1_GENERATIONS_PATH };
    proxy.forward(path, version, &headers, body).await
}

async fn on_fetch_through(
    State(proxy): State<Arc<Proxy>>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    if let Err(refused) = proxy.admit(&headers) {
        return AzureError(refused.into()).into_response();
    }
    let Some(link) = query.get(FETCH_THROUGH_PARAM).filter(|link| proxy.was_passed_on(link)) else {
        return (StatusCode::NOT_FOUND, NOT_PASSED_ON).into_response();
    };
    let started = Instant::now();
    let fetched = proxy.fetch_image(link).await;
    // The link itself carries the host's signature, so it is not printed.
    let status = if fetched.is_ok() { StatusCode::OK } else { StatusCode::BAD_GATEWAY };
    eprintln!("proxy: GET {FETCH_THROUGH_PATH} -> {} after {} ms", status.as_u16(), started.elapsed().as_millis());
    match fetched {
        Ok((content_type, image)) => {
            let headers = [
                (header::CONTENT_TYPE, content_type),
                (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
                (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
            ];
            (headers, image).into_response()
        }
        Err(failure) => (status, failure.message(proxy.config.timeout, proxy.config.body_limit)).into_response(),
    }
}

impl Proxy {
    /// With an access token configured, the client must send it, on every route alike.
    fn admit(&self, headers: &HeaderMap) -> Result<(), credentials::Refused> {
        match &self.config.access_token {
            Some(token) => credentials::check(headers, Some(token)),
            None => Ok(()),
        }
    }

    async fn forward(&self, path: &str, api_version: &str, headers: &HeaderMap, body: Bytes) -> Response {
        // Whatever credential the client sent is checked here, then dropped, never forwarded.
        if let Err(refused) = self.admit(headers) {
            return AzureError(refused.into()).into_response();
        }
        let started = Instant::now();
        let url = format!("{}{path}?{API_VERSION_PARAM}={api_version}", self.config.upstream);
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
            Ok(response) => self.read_answer(response).await,
            Err(error) => Err(ReadFailure::Transport(error)),
        };
        let (status, passed, body) = match answered {
            Ok(answer) => answer,
            Err(failure) => {
                let (status, code, message) = failure.gateway_error(self.config.timeout, self.config.body_limit);
                eprintln!(
                    "proxy: POST {path} -> {} ({code}) after {} ms",
                    status.as_u16(),
                    started.elapsed().as_millis()
                );
                let body = serde_json::json!({ "error": { "code": code, "message": message } });
                return (status, axum::Json(body)).into_response();
            }
        };
        eprintln!("proxy: POST {path} -> {} after {} ms", status.as_u16(), started.elapsed().as_millis());
        (status, passed, body).into_response()
    }

    /// The upstream's answer as it goes back. A successful one is read whole first, so its image
    /// links are kept before the client can ask for them; its bytes go back unchanged.
    async fn read_answer(&self, response: reqwest::Response) -> Result<(StatusCode, HeaderMap, Body), ReadFailure> {
        let status = StatusCode::from_u16(response.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
        let mut passed = HeaderMap::new();
        for name in PASSED_BACK {
            if let Some(value) =
                response.headers().get(*name).and_then(|value| HeaderValue::from_bytes(value.as_bytes()).ok())
            {
                passed.insert(HeaderName::from_static(name), value);
            }
        }
        if !status.is_success() {
            return Ok((status, passed, Body::from_stream(response.bytes_stream())));
        }
        let body = match read_within(response, self.config.body_limit).await? {
            Read::Whole(body) => {
                self.keep_links(&body);
                Body::from(body)
            }
            Read::Declared(response) => Body::from_stream(response.bytes_stream()),
        };
        Ok((status, passed, body))
    }

    /// Keeps the image links of an images answer; any other body has none to keep.
    fn keep_links(&self, body: &[u8]) {
        let Ok(answer) = serde_json::from_slice::<ImagesResponse>(body) else {
            return;
        };
        let mut passed_on = self.passed_on.lock().unwrap_or_else(PoisonError::into_inner);
        // Taken under the lock, so sightings are kept in the order of their times.
        let now = Instant::now();
        for link in answer.data.into_iter().filter_map(|image| image.url) {
            passed_on.keep(link, now);
        }
    }

    fn was_passed_on(&self, link: &str) -> bool {
        self.passed_on.lock().unwrap_or_else(PoisonError::into_inner).holds(link, Instant::now())
    }

    /// A plain GET of `link`: the client adds no credential, cookie or referrer and follows no
    /// redirect, so the host learns nothing of the server's key or of the browser, and the
    /// fetch cannot be bounced to a host the upstream did not name.
    async fn fetch_image(&self, link: &str) -> Result<(HeaderValue, Bytes), FetchFailure> {
        let response = self.client.get(link).send().await.map_err(ReadFailure::Transport)?;
        if !response.status().is_success() {
            return Err(FetchFailure::Refused(response.status()));
        }
        let content_type = response
            .headers()
            .get(header::CONTENT_TYPE)
            .filter(|value| is_raster_image(value))
            .cloned()
            .ok_or(FetchFailure::NotAnImage)?;
        match read_within(response, self.config.body_limit).await? {
            Read::Whole(image) => Ok((content_type, image)),
            Read::Declared(_) => Err(ReadFailure::TooLarge.into()),
        }
    }
}

/// `image/png`, `image/jpeg`, `image/webp`...: an image, but not SVG, which carries script and
/// would run on this server's origin if the link were opened as a page.
fn is_raster_image(content_type: &HeaderValue) -> bool {
    let content_type = content_type.to_str().unwrap_or_default().trim().to_ascii_lowercase();
    content_type.starts_with("image/") && !content_type.starts_with("image/svg")
}

/// How a body was read.
enum Read {
    /// Whole, within the limit.
    Whole(Bytes),
    /// Not read: its declared length is over the limit.
    Declared(reqwest::Response),
}

/// Reads `response`'s body whole if it is at most `limit` bytes. One that declares more is left
/// unread; one that turns out longer than the limit without having said so is a failure.
async fn read_within(mut response: reqwest::Response, limit: usize) -> Result<Read, ReadFailure> {
    if response.content_length().is_some_and(|length| length > limit as u64) {
        return Ok(Read::Declared(response));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(ReadFailure::Transport)? {
        if body.len() + chunk.len() > limit {
            return Err(ReadFailure::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Read::Whole(body.into()))
}

/// Why an answer could not be read.
#[derive(Debug)]
enum ReadFailure {
    /// The host could not be reached, or did not answer in time.
    Transport(reqwest::Error),
    /// The body went on past the limit.
    TooLarge,
}

impl ReadFailure {
    /// The status, Azure-style code and message a client of the proxy gets.
    fn gateway_error(&self, timeout: Duration, limit: usize) -> (StatusCode, &'static str, String) {
        match self {
            ReadFailure::Transport(error) if error.is_timeout() => (
                StatusCode::GATEWAY_TIMEOUT,
                "Timeout",
                format!("The upstream did not answer within {} s.", timeout.as_secs()),
            ),
            ReadFailure::Transport(_) => {
                (StatusCode::BAD_GATEWAY, "BadGateway", "The proxy could not reach the upstream.".to_owned())
            }
            ReadFailure::TooLarge => (
                StatusCode::BAD_GATEWAY,
                "BadGateway",
                format!("The upstream's answer went on past {limit} bytes without saying how long it was."),
            ),
        }
    }
}

/// Why the fetch-through could not pass an image on.
#[derive(Debug)]
enum FetchFailure {
    /// The image could not be read.
    Read(ReadFailure),
    /// The host answered with something other than success (an expired link, a redirect).
    Refused(StatusCode),
    /// The host answered with something other than a raster image.
    NotAnImage,
}

impl From<ReadFailure> for FetchFailure {
    fn from(failure: ReadFailure) -> Self {
        FetchFailure::Read(failure)
    }
}

impl FetchFailure {
    /// What went wrong, in a sentence for the tile.
    fn message(&self, timeout: Duration, limit: usize) -> String {
        match self {
            FetchFailure::Read(ReadFailure::Transport(error)) if error.is_timeout() => {
                format!("The image host did not answer within {} s.", timeout.as_secs())
            }
            FetchFailure::Read(ReadFailure::Transport(_)) => "The image host could not be reached.".to_owned(),
            FetchFailure::Read(ReadFailure::TooLarge) => format!("The image is larger than {limit} bytes."),
            FetchFailure::Refused(status) => format!("The image host answered {status}."),
            FetchFailure::NotAnImage => "The image host answered with something other than an image.".to_owned(),
        }
    }
}

/// The image links the proxy passed on, each kept from when it was last seen until Azure stops
/// serving it, and at most `capacity` of them, the oldest dropped first: what the fetch-through
/// may fetch, and all it may.
struct PassedOn {
    /// Each link, with when it was last seen.
    links: HashMap<String, Instant>,
    /// Every sighting, oldest first; a link seen again also has an older, outdated entry here.
    seen: VecDeque<(String, Instant)>,
    capacity: usize,
    lifetime: Duration,
}

impl PassedOn {
    fn new(capacity: usize, lifetime: Duration) -> PassedOn {
        PassedOn { links: HashMap::new(), seen: VecDeque::new(), capacity, lifetime }
    }

    fn keep(&mut self, link: String, now: Instant) {
        while self.seen.front().is_some_and(|(_, at)| now.duration_since(*at) >= self.lifetime) {
            self.drop_oldest();
        }
        self.links.insert(link.clone(), now);
        self.seen.push_back((link, now));
        while self.seen.len() > self.capacity {
            self.drop_oldest();
        }
    }

    fn holds(&self, link: &str, now: Instant) -> bool {
        self.links.get(link).is_some_and(|at| now.duration_since(*at) < self.lifetime)
    }

    fn drop_oldest(&mut self) {
        if let Some((link, at)) = self.seen.pop_front() {
            // An outdated sighting must not take away a link seen again since.
            if self.links.get(&link) == Some(&at) {
                self.links.remove(&link);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_links_kept_are_bounded_and_the_oldest_go_first() {
        let mut passed_on = PassedOn::new(3, LINK_LIFETIME);
        let start = Instant::now();
        for (i, link) in ["a", "b", "c", "d"].into_iter().enumerate() {
            passed_on.keep(link.to_owned(), start + Duration::from_secs(i as u64));
        }
        let now = start + Duration::from_secs(10);
        assert!(!passed_on.holds("a", now), "the oldest went");
        assert!(["b", "c", "d"].iter().all(|link| passed_on.holds(link, now)));
        assert_eq!((passed_on.links.len(), passed_on.seen.len()), (3, 3));
    }

    #[test]
    fn a_link_seen_again_is_kept_from_its_last_sighting() {
        let mut passed_on = PassedOn::new(3, LINK_LIFETIME);
        let start = Instant::now();
        for (i, link) in ["a", "b", "a", "c", "d"].into_iter().enumerate() {
            passed_on.keep(link.to_owned(), start + Duration::from_secs(i as u64));
        }
        let now = start + Duration::from_secs(10);
        assert!(passed_on.holds("a", now), "its first sighting went, not the link");
        assert!(!passed_on.holds("b", now));
        assert!(passed_on.links.len() <= 3 && passed_on.seen.len() <= 3);
    }

    #[test]
    fn a_link_is_forgotten_when_it_expires() {
        let mut passed_on = PassedOn::new(LINKS_KEPT, LINK_LIFETIME);
        let start = Instant::now();
        passed_on.keep("a".to_owned(), start);
        assert!(passed_on.holds("a", start + LINK_LIFETIME - Duration::from_secs(1)));
        assert!(!passed_on.holds("a", start + LINK_LIFETIME));
        assert!(!passed_on.holds("a ", start), "matched exactly");
        passed_on.keep("b".to_owned(), start + LINK_LIFETIME);
        assert_eq!(passed_on.links.keys().collect::<Vec<_>>(), ["b"], "expired links are let go, not only ignored");
    }

    #[test]
    fn only_raster_images_are_passed_on() {
        for (content_type, passed) in [
            ("image/png", true),
            ("image/jpeg", true),
            ("IMAGE/WEBP", true),
            ("image/svg+xml", false),
            ("text/html", false),
            ("application/octet-stream", false),
        ] {
            let value = HeaderValue::from_static(content_type);
            assert_eq!(is_raster_image(&value), passed, "{content_type}");
        }
    }
}
