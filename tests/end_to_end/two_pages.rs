//! End to end: two Easel pages open in one browser. Each page's gallery shows what the other
//! keeps, without a reload; a page opened beside a running one leaves that page's calls alone,
//! and lists them as interrupted only once that page is closed.

use std::sync::atomic::Ordering;
use std::time::Duration;

use crate::support::{wait_for, Harness, Studio};
use easel_server::{Backend, LocalEndpointConfig};

#[tokio::test(flavor = "multi_thread")]
async fn a_page_beside_a_running_one_shows_what_it_keeps_and_takes_over_its_calls_only_when_it_closes() {
    let config = LocalEndpointConfig { slow_latency: Duration::from_secs(60), ..Default::default() };
    let stats = config.stats.clone();
    let harness = Harness::serving(Backend::Local(config)).await;
    let browser = &harness.browser;
    let first = browser.window().await.unwrap();
    let studio = Studio::open(&harness).await;
    studio.generate_and_keep("a fox kept by the first page", 1).await;

    let second = browser.new_window(true).await.unwrap().handle;
    browser.switch_to_window(second.clone()).await.unwrap();
    let gallery = Studio::open_gallery(&harness).await;
    assert_eq!(gallery.count_eventually(".gallery-cell", 1).await, 1);

    browser.switch_to_window(first.clone()).await.unwrap();
    studio.generate_and_keep("another fox kept by the first page", 1).await;
    browser.switch_to_window(second.clone()).await.unwrap();
    assert_eq!(gallery.count_eventually(".gallery-cell", 2).await, 2, "kept by the other page, shown without a reload");

    // The first page starts a run that is still going when the second page is loaded again.
    browser.switch_to_window(first.clone()).await.unwrap();
    studio.fill("Prompt", "an unfinished fox [fault:slow]").await;
    studio.fill("Images", "3").await;
    studio.fill("At once", "1").await;
    studio.press("Generate").await;
    wait_for(|| stats.in_flight.load(Ordering::SeqCst) == 1, "one call in flight").await;
    browser.switch_to_window(second.clone()).await.unwrap();
    browser.goto(&harness.base).await.unwrap();
    let beside = Studio::open_page(&harness, "Prompt").await;
    // Time for the page to open its store and read the notes of unfinished calls.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(beside.count(".interrupted").await, 0, "the running page's calls are its own, not interrupted");

    browser.switch_to_window(first).await.unwrap();
    browser.close_window().await.unwrap();
    browser.switch_to_window(second).await.unwrap();
    let notice = beside.text_of(".interrupted").await;
    assert!(notice.contains("3 images of \"an unfinished fox [fault:slow]\" (dall-e-3)"), "{notice}");
    harness.stop().await;
}
