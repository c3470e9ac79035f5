//! End to end: the form survives a reload and a closed tab, in every engine: the model, every
//! option, the run's counts and the prompt being written come back as they were, the prompt
//! marked as kept; the key is not kept with them.

use crate::in_every_engine;
use crate::support::{Engine, Harness, Studio};

const KEY: &str = "a-key-the-form-must-not-keep-5c1e";

in_every_engine!(the_form_comes_back_after_a_reload_and_in_a_new_tab);

async fn the_form_comes_back_after_a_reload_and_in_a_new_tab(engine: Engine) {
    let harness = Harness::start_in(engine).await;
    let studio = Studio::open(&harness).await;
    studio.fill("Key", KEY).await;
    studio.choose("Model", "gpt-image-2").await;
    studio.choose("Quality", "high").await;
    studio.choose("File format", "jpeg").await;
    studio.fill("Compression", "55").await;
    studio.fill("Images", "3").await;
    studio.fill("At once", "2").await;
    studio.fill("Prompt", "a harbour at night, half writ").await;
    assert!(!studio.is_shown("#prompt-kept").await, "a prompt being written is not marked as kept");

    harness.browser.refresh().await.unwrap();
    let studio = Studio::open_page(&harness, "Prompt").await;
    assert_form_as_left(&studio).await;

    // A new window, the first one closed: what the device kept, not what the page held. (A
    // window, not a tab: WebKitGTK keeps a tab it opens for WebDriver hidden, where no frame runs.)
    let old = harness.browser.window().await.unwrap();
    let tab = harness.browser.new_window(false).await.unwrap();
    harness.browser.switch_to_window(tab.handle).await.unwrap();
    harness.browser.goto(&harness.base).await.unwrap();
    let studio = Studio::open_page(&harness, "Prompt").await;
    assert_form_as_left(&studio).await;
    let new = harness.browser.window().await.unwrap();
    harness.browser.switch_to_window(old).await.unwrap();
    harness.browser.close_window().await.unwrap();
    harness.browser.switch_to_window(new).await.unwrap();

    // Writing on clears the mark: the prompt is the user's again.
    studio.labelled("Prompt").await.send_keys("ten").await.unwrap();
    assert!(!studio.is_shown("#prompt-kept").await, "an edited prompt is no longer marked as kept");
    let described = studio.attribute_of("#prompt", "aria-describedby").await.unwrap_or_default();
    assert!(!described.contains("prompt-kept"), "nor described as kept to a screen reader: {described}");
    assert_ne!(studio.value_of("Key").await, KEY, "the key is kept only when the user ticks remember");
    let stored = harness.browser.execute("return JSON.stringify(localStorage)", vec![]).await.unwrap();
    assert!(!stored.as_str().unwrap().contains(KEY), "the key is nowhere in local storage: {stored}");
    harness.stop().await;
}

async fn assert_form_as_left(studio: &Studio<'_>) {
    assert_eq!(studio.value_of("Model").await, "gpt-image-2");
    assert_eq!(studio.value_of("Deployment").await, "gpt-image-2", "the connection follows the kept model");
    assert_eq!(studio.value_of("Quality").await, "high");
    assert_eq!(studio.value_of("File format").await, "jpeg");
    assert_eq!(studio.value_of("Compression").await, "55");
    assert_eq!(studio.value_of("Images").await, "3");
    assert_eq!(studio.value_of("At once").await, "2");
    assert_eq!(studio.value_of("Prompt").await, "a harbour at night, half writ");
    assert_eq!(studio.text_of("#prompt-kept").await, "Kept on this device from your last visit.");
    let described = studio.attribute_of("#prompt", "aria-describedby").await.unwrap_or_default();
    assert!(described.contains("prompt-kept"), "{described}");
}
