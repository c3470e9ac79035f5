//! The Azure OpenAI images REST API, as pure Rust types and rules.
//!
//! Every rule of the API that Easel knows lives here, so the app and the companion server share
//! one definition of it:
//!
//! - [`wire`]: the API's vocabulary as it spells it (sizes, each option's values), with room
//!   for values the service adds;
//! - [`model`]: every model's profile: what it accepts, its defaults, its price, its retirement;
//! - [`request`]: the request body, validation that alone can build a [`request::ValidRequest`],
//!   and the [`request::Plan`] that turns "k images" into requests with a cost estimate;
//! - [`endpoint`]: turning what a user typed or pasted into the URL, headers and body of a call;
//! - [`edit`]: an edit's images, mask and options, validation that alone builds a
//!   [`edit::ValidEdit`], and its multipart fields; [`image_file`]: a PNG's or JPEG's size and
//!   alpha, read from its header;
//! - [`headers`]: the names of the API's headers (the key, the token, the wait, the request ids);
//! - [`response`]: the success body, with token usage; [`content_filter`]: the filters'
//!   findings, in answers and errors alike;
//! - [`api_error`]: Azure's error answers on the wire, one constructor per answer;
//! - [`failure`]: the classification of every failed call into a plain-words message with a
//!   next step, and the retry policy;
//! - [`probe`]: the connection test that costs nothing, and its answer read as a diagnosis;
//! - [`price`] and [`calendar`]: costs in exact micro-dollars, and the days of the lifecycle;
//! - [`profiles`]: `config.json`, the connection profiles a team's server offers, never a secret.
//!
//! ```
//! use easel_contract::endpoint::{ApiPath, Auth, Connection};
//! use easel_contract::failure::{Failure, RetryPolicy};
//! use easel_contract::model::ModelProfile;
//! use easel_contract::request::ImageRequest;
//!
//! let model = ModelProfile::by_name("dall-e-3").unwrap();
//! let target = Connection {
//!     endpoint: "my-resource".into(), // a bare resource name is enough
//!     deployment: "dall-e-3".into(),
//!     api_version: "2024-02-01".into(),
//!     path: ApiPath::Deployments,
//!     auth: Auth::ApiKey("KEY".into()),
//! }
//! .target()
//! .unwrap();
//! assert_eq!(
//!     target.generations_url(),
//!     "https://my-resource.openai.azure.com/openai/deployments/dall-e-3/images/generations?api-version=2024-02-01"
//! );
//!
//! // Two images from dall-e-3 are two requests of one image each.
//! let plan = ImageRequest { prompt: "A lighthouse at dawn".into(), ..Default::default() }.plan(model, 2).unwrap();
//! assert_eq!(plan.requests.len(), 2);
//! assert_eq!(target.body(&plan.requests[0]), r#"{"prompt":"A lighthouse at dawn","n":1}"#);
//!
//! // Send it with any HTTP client and `target.headers()`; a failed call becomes a Failure.
//! let failure = Failure::classify(429, r#"{"error":{"code":"429","message":"Please retry after 16 seconds."}}"#, |_| None);
//! assert_eq!(failure.next_step(), "Wait 16 seconds, then generate again.");
//! assert!(RetryPolicy::default().next_wait(&failure, 1).is_some());
//! ```
//!
//! The crate does no IO and knows nothing of HTTP clients, servers or the DOM; it builds for
//! native targets and for `wasm32-unknown-unknown` alike.

#![warn(missing_docs)]

pub mod api_error;
pub mod calendar;
pub mod content_filter;
pub mod edit;
pub mod endpoint;
pub mod failure;
pub mod headers;
pub mod image_file;
pub mod model;
pub mod price;
pub mod probe;
pub mod profiles;
pub mod request;
pub mod response;
pub mod wire;
