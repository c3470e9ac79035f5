//! Failures: the classification of any failed call (its status, its error body as
//! [`crate::api_error`] reads it, its headers) into a [`Failure`] a person can act on, in plain
//! words with a next step, and the policy for trying again.

use std::time::Duration;

use crate::api_error::ErrorEnvelope;
use crate::content_filter::FilterResults;
use crate::headers::{REQUEST_ID_HEADERS, RETRY_AFTER_HEADER, RETRY_AFTER_MS_HEADER};

/// Why a call made no image, in terms a person can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The content filter refused the prompt.
    PromptFiltered {
        /// The categories that triggered it, when the service names them.
        categories: Vec<String>,
    },
    /// The image was made but the content filter withheld it.
    ImageFiltered {
        /// The categories that triggered it, when the service names them.
        categories: Vec<String>,
    },
    /// The service refused a parameter; its own words.
    InvalidRequest {
        /// The field it names, if any.
        param: Option<String>,
        /// The service's message.
        message: String,
    },
    /// The key or token is missing, wrong, or belongs to another resource.
    Unauthorized,
    /// The resource takes Microsoft Entra ID tokens only, not keys.
    KeyAuthDisabled,
    /// The resource is blocked, or refuses this caller; the service's words.
    AccessDenied {
        /// The service's message.
        message: String,
    },
    /// The resource has no deployment of that name.
    DeploymentNotFound,
    /// The endpoint has no such path, or does not know the api-version.
    NotFound,
    /// Too many calls; try again after the wait, when the service said how long.
    RateLimited {
        /// How long to wait, when known.
        retry_after: Option<Duration>,
    },
    /// No answer in time.
    Timeout,
    /// The service failed on its side.
    ServiceError {
        /// The HTTP status.
        status: u16,
    },
    /// Something answered, but not in the image API's words (a gateway's HTML page, say).
    UnexpectedAnswer {
        /// The HTTP status.
        status: u16,
    },
    /// No answer could be read: the endpoint is unreachable, or the browser refused the call
    /// (CORS); a browser reports both alike.
    Unreachable,
}

impl Failure {
    /// Classifies a failed call from its HTTP status, body text and response headers (`header`
    /// looks one up by lower-case name; a browser hides most of them from scripts).
    pub fn classify(status: u16, body: &str, header: impl Fn(&str) -> Option<String>) -> Failure {
        let Ok(envelope) = serde_json::from_str::<ErrorEnvelope>(body) else {
            return match status {
                401 => Failure::Unauthorized,
                408 | 504 => Failure::Timeout,
                429 => Failure::RateLimited { retry_after: wait_from(&header, "") },
                500.. => Failure::ServiceError { status },
                _ => Failure::UnexpectedAnswer { status },
            };
        };
        let error = envelope.error;
        let inner_code = error.inner_error.as_ref().and_then(|inner| inner.code.as_deref());
        let filtered = matches!(error.code.as_deref(), Some("contentFilter" | "content_policy_violation"))
            || inner_code == Some("ResponsibleAIPolicyViolation");
        if filtered {
            let categories = error
                .inner_error
                .as_ref()
                .and_then(|inner| inner.content_filter_results.as_ref())
                .map(FilterResults::triggered)
                .unwrap_or_default();
            return if error.message.starts_with("Generated image was filtered") {
                Failure::ImageFiltered { categories }
            } else {
                Failure::PromptFiltered { categories }
            };
        }
        match (status, error.code.as_deref()) {
            (401, _) => Failure::Unauthorized,
            (403, Some("AuthenticationTypeDisabled")) => Failure::KeyAuthDisabled,
            (403, _) => Failure::AccessDenied { message: error.message },
            (_, Some("DeploymentNotFound")) => Failure::DeploymentNotFound,
            (404, _) => Failure::NotFound,
            (408 | 504, _) => Failure::Timeout,
            (429, _) => Failure::RateLimited { retry_after: wait_from(&header, &error.message) },
            (500.., _) => Failure::ServiceError { status },
            (400..=499, _) => Failure::InvalidRequest { param: error.param, message: error.message },
            _ => Failure::UnexpectedAnswer { status },
        }
    }

    /// What happened, in one sentence.
    pub fn message(&self) -> String {
        let because = |categories: &[String]| {
            if categories.is_empty() {
                String::new()
            } else {
                format!(" (found: {})", categories.join(", ").replace('_', " "))
            }
        };
        match self {
            Failure::PromptFiltered { categories } => {
                format!("The content filter refused this prompt{}.", because(categories))
            }
            Failure::ImageFiltered { categories } => {
                format!("An image was made, but the content filter withheld it{}.", because(categories))
            }
            Failure::InvalidRequest { message, .. } => {
                format!("The service refused the request: {}", sentence(message))
            }
            Failure::Unauthorized => "The key was refused.".into(),
            Failure::KeyAuthDisabled => "This resource does not accept keys, only Microsoft Entra ID sign-in.".into(),
            Failure::AccessDenied { message } => {
                format!("The resource refused the call: {}", sentence(message))
            }
            Failure::DeploymentNotFound => "This resource has no deployment of that name.".into(),
            Failure::NotFound => "The endpoint does not serve this path or api-version.".into(),
            Failure::RateLimited { .. } => "The deployment is busy: too many requests.".into(),
            Failure::Timeout => "No answer came in time.".into(),
            Failure::ServiceError { status } => {
                format!("The service failed on its side (HTTP {status}).")
            }
            Failure::UnexpectedAnswer { status } => {
                format!("Something answered (HTTP {status}), but not the image API.")
            }
            Failure::Unreachable => "No answer came back from the endpoint.".into(),
        }
    }

    /// What the person can do about it.
    pub fn next_step(&self) -> String {
        match self {
            Failure::PromptFiltered { .. } => {
                "Rephrase the prompt without anything that could read as violent, sexual, hateful or self-harm.".into()
            }
            Failure::ImageFiltered { .. } => "Generate again, or adjust the prompt: another image may pass.".into(),
            Failure::InvalidRequest { .. } => "Change the option it names and generate again.".into(),
            Failure::Unauthorized => {
                "Check the key, and that it belongs to this endpoint (Keys and Endpoint in the Azure portal).".into()
            }
            Failure::KeyAuthDisabled => {
                "Use a Microsoft Entra ID token instead of the key, or go through the companion proxy.".into()
            }
            Failure::AccessDenied { .. } => {
                "Check the resource's networking and status in the Azure portal, or ask its administrator.".into()
            }
            Failure::DeploymentNotFound => {
                "Check the deployment name in Azure AI Foundry; a new deployment can take 5 minutes to appear.".into()
            }
            Failure::NotFound => "Check the endpoint address and the api-version.".into(),
            Failure::RateLimited { retry_after: Some(wait) } => {
                format!("Wait {} seconds, then generate again.", wait.as_secs_f64().ceil())
            }
            Failure::RateLimited { retry_after: None } => "Wait a little, then generate again.".into(),
            Failure::Timeout => "Generate again; complex prompts can take a minute.".into(),
            Failure::ServiceError { .. } => "Generate again in a moment.".into(),
            Failure::UnexpectedAnswer { .. } => {
                "Check the endpoint: it should be the resource's address, with nothing after the host.".into()
            }
            Failure::Unreachable => "Either the endpoint is unreachable, or the browser blocked the call (CORS). \
                 The browser console (F12) says which. Check the address; if it is right, use the companion proxy."
                .into(),
        }
    }

    /// Whether the same call may succeed if tried again unchanged.
    pub fn is_transient(&self) -> bool {
        matches!(self, Failure::RateLimited { .. } | Failure::Timeout | Failure::ServiceError { .. })
    }
}

fn sentence(text: &str) -> String {
    let text = text.trim();
    if text.ends_with(['.', '!', '?']) {
        text.to_owned()
    } else {
        format!("{text}.")
    }
}

/// A failed call as the person sees it: what happened in plain words ([`Failure`]), and the
/// details to look closer or to quote to support.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallError {
    /// What happened, and what to do.
    pub failure: Failure,
    /// What the answer said, when one came.
    pub details: FailureDetails,
}

/// What a failed call's answer said.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FailureDetails {
    /// The HTTP status.
    pub status: Option<u16>,
    /// The error code (`error.code`, or Azure's `inner_error.code`).
    pub code: Option<String>,
    /// The id Azure gives the request, to quote to support.
    pub request_id: Option<String>,
    /// The service's own message.
    pub message: Option<String>,
}

impl CallError {
    /// Classifies a failed call and keeps what its answer said (see [`Failure::classify`]).
    pub fn read(status: u16, body: &str, header: impl Fn(&str) -> Option<String>) -> CallError {
        let envelope = serde_json::from_str::<ErrorEnvelope>(body).ok();
        let code = envelope.as_ref().and_then(|envelope| {
            let inner = envelope.error.inner_error.as_ref().and_then(|inner| inner.code.clone());
            envelope.error.code.clone().or(inner)
        });
        let message = envelope.as_ref().map(|envelope| envelope.error.message.clone()).filter(|m| !m.is_empty());
        // A 500's message asks the user to "include the request ID <id>".
        let quoted_id = message.as_deref().and_then(|message| {
            let after = &message[message.find("request ID ")? + "request ID ".len()..];
            let id: String = after.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-').collect();
            (!id.is_empty()).then_some(id)
        });
        let request_id = REQUEST_ID_HEADERS.iter().find_map(|name| header(name)).or(quoted_id);
        CallError {
            failure: Failure::classify(status, body, header),
            details: FailureDetails { status: Some(status), code, request_id, message },
        }
    }
}

impl From<Failure> for CallError {
    /// A failure with no answer to detail: unreachable, timed out in the client.
    fn from(failure: Failure) -> CallError {
        CallError { failure, details: FailureDetails::default() }
    }
}

impl FailureDetails {
    /// The details on one line: "HTTP 404 · DeploymentNotFound · request 0a1b".
    pub fn summary(&self) -> Option<String> {
        let parts: Vec<String> = [
            self.status.map(|status| format!("HTTP {status}")),
            self.code.clone(),
            self.request_id.as_ref().map(|id| format!("request {id}")),
        ]
        .into_iter()
        .flatten()
        .collect();
        (!parts.is_empty()).then(|| parts.join(" · "))
    }
}

/// The wait a 429 asks for: `retry-after-ms`, else `Retry-After` in seconds, else the message's
/// "retry after N seconds" (browsers hide Azure's headers from scripts).
fn wait_from(header: &impl Fn(&str) -> Option<String>, message: &str) -> Option<Duration> {
    // A header can say anything ("6e66", "-1", "NaN"): only a wait a Duration can hold counts.
    let seconds = |name: &str, scale: f64| {
        header(name)
            .and_then(|value| value.trim().parse::<f64>().ok())
            .and_then(|n| Duration::try_from_secs_f64(n / scale).ok())
    };
    seconds(RETRY_AFTER_MS_HEADER, 1000.0).or_else(|| seconds(RETRY_AFTER_HEADER, 1.0)).or_else(|| {
        let lower = message.to_ascii_lowercase();
        let after = &lower[lower.find("retry after ")? + "retry after ".len()..];
        let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
        digits.parse().ok().map(Duration::from_secs)
    })
}

/// How long a call may take before the client gives up on it: generation takes 10-30 s, and up
/// to a minute for complex prompts (the digest's "Time, quota, price").
pub const GENERATION_TIMEOUT: Duration = Duration::from_secs(120);

/// When to try a failed call again, and how long to wait first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Calls in all, the first included.
    pub max_attempts: u32,
    /// The wait before the first retry when the service names none; it doubles each time.
    pub base_delay: Duration,
    /// The longest wait, whatever the service asks.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    /// Three calls in all, waits from 2 s doubling, never over 2 minutes: close to the official
    /// SDK's policy (2 retries, at most 120 s).
    fn default() -> Self {
        RetryPolicy { max_attempts: 3, base_delay: Duration::from_secs(2), max_delay: Duration::from_secs(120) }
    }
}

impl RetryPolicy {
    /// After `attempts_made` calls, the last of which failed with `failure`: how long to wait
    /// before the next call, or `None` to stop.
    pub fn next_wait(&self, failure: &Failure, attempts_made: u32) -> Option<Duration> {
        if !failure.is_transient() || attempts_made >= self.max_attempts {
            return None;
        }
        let backoff = self.base_delay.saturating_mul(2u32.saturating_pow(attempts_made.saturating_sub(1)));
        let wait = match failure {
            Failure::RateLimited { retry_after: Some(asked) } => *asked,
            _ => backoff,
        };
        Some(wait.min(self.max_delay))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api_error::ApiError;
    use crate::content_filter::CategoryResult;
    use crate::model::DALL_E_3;
    use crate::request::ImageRequest;

    fn no_headers(_: &str) -> Option<String> {
        None
    }

    fn check(status: u16, body: &str, expected: Failure) {
        assert_eq!(Failure::classify(status, body, no_headers), expected, "{status} {body}");
    }

    fn round_trip(error: ApiError) -> Failure {
        Failure::classify(error.status, &serde_json::to_string(&error.body).unwrap(), no_headers)
    }

    #[test]
    fn the_seed_documents_two_content_filter_answers_read_differently() {
        check(
            400,
            r#"{"created":1698435368,"error":{"code":"contentFilter","message":"Your task failed as a result of our safety system."}}"#,
            Failure::PromptFiltered { categories: vec![] },
        );
        check(
            400,
            r#"{"created":1698435368,"error":{"code":"contentFilter","message":"Generated image was filtered as a result of our safety system."}}"#,
            Failure::ImageFiltered { categories: vec![] },
        );
        let prompt = Failure::PromptFiltered { categories: vec![] };
        let image = Failure::ImageFiltered { categories: vec![] };
        assert_ne!(prompt.message(), image.message());
        assert_ne!(prompt.next_step(), image.next_step());
    }

    #[test]
    fn the_captured_content_policy_violation_names_its_categories() {
        check(
            400,
            r#"{"error":{"code":"content_policy_violation","inner_error":{"code":"ResponsibleAIPolicyViolation",
                "content_filter_results":{"jailbreak":{"detected":false,"filtered":false},"violence":{"filtered":true,"severity":"low"},
                "self_harm":{"filtered":true,"severity":"medium"}},"revised_prompt":"..."},
                "message":"Your request was rejected as a result of our safety system. ...","type":"invalid_request_error"}}"#,
            Failure::PromptFiltered { categories: vec!["self_harm".into(), "violence".into()] },
        );
        assert_eq!(
            Failure::PromptFiltered { categories: vec!["self_harm".into(), "violence".into()] }.message(),
            "The content filter refused this prompt (found: self harm, violence)."
        );
    }

    #[test]
    fn every_answer_the_service_gives_classifies_as_what_it_means() {
        let mut categories = FilterResults::default();
        categories
            .0
            .insert("hate".into(), CategoryResult { filtered: true, severity: Some("high".into()), detected: None });
        let problem = ImageRequest::default().validate(&DALL_E_3).unwrap_err().remove(0);
        for (error, expected) in [
            (ApiError::missing_key(), Failure::Unauthorized),
            (ApiError::invalid_key(), Failure::Unauthorized),
            (ApiError::key_auth_disabled(), Failure::KeyAuthDisabled),
            (ApiError::deployment_not_found(), Failure::DeploymentNotFound),
            (ApiError::resource_not_found(), Failure::NotFound),
            (ApiError::prompt_filtered(1), Failure::PromptFiltered { categories: vec![] }),
            (ApiError::image_filtered(1), Failure::ImageFiltered { categories: vec![] }),
            (
                ApiError::content_policy_violation(categories, None),
                Failure::PromptFiltered { categories: vec!["hate".into()] },
            ),
            (ApiError::rate_limited(16), Failure::RateLimited { retry_after: Some(Duration::from_secs(16)) }),
            (ApiError::server_error("abc"), Failure::ServiceError { status: 500 }),
            (ApiError::service_unavailable(), Failure::ServiceError { status: 503 }),
            (
                ApiError::invalid_request(&problem),
                Failure::InvalidRequest { param: Some("prompt".into()), message: problem.to_string() },
            ),
        ] {
            assert_eq!(round_trip(error.clone()), expected, "{error:?}");
        }
        assert!(matches!(round_trip(ApiError::malformed_body("x")), Failure::InvalidRequest { param: None, .. }));
    }

    #[test]
    fn the_servers_own_answers_classify_as_what_they_mean() {
        for (error, expected) in [
            (ApiError::origin_not_allowed("https://evil.example"), Failure::AccessDenied { message: String::new() }),
            (ApiError::proxy_busy(2), Failure::RateLimited { retry_after: Some(Duration::from_secs(2)) }),
            (ApiError::body_timeout(60), Failure::Timeout),
            (ApiError::upstream_timeout(180), Failure::Timeout),
            (ApiError::upstream_unreachable(), Failure::ServiceError { status: 502 }),
            (ApiError::image_host_timeout(180), Failure::ServiceError { status: 502 }),
            (ApiError::image_host_unreachable(), Failure::ServiceError { status: 502 }),
            (ApiError::image_host_refused("403 Forbidden"), Failure::ServiceError { status: 502 }),
            (ApiError::image_too_large(64), Failure::ServiceError { status: 502 }),
            (ApiError::not_an_image(), Failure::ServiceError { status: 502 }),
            (ApiError::link_not_passed_on(), Failure::NotFound),
            (ApiError::link_expired(), Failure::NotFound),
            (ApiError::no_image_at_link(), Failure::NotFound),
        ] {
            let read = match round_trip(error.clone()) {
                Failure::AccessDenied { .. } => Failure::AccessDenied { message: String::new() },
                other => other,
            };
            assert_eq!(read, expected, "{error:?}");
            assert!(error.body.error.message.ends_with('.'), "{error:?}");
        }
        assert!(matches!(round_trip(ApiError::method_not_allowed()), Failure::InvalidRequest { .. }));
        assert!(matches!(round_trip(ApiError::misdirected("evil.example")), Failure::InvalidRequest { .. }));
        assert_eq!(ApiError::image_host_refused("302 Found").body.error.message, "The image host answered 302 Found.");
    }

    #[test]
    fn an_edit_refused_for_its_files_reads_as_an_invalid_request_naming_the_field() {
        use crate::edit::EditError;
        use crate::wire::Dimensions;
        let size = Dimensions { width: 1024, height: 1024 };
        for (problem, param) in [
            (EditError::NoImage, "image"),
            (EditError::TooManyImages { count: 17 }, "image"),
            (EditError::NotAnImage { place: 2, why: crate::image_file::NotAnImage::Webp }, "image"),
            (EditError::ImageTooLarge { place: 1, bytes: 60 << 20 }, "image"),
            (EditError::MaskWithoutAlpha, "mask"),
            (EditError::MaskTooLarge { bytes: 5 << 20 }, "mask"),
            (EditError::MaskSizeDiffers { mask: size, image: size }, "mask"),
            (EditError::NoInputFidelity { model: "gpt-image-2" }, "input_fidelity"),
        ] {
            let answer = ApiError::refused_edit(&problem);
            assert_eq!(answer.status, 400, "{problem:?}");
            assert!(
                matches!(round_trip(answer), Failure::InvalidRequest { param: Some(named), .. } if named == param),
                "{problem:?}"
            );
        }
        assert_eq!(
            ApiError::refused_edit(&EditError::NotAnImage { place: 2, why: crate::image_file::NotAnImage::Webp })
                .body
                .error
                .message,
            "Invalid image file or mode for image 2, please check your image file."
        );
        let dalle = ApiError::refused_edit(&EditError::NoEdits { model: "dall-e-3" });
        assert_eq!(dalle.body.error.code.as_deref(), Some("OperationNotSupported"));
        assert!(matches!(round_trip(dalle), Failure::InvalidRequest { message, .. } if message.contains("dall-e-3")));
    }

    #[test]
    fn a_429_asks_for_its_wait_in_azures_two_headers_and_nothing_else_does() {
        for (error, seconds) in [(ApiError::rate_limited(16), 16), (ApiError::proxy_busy(2), 2)] {
            let headers = error.headers();
            assert_eq!(
                headers,
                [(RETRY_AFTER_HEADER, seconds.to_string()), (RETRY_AFTER_MS_HEADER, (seconds * 1000).to_string())]
            );
            let body = serde_json::to_string(&error.body).unwrap();
            let header = |name: &str| headers.iter().find(|(n, _)| *n == name).map(|(_, v)| v.clone());
            assert_eq!(
                Failure::classify(429, "not json: the headers alone", header),
                Failure::RateLimited { retry_after: Some(Duration::from_secs(seconds)) },
                "{body}"
            );
        }
        for other in [ApiError::server_error("x"), ApiError::service_unavailable(), ApiError::body_too_large(1)] {
            assert_eq!(other.headers(), [], "{other:?}");
        }
    }

    #[test]
    fn captured_answers_from_the_wild_classify() {
        check(401, r#"{"error":{"code":"Unauthorized","message":"Access denied"}}"#, Failure::Unauthorized);
        check(
            401,
            r#"{"statusCode":401,"message":"Access denied due to missing subscription key."}"#,
            Failure::Unauthorized,
        );
        check(
            403,
            r#"{"error":{"code":"Forbidden","message":"Your resource has been temporarily blocked because we detected behavior that may violate our content policy."}}"#,
            Failure::AccessDenied {
                message: "Your resource has been temporarily blocked because we detected behavior that may violate our content policy.".into(),
            },
        );
        check(429, r#"{"error":{"code":"429","message":"Slow down"}}"#, Failure::RateLimited { retry_after: None });
        check(
            500,
            r#"{"error":{"message":"An error occurred","type":"server_error","param":null,"code":"server_error"}}"#,
            Failure::ServiceError { status: 500 },
        );
        check(
            400,
            r#"{"error":{"code":"invalid_size","message":"The size is not supported by this model.","param":"size","type":"invalid_request_error"}}"#,
            Failure::InvalidRequest {
                param: Some("size".into()),
                message: "The size is not supported by this model.".into(),
            },
        );
        check(
            400,
            r#"{"error":{"code":null,"message":"'' is too short - 'prompt'"}}"#,
            Failure::InvalidRequest { param: None, message: "'' is too short - 'prompt'".into() },
        );
        check(502, "<html><body>Bad Gateway</body></html>", Failure::ServiceError { status: 502 });
        check(504, "upstream timed out", Failure::Timeout);
        check(408, r#"{"error":{"code":"timeout","message":"Request timed out"}}"#, Failure::Timeout);
        check(200, "<html>portal</html>", Failure::UnexpectedAnswer { status: 200 });
        check(404, "<html>Not Found</html>", Failure::UnexpectedAnswer { status: 404 });
    }

    #[test]
    fn the_wait_after_a_429_comes_from_headers_first_then_the_message() {
        let headers = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| pairs.iter().find(|(n, _)| *n == name).map(|(_, v)| (*v).to_owned())
        };
        let body = serde_json::to_string(&ApiError::rate_limited(16).body).unwrap();
        let wait = |failure| match failure {
            Failure::RateLimited { retry_after } => retry_after,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            wait(Failure::classify(429, &body, headers(&[("retry-after-ms", "1500"), ("retry-after", "9")]))),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(wait(Failure::classify(429, &body, headers(&[("retry-after", "9")]))), Some(Duration::from_secs(9)));
        assert_eq!(
            wait(Failure::classify(429, &body, no_headers)),
            Some(Duration::from_secs(16)),
            "a browser hides the headers"
        );
        assert_eq!(wait(Failure::classify(429, "busy", headers(&[("retry-after", "nonsense")]))), None);
        // Found by the fuzzer: a wait too large for a Duration once panicked.
        for absurd in ["6e66", "-1", "NaN", "inf"] {
            assert_eq!(wait(Failure::classify(429, "busy", headers_owned(absurd))), None, "{absurd}");
        }
    }

    fn headers_owned(retry_after: &'static str) -> impl Fn(&str) -> Option<String> {
        move |name: &str| (name == "retry-after").then(|| retry_after.to_owned())
    }

    #[test]
    fn a_call_error_keeps_the_status_code_and_request_id_to_quote() {
        let error = ApiError::server_error("0a1b-2c3d");
        let read = CallError::read(500, &serde_json::to_string(&error.body).unwrap(), no_headers);
        assert_eq!(read.failure, Failure::ServiceError { status: 500 });
        assert_eq!(read.details.summary().as_deref(), Some("HTTP 500 · server_error · request 0a1b-2c3d"));

        let from_header =
            CallError::read(404, &serde_json::to_string(&ApiError::deployment_not_found().body).unwrap(), |name| {
                (name == "apim-request-id").then(|| "abc-123".to_owned())
            });
        assert_eq!(from_header.details.summary().as_deref(), Some("HTTP 404 · DeploymentNotFound · request abc-123"));

        let policy = ApiError::content_policy_violation(FilterResults::default(), None);
        let mut envelope = policy.body.clone();
        envelope.error.code = None;
        let inner = CallError::read(400, &serde_json::to_string(&envelope).unwrap(), no_headers);
        assert_eq!(
            inner.details.code.as_deref(),
            Some("ResponsibleAIPolicyViolation"),
            "Azure's inner code when the outer is absent"
        );

        assert_eq!(CallError::read(502, "<html>", no_headers).details.summary().as_deref(), Some("HTTP 502"));
        assert_eq!(CallError::from(Failure::Unreachable).details.summary(), None);
    }

    #[test]
    fn transient_failures_retry_a_bounded_number_of_times() {
        let policy = RetryPolicy::default();
        let busy = Failure::RateLimited { retry_after: Some(Duration::from_secs(16)) };
        assert_eq!(policy.next_wait(&busy, 1), Some(Duration::from_secs(16)));
        assert_eq!(policy.next_wait(&busy, 3), None, "three calls in all");
        let failing = Failure::ServiceError { status: 503 };
        assert_eq!(policy.next_wait(&failing, 1), Some(Duration::from_secs(2)));
        assert_eq!(policy.next_wait(&failing, 2), Some(Duration::from_secs(4)));
        let patient = RetryPolicy { max_attempts: 20, ..policy };
        assert_eq!(patient.next_wait(&failing, 15), Some(Duration::from_secs(120)), "capped");
        assert_eq!(
            policy.next_wait(&Failure::RateLimited { retry_after: Some(Duration::from_secs(600)) }, 1),
            Some(Duration::from_secs(120))
        );
        for permanent in [
            Failure::PromptFiltered { categories: vec![] },
            Failure::ImageFiltered { categories: vec![] },
            Failure::Unauthorized,
            Failure::DeploymentNotFound,
            Failure::Unreachable,
            Failure::UnexpectedAnswer { status: 200 },
        ] {
            assert_eq!(policy.next_wait(&permanent, 1), None, "{permanent:?}");
        }
    }

    #[test]
    fn every_failure_says_what_happened_and_what_to_do() {
        for failure in [
            Failure::PromptFiltered { categories: vec![] },
            Failure::ImageFiltered { categories: vec!["violence".into()] },
            Failure::InvalidRequest { param: None, message: "The size is not supported".into() },
            Failure::Unauthorized,
            Failure::KeyAuthDisabled,
            Failure::AccessDenied { message: "Blocked".into() },
            Failure::DeploymentNotFound,
            Failure::NotFound,
            Failure::RateLimited { retry_after: Some(Duration::from_secs(3)) },
            Failure::RateLimited { retry_after: None },
            Failure::Timeout,
            Failure::ServiceError { status: 503 },
            Failure::UnexpectedAnswer { status: 200 },
            Failure::Unreachable,
        ] {
            assert!(failure.message().ends_with('.'), "{failure:?}");
            assert!(failure.next_step().ends_with('.'), "{failure:?}");
        }
        assert_eq!(
            Failure::RateLimited { retry_after: Some(Duration::from_millis(2500)) }.next_step(),
            "Wait 3 seconds, then generate again."
        );
    }
}
