//! End to end: the app served by the companion server in proxy mode works exactly as it does
//! against the local endpoint. The upstream is a second server (the local endpoint demanding its
//! own key), so every image proves the proxy swapped the browser's key for the server's.

use std::time::Duration;

use crate::support::{Harness, Studio};
use easel_contract::endpoint::Auth;
use easel_contract::model::DALL_E_3;
use easel_server::{serve, Backend, Config, Deployment, LocalEndpointConfig, ProxyConfig};
use tokio::net::TcpListener;

const UPSTREAM_KEY: &str = "held-by-the-server-only";

/// The app served in proxy mode, offering the upstream's dall-e-3 deployment as the team profile.
async fn served_through_the_proxy() -> Harness {
    let backend = proxy_to_a_local_upstream().await;
    let profiles = backend.default_profiles(&[Deployment { name: "dall-e-3".into(), model: &DALL_E_3 }], None);
    Harness::serving_with(backend, profiles).await
}

async fn proxy_to_a_local_upstream() -> Backend {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let upstream = format!("http://{}", listener.local_addr().unwrap());
    let local = LocalEndpointConfig { api_key: Some(UPSTREAM_KEY.into()), ..Default::default() };
    tokio::spawn(serve(listener, Config::new("none", Backend::Local(local)), std::future::pending()));
    Backend::Proxy(ProxyConfig {
        timeout: Duration::from_secs(30),
        body_limit: 1024 * 1024,
        ..ProxyConfig::new(upstream, Auth::ApiKey(UPSTREAM_KEY.into()))
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn a_prompt_becomes_an_image_through_the_proxy() {
    let harness = served_through_the_proxy().await;
    let studio = Studio::open(&harness).await;
    studio.fill("Prompt", "a lighthouse on a cliff at dawn").await;
    studio.press("Generate").await;

    assert_eq!(studio.newest_image_size().await, (1024, 1024));
    let revised = studio.text_of(".results figure .revised-prompt").await;
    assert!(revised.starts_with("A lighthouse on a cliff at dawn, in a vivid style"), "{revised}");
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn errors_through_the_proxy_read_as_they_do_direct() {
    let harness = served_through_the_proxy().await;
    let studio = Studio::open(&harness).await;
    studio.fill("Deployment", "dall-e-4").await;
    studio.fill("Prompt", "a fox").await;
    studio.press("Generate").await;
    assert_eq!(studio.text_of(".results .failure .what").await, "This resource has no deployment of that name.");
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_image_link_the_proxy_passed_on_is_kept_through_it() {
    let harness = served_through_the_proxy().await;
    let studio = Studio::open(&harness).await;
    studio.fill("Prompt", "a lighthouse seen from the sea").await;
    studio.press("Generate").await;
    studio.settled().await;
    // The upstream's image links allow no other origin, as Azure's image host does not; the
    // app never asks it, and fetches the link through the proxy.
    assert_eq!(studio.text_of(".keeping.kept").await, "Kept on this device.");
    let gallery = Studio::open_gallery(&harness).await;
    assert_eq!(gallery.count_eventually(".gallery-cell img", 1).await, 1);
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_link_whose_host_refuses_the_page_says_how_long_it_works() {
    let harness = Harness::start().await;
    // A second endpoint, called directly: its image links, like Azure's, allow no other origin.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let elsewhere = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(serve(listener, Config::new("none", Backend::Local(Default::default())), std::future::pending()));

    let studio = Studio::open(&harness).await;
    studio.fill("Endpoint", &elsewhere).await;
    studio.fill("Prompt", "a lighthouse seen from the sea").await;
    studio.press("Generate").await;
    studio.settled().await;
    let refused = studio.text_of(".keeping.not-kept").await;
    assert!(refused.starts_with("Not kept: the image host does not let this page read the image."), "{refused}");
    let just_made = ["Its link works for 23 h 59 min more", "Its link works for 24 h 0 min more"];
    assert!(just_made.iter().any(|left| refused.contains(left)), "{refused}");
    assert_eq!(studio.newest_image_size().await, (1024, 1024), "the link itself still shows");
    harness.expect_console_errors(&["blocked by CORS policy", "/generated/"]).await;
    harness.stop().await;
}
