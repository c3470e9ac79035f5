//! The server's one error answer. Whatever fails, in a handler, an extractor or a layer, the
//! client gets Azure's `{"error": {...}}` shape with its status and headers, in the words of the
//! contract's [`ApiError`] constructors; handlers and extractors return [`AzureError`] and use
//! `?` on each source below. What went wrong inside (the transport error of a host that could
//! not be reached) is logged, never sent.

use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use easel_contract::api_error::ApiError;

use crate::credentials::Refused;

/// Every failure the server reports.
#[derive(Debug)]
pub enum AzureError {
    /// An answer the contract spells out. Boxed: an answer is large, and success the common case.
    Answer(Box<ApiError>),
    /// Another host (the upstream, or an image host) could not be reached or did not answer in
    /// time: the client gets `answer`, the log gets `cause`.
    Unreachable {
        /// The client's transport error.
        cause: reqwest::Error,
        /// What the client is told.
        answer: Box<ApiError>,
    },
}

impl AzureError {
    /// `answer` for a call to another host that failed with `cause`.
    pub fn unreachable(cause: reqwest::Error, answer: ApiError) -> AzureError {
        AzureError::Unreachable { cause, answer: Box::new(answer) }
    }
}

impl IntoResponse for AzureError {
    fn into_response(self) -> Response {
        let error = match self {
            AzureError::Answer(answer) => answer,
            AzureError::Unreachable { cause, answer } => {
                // Without its URL: an image link carries its host's signature.
                let cause = causes(&cause.without_url());
                let code = answer.body.error.code.as_deref().unwrap_or_default();
                tracing::warn!(%code, %cause, "{}", answer.body.error.message);
                answer
            }
        };
        let status = StatusCode::from_u16(error.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, Json(&error.body)).into_response();
        for (name, value) in error.headers() {
            // The contract's header names are lower case, as `from_static` requires.
            let value = HeaderValue::from_str(&value).expect("a number of seconds is a header value");
            response.headers_mut().insert(HeaderName::from_static(name), value);
        }
        response
    }
}

impl From<ApiError> for AzureError {
    fn from(answer: ApiError) -> Self {
        AzureError::Answer(Box::new(answer))
    }
}

impl From<Refused> for AzureError {
    fn from(refused: Refused) -> Self {
        match refused {
            Refused::Missing => ApiError::missing_key(),
            Refused::Wrong => ApiError::invalid_key(),
        }
        .into()
    }
}

/// `error` and what caused it, each in its own words: "error sending request: client error
/// (Connect): tcp connect error: Connection refused (os error 111)".
fn causes(error: &(dyn std::error::Error + 'static)) -> String {
    let chain = std::iter::successors(Some(error), |error| error.source());
    chain.map(ToString::to_string).collect::<Vec<_>>().join(": ")
}
