//! Azure's error answers as they go on the wire: the `{"error": {...}}` envelope every failed
//! call carries, and [`ApiError`], one constructor per answer the service gives (which the
//! companion server answers with, so it fails exactly as Azure does). What an answer means to a
//! person is [`crate::failure`]'s business.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

use crate::content_filter::FilterResults;
use crate::edit::{EditError, IMAGE_FIELD, MASK_FIELD, MAX_EDIT_IMAGES};
use crate::headers::{RETRY_AFTER_HEADER, RETRY_AFTER_MS_HEADER};
use crate::request::RequestError;

/// `{"error": {...}}`, sometimes with `created` beside it (the seed's content-filter answer).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorEnvelope {
    /// When the call failed, in seconds since the Unix epoch; only some answers carry it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<i64>,
    /// What went wrong.
    pub error: ErrorBody,
}

/// The inside of an error answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// A machine-readable code: `contentFilter`, `DeploymentNotFound`, `"401"`, ... Some answers
    /// send a number or `null`; both are read.
    #[serde(default, deserialize_with = "string_or_number")]
    pub code: Option<String>,
    /// The service's own words.
    #[serde(default)]
    pub message: String,
    /// The request field the error is about, when the service says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub param: Option<String>,
    /// OpenAI's error family, such as `invalid_request_error`.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Azure's detail of a content-filter refusal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inner_error: Option<InnerError>,
}

/// `error.inner_error` of Azure's `content_policy_violation` answer.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct InnerError {
    /// `ResponsibleAIPolicyViolation`.
    #[serde(default, deserialize_with = "string_or_number")]
    pub code: Option<String>,
    /// Which categories the filter found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_filter_results: Option<FilterResults>,
    /// The prompt as the service rewrote it before refusing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revised_prompt: Option<String>,
}

fn string_or_number<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<serde_json::Value>::deserialize(deserializer)? {
        Some(serde_json::Value::String(code)) => Some(code),
        Some(serde_json::Value::Number(code)) => Some(code.to_string()),
        _ => None,
    })
}

/// An error answer as the service sends it: an HTTP status, a body, and for a 429 the wait it
/// asks for in [`ApiError::headers`]. The constructors are the answers Azure gives, word for word
/// where the digest has a capture, and the answers Easel's server gives in the same shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The HTTP status.
    pub status: u16,
    /// The JSON body.
    pub body: ErrorEnvelope,
    /// The wait a 429 asks for, in seconds; only the constructors of a 429 set it.
    retry_after_secs: Option<u32>,
}

impl ApiError {
    fn new(status: u16, code: Option<&str>, message: impl Into<String>) -> Self {
        ApiError {
            status,
            body: ErrorEnvelope {
                created: None,
                error: ErrorBody {
                    code: code.map(Into::into),
                    message: message.into(),
                    param: None,
                    kind: None,
                    inner_error: None,
                },
            },
            retry_after_secs: None,
        }
    }

    /// The headers that go with the answer: for a 429 that asks for a wait, the wait in
    /// `Retry-After` and `retry-after-ms`, as Azure sends it.
    pub fn headers(&self) -> Vec<(&'static str, String)> {
        let Some(seconds) = self.retry_after_secs else {
            return Vec::new();
        };
        vec![
            (RETRY_AFTER_HEADER, seconds.to_string()),
            (RETRY_AFTER_MS_HEADER, (u64::from(seconds) * 1000).to_string()),
        ]
    }

    /// 401 for a call without an `api-key` header.
    pub fn missing_key() -> Self {
        Self::new(
            401,
            Some("401"),
            "Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API.",
        )
    }

    /// 401 for a key the resource does not know.
    pub fn invalid_key() -> Self {
        Self::new(
            401,
            Some("401"),
            "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.",
        )
    }

    /// 403 for a key on a resource that only takes Microsoft Entra ID.
    pub fn key_auth_disabled() -> Self {
        Self::new(403, Some("AuthenticationTypeDisabled"), "Key based authentication is disabled for this resource.")
    }

    /// 404 for a deployment the resource does not have.
    pub fn deployment_not_found() -> Self {
        Self::new(
            404,
            Some("DeploymentNotFound"),
            "The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again.",
        )
    }

    /// 404 for a path or api-version the service does not serve.
    pub fn resource_not_found() -> Self {
        Self::new(404, Some("404"), "Resource not found")
    }

    /// 400 for a body that is not JSON of the request's shape; OpenAI's schema errors carry no code.
    pub fn malformed_body(detail: impl fmt::Display) -> Self {
        let mut error = Self::new(400, None, format!("The request body is not valid: {detail}"));
        error.body.error.kind = Some("invalid_request_error".into());
        error
    }

    /// 400 for a request that breaks a rule of its model, in OpenAI's form (`invalid_size`, ...).
    pub fn invalid_request(problem: &RequestError) -> Self {
        let field = problem.field().wire_name();
        let mut error = Self::new(400, Some(&format!("invalid_{field}")), problem.to_string());
        error.body.error.param = Some(field.into());
        error.body.error.kind = Some("invalid_request_error".into());
        error
    }

    /// 400 for a multipart field of an edit that cannot be used, in OpenAI's shape (`param`,
    /// `type: invalid_request_error`).
    fn invalid_edit(code: &str, param: &str, message: impl Into<String>) -> Self {
        let mut error = Self::new(400, Some(code), message);
        error.body.error.param = Some(param.into());
        error.body.error.kind = Some("invalid_request_error".into());
        error
    }

    /// The answer to an edit refused for `problem`: the first problem the service checks.
    pub fn refused_edit(problem: &EditError) -> Self {
        match problem {
            EditError::NoEdits { model } => Self::edits_not_supported(model),
            EditError::NoImage => Self::missing_image(),
            EditError::TooManyImages { count } => Self::too_many_images(*count),
            EditError::NotAnImage { place, .. } => Self::invalid_image_file(*place),
            EditError::ImageTooLarge { place, .. } => Self::input_image_too_large(*place),
            EditError::MaskNotPng | EditError::MaskWithoutAlpha => Self::mask_without_alpha(),
            EditError::MaskTooLarge { .. } => Self::mask_too_large(),
            EditError::MaskSizeDiffers { .. } => Self::mask_size_mismatch(),
            EditError::NoInputFidelity { model } => Self::input_fidelity_not_supported(model),
            EditError::Request(problem) => Self::invalid_request(problem),
        }
    }

    /// 400 for `input_fidelity` sent for a model that takes none: OpenAI's words for
    /// gpt-image-2, as captured in public reports.
    pub fn input_fidelity_not_supported(model: &str) -> Self {
        let mut error = Self::invalid_edit(
            "invalid_input_fidelity_model",
            "input_fidelity",
            format!("The model '{model}' does not support the 'input_fidelity' parameter."),
        );
        error.body.error.kind = Some("image_generation_user_error".into());
        error
    }

    /// 400 for an edit without an image. Modelled on OpenAI's missing-parameter answer (no
    /// capture of Azure's for edits was found).
    pub fn missing_image() -> Self {
        Self::invalid_edit("missing_required_parameter", IMAGE_FIELD, "Missing required parameter: 'image'.")
    }

    /// 400 for an input image that is not a PNG or JPEG the service can read (1-based `place`):
    /// OpenAI's words, as captured in public reports.
    pub fn invalid_image_file(place: usize) -> Self {
        Self::invalid_edit(
            "invalid_image_file",
            IMAGE_FIELD,
            format!("Invalid image file or mode for image {place}, please check your image file."),
        )
    }

    /// 400 for more input images than an edit takes (Easel's words: none captured).
    pub fn too_many_images(count: usize) -> Self {
        Self::invalid_edit(
            "invalid_value",
            IMAGE_FIELD,
            format!("Invalid 'image': {count} images were given; an edit takes at most {MAX_EDIT_IMAGES}."),
        )
    }

    /// 400 for an input image (1-based `place`) of 50 MB or more (Easel's words: none captured).
    pub fn input_image_too_large(place: usize) -> Self {
        Self::invalid_edit(
            "invalid_value",
            IMAGE_FIELD,
            format!("Invalid 'image': image {place} is too large; each image must be less than 50 MB."),
        )
    }

    /// 400 for a mask of another size than the first image: the words captured in public reports.
    pub fn mask_size_mismatch() -> Self {
        Self::invalid_edit(
            "invalid_value",
            MASK_FIELD,
            "Invalid mask image format - mask size does not match image size",
        )
    }

    /// 400 for a mask that is not a PNG with an alpha channel: the words captured in public reports.
    pub fn mask_without_alpha() -> Self {
        Self::invalid_edit("invalid_value", MASK_FIELD, "Invalid mask image format - mask image missing alpha channel")
    }

    /// 400 for a mask of 4 MB or more (Easel's words: none captured).
    pub fn mask_too_large() -> Self {
        Self::invalid_edit("invalid_value", MASK_FIELD, "Invalid 'mask': the mask must be less than 4 MB.")
    }

    /// 400 for an edit to a deployment of a model that takes none (DALL-E), in the shape Azure
    /// answers an operation a model does not do (`OperationNotSupported`, captured for other
    /// operations; the operation's name for edits is Easel's guess).
    pub fn edits_not_supported(model: &str) -> Self {
        Self::new(
            400,
            Some("OperationNotSupported"),
            format!(
                "The imageEdit operation does not work with the specified model, {model}. Please choose different \
                 model and try again. You can learn more about which models can be used with each operation here: \
                 https://go.microsoft.com/fwlink/?linkid=2197993."
            ),
        )
    }

    /// 400 for a prompt the content filter flagged: the seed document's form.
    pub fn prompt_filtered(created: i64) -> Self {
        let mut error = Self::new(400, Some("contentFilter"), "Your task failed as a result of our safety system.");
        error.body.created = Some(created);
        error
    }

    /// 400 for an image the content filter withheld after making it: the seed document's form.
    pub fn image_filtered(created: i64) -> Self {
        let mut error =
            Self::new(400, Some("contentFilter"), "Generated image was filtered as a result of our safety system.");
        error.body.created = Some(created);
        error
    }

    /// 400 for a flagged prompt in the form users capture from Azure today, naming the categories.
    pub fn content_policy_violation(categories: FilterResults, revised_prompt: Option<String>) -> Self {
        let mut error = Self::new(
            400,
            Some("content_policy_violation"),
            "Your request was rejected as a result of our safety system. Your prompt may contain text that is not allowed by our safety system.",
        );
        error.body.error.kind = Some("invalid_request_error".into());
        error.body.error.inner_error = Some(InnerError {
            code: Some("ResponsibleAIPolicyViolation".into()),
            content_filter_results: Some(categories),
            revised_prompt,
        });
        error
    }

    /// 429 asking the caller to wait `seconds`; the same wait goes in the `Retry-After` and
    /// `retry-after-ms` headers (see [`ApiError::headers`]).
    pub fn rate_limited(seconds: u32) -> Self {
        let mut error = Self::new(
            429,
            Some("RateLimitReached"),
            format!(
                "Requests to the Images_Generations Operation under Azure OpenAI API version 2024-02-01 have exceeded \
                 the call rate limit of your current pricing tier. Please retry after {seconds} seconds."
            ),
        );
        error.retry_after_secs = Some(seconds);
        error
    }

    /// 500, with the request id the message asks the user to quote.
    pub fn server_error(request_id: &str) -> Self {
        let mut error = Self::new(
            500,
            Some("server_error"),
            format!(
                "An error occurred while processing your request. You can retry your request, or contact us through an \
                 Azure support request at: https://go.microsoft.com/fwlink/?linkid=2213926 if the error persists. \
                 Please include the request ID {request_id} in your message."
            ),
        );
        error.body.error.kind = Some("server_error".into());
        error
    }

    /// 403 from a server's proxy for a call from a web page it does not answer: any page could
    /// otherwise spend the server's key.
    pub fn origin_not_allowed(origin: &str) -> Self {
        Self::new(
            403,
            Some("OriginNotAllowed"),
            format!("This server does not take calls from pages at {origin}; its own page, and the origins it is told to allow, may call it."),
        )
    }

    /// 421 from a server's proxy for a call naming another host than the one it listens as: a
    /// page whose host name was pointed at this server (DNS rebinding) is not its own page.
    pub fn misdirected(host: &str) -> Self {
        Self::new(421, Some("MisdirectedRequest"), format!("This server does not answer for the host \"{host}\"."))
    }

    /// 429 from a server's proxy with as many calls in flight as it takes, asking for a wait of
    /// `seconds` (sent in the headers of [`ApiError::headers`] too).
    pub fn proxy_busy(seconds: u32) -> Self {
        let mut error = Self::new(
            429,
            Some("TooManyRequests"),
            format!("This server has as many calls in flight as it takes. Please retry after {seconds} seconds."),
        );
        error.retry_after_secs = Some(seconds);
        error
    }

    /// 405 for a method a path of the API does not take (the `Allow` header names those it does).
    pub fn method_not_allowed() -> Self {
        Self::new(405, Some("MethodNotAllowed"), "This path does not take this method.")
    }

    /// 504 from a server's proxy whose upstream did not answer within `seconds`.
    pub fn upstream_timeout(seconds: u64) -> Self {
        Self::new(504, Some("Timeout"), format!("The upstream did not answer within {seconds} s."))
    }

    /// 502 from a server's proxy that could not reach its upstream.
    pub fn upstream_unreachable() -> Self {
        Self::new(502, Some("BadGateway"), "The proxy could not reach the upstream.")
    }

    /// 404 from a server's fetch-through for a link its proxy did not sign, or signed more than
    /// 24 hours ago: it is no open proxy for any link a page names.
    pub fn link_not_passed_on() -> Self {
        Self::new(
            404,
            Some("LinkNotPassedOn"),
            "This server fetches only image links its proxy passed on, for 24 hours.",
        )
    }

    /// 502 from a server's fetch-through whose image host did not answer within `seconds`.
    pub fn image_host_timeout(seconds: u64) -> Self {
        Self::new(502, Some("BadGateway"), format!("The image host did not answer within {seconds} s."))
    }

    /// 502 from a server's fetch-through that could not reach the image host.
    pub fn image_host_unreachable() -> Self {
        Self::new(502, Some("BadGateway"), "The image host could not be reached.")
    }

    /// 502 from a server's fetch-through whose image host answered `answered` (a status such as
    /// `403 Forbidden`, or a redirect, which it does not follow) instead of the image.
    pub fn image_host_refused(answered: impl fmt::Display) -> Self {
        Self::new(502, Some("BadGateway"), format!("The image host answered {answered}."))
    }

    /// 502 from a server's fetch-through for an image over `limit` bytes.
    pub fn image_too_large(limit: usize) -> Self {
        Self::new(502, Some("BadGateway"), format!("The image is larger than {limit} bytes."))
    }

    /// 502 from a server's fetch-through for an answer that is not a PNG, JPEG or WebP image, the
    /// formats the API makes: anything else (SVG, HTML) could run script if opened as a page.
    pub fn not_an_image() -> Self {
        Self::new(
            502,
            Some("BadGateway"),
            "The image host answered with something other than a PNG, JPEG or WebP image.",
        )
    }

    /// 404 from an image link past its expiry (Azure's links work for 24 hours).
    pub fn link_expired() -> Self {
        Self::new(404, Some("LinkExpired"), "This image link has expired.")
    }

    /// 404 from a link that names no image: not one the endpoint gave out, or altered since.
    pub fn no_image_at_link() -> Self {
        Self::new(404, Some("ImageNotFound"), "No image at this link.")
    }

    /// 408 for a request body that did not arrive within `seconds`.
    pub fn body_timeout(seconds: u64) -> Self {
        Self::new(408, Some("RequestTimeout"), format!("The request body did not arrive within {seconds} seconds."))
    }

    /// 413 for a request body over `limit` bytes.
    pub fn body_too_large(limit: usize) -> Self {
        Self::new(413, Some("RequestEntityTooLarge"), format!("The request body is larger than {limit} bytes."))
    }

    /// 503: the service is overloaded for now.
    pub fn service_unavailable() -> Self {
        Self::new(
            503,
            Some("ServiceUnavailable"),
            "The service is temporarily unable to process your request. Please try again later.",
        )
    }
}
