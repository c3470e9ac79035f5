//! The built-in local endpoint: answers `POST /openai/deployments/{deployment}/images/generations`
//! as Azure does, so Easel works with no Azure account and every test has a real endpoint.
//!
//! It keeps no state per image: a `url` answer names the picture's seed, size and expiry, signed
//! with a key made at start-up, and the picture is drawn again when the link is fetched.

use std::collections::HashMap;
use std::hash::BuildHasher;
use std::hash::RandomState;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use easel_contract::endpoint::is_api_version;
use easel_contract::failure::ApiError;
use easel_contract::model::ModelProfile;
use easel_contract::request::{Dimensions, ImageRequest, ResponseFormat, Size, ValidRequest};
use easel_contract::response::{GeneratedImage, ImagesResponse};

use crate::azure_error::AzureError;
use crate::picture::{render_png, seed_of};

/// How the local endpoint behaves.
#[derive(Debug, Clone)]
pub struct LocalEndpointConfig {
    /// The only key accepted; `None` accepts any non-empty key, as a newcomer expects.
    pub api_key: Option<String>,
    /// How long a `url` answer's link works (Azure: 24 hours).
    pub url_lifetime: Duration,
}

impl Default for LocalEndpointConfig {
    fn default() -> Self {
        LocalEndpointConfig {
            api_key: None,
            url_lifetime: Duration::from_secs(24 * 60 * 60),
        }
    }
}

struct LocalEndpoint {
    config: LocalEndpointConfig,
    /// Signs image links, so only links this server gave out are served.
    signer: RandomState,
}

/// The local endpoint's routes: image generations, and the images its links point at.
pub fn routes(config: LocalEndpointConfig) -> Router {
    let endpoint = Arc::new(LocalEndpoint {
        config,
        signer: RandomState::new(),
    });
    Router::new()
        .route("/openai/deployments/{deployment}/images/generations", post(generate))
        .route("/generated/{file}", get(generated_image))
        .with_state(endpoint)
}

async fn generate(
    State(endpoint): State<Arc<LocalEndpoint>>,
    Path(deployment): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<ImagesResponse>, AzureError> {
    endpoint.check_key(&headers)?;
    if !query.get("api-version").is_some_and(|version| is_api_version(version)) {
        return Err(ApiError::resource_not_found().into());
    }
    let model = ModelProfile::by_name(&deployment).ok_or_else(ApiError::deployment_not_found)?;
    let request: ImageRequest = serde_json::from_slice(&body).map_err(ApiError::malformed_body)?;
    let request = request
        .validate(model)
        .map_err(|problems| ApiError::invalid_request(&problems[0]))?;

    let created = unix_now();
    let base = headers
        .get(header::HOST)
        .and_then(|host| host.to_str().ok())
        .map(|host| format!("http://{host}"));
    let data = (0..u32::from(request.image_count()))
        .map(|index| endpoint.image(&request, index, created, base.as_deref().unwrap_or_default()))
        .collect();
    Ok(Json(ImagesResponse { created, data, ..Default::default() }))
}

impl LocalEndpoint {
    fn check_key(&self, headers: &HeaderMap) -> Result<(), ApiError> {
        let key = headers
            .get("api-key")
            .and_then(|key| key.to_str().ok())
            .unwrap_or_default();
        match &self.config.api_key {
            _ if key.is_empty() => Err(ApiError::missing_key()),
            Some(expected) if expected != key => Err(ApiError::invalid_key()),
            _ => Ok(()),
        }
    }

    fn image(&self, request: &ValidRequest, index: u32, created: i64, base: &str) -> GeneratedImage {
        let seed = seed_of(request.prompt(), index);
        let size = pixels(request.size());
        let revised_prompt = Some(revise(request));
        match request.response_format() {
            ResponseFormat::B64Json => GeneratedImage {
                b64_json: Some(base64::engine::general_purpose::STANDARD.encode(render_png(seed, size))),
                revised_prompt,
                ..Default::default()
            },
            ResponseFormat::Url => {
                let expires = created + self.config.url_lifetime.as_secs() as i64;
                let link = ImageLink { seed, size, expires };
                let url = format!(
                    "{base}/generated/{}?se={expires}&sig={:016x}",
                    link.file_name(),
                    self.sign(&link)
                );
                GeneratedImage {
                    url: Some(url),
                    revised_prompt,
                    ..Default::default()
                }
            }
        }
    }

    fn sign(&self, link: &ImageLink) -> u64 {
        self.signer
            .hash_one((link.seed, link.size.width, link.size.height, link.expires))
    }
}

/// The pixels the local endpoint makes for a size; for `auto` it chooses a square, as the
/// gpt-image models often do.
fn pixels(size: Size) -> Dimensions {
    match size {
        Size::Exact(dimensions) => dimensions,
        Size::Auto => Dimensions { width: 1024, height: 1024 },
    }
}

/// DALL-E 3 always rewrites the prompt; the local endpoint does so visibly and predictably.
fn revise(request: &ValidRequest) -> String {
    let prompt = request.prompt().trim();
    let mut letters = prompt.chars();
    let first = letters.next().map(|c| c.to_uppercase().collect::<String>()).unwrap_or_default();
    let style = request.style().map(|style| format!(" in a {style} style")).unwrap_or_default();
    format!(
        "{first}{},{style} with {} detail, composed for a {} frame.",
        letters.as_str().trim_end_matches('.'),
        request.quality().as_str(),
        request.size()
    )
}

/// What a `url` answer's link names: enough to draw the picture again.
struct ImageLink {
    seed: u64,
    size: Dimensions,
    expires: i64,
}

impl ImageLink {
    fn file_name(&self) -> String {
        format!("{:016x}-{}.png", self.seed, Size::Exact(self.size))
    }

    fn parse(file: &str, query: &HashMap<String, String>) -> Option<ImageLink> {
        let (seed, size) = file.strip_suffix(".png")?.split_once('-')?;
        Some(ImageLink {
            seed: u64::from_str_radix(seed, 16).ok()?,
            size: match size.parse().ok()? {
                Size::Exact(dimensions) => dimensions,
                Size::Auto => return None,
            },
            expires: query.get("se")?.parse().ok()?,
        })
    }
}

async fn generated_image(
    State(endpoint): State<Arc<LocalEndpoint>>,
    Path(file): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let link = ImageLink::parse(&file, &query).filter(|link| {
        let signature = query.get("sig").and_then(|sig| u64::from_str_radix(sig, 16).ok());
        signature == Some(endpoint.sign(link))
    });
    match link {
        Some(link) if link.expires > unix_now() => {
            let max_age = link.expires - unix_now();
            (
                [
                    (header::CONTENT_TYPE, "image/png".to_owned()),
                    (header::CACHE_CONTROL, format!("private, max-age={max_age}")),
                ],
                render_png(link.seed, link.size),
            )
                .into_response()
        }
        Some(_) => (StatusCode::NOT_FOUND, "This image link has expired.").into_response(),
        None => (StatusCode::NOT_FOUND, "No image at this link.").into_response(),
    }
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs() as i64)
}
