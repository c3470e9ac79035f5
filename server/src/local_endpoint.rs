//! The built-in local endpoint: answers image generations as Azure does, on both the deployments
//! path and the v1 path, so Easel works with no Azure account and every test has a real endpoint.
//!
//! It keeps no state per image: a `url` answer names the picture's seed, size, format and expiry,
//! signed with a key made at start-up, and the picture is drawn again when the link is fetched.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::multipart::MultipartError;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, FromRequest, FromRequestParts, Multipart, Path, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::{Json, Router};
use base64::Engine;
use easel_contract::api_error::ApiError;
use easel_contract::content_filter::{CategoryResult, FilterResults};
use easel_contract::edit::{serves_edits, EditRequest, IMAGES_FIELD, IMAGE_FIELD, MASK_FIELD};
use easel_contract::endpoint::{
    DEPLOYMENTS_EDITS_PATH, DEPLOYMENTS_GENERATIONS_PATH, V1_EDITS_PATH, V1_GENERATIONS_PATH,
};
use easel_contract::image_file::ImageFile;
use easel_contract::model::{ModelProfile, MODELS};
use easel_contract::price::output_tokens_per_image;
use easel_contract::profiles::FETCH_THROUGH_PATH;
use easel_contract::request::{ImageRequest, ValidRequest};
use easel_contract::response::{GeneratedImage, ImagesResponse, InputTokens, Usage, LINK_LIFETIME};
use easel_contract::wire::{Dimensions, OutputFormat, Quality, ResponseFormat, Size, Wire};
use tokio::sync::Semaphore;
use tower_http::cors::AllowOrigin;

use crate::api::{self, ApiVersion, DeploymentInUrl};
use crate::azure_error::AzureError;
use crate::credentials;
use crate::faults::{Fault, RandomFaults};
use crate::picture::{render, seed_of, EditBase, Undecodable, Weight};

/// Which of the two content-filter answers Azure is seen giving the local endpoint gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum FilterForm {
    /// The seed document's `{"code":"contentFilter", ...}`.
    #[default]
    Seed,
    /// The `content_policy_violation` answer users capture today, with categories.
    Captured,
}

/// A deployment the local endpoint serves: a name and the model behind it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deployment {
    /// The name in the URL (or in the v1 body's `model`).
    pub name: String,
    /// The model it runs.
    pub model: &'static ModelProfile,
}

/// Counters a test can read to see what the endpoint went through.
#[derive(Debug, Default)]
pub struct EndpointStats {
    /// Generation calls that passed every check (key, api-version, deployment, body) and so
    /// went on to generate, or to a 429 from the concurrency gate.
    pub calls: AtomicUsize,
    /// Calls being worked on now.
    pub in_flight: AtomicUsize,
    /// The most calls worked on at once.
    pub max_in_flight: AtomicUsize,
    /// Calls given a fault, by a marker or at random.
    pub faults: AtomicUsize,
    /// Images served through the links of `url` answers.
    pub links_served: AtomicUsize,
}

/// How the local endpoint behaves.
#[derive(Debug, Clone)]
pub struct LocalEndpointConfig {
    /// The only key accepted; `None` accepts any non-empty key or token, as a newcomer expects.
    pub api_key: Option<String>,
    /// The deployments served; by default one per model, named after it.
    pub deployments: Vec<Deployment>,
    /// How long a `url` answer's link works (Azure: 24 hours).
    pub url_lifetime: Duration,
    /// How long each generation takes.
    pub latency: Duration,
    /// How long a generation marked `[fault:slow]` takes.
    pub slow_latency: Duration,
    /// Calls one deployment works on at once; more get a 429.
    pub max_concurrent: usize,
    /// Megapixels (width x height x images) the calls being worked on may add up to, across all
    /// deployments; a call that would pass it gets a 429, so a burst of the largest pictures
    /// cannot exhaust the machine's memory. A call larger than the whole budget is taken alone.
    pub megapixel_budget: u32,
    /// The wait a 429 asks for.
    pub retry_after_secs: u32,
    /// The share of calls (0 to 1) that get a random fault.
    pub fault_rate: f64,
    /// Fixes which calls get a random fault, for a repeatable run; by default the clock picks.
    pub fault_seed: Option<u64>,
    /// Which content-filter answer to give.
    pub filter_form: FilterForm,
    /// Light pictures for tests, or realistic payloads for benchmarks.
    pub weight: Weight,
    /// Counters for tests.
    pub stats: Arc<EndpointStats>,
}

impl Default for LocalEndpointConfig {
    fn default() -> Self {
        LocalEndpointConfig {
            api_key: None,
            deployments: MODELS.iter().map(|model| Deployment { name: model.name.to_owned(), model }).collect(),
            url_lifetime: LINK_LIFETIME,
            latency: Duration::ZERO,
            slow_latency: Duration::from_secs(5),
            max_concurrent: 8,
            // One gpt-image-2 call of ten 3824x2160 pictures (83 megapixels) at a time, with
            // room beside it for a few ordinary ones.
            megapixel_budget: 128,
            retry_after_secs: 2,
            fault_rate: 0.0,
            fault_seed: None,
            filter_form: FilterForm::Seed,
            weight: Weight::Light,
            stats: Arc::default(),
        }
    }
}

struct LocalEndpoint {
    config: LocalEndpointConfig,
    /// One gate per deployment, in the order of `config.deployments`.
    gates: Vec<Arc<Semaphore>>,
    /// The megapixels of [`LocalEndpointConfig::megapixel_budget`] not taken by a call.
    pixels: Arc<Semaphore>,
    random_faults: RandomFaults,
    /// Signs image links, so only links this server gave out are served.
    signer: RandomState,
    /// Pictures made so far, mixed into each seed: two calls with one prompt give two images, as
    /// the service's do (and as a gallery that keeps each image once by its bytes needs).
    made: AtomicU64,
}

/// The local endpoint's routes: generations on both paths, and the images its links point at.
pub fn routes(config: LocalEndpointConfig) -> Router {
    let seed = config
        .fault_seed
        .unwrap_or_else(|| SystemTime::now().duration_since(UNIX_EPOCH).map_or(1, |elapsed| elapsed.as_nanos() as u64));
    let endpoint = Arc::new(LocalEndpoint {
        gates: config.deployments.iter().map(|_| Arc::new(Semaphore::new(config.max_concurrent))).collect(),
        pixels: Arc::new(Semaphore::new(config.megapixel_budget as usize)),
        random_faults: RandomFaults::new(config.fault_rate, seed),
        signer: RandomState::new(),
        made: AtomicU64::new(0),
        config,
    });
    // As Azure answers: any origin; Retry-After is not exposed to scripts
    // (azure-rest-api-specs #24904).
    Router::new()
        .route(DEPLOYMENTS_GENERATIONS_PATH, post(generate_on_deployment))
        .route(V1_GENERATIONS_PATH, post(generate_on_v1))
        // Edits carry images: their own, larger limit.
        .route(DEPLOYMENTS_EDITS_PATH, post(edit_on_deployment).layer(DefaultBodyLimit::max(EDIT_BODY_LIMIT)))
        .route(V1_EDITS_PATH, post(edit_on_v1).layer(DefaultBodyLimit::max(EDIT_BODY_LIMIT)))
        // Before the layers, so a 405 goes through CORS as every other answer does.
        .method_not_allowed_fallback(api::method_not_allowed)
        .layer(api::cors(AllowOrigin::any()))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .route("/generated/{file}", get(generated_image))
        // The local endpoint has no fetch-through: its links are on its own origin.
        .route(FETCH_THROUGH_PATH, any(api::not_served))
        .method_not_allowed_fallback(api::method_not_allowed)
        .with_state(endpoint)
}

/// The largest request body the local endpoint reads: axum's default, named so that its 413
/// can say it.
const BODY_LIMIT: usize = 2 * 1024 * 1024;

/// The largest edit the local endpoint reads: room for an image over the 50 MB an input may
/// not reach, so that rule is answered as Azure answers it, not as a body too large. Azure
/// documents no limit of its own for the whole request.
const EDIT_BODY_LIMIT: usize = 128 * 1024 * 1024;

// Each handler's extractors come in Azure's order of checks: the key, the api-version, a
// deployment named in the URL (routed before the body is read), then the body. A call refused
// by any of them, or by validation after, is neither counted nor given a slot, so the
// connection test's empty prompt costs nothing.

async fn generate_on_deployment(
    State(endpoint): State<Arc<LocalEndpoint>>,
    _: KeyChecked,
    _: ApiVersion,
    ServedDeployment(index): ServedDeployment,
    headers: HeaderMap,
    Generation(request): Generation,
) -> Result<Json<ImagesResponse>, AzureError> {
    endpoint.generate(&headers, index, request).await.map(Json)
}

async fn generate_on_v1(
    State(endpoint): State<Arc<LocalEndpoint>>,
    _: KeyChecked,
    _: ApiVersion,
    headers: HeaderMap,
    Generation(request): Generation,
) -> Result<Json<ImagesResponse>, AzureError> {
    let name = request
        .model
        .as_deref()
        .ok_or_else(|| ApiError::malformed_body("the v1 path needs the deployment as `model`"))?;
    let index = endpoint.find(name)?;
    endpoint.generate(&headers, index, request).await.map(Json)
}

async fn edit_on_deployment(
    State(endpoint): State<Arc<LocalEndpoint>>,
    _: KeyChecked,
    _: EditsApiVersion,
    ServedDeployment(index): ServedDeployment,
    headers: HeaderMap,
    form: EditForm,
) -> Result<Json<ImagesResponse>, AzureError> {
    endpoint.edit(&headers, index, form).await.map(Json)
}

async fn edit_on_v1(
    State(endpoint): State<Arc<LocalEndpoint>>,
    _: KeyChecked,
    _: ApiVersion,
    headers: HeaderMap,
    form: EditForm,
) -> Result<Json<ImagesResponse>, AzureError> {
    let name = form
        .deployment
        .as_deref()
        .ok_or_else(|| ApiError::malformed_body("the v1 path needs the deployment as `model`"))?;
    let index = endpoint.find(name)?;
    endpoint.edit(&headers, index, form).await.map(Json)
}

/// An api-version that serves edits on the deployments path: older ones get Azure's 404, as
/// their generations would not.
struct EditsApiVersion;

impl<S: Send + Sync> FromRequestParts<S> for EditsApiVersion {
    type Rejection = AzureError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AzureError> {
        let ApiVersion(version) = ApiVersion::from_request_parts(parts, state).await?;
        if serves_edits(&version) {
            Ok(EditsApiVersion)
        } else {
            Err(ApiError::resource_not_found().into())
        }
    }
}

/// An edit's multipart body: its images in order, its mask, the edit its text fields ask for,
/// and the deployment the v1 path names in them.
struct EditForm {
    images: Vec<Bytes>,
    mask: Option<Bytes>,
    request: EditRequest,
    deployment: Option<String>,
}

impl<S: Send + Sync> FromRequest<S> for EditForm {
    type Rejection = AzureError;

    async fn from_request(request: Request, state: &S) -> Result<Self, AzureError> {
        let unreadable = |error: MultipartError| match error.status() {
            StatusCode::PAYLOAD_TOO_LARGE => ApiError::body_too_large(EDIT_BODY_LIMIT),
            _ => ApiError::malformed_body(error.body_text()),
        };
        let mut multipart = Multipart::from_request(request, state)
            .await
            .map_err(|_| ApiError::malformed_body("an edit is sent as multipart/form-data"))?;
        let (mut images, mut mask, mut fields) = (Vec::new(), None, Vec::new());
        while let Some(field) = multipart.next_field().await.map_err(unreadable)? {
            let name = field.name().unwrap_or_default().to_owned();
            match name.as_str() {
                IMAGE_FIELD | IMAGES_FIELD => images.push(field.bytes().await.map_err(unreadable)?),
                MASK_FIELD => mask = Some(field.bytes().await.map_err(unreadable)?),
                _ => fields.push((name, field.text().await.map_err(unreadable)?)),
            }
        }
        let text = fields.iter().map(|(name, text)| (name.as_str(), text.as_str()));
        let (request, deployment) = EditRequest::from_text_fields(text).map_err(ApiError::malformed_body)?;
        Ok(EditForm { images, mask, request, deployment })
    }
}

/// A call that presents a credential, and the endpoint's key when it has one.
struct KeyChecked;

impl FromRequestParts<Arc<LocalEndpoint>> for KeyChecked {
    type Rejection = AzureError;

    async fn from_request_parts(parts: &mut Parts, endpoint: &Arc<LocalEndpoint>) -> Result<Self, AzureError> {
        credentials::check(&parts.headers, endpoint.config.api_key.as_deref())?;
        Ok(KeyChecked)
    }
}

/// The index of the deployment a deployments path names, among those served.
struct ServedDeployment(usize);

impl FromRequestParts<Arc<LocalEndpoint>> for ServedDeployment {
    type Rejection = AzureError;

    async fn from_request_parts(parts: &mut Parts, endpoint: &Arc<LocalEndpoint>) -> Result<Self, AzureError> {
        let DeploymentInUrl(name) = DeploymentInUrl::from_request_parts(parts, endpoint).await?;
        endpoint.find(&name).map(ServedDeployment)
    }
}

/// A generation's body, read as JSON: one over [`BODY_LIMIT`] gets Azure's 413, and one that is
/// not JSON of the request's shape its 400, as every other refusal is answered.
struct Generation(ImageRequest);

impl<S: Send + Sync> FromRequest<S> for Generation {
    type Rejection = AzureError;

    async fn from_request(request: Request, state: &S) -> Result<Self, AzureError> {
        let body = Bytes::from_request(request, state).await.map_err(|rejection| match rejection.status() {
            StatusCode::PAYLOAD_TOO_LARGE => ApiError::body_too_large(BODY_LIMIT),
            _ => ApiError::malformed_body("it could not be read"),
        })?;
        Ok(Generation(serde_json::from_slice(&body).map_err(ApiError::malformed_body)?))
    }
}

impl LocalEndpoint {
    /// The index of the deployment named `name`, or Azure's 404 for one the resource lacks.
    fn find(&self, name: &str) -> Result<usize, AzureError> {
        let index = self.config.deployments.iter().position(|deployment| deployment.name == name);
        index.ok_or_else(|| ApiError::deployment_not_found().into())
    }

    /// One generation call of the deployment at `index`, its checks before the body passed.
    async fn generate(
        self: Arc<Self>,
        headers: &HeaderMap,
        index: usize,
        request: ImageRequest,
    ) -> Result<ImagesResponse, AzureError> {
        let request = ImageRequest { model: None, ..request };
        let valid = request
            .validate(self.config.deployments[index].model)
            .map_err(|problems| ApiError::invalid_request(&problems[0]))?;
        self.serve(headers, index, valid, |endpoint, valid, created, base| Ok(endpoint.answer(valid, created, base)))
            .await
    }

    /// One edit call of the deployment at `index`, its checks before the body passed: its files
    /// checked by the contract's rules, in Azure's words where they are known.
    async fn edit(
        self: Arc<Self>,
        headers: &HeaderMap,
        index: usize,
        form: EditForm,
    ) -> Result<ImagesResponse, AzureError> {
        let files: Vec<_> = form.images.iter().map(|image| ImageFile::read(image)).collect();
        let mask_file = form.mask.as_deref().map(ImageFile::read);
        let valid = form
            .request
            .validate(self.config.deployments[index].model, &files, mask_file.as_ref())
            .map_err(|problems| ApiError::refused_edit(&problems[0]))?;
        let first = form.images[0].clone();
        let image_tokens = files.iter().flatten().map(|file| image_tokens(file.dimensions)).sum();
        self.serve(headers, index, valid.request().clone(), move |endpoint, valid, created, _| {
            endpoint.edit_answer(valid, &first, form.mask.as_deref(), image_tokens, created)
        })
        .await
    }

    /// Serves a checked call: counts it, takes its deployment's slot and its share of the
    /// megapixel budget (or answers 429), waits the latency, answers a fault its prompt names
    /// or the dice throw, and otherwise draws the answer with `draw` (the request, when it was
    /// made, and the base of this server's links) off the async workers.
    async fn serve(
        self: Arc<Self>,
        headers: &HeaderMap,
        index: usize,
        valid: ValidRequest,
        draw: impl FnOnce(&LocalEndpoint, &ValidRequest, i64, &str) -> Result<ImagesResponse, AzureError> + Send + 'static,
    ) -> Result<ImagesResponse, AzureError> {
        self.config.stats.calls.fetch_add(1, Ordering::Relaxed);
        let Ok(_permit) = self.gates[index].clone().try_acquire_owned() else {
            return Err(self.rate_limited());
        };
        let Ok(_pixels) = self.pixels.clone().try_acquire_many_owned(self.megapixels_of(&valid)) else {
            return Err(self.rate_limited());
        };
        let _in_flight = InFlight::enter(&self.config.stats);
        let fault = Fault::in_prompt(valid.prompt()).or_else(|| self.random_faults.next());
        if fault.is_some() {
            self.config.stats.faults.fetch_add(1, Ordering::SeqCst);
        }
        let latency = if fault == Some(Fault::Slow) { self.config.slow_latency } else { self.config.latency };
        tokio::time::sleep(latency).await;
        let created = unix_now();
        match fault {
            Some(Fault::FilterPrompt) => Err(self.prompt_filtered(created, &valid).into()),
            Some(Fault::FilterImage) => Err(ApiError::image_filtered(created).into()),
            Some(Fault::RateLimited) => Err(self.rate_limited()),
            Some(Fault::ServerError) => Err(ApiError::server_error(&format!("{created:x}-local")).into()),
            Some(Fault::Unavailable) => Err(ApiError::service_unavailable().into()),
            Some(Fault::Slow) | None => {
                let base = headers
                    .get(header::HOST)
                    .and_then(|host| host.to_str().ok())
                    .map(|host| format!("http://{host}"))
                    .unwrap_or_default();
                // Drawing and encoding take a while: off the async workers, so the calls in
                // flight at once are truly worked on at once.
                let endpoint = Arc::clone(&self);
                let answer = tokio::task::spawn_blocking(move || draw(&endpoint, &valid, created, &base))
                    .await
                    .expect("drawing a picture does not panic");
                answer
            }
        }
    }

    /// The share of the megapixel budget a call takes: its pixels, rounded up, and at most the
    /// whole budget.
    fn megapixels_of(&self, request: &ValidRequest) -> u32 {
        let Dimensions { width, height } = pixels(request.size(), request.model());
        let total = u64::from(width) * u64::from(height) * u64::from(request.image_count());
        let megapixels = u32::try_from(total.div_ceil(1_000_000)).unwrap_or(u32::MAX);
        megapixels.min(self.config.megapixel_budget)
    }

    fn rate_limited(&self) -> AzureError {
        ApiError::rate_limited(self.config.retry_after_secs).into()
    }

    fn prompt_filtered(&self, created: i64, request: &ValidRequest) -> ApiError {
        match self.config.filter_form {
            FilterForm::Seed => ApiError::prompt_filtered(created),
            FilterForm::Captured => {
                let mut categories = FilterResults::default();
                categories.0.insert(
                    "violence".into(),
                    CategoryResult { filtered: true, severity: Some("medium".into()), detected: None },
                );
                categories.0.insert(
                    "jailbreak".into(),
                    CategoryResult { filtered: false, severity: None, detected: Some(false) },
                );
                ApiError::content_policy_violation(categories, Some(revise(request)))
            }
        }
    }

    fn answer(&self, request: &ValidRequest, created: i64, base: &str) -> ImagesResponse {
        let model = request.model();
        let size = pixels(request.size(), model);
        let data = (0..u32::from(request.image_count()))
            .map(|index| self.image(request, index, size, created, base))
            .collect();
        if !model.is_gpt_image() {
            return ImagesResponse { created, data, ..Default::default() };
        }
        gpt_image_answer(request, created, data, size, 0)
    }

    /// An edit's answer: each image the first input with its masked area repainted (see
    /// [`picture::edit`]), at the input's size, billed with the inputs' image tokens.
    fn edit_answer(
        &self,
        request: &ValidRequest,
        first: &[u8],
        mask: Option<&[u8]>,
        image_tokens: u64,
        created: i64,
    ) -> Result<ImagesResponse, AzureError> {
        let base = EditBase::decode(first, mask).map_err(|undecodable| match undecodable {
            Undecodable::Image => ApiError::invalid_image_file(1),
            Undecodable::Mask => ApiError::mask_without_alpha(),
        })?;
        let (format, compression) = (request.output_format(), request.body().output_compression.unwrap_or(100));
        let data = (0..u32::from(request.image_count()))
            .map(|index| GeneratedImage {
                b64_json: Some(base64::engine::general_purpose::STANDARD.encode(base.render(
                    self.next_seed(request, index),
                    format,
                    compression,
                ))),
                ..Default::default()
            })
            .collect();
        Ok(gpt_image_answer(request, created, data, base.size(), image_tokens))
    }

    /// The seed of the `index`th picture of an answer to `request`: from its prompt, and from
    /// how many pictures this endpoint made before, so no two answers are the same image.
    fn next_seed(&self, request: &ValidRequest, index: u32) -> u64 {
        seed_of(request.prompt(), index) ^ self.made.fetch_add(1, Ordering::Relaxed).wrapping_mul(0x9e37_79b9_7f4a_7c15)
    }

    fn image(&self, request: &ValidRequest, index: u32, size: Dimensions, created: i64, base: &str) -> GeneratedImage {
        let seed = self.next_seed(request, index);
        // gpt-image does not rewrite prompts; DALL-E 3 always does.
        let revised_prompt = request.style().map(|_| revise(request));
        let format = request.output_format();
        let quality = request.body().output_compression.unwrap_or(100);
        match request.response_format() {
            ResponseFormat::B64Json => {
                let bytes = render(seed, size, format, quality, self.config.weight);
                GeneratedImage {
                    b64_json: Some(base64::engine::general_purpose::STANDARD.encode(bytes)),
                    revised_prompt,
                    ..Default::default()
                }
            }
            ResponseFormat::Url => {
                let expires = created + self.config.url_lifetime.as_secs() as i64;
                let link = ImageLink { seed, size, expires };
                let url = format!("{base}/generated/{}?se={expires}&sig={:016x}", link.file_name(), self.sign(&link));
                GeneratedImage { url: Some(url), revised_prompt, ..Default::default() }
            }
        }
    }

    fn sign(&self, link: &ImageLink) -> u64 {
        self.signer.hash_one((link.seed, link.size.width, link.size.height, link.expires))
    }
}

/// Counts a call in flight for as long as it lives.
struct InFlight<'a>(&'a EndpointStats);

impl<'a> InFlight<'a> {
    fn enter(stats: &'a EndpointStats) -> Self {
        let now = stats.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        stats.max_in_flight.fetch_max(now, Ordering::SeqCst);
        InFlight(stats)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The pixels the local endpoint makes for a size; for `auto` it picks the model's first exact
/// size, as the gpt-image models mostly answer square.
fn pixels(size: Size, model: &ModelProfile) -> Dimensions {
    let first_exact = model.offered_sizes().iter().find_map(|size| match size {
        Size::Exact(dimensions) => Some(*dimensions),
        Size::Auto => None,
    });
    match size {
        Size::Exact(dimensions) => dimensions,
        Size::Auto => first_exact.expect("every model offers an exact size"),
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

/// What a `url` answer's link names: enough to draw the picture again. DALL-E, the only family
/// with links, always makes PNG.
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
        let Size::Exact(size) = size.parse().ok()? else {
            return None;
        };
        Some(ImageLink { seed: u64::from_str_radix(seed, 16).ok()?, size, expires: query.get("se")?.parse().ok()? })
    }
}

async fn generated_image(
    State(endpoint): State<Arc<LocalEndpoint>>,
    file: Result<Path<String>, PathRejection>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Response, AzureError> {
    let (Ok(Path(file)), Ok(Query(query))) = (file, query) else {
        return Err(ApiError::no_image_at_link().into());
    };
    let link = ImageLink::parse(&file, &query).filter(|link| {
        let signature = query.get("sig").and_then(|sig| u64::from_str_radix(sig, 16).ok());
        signature == Some(endpoint.sign(link))
    });
    let link = link.ok_or_else(ApiError::no_image_at_link)?;
    if link.expires <= unix_now() {
        return Err(ApiError::link_expired().into());
    }
    endpoint.config.stats.links_served.fetch_add(1, Ordering::SeqCst);
    let max_age = link.expires - unix_now();
    let weight = endpoint.config.weight;
    let png = tokio::task::spawn_blocking(move || render(link.seed, link.size, OutputFormat::Png, 100, weight))
        .await
        .expect("drawing a picture does not panic");
    let headers = [
        (header::CONTENT_TYPE, OutputFormat::Png.mime().to_owned()),
        (header::CACHE_CONTROL, format!("private, max-age={max_age}")),
    ];
    Ok((headers, png).into_response())
}

/// A gpt-image answer of `data`, pictures of `size`, with the usage the service reports (the
/// prompt's tokens, `image_tokens` of input images, the output tokens of the quality made) and
/// the parameters it used.
fn gpt_image_answer(
    request: &ValidRequest,
    created: i64,
    data: Vec<GeneratedImage>,
    size: Dimensions,
    image_tokens: u64,
) -> ImagesResponse {
    // For `auto`, the local endpoint settles on medium, as the service reports what it chose.
    let quality = if request.quality() == Quality::Auto { Quality::Medium } else { request.quality() };
    let output_tokens = output_tokens_per_image(Size::Exact(size), quality).0 * u64::from(request.image_count());
    let text_tokens = request.prompt().chars().count().div_ceil(4) as u64;
    let input_tokens = text_tokens + image_tokens;
    ImagesResponse {
        created,
        data,
        usage: Some(Usage {
            input_tokens,
            output_tokens,
            total_tokens: input_tokens + output_tokens,
            input_tokens_details: Some(InputTokens { text_tokens, image_tokens }),
        }),
        background: request.background().map(Wire::Known),
        output_format: Some(Wire::Known(request.output_format())),
        quality: Some(Wire::Known(quality)),
        size: Some(Wire::Known(Size::Exact(size))),
    }
}

/// The input tokens the local endpoint bills for an input image: 65 for each 512-pixel tile
/// it covers, its own rule (Azure publishes none; the answer's count is what matters).
fn image_tokens(size: Dimensions) -> u64 {
    u64::from(size.width.div_ceil(512)) * u64::from(size.height.div_ceil(512)) * 65
}

fn unix_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_secs() as i64)
}
