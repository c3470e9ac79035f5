//! End to end: every class of failure reads as its own plain-words message in its tile, the
//! two content-filter answers differently, whatever form the service gives them in.

use std::collections::BTreeMap;

use crate::in_every_engine;
use crate::support::{Engine, Harness, Studio};
use easel_server::{Backend, FilterForm, LocalEndpointConfig};
use fantoccini::Locator;

/// Each failed tile's prompt and message.
async fn failures(harness: &Harness) -> BTreeMap<String, String> {
    let mut found = BTreeMap::new();
    for tile in harness.browser.find_all(Locator::Css(".tile.failed")).await.unwrap() {
        let prompt = tile.find(Locator::Css(".prompt")).await.unwrap().text().await.unwrap();
        let what = tile.find(Locator::Css(".what")).await.unwrap().text().await.unwrap();
        found.insert(prompt, what);
    }
    found
}

in_every_engine!(each_failure_reads_as_its_own_message);

async fn each_failure_reads_as_its_own_message(engine: Engine) {
    let config = LocalEndpointConfig { retry_after_secs: 1, ..Default::default() };
    let harness = Harness::serving_in(engine, Backend::Local(config)).await;
    let studio = Studio::open(&harness).await;
    // Sent one after another without waiting, so the retries of the transient ones overlap.
    for fault in ["filter-prompt", "filter-image", "429", "500", "503"] {
        studio.fill("Prompt", &format!("a fox [fault:{fault}]")).await;
        studio.press("Generate").await;
    }
    studio.settled().await;
    let expected = [
        ("filter-prompt", "The content filter refused this prompt."),
        ("filter-image", "An image was made, but the content filter withheld it."),
        ("429", "The deployment is busy: too many requests."),
        ("500", "The service failed on its side (HTTP 500)."),
        ("503", "The service failed on its side (HTTP 503)."),
    ]
    .map(|(fault, message)| (format!("a fox [fault:{fault}]"), message.to_owned()));
    assert_eq!(failures(&harness).await, BTreeMap::from(expected));

    studio.fill("Key", " ").await;
    studio.press("Generate").await;
    assert_eq!(
        studio.text_of("#secret-problem").await,
        "Enter the resource's key (Azure portal, Keys and Endpoint), or a Microsoft Entra ID token."
    );
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_key_and_an_unreachable_endpoint_say_what_to_check() {
    let config = LocalEndpointConfig { api_key: Some("the-right-key".into()), ..Default::default() };
    let harness = Harness::serving(Backend::Local(config)).await;
    let studio = Studio::open(&harness).await;
    studio.fill("Key", "a-wrong-key").await;
    studio.fill("Prompt", "a fox").await;
    studio.press("Generate").await;
    assert_eq!(studio.text_of(".tile.failed .what").await, "The key was refused.");
    assert!(studio.text_of(".tile.failed .next").await.starts_with("Check the key"));

    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    studio.fill("Endpoint", &endpoint).await;
    studio.press("Generate").await;
    assert_eq!(studio.count_eventually(".tile.failed", 2).await, 2);
    assert_eq!(studio.text_of(".tile.failed .what").await, "No answer came back from the endpoint.");
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_captured_content_filter_answer_names_what_it_found() {
    let config = LocalEndpointConfig { filter_form: FilterForm::Captured, ..Default::default() };
    let harness = Harness::serving(Backend::Local(config)).await;
    let studio = Studio::open(&harness).await;
    studio.fill("Prompt", "a fox [fault:filter-prompt]").await;
    studio.press("Generate").await;
    assert_eq!(studio.text_of(".tile.failed .what").await, "The content filter refused this prompt (found: violence).");
    harness.stop().await;
}
