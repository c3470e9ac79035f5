//! Who the proxy answers, decided from a request's head before its body is read: the server's
//! own page and the origins it allows, by the host it listens as, with the access token, within
//! the calls it takes at once, and only as long as a body takes to arrive.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use axum::Router;
use easel_contract::api_error::ErrorEnvelope;
use easel_contract::endpoint::Auth;
use easel_server::{app, serve, Backend, Config, EndpointStats, LocalEndpointConfig, Origins, ProxyConfig};
use http_body_util::BodyExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tower::ServiceExt;

const UPSTREAM_KEY: &str = "upstream-secret-51d2";
const PATH: &str = "/openai/deployments/dall-e-3/images/generations?api-version=2024-02-01";
const FOX: &str = r#"{"prompt":"a fox"}"#;

/// The host a server made by `Config::new` answers to.
const HOST: &str = "127.0.0.1:8080";

/// A local endpoint on a free port that accepts only `UPSTREAM_KEY`.
async fn upstream(config: LocalEndpointConfig) -> (String, Arc<EndpointStats>) {
    let stats = config.stats.clone();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let config = LocalEndpointConfig { api_key: Some(UPSTREAM_KEY.into()), ..config };
    tokio::spawn(serve(listener, Config::new("none", Backend::Local(config)), std::future::pending()));
    (base, stats)
}

fn proxy_config(upstream: &str) -> ProxyConfig {
    ProxyConfig { timeout: Duration::from_secs(5), ..ProxyConfig::new(upstream, Auth::ApiKey(UPSTREAM_KEY.into())) }
}

/// `config` served on a free loopback port, as `./dev run` serves it: its address.
async fn served(config: ProxyConfig) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap().to_string();
    tokio::spawn(serve(listener, Config::new("none", Backend::Proxy(config)), std::future::pending()));
    address
}

fn request(method: &str, uri: &str, headers: &[(&str, &str)], body: &str) -> Request<Body> {
    let mut request = Request::builder().method(method).uri(uri).header("host", HOST);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.body(Body::from(body.to_owned())).unwrap()
}

async fn call(router: &Router, request: Request<Body>) -> (StatusCode, HeaderMap, String) {
    let (parts, body) = router.clone().oneshot(request).await.unwrap().into_parts();
    (parts.status, parts.headers, String::from_utf8_lossy(&body.collect().await.unwrap().to_bytes()).into_owned())
}

/// The Azure-shaped error in `body`, or a failure naming what came instead.
fn azure_error(body: &str) -> ErrorEnvelope {
    serde_json::from_str(body).unwrap_or_else(|_| panic!("not Azure's error shape: {body}"))
}

#[tokio::test]
async fn a_page_of_another_origin_can_neither_spend_the_key_nor_read_an_answer() {
    let (base, stats) = upstream(LocalEndpointConfig::default()).await;
    let allowed = Origins::read(&["https://app.example".to_owned()]).unwrap();
    let proxy =
        app(Config::new("none", Backend::Proxy(ProxyConfig { allowed_origins: allowed, ..proxy_config(&base) })));

    for (headers, why) in [
        (&[("origin", "https://evil.example")][..], "another origin"),
        (&[("origin", "null")][..], "a sandboxed page or a file"),
        (&[("origin", "http://127.0.0.1:8081")][..], "another port of this machine"),
        (&[("sec-fetch-site", "cross-site")][..], "another site's page that sends no Origin"),
    ] {
        let (status, response_headers, body) = call(&proxy, request("POST", PATH, headers, FOX)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{why}");
        assert_eq!(response_headers["content-security-policy"], "sandbox; default-src 'none'");
        assert_eq!(azure_error(&body).error.code.as_deref(), Some("OriginNotAllowed"), "{why}");
        assert!(!response_headers.contains_key("access-control-allow-origin"), "{why}");
        let fetch = request("GET", "/easel/fetch-through?url=x&exp=1&sig=x", headers, "");
        assert_eq!(call(&proxy, fetch).await.0, StatusCode::FORBIDDEN, "{why}: the fetch-through");
    }
    // A preflight from another origin is not answered either, so the browser sends nothing.
    let preflight = |origin: &str| {
        let headers = [
            ("origin", origin),
            ("access-control-request-method", "POST"),
            ("access-control-request-headers", "content-type"),
        ];
        request("OPTIONS", PATH, &headers, "")
    };
    let (status, headers, _) = call(&proxy, preflight("https://evil.example")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(!headers.contains_key("access-control-allow-origin"));
    assert_eq!(stats.calls.load(Ordering::SeqCst), 0, "nothing reached the upstream");

    // The server's own page, a client with no page, and an allowed origin get through.
    let json = ("content-type", "application/json");
    let (status, headers, _) =
        call(&proxy, request("POST", PATH, &[json, ("origin", "http://127.0.0.1:8080")], FOX)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!headers.contains_key("access-control-allow-origin"), "the own page needs no CORS");
    assert_eq!(headers["content-security-policy"], "sandbox; default-src 'none'", "an answer is no page");
    assert_eq!(call(&proxy, request("POST", PATH, &[json], FOX)).await.0, StatusCode::OK);
    let (status, headers, _) = call(&proxy, preflight("https://app.example")).await;
    assert!(status.is_success(), "{status}");
    assert_eq!(headers["access-control-allow-origin"], "https://app.example");
    let (status, headers, _) =
        call(&proxy, request("POST", PATH, &[json, ("origin", "https://app.example")], FOX)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["access-control-allow-origin"], "https://app.example");
    assert_eq!(stats.calls.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn a_host_name_pointed_at_the_server_is_not_its_own_page() {
    let (base, stats) = upstream(LocalEndpointConfig::default()).await;
    let address = served(proxy_config(&base)).await;
    let port = address.rsplit(':').next().unwrap();
    let client = reqwest::Client::new();
    let post = |host: String, origin: Option<String>| {
        let mut call = client
            .post(format!("http://{address}{PATH}"))
            .header("host", host)
            .header("content-type", "application/json")
            .body(FOX);
        if let Some(origin) = origin {
            call = call.header("origin", origin);
        }
        call.send()
    };
    // DNS rebinding: evil.example now resolves to 127.0.0.1, so its page is "same-origin".
    let rebound = format!("evil.example:{port}");
    let response = post(rebound.clone(), Some(format!("http://{rebound}"))).await.unwrap();
    assert_eq!(response.status(), StatusCode::MISDIRECTED_REQUEST);
    let error = azure_error(&response.text().await.unwrap());
    assert_eq!(error.error.code.as_deref(), Some("MisdirectedRequest"));
    assert_eq!(post(rebound.clone(), None).await.unwrap().status(), StatusCode::MISDIRECTED_REQUEST);
    assert_eq!(stats.calls.load(Ordering::SeqCst), 0, "nothing reached the upstream");

    for host in [address.clone(), format!("localhost:{port}")] {
        let response = post(host.clone(), Some(format!("http://{host}"))).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{host}");
    }
    assert_eq!(stats.calls.load(Ordering::SeqCst), 2);
}

/// Sends `head` and then `body` over a fresh connection to `address`, and reads the answer's
/// status line, or `None` when none came within `patience`.
async fn raw_exchange(address: &str, head: &str, body: &[u8], patience: Duration) -> Option<String> {
    let mut stream = TcpStream::connect(address).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    let mut answer = vec![0; 1024];
    let read = tokio::time::timeout(patience, stream.read(&mut answer)).await.ok()?.ok()?;
    let answer = String::from_utf8_lossy(&answer[..read]).into_owned();
    answer.lines().next().map(str::to_owned)
}

#[tokio::test]
async fn a_wrong_token_is_refused_before_a_huge_body_is_read() {
    let (base, stats) = upstream(LocalEndpointConfig::default()).await;
    let config =
        ProxyConfig { access_token: Some("team-token".into()), body_limit: 64 * 1024 * 1024, ..proxy_config(&base) };
    let address = served(config).await;
    let declared = 60 * 1024 * 1024;
    let head = format!(
        "POST {PATH} HTTP/1.1\r\nHost: {address}\r\napi-key: guess\r\nContent-Type: application/json\r\nContent-Length: {declared}\r\n\r\n"
    );
    let started = Instant::now();
    let status = raw_exchange(&address, &head, br#"{"prompt":"#, Duration::from_secs(3)).await;
    assert_eq!(status.as_deref(), Some("HTTP/1.1 401 Unauthorized"), "the answer came before the body");
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
    assert_eq!(stats.calls.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_body_slower_than_the_body_timeout_gets_a_408() {
    let (base, stats) = upstream(LocalEndpointConfig::default()).await;
    let address = served(ProxyConfig { body_timeout: Duration::from_millis(300), ..proxy_config(&base) }).await;
    let head = format!(
        "POST {PATH} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n"
    );
    let started = Instant::now();
    let status = raw_exchange(&address, &head, br#"{"prompt":"#, Duration::from_secs(3)).await;
    assert_eq!(status.as_deref(), Some("HTTP/1.1 408 Request Timeout"));
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
    assert_eq!(stats.calls.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn calls_past_the_in_flight_cap_get_a_429_with_retry_after() {
    let (base, stats) =
        upstream(LocalEndpointConfig { latency: Duration::from_millis(800), ..Default::default() }).await;
    let proxy = app(Config::new("none", Backend::Proxy(ProxyConfig { max_in_flight: 2, ..proxy_config(&base) })));
    let json = ("content-type", "application/json");
    let calls = (0..3).map(|_| {
        let proxy = proxy.clone();
        tokio::spawn(async move { call(&proxy, request("POST", PATH, &[json], FOX)).await })
    });
    let mut answers = Vec::new();
    for answer in calls.collect::<Vec<_>>() {
        answers.push(answer.await.unwrap());
    }
    let statuses: Vec<_> = answers.iter().map(|(status, _, _)| status.as_u16()).collect();
    assert_eq!(statuses.iter().filter(|status| **status == 200).count(), 2, "{statuses:?}");
    let (_, headers, body) = answers.iter().find(|(status, _, _)| *status == StatusCode::TOO_MANY_REQUESTS).unwrap();
    assert_eq!(headers["retry-after"], "2");
    assert_eq!(headers["retry-after-ms"], "2000");
    assert!(azure_error(body).error.message.contains("retry after 2 seconds"), "{body}");
    assert_eq!(stats.calls.load(Ordering::SeqCst), 2, "the third never reached the upstream");
    // The slots are given back when the answers have gone.
    assert_eq!(call(&proxy, request("POST", PATH, &[json], FOX)).await.0, StatusCode::OK);
}

#[tokio::test]
async fn a_request_whose_head_never_ends_is_cut_off() {
    let (base, _) = upstream(LocalEndpointConfig::default()).await;
    let address = served(proxy_config(&base)).await;
    let mut stream = TcpStream::connect(&address).await.unwrap();
    stream.write_all(format!("POST {PATH} HTTP/1.1\r\nHost: {address}\r\n").as_bytes()).await.unwrap();
    let started = Instant::now();
    let mut rest = Vec::new();
    // Held open by a client that never finishes its head, a connection would be held forever.
    let closed = tokio::time::timeout(Duration::from_secs(20), stream.read_to_end(&mut rest)).await;
    assert!(closed.is_ok(), "the connection is still open after 20 s");
    let waited = started.elapsed();
    assert!(waited >= Duration::from_secs(9) && waited < Duration::from_secs(15), "closed after {waited:?}");
}
