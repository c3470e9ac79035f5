//! Screenshots of the studio's states, to look at after a UI change:
//! `./dev screenshots [DIR]` (default `target/screenshots`) writes one PNG per state.
//!
//! It drives the release build through the same page object as the end-to-end tests, against a
//! local endpoint slow enough (2 s a picture) for the in-between states to be seen; or, with
//! `EASEL_URL=http://127.0.0.1:8080/`, against an app already running (from `./dev run`).

#[path = "../tests/support/mod.rs"]
mod support;

use std::path::PathBuf;
use std::time::Duration;

use easel_server::{Backend, LocalEndpointConfig};
use support::{Harness, Studio};

#[tokio::main]
async fn main() {
    let out = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "target/screenshots".into()));
    std::fs::create_dir_all(&out).unwrap();
    let slow = LocalEndpointConfig { latency: Duration::from_secs(2), retry_after_secs: 30, ..Default::default() };
    let harness = match std::env::var("EASEL_URL") {
        Ok(url) => Harness::attach(url).await,
        Err(_) => Harness::serving(Backend::Local(slow)).await,
    };
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

    studio.fill("Prompt", "a busy harbour [fault:429]").await;
    studio.press("Generate").await;
    studio.fill("Prompt", "a lighthouse on a cliff at dawn, watercolour").await;
    studio.fill("Images", "3").await;
    studio.fill("At once", "2").await;
    studio.press("Generate").await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    shoot("3-running-queued-and-waiting").await;
    studio.press("Cancel all (Esc)").await;

    studio.fill("Images", "1").await;
    studio.fill("Prompt", "a wide desert road at noon").await;
    studio.choose("Size", "1792x1024").await;
    studio.choose("Response format", "b64_json").await;
    studio.press("Generate").await;
    studio.settled().await;
    studio.fill("Deployment", "dall-e-4").await;
    studio.press("Generate").await;
    studio.settled().await;
    studio.press_summary("Details").await;
    harness.browser.execute("window.scrollTo(0, 0)", vec![]).await.unwrap();
    shoot("4-results-cancelled-and-an-error").await;
    harness.browser.set_window_size(390, 844).await.unwrap();
    shoot("5-phone-width").await;
    harness.browser.set_window_size(1280, 900).await.unwrap();
    studio.fill("Deployment", "dall-e-3").await;
    studio.press_summary("Show as code").await;
    harness.browser.execute("document.querySelector('.show-as-code').scrollIntoView()", vec![]).await.unwrap();
    shoot("6-show-as-code").await;

    harness.browser.execute("window.scrollTo(0, 0)", vec![]).await.unwrap();
    studio.press_summary("What changed").await;
    shoot("7-what-changed").await;
    studio.press("View larger").await;
    shoot("8-lightbox").await;
    studio.press("Actual size").await;
    shoot("9-lightbox-actual-size").await;
    studio.press("Close").await;

    studio.press("Test connection").await;
    studio.text_of(".test-result .ready").await;
    harness.browser.execute("document.querySelector('.connection').scrollIntoView()", vec![]).await.unwrap();
    shoot("10-connection-ready").await;

    harness.browser.execute("window.scrollTo(0, 0)", vec![]).await.unwrap();
    studio.choose("Model", "gpt-image-1").await;
    studio.choose("Quality", "high").await;
    studio.fill("Prompt", "a paper crane on a desk").await;
    studio.press("Generate").await;
    studio.settled().await;
    studio.fill("Budget for this session (USD)", "0.10").await;
    studio.press("Generate").await;
    shoot("11-gpt-image-and-budget").await;
    studio.press("Again").await;
    harness.browser.execute("document.querySelector('.status-bar').scrollIntoView()", vec![]).await.unwrap();
    shoot("11b-again-over-budget").await;

    harness.browser.execute("window.scrollTo(0, 0)", vec![]).await.unwrap();
    studio.fill("Budget for this session (USD)", "").await;
    studio.choose("Model", "gpt-image-2").await;
    studio.choose("Size", "custom").await;
    studio.fill("Width", "1000").await;
    studio.choose("File format", "jpeg").await;
    studio.press("Generate").await;
    shoot("12-custom-size-refused").await;

    harness.browser.set_window_size(390, 844).await.unwrap();
    studio.press("View larger").await;
    shoot("13-phone-lightbox").await;
    studio.press("Close").await;
    harness.browser.execute("document.querySelector('.connection').scrollIntoView()", vec![]).await.unwrap();
    shoot("14-phone-connection").await;

    harness.browser.set_window_size(1280, 900).await.unwrap();
    harness.browser.goto(&format!("{}#gallery", harness.base)).await.unwrap();
    let gallery = Studio::open_page(&harness, "Search prompts").await;
    gallery.count_eventually(".gallery-cell img", 3).await;
    gallery.press("Select all shown").await;
    shoot("15-gallery").await;
    harness.browser.set_window_size(390, 844).await.unwrap();
    shoot("16-gallery-phone").await;

    // Two deletes, each with its own undo, and the room the browser gives.
    harness.browser.set_window_size(1280, 900).await.unwrap();
    gallery.press("Clear selection").await;
    for _ in 0..2 {
        let before = gallery.count(".gallery-cell").await;
        let first = gallery.attribute_of(".gallery-select", "aria-label").await.unwrap();
        gallery.labelled_by_aria(&first).await.click().await.unwrap();
        gallery.press("Delete selected (1)").await;
        // The app may already have kept other images (attached to `./dev run`): one fewer.
        for _ in 0..100 {
            if gallery.count(".gallery-cell").await < before {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    shoot("18-gallery-two-undos").await;
    harness.browser.set_window_size(390, 844).await.unwrap();
    shoot("19-gallery-two-undos-phone").await;

    // A reload while a run is going: the studio lists what it interrupted.
    harness.browser.set_window_size(1280, 900).await.unwrap();
    harness.browser.goto(&format!("{}#studio", harness.base)).await.unwrap();
    harness.browser.refresh().await.unwrap();
    let studio = Studio::open_page(&harness, "Prompt").await;
    // The form is kept across reloads: off the custom size refused above.
    studio.choose("Model", "dall-e-3").await;
    studio.fill("Prompt", "a night train crossing a viaduct").await;
    studio.fill("Images", "4").await;
    studio.fill("At once", "1").await;
    studio.press("Generate").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    harness.browser.refresh().await.unwrap();
    let studio = Studio::open_page(&harness, "Prompt").await;
    // An app already running answers at once, so its run may be over before the reload.
    if std::env::var("EASEL_URL").is_err() {
        studio.text_of(".interrupted").await;
    }
    // The form came back after the reload, its prompt marked as kept.
    shoot("17-interrupted-by-a-reload-and-the-form-kept").await;
    harness.browser.set_window_size(390, 844).await.unwrap();
    shoot("17b-phone-form-kept").await;
    harness.stop().await;
}
