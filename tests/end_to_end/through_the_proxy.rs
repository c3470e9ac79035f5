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
        upstream,
        credential: Auth::ApiKey(UPSTREAM_KEY.into()),
        access_token: None,
        timeout: Duration::from_secs(30),
        body_limit: 1024 * 1024,
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
async fn a_link_whose_host_refuses_the_page_is_kept_through_the_companion_server() {
    let harness = served_through_the_proxy().await;
    let studio = Studio::open(&harness).await;
    studio.fill("Prompt", "a lighthouse seen from the sea").await;
    studio.press("Generate").await;
    studio.settled().await;
    // The upstream's image links allow no other origin, as Azure's image host does not.
    let refused = studio.text_of(".keeping.not-kept").await;
    assert!(refused.starts_with("Not kept: the image host does not let this page read the image."), "{refused}");
    assert!(refused.contains("Its link works for 2") && refused.contains(" min more"), "{refused}");

    studio.press("Keep it through the companion server").await;
    assert_eq!(studio.text_of(".keeping.kept").await, "Kept on this device.");
    harness.stop().await;
}
