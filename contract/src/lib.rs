//! The Azure OpenAI images REST API, as pure Rust types and rules.
//!
//! Every rule of the API that Easel knows lives here, so the app and the companion server share
//! one definition of it:
//!
//! - [`model`]: every model's profile: what it accepts, its defaults, its price, its retirement;
//! - [`request`]: the request body, validation that alone can build a [`request::ValidRequest`],
//!   and the [`request::Plan`] that turns "k images" into requests with a cost estimate;
//! - [`endpoint`]: turning what a user typed or pasted into the URL, headers and body of a call;
//! - [`response`]: the success body, with filter results and token usage;
//! - [`failure`]: the error body on the wire, the classification of every failure into a
//!   plain-words message with a next step, and the retry policy;
//! - [`price`] and [`calendar`]: costs in exact micro-dollars, and the days of the lifecycle.
//!
//! The crate does no IO and knows nothing of HTTP clients, servers or the DOM; it builds for
//! native targets and for `wasm32-unknown-unknown` alike.

#![warn(missing_docs)]

pub mod calendar;
pub mod endpoint;
pub mod failure;
pub mod model;
pub mod price;
pub mod request;
pub mod response;
