//! The Azure OpenAI images REST API, as pure Rust types and rules.
//!
//! Every rule of the API that Easel knows lives here, so the app and the companion server share
//! one definition of it:
//!
//! - [`model`]: what each model accepts (sizes, quality, style, n, prompt length) and its defaults;
//! - [`request`]: the request body, and validation that alone can build a [`request::ValidRequest`];
//! - [`endpoint`]: turning what a user typed into the URL and headers a request goes to;
//! - [`response`]: the success body;
//! - [`failure`]: the error body on the wire, and the classification of every failure into a
//!   plain-words message with a next step.
//!
//! The crate does no IO and knows nothing of HTTP clients, servers or the DOM; it builds for
//! native targets and for `wasm32-unknown-unknown` alike.

pub mod endpoint;
pub mod failure;
pub mod model;
pub mod request;
pub mod response;
