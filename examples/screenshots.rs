//! Screenshots of the studio's states, to look at after a UI change:
//! `./dev screenshots [DIR]` (default `target/screenshots`) writes one PNG per state.
//!
//! It drives the release build through the same page object as the end-to-end tests.

#[path = "../tests/support/mod.rs"]
mod support;

use std::path::PathBuf;

use support::{Harness, Studio};

#[tokio::main]
async fn main() {
    let out = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "target/screenshots".into()));
    std::fs::create_dir_all(&out).unwrap();
    let harness = Harness::start().await;
    let studio = Studio::open(&harness).await;
    let shoot = |name: &'static str| {
        let (browser, path) = (harness.browser.clone(), out.join(format!("{name}.png")));
        async move {
            std::fs::write(&path, browser.screenshot().await.unwrap()).unwrap();
            println!("{}", path.display());
        }
    };

    shoot("1-empty").await;
    studio.press("Generate").await;
    shoot("2-empty-prompt-refused").await;
    studio.fill("Prompt", "a lighthouse on a cliff at dawn, watercolour").await;
    studio.press("Generate").await;
    studio.settled().await;
    studio.fill("Prompt", "a wide desert road at noon").await;
    studio.choose("Size", "1792x1024").await;
    studio.choose("Response format", "b64_json").await;
    studio.press("Generate").await;
    studio.settled().await;
    studio.fill("Deployment", "dall-e-4").await;
    studio.press("Generate").await;
    studio.settled().await;
    shoot("3-results-and-an-error").await;
    harness.browser.set_window_size(390, 844).await.unwrap();
    shoot("4-phone-width").await;
    harness.stop().await;
}
