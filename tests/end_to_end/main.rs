//! End to end: the release build served by the companion server in-process, driven through
//! Chromium and ChromeDriver as a user drives it. One test binary, so the suite links once.
#![cfg(not(target_arch = "wasm32"))]

#[path = "../support/mod.rs"]
mod support;

mod accessibility;
mod connections;
mod each_image;
mod errors;
mod export_import;
mod fault_run;
mod first_image;
mod form_kept;
mod gallery;
mod generating;
mod models;
mod show_as_code;
mod through_the_proxy;
mod two_pages;
