//! Every HTTP call the app makes: the team's profiles (`config.json`), generating (a validated
//! request, its answer turned into images to show or a classified [`Failure`]), the bytes behind
//! an image link, and the connection test, which costs nothing.

use std::sync::Arc;

use easel_contract::endpoint::Target;
use easel_contract::failure::{CallError, Failure, FailureDetails};
use easel_contract::price::Cost;
use easel_contract::probe::Diagnosis;
use easel_contract::profiles::{ConfigError, LinkSignature, RuntimeConfig, LINK_SIGNATURES_HEADER};
use easel_contract::request::ValidRequest;
use easel_contract::response::{ImageSource, ImagesResponse, Reported};
use easel_contract::wire::OutputFormat;
use gloo_net::http::{Request, RequestBuilder};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortSignal, Blob, RequestMode};

use crate::browser::object_url::ObjectUrl;

/// The profiles the server offers everyone (its `config.json`): none on a static host without
/// one, or what is wrong with the file.
pub async fn team_profiles() -> Result<RuntimeConfig, ConfigError> {
    match Request::get("config.json").send().await {
        Ok(response) if response.ok() => RuntimeConfig::parse(&response.text().await.unwrap_or_default()),
        _ => Ok(RuntimeConfig::default()),
    }
}

/// Where an image's pixels can be loaded from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Picture {
    /// The service's link (Azure's expire after 24 hours).
    Link(String),
    /// The bytes from a `b64_json` answer, behind a `blob:` URL.
    Bytes(Arc<ObjectUrl>),
}

impl Picture {
    /// The URL for an `img`'s `src`.
    pub fn src(&self) -> &str {
        match self {
            Picture::Link(url) => url,
            Picture::Bytes(object_url) => object_url.as_str(),
        }
    }
}

/// One image the service made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generated {
    /// Its pixels.
    pub picture: Picture,
    /// The prompt the model actually used.
    pub revised_prompt: Option<String>,
    /// When it was made, in seconds since the Unix epoch (the answer's `created`).
    pub created: i64,
    /// Its file format.
    pub format: OutputFormat,
    /// Its share of what the call cost, when Easel can price it.
    pub cost: Option<Cost>,
    /// The parameters the service reports using, beside those asked for (gpt-image).
    pub reported: Vec<Reported>,
    /// The page's proxy's signature of the link, with which the proxy fetches it through.
    pub link_signature: Option<LinkSignature>,
}

/// Sends `request` to `target` and waits for its images; `abort` stops the call.
pub async fn generate(
    target: &Target,
    request: &ValidRequest,
    abort: &AbortSignal,
) -> Result<Vec<Generated>, CallError> {
    let call = with_credential(Request::post(&target.generations_url()), target).abort_signal(Some(abort));
    // gloo-net reports a refused connection and a CORS refusal alike: the browser hides which.
    let response = call
        .body(target.body(request))
        .map_err(|_| CallError::from(Failure::Unreachable))?
        .send()
        .await
        .map_err(|_| CallError::from(Failure::Unreachable))?;
    let status = response.status();
    // Read as bytes: a b64_json answer is megabytes, and a JS string would be copied twice more.
    let body = response.binary().await.map_err(|_| CallError::from(Failure::Unreachable))?;
    if !response.ok() {
        return Err(CallError::read(status, &String::from_utf8_lossy(&body), |name| response.headers().get(name)));
    }
    let unexpected = || CallError {
        failure: Failure::UnexpectedAnswer { status },
        details: FailureDetails { status: Some(status), ..Default::default() },
    };
    let format = request.output_format();
    let mime = format.mime();
    let answer = ImagesResponse::read(status, &body).map_err(|_| unexpected())?;
    let created = answer.created;
    let reported = answer.reported(request);
    let shares = share(answer.cost(request), answer.data.len());
    let signatures = response
        .headers()
        .get(LINK_SIGNATURES_HEADER)
        .map_or_else(Vec::new, |signatures| LinkSignature::read_header(&signatures));
    answer
        .data
        .into_iter()
        .zip(shares)
        .enumerate()
        .map(|(index, (image, cost))| {
            let picture = match image.source() {
                Some(ImageSource::Base64(data)) => {
                    Picture::Bytes(Arc::new(ObjectUrl::from_base64(data, mime).map_err(|_| unexpected())?))
                }
                Some(ImageSource::Url(url)) => Picture::Link(url.to_owned()),
                None => return Err(unexpected()),
            };
            Ok(Generated {
                picture,
                revised_prompt: image.revised_prompt,
                created,
                format,
                cost,
                reported: reported.clone(),
                link_signature: signatures.get(index).cloned().flatten(),
            })
        })
        .collect()
}

/// `cost` split over `images` images, the remainder on the first, so the shares add up to it.
fn share(cost: Option<Cost>, images: usize) -> Vec<Option<Cost>> {
    let count = images.max(1) as u64;
    (0..count)
        .map(|index| {
            cost.map(|cost| {
                let remainder = if index == 0 { cost.micro_usd % count } else { 0 };
                Cost::micro_usd(cost.micro_usd / count + remainder)
            })
        })
        .collect()
}

/// Tests `target` with a request the service refuses before generating anything, and says what
/// the answer means. With no readable answer, a second call the browser does not check for CORS
/// tells a blocked call from an unreachable endpoint.
pub async fn probe(target: &Target) -> Diagnosis {
    let call = with_credential(Request::post(&target.generations_url()), target);
    let sent = match call.body(target.probe_body()) {
        Ok(request) => request.send().await,
        Err(error) => Err(error),
    };
    match sent {
        Ok(response) => {
            let body = response.text().await.unwrap_or_default();
            Diagnosis::read(response.status(), &body, |name| response.headers().get(name))
        }
        // An opaque answer to a bare GET: the host answers, but not to scripts of this page.
        Err(_) => Diagnosis::unanswered(
            Request::get(&target.generations_url()).mode(RequestMode::NoCors).send().await.is_ok(),
        ),
    }
}

/// `request` with `target`'s headers: its credential, for `target`'s own endpoint only.
fn with_credential(mut request: RequestBuilder, target: &Target) -> RequestBuilder {
    for (name, value) in target.headers() {
        request = request.header(name, &value);
    }
    request
}

/// How a link's bytes are fetched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// From the image host, as the page's own request.
    Direct,
    /// Through the page's server, which fetches only links its proxy signed.
    ThroughServer(LinkSignature),
}

/// The image's bytes: at hand for data answers, fetched for links (`None` when they could not be
/// read: the image host does not let this page, or the server would not fetch them).
pub async fn image_bytes(picture: &Picture, route: Route, target: &Target) -> Option<Blob> {
    let link = match picture {
        Picture::Bytes(object_url) => return Some(object_url.blob().clone()),
        Picture::Link(url) => url,
    };
    let request = match route {
        Route::Direct => Request::get(link),
        Route::ThroughServer(signature) => {
            let encoded = String::from(js_sys::encode_uri_component(link));
            let request = Request::get(&signature.fetch_through(&encoded));
            // The proxy's own access token (the route is taken only for calls to this same
            // server): its rule for generating is its rule for fetching.
            with_credential(request, target)
        }
    };
    let response = request.send().await.ok().filter(|response| response.ok())?;
    let response: web_sys::Response = response.into();
    JsFuture::from(response.blob().ok()?).await.ok()?.dyn_into().ok()
}
