//! Easel's browser app: a studio for Azure OpenAI image generation.
//!
//! The tree is the architecture: `state/` is plain state and rules, compiled everywhere and
//! tested natively; `browser/` is what only a browser can do (HTTP calls, IndexedDB, local
//! storage, object URLs, the engine that drives calls, the keeper of images, the clock);
//! `hooks/` ties signals to the browser; `components/` is the view, one file per component; `app.rs`
//! wires them. Every rule of the image API comes from `easel-contract`.

// Natively only the plain state is built, for its tests, and nothing calls it: dead code is
// found by the wasm32 build, where the app uses everything.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
mod state;

#[cfg(target_arch = "wasm32")]
mod app;
#[cfg(target_arch = "wasm32")]
mod browser;
#[cfg(target_arch = "wasm32")]
mod components;
#[cfg(target_arch = "wasm32")]
mod hooks;

#[cfg(target_arch = "wasm32")]
pub use app::{App, AppProps};
#[cfg(target_arch = "wasm32")]
pub use browser::api::team_profiles;
