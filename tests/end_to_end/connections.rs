//! End to end: connection profiles as a user meets them. The connection test tells each way a
//! connection fails from a working one, the portal's Target URI fills a profile, a bearer token
//! works, and the key stays out of the page, the URL and the device unless the user says so.

use std::sync::atomic::Ordering;

use crate::support::{Harness, Studio};
use easel_server::{Backend, LocalEndpointConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const KEY: &str = "the-resources-own-key-5b1c";

/// A server that answers everything, preflights included, with no CORS headers: what a browser
/// meets behind a gateway that does not allow the page's origin.
async fn server_without_cors() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut request = [0; 4096];
                let _ = socket.read(&mut request).await;
                let _ =
                    socket.write_all(b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n").await;
            });
        }
    });
    address
}

/// A port nothing listens on.
async fn closed_port() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    address
}

async fn test_connection(studio: &Studio<'_>) -> String {
    studio.press("Test connection").await;
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let result = studio.text_of(".test-result").await;
        if !result.is_empty() && result != "Testing the connection…" {
            return result;
        }
        assert!(tokio::time::Instant::now() < deadline, "the test never finished");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_connection_test_tells_each_failure_from_ready_and_generates_nothing() {
    let config = LocalEndpointConfig { api_key: Some(KEY.into()), ..Default::default() };
    let stats = config.stats.clone();
    let harness = Harness::serving(Backend::Local(config)).await;
    let studio = Studio::open(&harness).await;

    studio.fill("Key", "not-the-key").await;
    assert!(test_connection(&studio).await.starts_with("The key was refused."));
    studio.fill("Key", KEY).await;
    assert!(test_connection(&studio)
        .await
        .starts_with("Ready: the endpoint, deployment, api-version and key all work."));

    studio.fill("Deployment", "dall-e-4").await;
    assert!(test_connection(&studio).await.starts_with("This resource has no deployment of that name."));
    studio.fill("Deployment", "dall-e-3").await;

    studio.choose("Sign-in", "bearer").await;
    studio.fill("Token", KEY).await;
    assert!(test_connection(&studio).await.starts_with("Ready"), "a Microsoft Entra ID token works too");

    studio.fill("Endpoint", &server_without_cors().await).await;
    let blocked = test_connection(&studio).await;
    assert!(blocked.contains("(CORS)") && blocked.contains("easel-server --upstream"), "{blocked}");
    harness.expect_console_errors(&["blocked by CORS policy"]).await;

    studio.fill("Endpoint", &closed_port().await).await;
    assert!(test_connection(&studio).await.starts_with("No answer came back from the endpoint."));
    assert_eq!(stats.calls.load(Ordering::SeqCst), 0, "no test generated anything");
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_portals_target_uri_fills_the_profile_and_generates() {
    let harness = Harness::start().await;
    let studio = Studio::open(&harness).await;
    let endpoint = harness.base.trim_end_matches('/');
    studio
        .fill("Endpoint", &format!("{endpoint}/openai/deployments/dall-e-2/images/generations?api-version=2024-10-21"))
        .await;
    studio.leave_field().await;

    assert_eq!(studio.value_of("Endpoint").await, endpoint);
    assert_eq!(studio.value_of("Deployment").await, "dall-e-2");
    assert_eq!(studio.value_of("API version").await, "2024-10-21");
    assert_eq!(
        studio.text_of("#endpoint-hint").await,
        format!("Read the Target URI: endpoint {endpoint}, deployment dall-e-2, api-version 2024-10-21.")
    );
    studio.choose("Model", "dall-e-2").await;
    studio.fill("Prompt", "a tin robot").await;
    studio.press("Generate").await;
    assert_eq!(studio.newest_image_size().await, (1024, 1024));
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_key_is_kept_on_the_device_only_when_the_user_ticks_remember() {
    let harness = Harness::start().await;
    let studio = Studio::open(&harness).await;
    studio.press("New connection").await;
    studio.fill("Name", "Studio resource").await;
    studio.fill("Endpoint", "my-studio-resource").await;
    studio.fill("Key", KEY).await;
    let stored = || async {
        let script = "return JSON.stringify(Object.fromEntries(Object.entries(localStorage)))";
        harness.browser.execute(script, vec![]).await.unwrap().as_str().unwrap().to_owned()
    };
    let kept = stored().await;
    assert!(kept.contains("Studio resource") && kept.contains("my-studio-resource"), "{kept}");
    assert!(!kept.contains(KEY), "kept without being asked to: {kept}");

    harness.browser.refresh().await.unwrap();
    let studio = Studio::open(&harness).await;
    assert_eq!(
        studio.labelled("Use").await.prop("value").await.unwrap().as_deref(),
        Some("1"),
        "the last profile used"
    );
    assert_eq!(studio.value_of("Key").await, "", "kept in memory only");

    studio.fill("Key", KEY).await;
    studio.labelled("Remember on this device").await.click().await.unwrap();
    assert!(studio.text_of("#secret-keeping").await.contains("anyone using this browser profile can read it"));
    assert!(stored().await.contains(KEY));
    harness.browser.refresh().await.unwrap();
    let studio = Studio::open(&harness).await;
    assert_eq!(studio.value_of("Key").await, KEY);

    studio.fill("Prompt", "a lighthouse").await;
    studio.press("Generate").await;
    studio.settled().await;
    let (html, url) = (harness.browser.source().await.unwrap(), harness.browser.current_url().await.unwrap());
    assert!(!html.contains(KEY) && !url.as_str().contains(KEY), "the key is in the page or its URL");
    harness.stop().await;
}
