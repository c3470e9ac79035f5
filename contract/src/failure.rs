//! Failures: the error body on the wire, the answers the service gives for each failure, and
//! the classification of any failed call into a [`Failure`] a person can act on.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

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
    pub message: String,
    /// The request field the error is about, when the service says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub param: Option<String>,
    /// OpenAI's error family, such as `invalid_request_error`.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

fn string_or_number<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    Ok(
        match Option::<serde_json::Value>::deserialize(deserializer)? {
            Some(serde_json::Value::String(code)) => Some(code),
            Some(serde_json::Value::Number(code)) => Some(code.to_string()),
            _ => None,
        },
    )
}

/// An error answer as the service sends it: an HTTP status and a body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The HTTP status.
    pub status: u16,
    /// The JSON body.
    pub body: ErrorEnvelope,
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
                },
            },
        }
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

    /// 400 for a body that is not JSON of the request's shape.
    pub fn malformed_body(detail: impl fmt::Display) -> Self {
        let mut error = Self::new(
            400,
            None,
            format!("The request body is not valid: {detail}"),
        );
        error.body.error.kind = Some("invalid_request_error".into());
        error
    }

    /// 400 for a request that breaks a rule of its model.
    pub fn invalid_request(problem: &RequestError) -> Self {
        let field = problem.field().wire_name();
        let mut error = Self::new(400, Some(&format!("invalid_{field}")), problem.to_string());
        error.body.error.param = Some(field.into());
        error.body.error.kind = Some("invalid_request_error".into());
        error
    }

    /// 400 for a prompt the content filter flagged: the seed document's form.
    pub fn prompt_filtered(created: i64) -> Self {
        let mut error = Self::new(
            400,
            Some("contentFilter"),
            "Your task failed as a result of our safety system.",
        );
        error.body.created = Some(created);
        error
    }

    /// 400 for an image the content filter withheld after making it: the seed document's form.
    pub fn image_filtered(created: i64) -> Self {
        let mut error = Self::new(
            400,
            Some("contentFilter"),
            "Generated image was filtered as a result of our safety system.",
        );
        error.body.created = Some(created);
        error
    }
}

/// Why a call made no image, in terms a person can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The content filter refused the prompt.
    PromptFiltered,
    /// The image was made but the content filter withheld it.
    ImageFiltered,
    /// The service refused a parameter; its own words.
    InvalidRequest {
        /// The service's message.
        message: String,
    },
    /// The key is missing, wrong, or belongs to another resource.
    Unauthorized,
    /// The resource has no deployment of that name.
    DeploymentNotFound,
    /// The endpoint has no such path, or does not know the api-version.
    NotFound,
    /// Too many calls; try again after the wait, if the service said how long.
    RateLimited {
        /// Seconds to wait, when known.
        retry_after_secs: Option<u32>,
    },
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
    /// Classifies a failed call from its HTTP status and body text.
    pub fn classify(status: u16, body: &str) -> Failure {
        let Ok(envelope) = serde_json::from_str::<ErrorEnvelope>(body) else {
            return match status {
                401 | 403 => Failure::Unauthorized,
                429 => Failure::RateLimited {
                    retry_after_secs: None,
                },
                500.. => Failure::ServiceError { status },
                _ => Failure::UnexpectedAnswer { status },
            };
        };
        let error = envelope.error;
        match (status, error.code.as_deref()) {
            (_, Some("contentFilter" | "content_policy_violation")) => {
                if error.message.starts_with("Generated image was filtered") {
                    Failure::ImageFiltered
                } else {
                    Failure::PromptFiltered
                }
            }
            (401, _) => Failure::Unauthorized,
            (_, Some("DeploymentNotFound")) => Failure::DeploymentNotFound,
            (404, _) => Failure::NotFound,
            (429, _) => Failure::RateLimited {
                retry_after_secs: seconds_to_wait(&error.message),
            },
            (500.., _) => Failure::ServiceError { status },
            _ => Failure::InvalidRequest {
                message: error.message,
            },
        }
    }

    /// What happened, in one sentence.
    pub fn message(&self) -> String {
        match self {
            Failure::PromptFiltered => "The content filter refused this prompt.".into(),
            Failure::ImageFiltered => {
                "An image was made, but the content filter withheld it.".into()
            }
            Failure::InvalidRequest { message } => {
                format!("The service refused the request: {message}")
            }
            Failure::Unauthorized => "The key was refused.".into(),
            Failure::DeploymentNotFound => "This resource has no deployment of that name.".into(),
            Failure::NotFound => "The endpoint does not serve this path or api-version.".into(),
            Failure::RateLimited { .. } => "The deployment is busy: too many requests.".into(),
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
            Failure::PromptFiltered => {
                "Rephrase the prompt without anything that could read as violent, sexual, hateful or self-harm.".into()
            }
            Failure::ImageFiltered => "Generate again, or adjust the prompt: another image may pass.".into(),
            Failure::InvalidRequest { .. } => "Change the option it names and generate again.".into(),
            Failure::Unauthorized => {
                "Check the key, and that it belongs to this endpoint (Keys and Endpoint in the Azure portal).".into()
            }
            Failure::DeploymentNotFound => {
                "Check the deployment name in Azure AI Foundry; a new deployment can take 5 minutes to appear.".into()
            }
            Failure::NotFound => "Check the endpoint address and the api-version.".into(),
            Failure::RateLimited { retry_after_secs: Some(secs) } => format!("Wait {secs} seconds, then generate again."),
            Failure::RateLimited { retry_after_secs: None } => "Wait a little, then generate again.".into(),
            Failure::ServiceError { .. } => "Generate again in a moment.".into(),
            Failure::UnexpectedAnswer { .. } => {
                "Check the endpoint: it should be the resource's address, with nothing after the host.".into()
            }
            Failure::Unreachable => "Either the endpoint is unreachable, or the browser blocked the call (CORS). \
                 The browser console (F12) says which. Check the address; if it is right, use the companion proxy."
                .into(),
        }
    }
}

/// The wait in a message such as "... Please retry after 16 seconds. ...".
fn seconds_to_wait(message: &str) -> Option<u32> {
    let lower = message.to_ascii_lowercase();
    let after = &lower[lower.find("retry after ")? + "retry after ".len()..];
    let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::DALL_E_3;
    use crate::request::ImageRequest;

    fn check(status: u16, body: &str, expected: Failure) {
        assert_eq!(Failure::classify(status, body), expected, "{status} {body}");
    }

    fn round_trip(error: ApiError) -> Failure {
        Failure::classify(error.status, &serde_json::to_string(&error.body).unwrap())
    }

    #[test]
    fn the_seed_documents_two_content_filter_answers_read_differently() {
        check(
            400,
            r#"{"created":1698435368,"error":{"code":"contentFilter","message":"Your task failed as a result of our safety system."}}"#,
            Failure::PromptFiltered,
        );
        check(
            400,
            r#"{"created":1698435368,"error":{"code":"contentFilter","message":"Generated image was filtered as a result of our safety system."}}"#,
            Failure::ImageFiltered,
        );
        assert_ne!(
            Failure::PromptFiltered.message(),
            Failure::ImageFiltered.message()
        );
    }

    #[test]
    fn error_answers_the_service_gives_classify_as_what_they_mean() {
        assert_eq!(round_trip(ApiError::missing_key()), Failure::Unauthorized);
        assert_eq!(round_trip(ApiError::invalid_key()), Failure::Unauthorized);
        assert_eq!(
            round_trip(ApiError::deployment_not_found()),
            Failure::DeploymentNotFound
        );
        assert_eq!(
            round_trip(ApiError::resource_not_found()),
            Failure::NotFound
        );
        assert_eq!(
            round_trip(ApiError::prompt_filtered(1)),
            Failure::PromptFiltered
        );
        assert_eq!(
            round_trip(ApiError::image_filtered(1)),
            Failure::ImageFiltered
        );
        let problem = ImageRequest {
            prompt: String::new(),
            size: None,
            n: None,
            quality: None,
            style: None,
            response_format: None,
        }
        .validate(&DALL_E_3)
        .unwrap_err()
        .remove(0);
        let invalid = ApiError::invalid_request(&problem);
        assert_eq!(invalid.body.error.param.as_deref(), Some("prompt"));
        assert_eq!(
            round_trip(invalid),
            Failure::InvalidRequest {
                message: problem.to_string()
            }
        );
    }

    #[test]
    fn captured_answers_from_the_wild_classify() {
        check(
            401,
            r#"{"error":{"code":"Unauthorized","message":"Access denied"}}"#,
            Failure::Unauthorized,
        );
        check(
            401,
            r#"{"statusCode":401,"message":"Access denied due to missing subscription key."}"#,
            Failure::Unauthorized,
        );
        check(
            429,
            r#"{"error":{"code":"RateLimitReached","message":"Requests have exceeded the limit. Please retry after 16 seconds."}}"#,
            Failure::RateLimited {
                retry_after_secs: Some(16),
            },
        );
        check(
            429,
            r#"{"error":{"code":429,"message":"Slow down"}}"#,
            Failure::RateLimited {
                retry_after_secs: None,
            },
        );
        check(
            500,
            r#"{"error":{"message":"An error occurred","type":"server_error","param":null,"code":"server_error"}}"#,
            Failure::ServiceError { status: 500 },
        );
        check(
            502,
            "<html><body>Bad Gateway</body></html>",
            Failure::ServiceError { status: 502 },
        );
        check(
            200,
            "<html>portal</html>",
            Failure::UnexpectedAnswer { status: 200 },
        );
        check(
            400,
            r#"{"error":{"code":"content_policy_violation","message":"Your request was rejected as a result of our safety system."}}"#,
            Failure::PromptFiltered,
        );
    }

    #[test]
    fn every_failure_says_what_happened_and_what_to_do() {
        for failure in [
            Failure::PromptFiltered,
            Failure::ImageFiltered,
            Failure::InvalidRequest {
                message: "The size is not supported.".into(),
            },
            Failure::Unauthorized,
            Failure::DeploymentNotFound,
            Failure::NotFound,
            Failure::RateLimited {
                retry_after_secs: Some(3),
            },
            Failure::ServiceError { status: 503 },
            Failure::UnexpectedAnswer { status: 200 },
            Failure::Unreachable,
        ] {
            assert!(failure.message().ends_with('.'), "{failure:?}");
            assert!(failure.next_step().ends_with('.'), "{failure:?}");
        }
        assert_eq!(
            Failure::RateLimited {
                retry_after_secs: Some(3)
            }
            .next_step(),
            "Wait 3 seconds, then generate again."
        );
    }
}
