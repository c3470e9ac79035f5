//! What only a browser can do, each behind a small API the components call: every HTTP call
//! (`api`), the image store in IndexedDB, local storage, object URLs, the engine that drives a
//! run's calls, the keeper that keeps each finished image, the other pages of this browser, and
//! the clock. Compiled for wasm32 only.

pub mod api;
pub mod clock;
pub mod engine;
pub mod image_store;
pub mod keeper;
pub mod local_store;
pub mod object_url;
pub mod other_pages;
