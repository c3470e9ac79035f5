//! End to end: runs of several images, at most the chosen number in flight (counted at the
//! server), cancelled for real, and retried after a 429 with a visible countdown and a timeout
//! of its own.

use std::sync::atomic::Ordering;
use std::time::Duration;

use crate::in_every_engine;
use crate::support::{wait_for, Engine, Harness, Studio};
use easel_contract::profiles::RuntimeConfig;
use easel_server::{Backend, LocalEndpointConfig};
use fantoccini::key::Key;

#[tokio::test(flavor = "multi_thread")]
async fn six_images_two_at_a_time_never_have_more_than_two_in_flight() {
    let config = LocalEndpointConfig { latency: Duration::from_millis(600), ..Default::default() };
    let stats = config.stats.clone();
    let harness = Harness::serving(Backend::Local(config)).await;
    let studio = Studio::open(&harness).await;
    studio.fill("Prompt", "a lighthouse").await;
    studio.fill("Images", "6").await;
    studio.fill("At once", "2").await;
    assert_eq!(studio.text_of(".estimate").await, "Estimated cost: $0.240", "six dall-e-3 images at $0.04");
    studio.press("Generate").await;
    studio.settled().await;

    assert_eq!(studio.count_eventually(".results .tile.done img", 6).await, 6);
    assert_eq!(stats.calls.load(Ordering::SeqCst), 6, "dall-e-3 takes one image per request");
    assert_eq!(stats.max_in_flight.load(Ordering::SeqCst), 2);
    harness.stop().await;
}

in_every_engine!(cancel_all_and_escape_abort_the_calls_in_flight);

async fn cancel_all_and_escape_abort_the_calls_in_flight(engine: Engine) {
    let config = LocalEndpointConfig { latency: Duration::from_secs(20), ..Default::default() };
    let stats = config.stats.clone();
    let harness = Harness::serving_in(engine, Backend::Local(config)).await;
    let studio = Studio::open(&harness).await;
    studio.fill("Prompt", "a slow fox").await;
    studio.fill("Images", "3").await;
    studio.press("Generate").await;
    wait_for(|| stats.in_flight.load(Ordering::SeqCst) == 3, "three calls in flight").await;

    studio.press("Cancel all (Esc)").await;
    assert_eq!(studio.count_eventually(".results .tile.cancelled", 3).await, 3);
    wait_for(|| stats.in_flight.load(Ordering::SeqCst) == 0, "the server sees the calls end").await;

    studio.press("Generate").await;
    wait_for(|| stats.in_flight.load(Ordering::SeqCst) == 3, "three more in flight").await;
    harness.browser.active_element().await.unwrap().send_keys(&Key::Escape.to_string()).await.unwrap();
    assert_eq!(studio.count_eventually(".results .tile.cancelled", 6).await, 6);
    wait_for(|| stats.in_flight.load(Ordering::SeqCst) == 0, "Escape aborts them too").await;
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn cancelling_one_image_aborts_its_call_and_lets_the_others_finish() {
    let config = LocalEndpointConfig { latency: Duration::from_secs(2), ..Default::default() };
    let stats = config.stats.clone();
    let harness = Harness::serving(Backend::Local(config)).await;
    let studio = Studio::open(&harness).await;
    studio.fill("Prompt", "three foxes").await;
    studio.fill("Images", "3").await;
    studio.press("Generate").await;
    wait_for(|| stats.in_flight.load(Ordering::SeqCst) == 3, "three calls in flight").await;

    studio.press("Cancel this image").await;
    wait_for(|| stats.in_flight.load(Ordering::SeqCst) == 2, "the server sees that one call end").await;
    studio.settled().await;
    assert_eq!((studio.count(".tile.cancelled").await, studio.count(".tile.done").await), (1, 2));
    assert_eq!(studio.text_of(".status").await, "2 images · 1 cancelled.");
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_429_counts_down_retries_and_gives_up_after_three_calls() {
    let config = LocalEndpointConfig { retry_after_secs: 1, ..Default::default() };
    let stats = config.stats.clone();
    let harness = Harness::serving(Backend::Local(config)).await;
    let studio = Studio::open(&harness).await;
    studio.fill("Prompt", "a busy fox [fault:429]").await;
    studio.press("Generate").await;

    let waiting = studio.text_of(".results .tile.waiting").await;
    assert!(waiting.contains("The deployment is busy") && waiting.contains("Trying again in"), "{waiting}");
    assert_eq!(studio.text_of(".results .tile.failed .what").await, "The deployment is busy: too many requests.");
    assert_eq!(stats.calls.load(Ordering::SeqCst), 3, "the first call and two retries");
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_retry_gets_a_timeout_of_its_own_and_is_not_cut_short_by_the_first_attempts() {
    // One call at a time at the deployment, each taking 2.5 s, and a 429 asking for 3 s: of two
    // images sent together, one waits and is sent again at 3 s, and answers at 5.5 s. Calls may
    // take 4 s. The first attempt's 4 s are over at 4 s, while the retry is still on its way.
    let config = LocalEndpointConfig {
        latency: Duration::from_millis(2_500),
        max_concurrent: 1,
        retry_after_secs: 3,
        ..Default::default()
    };
    let stats = config.stats.clone();
    let backend = Backend::Local(config);
    let profiles = RuntimeConfig { call_timeout_secs: Some(4), ..backend.default_profiles(&[], None) };
    let harness = Harness::serving_with(backend, profiles).await;
    let studio = Studio::open(&harness).await;
    studio.fill("Prompt", "two patient foxes").await;
    studio.fill("Images", "2").await;
    studio.fill("At once", "2").await;
    studio.press("Generate").await;
    studio.text_of(".results .tile.waiting").await;
    studio.settled().await;

    let failures = harness
        .browser
        .execute("return [...document.querySelectorAll('.tile.failed .what')].map(p => p.textContent)", vec![])
        .await
        .unwrap();
    assert_eq!(failures, serde_json::json!([]), "the retry was cut short by the first attempt's timer");
    assert_eq!(studio.count(".results .tile.done").await, 2);
    assert_eq!(stats.calls.load(Ordering::SeqCst), 3, "two calls, one of them refused as busy, and its retry");
    harness.stop().await;
}
