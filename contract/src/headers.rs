//! The HTTP headers of the image API, named once: the app and the server send, read and pass
//! on these, and the contract's own readers ([`crate::failure`]) look them up by these names.
//!
//! Names are lower case, as HTTP/2 sends them and as the browser's `Headers` looks them up,
//! except [`AUTHORIZATION_HEADER`], written as Azure's documentation and samples write it.

/// The header that carries a resource key.
pub const API_KEY_HEADER: &str = "api-key";

/// The header that carries a Microsoft Entra ID token, after [`BEARER_PREFIX`].
pub const AUTHORIZATION_HEADER: &str = "Authorization";

/// What comes before the token in [`AUTHORIZATION_HEADER`].
pub const BEARER_PREFIX: &str = "Bearer ";

/// The wait a 429 asks for, in seconds.
pub const RETRY_AFTER_HEADER: &str = "retry-after";

/// The same wait in milliseconds, which Azure sends beside [`RETRY_AFTER_HEADER`].
pub const RETRY_AFTER_MS_HEADER: &str = "retry-after-ms";

/// The headers that carry Azure's id of a request, to quote to support, the most useful first.
pub const REQUEST_ID_HEADERS: &[&str] = &["apim-request-id", "x-request-id", "x-ms-request-id"];

/// The headers in which Azure reports a deployment's rate limits and what is left of them.
pub const RATE_LIMIT_HEADERS: &[&str] = &[
    "x-ratelimit-limit-requests",
    "x-ratelimit-remaining-requests",
    "x-ratelimit-reset-requests",
    "x-ratelimit-limit-tokens",
    "x-ratelimit-remaining-tokens",
];

/// The header naming the Azure region that answered.
pub const REGION_HEADER: &str = "x-ms-region";
