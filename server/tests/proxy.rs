//! Proxy mode, against a second server instance (the local endpoint, demanding its own key) as
//! its upstream over a real socket.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use easel_contract::endpoint::{ApiPath, Auth, Connection, DEFAULT_API_VERSION};
use easel_contract::probe::Diagnosis;
use easel_server::{app, serve, Backend, Config, EndpointStats, LocalEndpointConfig, ProxyConfig};
use http_body_util::BodyExt;
use tokio::net::TcpListener;
use tower::ServiceExt;

const UPSTREAM_KEY: &str = "upstream-secret-3f9a";
const PATH: &str = "/openai/deployments/dall-e-3/images/generations?api-version=2024-02-01";

/// A local endpoint on a free port that accepts only `UPSTREAM_KEY`.
async fn upstream(config: LocalEndpointConfig) -> (String, Arc<EndpointStats>) {
    let stats = config.stats.clone();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let config = LocalEndpointConfig { api_key: Some(UPSTREAM_KEY.into()), ..config };
    let server = Config::new("none", Backend::Local(config));
    tokio::spawn(serve(listener, server, std::future::pending()));
    (base, stats)
}

fn proxy_to(upstream: &str, access_token: Option<&str>) -> Router {
    app(Config::new(
        "none",
        Backend::Proxy(ProxyConfig {
            upstream: upstream.to_owned(),
            credential: Auth::ApiKey(UPSTREAM_KEY.into()),
            access_token: access_token.map(Into::into),
            timeout: Duration::from_millis(1500),
            body_limit: 64 * 1024,
        }),
    ))
}

fn post(path: &str, key: Option<&str>, body: &str) -> Request<Body> {
    let mut request = Request::post(path).header("content-type", "application/json");
    if let Some(key) = key {
        request = request.header("api-key", key);
    }
    request.body(Body::from(body.to_owned())).unwrap()
}

async fn call(router: &Router, request: Request<Body>) -> (StatusCode, axum::http::HeaderMap, String) {
    let (parts, body) = router.clone().oneshot(request).await.unwrap().into_parts();
    (parts.status, parts.headers, String::from_utf8(body.collect().await.unwrap().to_bytes().to_vec()).unwrap())
}

#[tokio::test]
async fn generations_go_through_with_the_key_added_and_the_clients_dropped() {
    let (base, stats) = upstream(LocalEndpointConfig::default()).await;
    let proxy = proxy_to(&base, None);
    // The client sends a key of its own; the upstream takes only UPSTREAM_KEY, so a 200 shows the
    // proxy replaced it.
    let (status, _, body) = call(
        &proxy,
        post(PATH, Some("whatever-the-browser-had"), r#"{"prompt":"a fox","response_format":"b64_json"}"#),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("\"b64_json\""));
    let (status, _, _) = call(
        &proxy,
        post("/openai/v1/images/generations?api-version=preview", None, r#"{"model":"gpt-image-1","prompt":"a fox"}"#),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(stats.calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn status_body_and_rate_limit_headers_come_back_unchanged() {
    let (base, _) = upstream(LocalEndpointConfig { retry_after_secs: 9, ..Default::default() }).await;
    let proxy = proxy_to(&base, None);
    let (status, headers, body) = call(&proxy, post(PATH, None, r#"{"prompt":"a fox [fault:429]"}"#)).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!((headers["retry-after"].to_str().unwrap(), headers["retry-after-ms"].to_str().unwrap()), ("9", "9000"));
    assert!(body.contains("Please retry after 9 seconds."), "{body}");

    let direct = direct_answer(r#"{"prompt":"a fox","size":"512x512"}"#).await;
    let (status, _, body) = call(&proxy, post(PATH, None, r#"{"prompt":"a fox","size":"512x512"}"#)).await;
    assert_eq!((status.as_u16(), body), direct, "the upstream's error answer, byte for byte");
}

/// What the local endpoint answers to `body` when asked directly.
async fn direct_answer(body: &str) -> (u16, String) {
    let upstream = app(Config::new("none", Backend::Local(LocalEndpointConfig::default())));
    let (status, _, body) = call(&upstream, post(PATH, Some(UPSTREAM_KEY), body)).await;
    (status.as_u16(), body)
}

#[tokio::test]
async fn with_an_access_token_only_clients_that_send_it_get_through() {
    let (base, stats) = upstream(LocalEndpointConfig::default()).await;
    let proxy = proxy_to(&base, Some("team-token"));
    assert_eq!(call(&proxy, post(PATH, None, r#"{"prompt":"a fox"}"#)).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(call(&proxy, post(PATH, Some("guess"), r#"{"prompt":"a fox"}"#)).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(stats.calls.load(Ordering::SeqCst), 0, "refused before reaching the upstream");
    assert_eq!(call(&proxy, post(PATH, Some("team-token"), r#"{"prompt":"a fox"}"#)).await.0, StatusCode::OK);
    let bearer = Request::post(PATH)
        .header("authorization", "Bearer team-token")
        .body(Body::from(r#"{"prompt":"a fox"}"#))
        .unwrap();
    assert_eq!(call(&proxy, bearer).await.0, StatusCode::OK);
}

#[tokio::test]
async fn it_is_never_an_open_proxy() {
    let (base, stats) = upstream(LocalEndpointConfig::default()).await;
    let proxy = proxy_to(&base, None);
    let refused = |method: &str, uri: &str| {
        Request::builder().method(method).uri(uri).body(Body::from(r#"{"prompt":"x"}"#)).unwrap()
    };
    for (request, why) in [
        (refused("GET", PATH), "another method"),
        (refused("PUT", PATH), "another method"),
        (refused("POST", "/openai/deployments/dall-e-3/chat/completions?api-version=2024-02-01"), "another path"),
        (refused("POST", "/openai/deployments/dall-e-3/images/generations/../../../admin"), "a traversal"),
        (
            refused("POST", "/openai/deployments/..%2F..%2Fadmin/images/generations?api-version=2024-02-01"),
            "an encoded traversal",
        ),
        (refused("POST", "/openai/deployments/%2E%2E/images/generations?api-version=2024-02-01"), "an encoded parent"),
        (refused("POST", "/openai/deployments/dall-e-3/images/generations?api-version=../x"), "a bad api-version"),
        (refused("POST", "/https://evil.example/"), "a URL in the path"),
    ] {
        let (status, _, _) = call(&proxy, request).await;
        assert!(status.is_client_error(), "{why}: {status}");
    }
    assert_eq!(stats.calls.load(Ordering::SeqCst), 0, "nothing reached the upstream");

    // An absolute-form target or a forged Host still goes only to the configured upstream.
    let absolute = Request::post(format!("http://evil.example{PATH}"))
        .header("host", "evil.example")
        .body(Body::from(r#"{"prompt":"a fox"}"#))
        .unwrap();
    assert_eq!(call(&proxy, absolute).await.0, StatusCode::OK);
    assert_eq!(stats.calls.load(Ordering::SeqCst), 1, "served by the configured upstream");
}

#[tokio::test]
async fn large_bodies_and_slow_upstreams_are_cut_off() {
    let (base, _) = upstream(LocalEndpointConfig { latency: Duration::from_secs(3), ..Default::default() }).await;
    let proxy = proxy_to(&base, None);
    let huge = format!(r#"{{"prompt":"{}"}}"#, "a".repeat(100 * 1024));
    assert_eq!(call(&proxy, post(PATH, None, &huge)).await.0, StatusCode::PAYLOAD_TOO_LARGE);
    let (status, _, body) = call(&proxy, post(PATH, None, r#"{"prompt":"a fox"}"#)).await;
    assert_eq!(status, StatusCode::GATEWAY_TIMEOUT, "{body}");
    assert!(body.contains("did not answer within"), "{body}");

    let nowhere = proxy_to("http://127.0.0.1:9", None);
    assert_eq!(call(&nowhere, post(PATH, None, r#"{"prompt":"a fox"}"#)).await.0, StatusCode::BAD_GATEWAY);
}

#[tokio::test]
async fn the_key_never_appears_in_what_the_server_prints() {
    let (base, _) = upstream(LocalEndpointConfig::default()).await;
    let dist = tempdir_with_index();
    let port = TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap().port();
    let mut server = tokio::process::Command::new(env!("CARGO_BIN_EXE_easel-server"))
        .args(["--port", &port.to_string(), "--dist", dist.to_str().unwrap(), "--upstream", &base])
        .env("AZURE_OPENAI_API_KEY", UPSTREAM_KEY)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let url = format!("http://127.0.0.1:{port}");
    let mut ready = false;
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(ready, "the server did not start");
    for body in [r#"{"prompt":"a fox"}"#, r#"{"prompt":"a fox [fault:500]"}"#, "not json"] {
        raw_post(&url, PATH, body).await;
    }
    server.start_kill().unwrap();
    let output = server.wait_with_output().await.unwrap();
    let printed = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(printed.contains("proxy: POST /openai/deployments/dall-e-3/images/generations -> 200"), "{printed}");
    assert!(!printed.contains(UPSTREAM_KEY), "the key was printed: {printed}");
}

fn tempdir_with_index() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("easel-proxy-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("index.html"), "<!DOCTYPE html><title>test</title>").unwrap();
    dir
}

/// A minimal HTTP/1.1 POST over a socket: the test needs no HTTP client of its own.
async fn raw_post(base: &str, path: &str, body: &str) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
}

#[tokio::test]
async fn the_connection_test_goes_through_and_costs_nothing() {
    let (base, stats) = upstream(LocalEndpointConfig::default()).await;
    let proxy = proxy_to(&base, Some("team-token"));
    for (deployment, key, expected) in [
        ("dall-e-3", "team-token", Diagnosis::Ready),
        ("dall-e-3", "guess", Diagnosis::WrongKey),
        ("my-model", "team-token", Diagnosis::DeploymentNotFound),
    ] {
        let target = Connection {
            endpoint: "http://127.0.0.1:9".into(),
            deployment: deployment.into(),
            api_version: DEFAULT_API_VERSION.into(),
            path: ApiPath::Deployments,
            auth: Auth::ApiKey(key.into()),
        }
        .target()
        .unwrap();
        let url = target.generations_url();
        let path = url.strip_prefix(target.endpoint()).unwrap();
        let (status, headers, body) = call(&proxy, post(path, Some(key), &target.probe_body())).await;
        let diagnosis = Diagnosis::read(status.as_u16(), &body, |name| {
            headers.get(name).and_then(|value| value.to_str().ok()).map(str::to_owned)
        });
        assert_eq!(diagnosis, expected, "{deployment} with {key}");
    }
    assert_eq!(stats.calls.load(Ordering::SeqCst), 0, "nothing was generated upstream");
}
