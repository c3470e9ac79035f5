//! Easel's browser app: a studio for Azure OpenAI image generation.
//!
//! Plain state types (compiled everywhere, tested natively) sit beside the Leptos UI, which is
//! compiled for the browser only. Every rule of the image API comes from `easel-contract`.

pub mod archive;
pub mod connections;
pub mod device_space;
pub mod file_name;
pub mod file_parts;
pub mod gallery;
pub mod show_as_code;
pub mod spending;
pub mod studio_form;
pub mod tiles;
pub mod word_diff;
pub mod zip_stream;

#[cfg(target_arch = "wasm32")]
mod app;
#[cfg(target_arch = "wasm32")]
mod components;
#[cfg(target_arch = "wasm32")]
mod engine;
#[cfg(target_arch = "wasm32")]
mod image_api;
#[cfg(target_arch = "wasm32")]
mod image_store;
#[cfg(target_arch = "wasm32")]
mod keeper;
#[cfg(target_arch = "wasm32")]
mod local_store;
#[cfg(target_arch = "wasm32")]
mod object_url;
#[cfg(target_arch = "wasm32")]
mod other_pages;

#[cfg(target_arch = "wasm32")]
pub use app::{team_profiles, App, AppProps};
