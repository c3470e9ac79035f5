//! End to end: what a user does with each finished image. The lightbox's keys and focus, the
//! word diff of a revised prompt, "Again", copying the prompt, what gpt-image reports back and
//! what it cost, and a budget that stops a run before it is sent.

use std::sync::atomic::Ordering;

use crate::in_every_engine;
use crate::support::{Engine, Harness, Studio};
use easel_server::{Backend, LocalEndpointConfig};
use fantoccini::key::Key;

async fn press_key(harness: &Harness, key: Key) {
    harness.browser.active_element().await.unwrap().send_keys(&key.to_string()).await.unwrap();
}

async fn script(harness: &Harness, code: &str) -> serde_json::Value {
    harness.browser.execute(code, vec![]).await.unwrap()
}

in_every_engine!(the_lightbox_moves_with_the_arrows_and_escape_gives_the_focus_back);

async fn the_lightbox_moves_with_the_arrows_and_escape_gives_the_focus_back(engine: Engine) {
    let harness = Harness::start_in(engine).await;
    let studio = Studio::open(&harness).await;
    studio.fill("Prompt", "a red kite").await;
    studio.fill("Images", "2").await;
    studio.press("Generate").await;
    studio.settled().await;

    studio.press("View larger").await;
    assert_eq!(script(&harness, "return document.querySelector('dialog.lightbox').open").await, true);
    assert_eq!(studio.text_of(".lightbox-place").await, "Image 1 of 2");
    press_key(&harness, Key::Right).await;
    assert_eq!(studio.text_of(".lightbox-place").await, "Image 2 of 2");
    press_key(&harness, Key::Right).await;
    assert_eq!(studio.text_of(".lightbox-place").await, "Image 1 of 2", "it wraps around");
    press_key(&harness, Key::Left).await;
    assert_eq!(studio.text_of(".lightbox-place").await, "Image 2 of 2");

    studio.press("Actual size").await;
    assert_eq!(studio.attribute_of(".lightbox [aria-pressed]", "aria-pressed").await.as_deref(), Some("true"));
    press_key(&harness, Key::Escape).await;
    assert_eq!(script(&harness, "return document.querySelector('dialog.lightbox').open").await, false);
    assert_eq!(
        script(&harness, "return document.activeElement.getAttribute('aria-label')").await,
        "View larger",
        "the focus is back on the image that opened it"
    );
    assert_eq!(studio.count(".tile.done").await, 2, "Escape closed the lightbox and touched nothing else");
    harness.stop().await;
}

in_every_engine!(copy_prompt_puts_the_prompt_on_the_clipboard);

async fn copy_prompt_puts_the_prompt_on_the_clipboard(engine: Engine) {
    let harness = Harness::start_in(engine).await;
    let studio = Studio::open(&harness).await;
    studio.fill("Prompt", "a copper kettle").await;
    studio.press("Generate").await;
    studio.settled().await;
    studio.press("Copy prompt").await;
    assert_eq!(studio.text_of(".tile.done .copied").await, "Copied.");

    // Pasted back as a user would, with the keyboard: what the clipboard really holds.
    let paste = Key::Control.to_string() + "v";
    let prompt = studio.labelled("Prompt").await;
    prompt.clear().await.unwrap();
    prompt.send_keys(&paste).await.unwrap();
    let pasted = studio.value_of("Prompt").await;
    assert!(pasted.starts_with("A copper kettle, in a vivid style"), "{pasted}");
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_revised_prompt_shows_what_changed_and_again_sends_the_same_request() {
    let config = LocalEndpointConfig::default();
    let stats = config.stats.clone();
    let harness = Harness::serving(Backend::Local(config)).await;
    let studio = Studio::open(&harness).await;
    studio.fill("Prompt", "a lighthouse at dawn").await;
    studio.choose("Size", "1024x1792").await;
    studio.press("Generate").await;
    studio.settled().await;

    studio.press_summary("What changed").await;
    let added = studio.text_of(".diff ins").await;
    assert!(added.starts_with("in a vivid style"), "{added}");
    assert_eq!(studio.text_of(".diff span").await, "A lighthouse at dawn,");

    studio.fill("Prompt", "something else entirely").await;
    studio.press("Again").await;
    assert_eq!(studio.count_eventually(".tile.done", 2).await, 2);
    assert_eq!(studio.newest_image_size().await, (1024, 1792), "the same size as before, not the form's");
    assert_eq!(studio.text_of(".tile.done .revised-prompt").await.split(',').next(), Some("A lighthouse at dawn"));
    assert_eq!(stats.calls.load(Ordering::SeqCst), 2);

    studio.press("Copy prompt").await;
    assert_eq!(studio.text_of(".tile.done .copied").await, "Copied.");
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn gpt_image_reports_what_it_made_and_its_cost_counts_against_the_budget() {
    let config = LocalEndpointConfig::default();
    let stats = config.stats.clone();
    let harness = Harness::serving(Backend::Local(config)).await;
    let studio = Studio::open(&harness).await;
    studio.choose("Model", "gpt-image-1").await;
    studio.fill("Prompt", "a paper crane").await;
    studio.choose("Size", "1024x1024").await;
    studio.choose("Quality", "high").await;
    assert_eq!(studio.text_of(".estimate").await, "Estimated cost: $0.166");
    studio.press("Generate").await;
    studio.settled().await;

    studio.text_of(".tile.done .reported").await;
    let reported = script(
        &harness,
        "return [...document.querySelectorAll('.tile.done .reported div')].map(row => row.textContent)",
    )
    .await;
    assert_eq!(reported, serde_json::json!(["size1024x1024", "qualityhigh", "file formatpng", "backgroundauto"]));
    // The local endpoint bills 4,160 output tokens, as Azure does for one high 1024x1024 image.
    assert_eq!(studio.text_of(".spending .total").await, "Spent this session: $0.166");

    studio.fill("Budget for this session (USD)", "0.30").await;
    studio.press("Generate").await;
    let refused = studio.text_of("#budget-problem").await;
    assert!(
        refused.starts_with("Not sent: this run may cost up to $0.166, and with $0.166 already spent"),
        "{refused}"
    );
    assert_eq!(studio.count(".tile").await, 1, "no tile, no request");
    assert_eq!(stats.calls.load(Ordering::SeqCst), 1);

    studio.fill("Budget for this session (USD)", "0.35").await;
    studio.press("Generate").await;
    studio.settled().await;
    assert_eq!(stats.calls.load(Ordering::SeqCst), 2, "a run that fits is sent");
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn again_is_held_to_the_budget_like_every_run() {
    let config = LocalEndpointConfig::default();
    let stats = config.stats.clone();
    let harness = Harness::serving(Backend::Local(config)).await;
    let studio = Studio::open(&harness).await;
    studio.generate_and_keep("a red kite", 1).await;
    assert_eq!(studio.text_of(".spending .total").await, "Spent this session: $0.040");

    studio.fill("Budget for this session (USD)", "0.05").await;
    studio.press("Again").await;
    let refused = studio.text_of(".status-bar .problem").await;
    assert!(
        refused.starts_with("Not sent: this run may cost up to $0.040, and with $0.040 already spent"),
        "{refused}"
    );
    assert_eq!(studio.count(".tile").await, 1, "no tile, no request");
    assert_eq!(stats.calls.load(Ordering::SeqCst), 1);
    studio.assert_accessible("the studio refusing Again over the budget").await;

    studio.fill("Budget for this session (USD)", "0.08").await;
    studio.press("Again").await;
    studio.settled().await;
    assert_eq!(stats.calls.load(Ordering::SeqCst), 2, "a request that fits is sent");
    let problem = script(&harness, "return document.querySelector('.status-bar .problem').textContent").await;
    assert_eq!(problem, "", "the refusal is gone with it");
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_linked_image_travels_once_and_downloads_under_its_name() {
    let config = LocalEndpointConfig::default();
    let stats = config.stats.clone();
    let harness = Harness::serving(Backend::Local(config)).await;
    let studio = Studio::open(&harness).await;
    studio.generate_and_keep("a red kite over a hill", 2).await;
    assert_eq!(studio.count_eventually(".results .tile.done img", 2).await, 2);
    // The keeper's copy is what the tile shows: the link is fetched once per image, not again by
    // the tile's <img>.
    let shown = script(
        &harness,
        "return [...document.querySelectorAll('.results img')].every(img => img.src.startsWith('blob:'))",
    );
    assert_eq!(shown.await, true);
    assert_eq!(stats.links_served.load(Ordering::SeqCst), 2);

    harness.browser.find(fantoccini::Locator::LinkText("Download")).await.unwrap().click().await.unwrap();
    let file = harness.downloaded().await;
    let name = file.file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        name.starts_with("easel-") && name.contains("-a-red-kite-over-a-hill-") && name.ends_with(".png"),
        "{name}"
    );
    let png = png::Decoder::new(std::io::Cursor::new(std::fs::read(&file).unwrap())).read_info().unwrap();
    assert_eq!((png.info().width, png.info().height), (1024, 1024));
    harness.stop().await;
}
