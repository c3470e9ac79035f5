//! Proxy mode: the image endpoints, and nothing else, forwarded to one Azure resource, with the
//! credential added here so it never reaches the browser.
//!
//! It is never an open proxy: the upstream is fixed at start-up; only POST to the four image
//! paths is routed; the deployment and api-version are checked by the contract's rules and the
//! upstream URL is built from them, never from the request's own URL or Host.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use easel_contract::endpoint::{
    is_api_version, is_deployment_name, Auth, API_KEY_HEADER, API_VERSION_PARAM, DEPLOYMENTS_EDITS_PATH,
    DEPLOYMENTS_GENERATIONS_PATH, V1_API_VERSION, V1_EDITS_PATH, V1_GENERATIONS_PATH,
};
use easel_contract::failure::ApiError;
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
    /// How long the upstream may take.
    pub timeout: Duration,
    /// The largest request body forwarded (edits carry images).
    pub body_limit: usize,
}

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
    client: reqwest::Client,
}

/// The proxy's routes: POST to the four image paths.
pub fn routes(config: ProxyConfig) -> Router {
    let client = reqwest::Client::builder()
        .timeout(config.timeout)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a client with rustls and the system's roots builds");
    let body_limit = config.body_limit;
    let proxy = Arc::new(Proxy { config, client });
    let cors =
        CorsLayer::new().allow_origin(Any).allow_methods([Method::POST]).allow_headers(AllowHeaders::mirror_request());
    Router::new()
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

impl Proxy {
    async fn forward(&self, path: &str, api_version: &str, headers: &HeaderMap, body: Bytes) -> Response {
        // With an access token configured, the client must send it; whatever credential the
        // client sent is then dropped, never forwarded.
        if let Some(token) = &self.config.access_token {
            if let Err(refused) = credentials::check(headers, Some(token)) {
                return AzureError(refused.into()).into_response();
            }
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
        let response = match call.send().await {
            Ok(response) => response,
            Err(error) => {
                let (status, code, message) = if error.is_timeout() {
                    (
                        StatusCode::GATEWAY_TIMEOUT,
                        "Timeout",
                        format!("The upstream did not answer within {} s.", self.config.timeout.as_secs()),
                    )
                } else {
                    (StatusCode::BAD_GATEWAY, "BadGateway", "The proxy could not reach the upstream.".to_owned())
                };
                eprintln!(
                    "proxy: POST {path} -> {} ({code}) after {} ms",
                    status.as_u16(),
                    started.elapsed().as_millis()
                );
                let body = serde_json::json!({ "error": { "code": code, "message": message } });
                return (status, axum::Json(body)).into_response();
            }
        };
        let status = StatusCode::from_u16(response.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
        eprintln!("proxy: POST {path} -> {} after {} ms", status.as_u16(), started.elapsed().as_millis());
        let mut passed = HeaderMap::new();
        for name in PASSED_BACK {
            if let Some(value) =
                response.headers().get(*name).and_then(|value| HeaderValue::from_bytes(value.as_bytes()).ok())
            {
                passed.insert(HeaderName::from_static(name), value);
            }
        }
        (status, passed, Body::from_stream(response.bytes_stream())).into_response()
    }
}
