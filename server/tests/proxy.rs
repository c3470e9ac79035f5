//! Proxy mode, against a second server instance (the local endpoint, demanding its own key) as
//! its upstream over a real socket.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use easel_contract::api_error::ErrorEnvelope;
use easel_contract::endpoint::{ApiPath, Auth, Connection, DEFAULT_API_VERSION};
use easel_contract::probe::Diagnosis;
use easel_contract::profiles::{LinkSignature, RuntimeConfig, FETCH_THROUGH_PATH, LINK_SIGNATURES_HEADER};
use easel_contract::response::ImagesResponse;
use easel_server::{app, serve, Backend, Config, EndpointStats, LinkSecret, LocalEndpointConfig, ProxyConfig};
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
    app(Config::new("none", proxy_backend(upstream, access_token)))
}

fn proxy_backend(upstream: &str, access_token: Option<&str>) -> Backend {
    Backend::Proxy(proxy_config(upstream, access_token))
}

fn proxy_config(upstream: &str, access_token: Option<&str>) -> ProxyConfig {
    ProxyConfig {
        access_token: access_token.map(Into::into),
        timeout: Duration::from_millis(1500),
        body_limit: 64 * 1024,
        ..ProxyConfig::new(upstream, Auth::ApiKey(UPSTREAM_KEY.into()))
    }
}

/// The host a server made by `Config::new` answers to, as a browser on its page names it.
const HOST: &str = "127.0.0.1:8080";

fn post(path: &str, key: Option<&str>, body: &str) -> Request<Body> {
    let mut request = Request::post(path).header("content-type", "application/json").header("host", HOST);
    if let Some(key) = key {
        request = request.header("api-key", key);
    }
    request.body(Body::from(body.to_owned())).unwrap()
}

/// The Azure-shaped error in `body`, or a failure naming what came instead.
fn azure_error(body: &str) -> ErrorEnvelope {
    serde_json::from_str(body).unwrap_or_else(|_| panic!("not Azure's error shape: {body}"))
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

/// A multipart edit of one PNG of `width`×`height` (and `padding` bytes after it, which a PNG
/// reader passes over) with a prompt.
fn multipart_edit(path: &str, width: u32, height: u32, padding: usize) -> Request<Body> {
    let mut image = Vec::new();
    let mut encoder = png::Encoder::new(&mut image, width, height);
    encoder.set_color(png::ColorType::Rgb);
    let pixels = vec![128; (width * height * 3) as usize];
    encoder.write_header().unwrap().write_image_data(&pixels).unwrap();
    image.extend(vec![0; padding]);
    let boundary = "easel-proxy-test";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"prompt\"\r\n\r\na kite\r\n--{boundary}\r\n\
         Content-Disposition: form-data; name=\"image\"; filename=\"photo.png\"\r\nContent-Type: image/png\r\n\r\n"
    )
    .into_bytes();
    body.extend(image);
    body.extend(format!("\r\n--{boundary}--\r\n").as_bytes());
    Request::post(path)
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .header("host", HOST)
        .body(Body::from(body))
        .unwrap()
}

#[tokio::test]
async fn a_multipart_edit_goes_through_whole_and_one_over_the_body_limit_does_not() {
    let (base, stats) = upstream(LocalEndpointConfig::default()).await;
    let proxy = proxy_to(&base, None);
    let path = "/openai/deployments/gpt-image-1/images/edits?api-version=2025-04-01-preview";
    let (status, _, body) = call(&proxy, multipart_edit(path, 40, 30, 0)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let answer: ImagesResponse = serde_json::from_str(&body).unwrap();
    assert_eq!(answer.size.map(|size| size.to_string()).as_deref(), Some("40x30"), "the upstream read the image");
    assert_eq!(stats.calls.load(Ordering::SeqCst), 1);

    // The proxy's limit here is 64 KiB: an edit past it is refused before anything goes up.
    let (status, _, body) = call(&proxy, multipart_edit(path, 40, 30, 70 * 1024)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(azure_error(&body).error.code.as_deref(), Some("RequestEntityTooLarge"));
    assert_eq!(stats.calls.load(Ordering::SeqCst), 1, "nothing went up");
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
        .header("host", HOST)
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
        Request::builder().method(method).uri(uri).header("host", HOST).body(Body::from(r#"{"prompt":"x"}"#)).unwrap()
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

    // An absolute-form target naming another host is not meant for this server; one naming
    // it still goes only to the configured upstream.
    let absolute = |host: &str| {
        Request::post(format!("http://{host}{PATH}"))
            .header("host", host)
            .body(Body::from(r#"{"prompt":"a fox"}"#))
            .unwrap()
    };
    assert_eq!(call(&proxy, absolute("evil.example")).await.0, StatusCode::MISDIRECTED_REQUEST);
    assert_eq!(stats.calls.load(Ordering::SeqCst), 0);
    assert_eq!(call(&proxy, absolute(HOST)).await.0, StatusCode::OK);
    assert_eq!(stats.calls.load(Ordering::SeqCst), 1, "served by the configured upstream");
}

#[tokio::test]
async fn large_bodies_and_slow_upstreams_are_cut_off() {
    let (base, _) = upstream(LocalEndpointConfig { latency: Duration::from_secs(3), ..Default::default() }).await;
    let proxy = proxy_to(&base, None);
    let huge = format!(r#"{{"prompt":"{}"}}"#, "a".repeat(100 * 1024));
    let (status, _, body) = call(&proxy, post(PATH, None, &huge)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(azure_error(&body).error.code.as_deref(), Some("RequestEntityTooLarge"));
    let (status, _, body) = call(&proxy, post(PATH, None, r#"{"prompt":"a fox"}"#)).await;
    assert_eq!(status, StatusCode::GATEWAY_TIMEOUT, "{body}");
    assert!(body.contains("did not answer within"), "{body}");
    assert_eq!(azure_error(&body).error.code.as_deref(), Some("Timeout"));

    let nowhere = proxy_to("http://127.0.0.1:9", None);
    let (status, _, body) = call(&nowhere, post(PATH, None, r#"{"prompt":"a fox"}"#)).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    assert_eq!(azure_error(&body).error.message, "The proxy could not reach the upstream.", "no detail of why");
}

#[tokio::test]
async fn every_refusal_of_the_proxy_is_in_azures_shape_even_where_no_handler_answers() {
    let (base, stats) = upstream(LocalEndpointConfig::default()).await;
    let proxy = proxy_to(&base, None);
    let request = |method: &str, uri: &str| {
        Request::builder().method(method).uri(uri).header("host", HOST).body(Body::from(r#"{"prompt":"x"}"#)).unwrap()
    };
    for (request, status, code, why) in [
        (request("GET", PATH), 405, "MethodNotAllowed", "a method the path does not take"),
        (
            request("DELETE", "/easel/fetch-through"),
            405,
            "MethodNotAllowed",
            "a method the fetch-through does not take",
        ),
        (
            request("POST", "/openai/deployments/dall-e-3/chat/completions?api-version=2024-02-01"),
            404,
            "404",
            "a path of the API it does not forward",
        ),
        (request("POST", "/openai/deployments/%FF/images/edits?api-version=2024-02-01"), 404, "404", "no name"),
        (request("POST", "/openai/v1/images/edits?api-version=2024-02-01"), 404, "404", "v1 takes only preview"),
        (request("GET", "/easel/fetch-through?url=%FF%FE"), 404, "LinkNotPassedOn", "a link it did not sign"),
    ] {
        let (actual, headers, body) = call(&proxy, request).await;
        assert_eq!((actual.as_u16(), azure_error(&body).error.code.as_deref()), (status, Some(code)), "{why}");
        assert_eq!(headers["content-security-policy"], "sandbox; default-src 'none'", "{why}");
    }
    assert_eq!(stats.calls.load(Ordering::SeqCst), 0, "nothing reached the upstream");
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
        raw_request(&url, "POST", PATH, body).await;
    }
    // A link's own signature (an Azure SAS) travels in the fetch-through's query.
    let fetch_through = "/easel/fetch-through?url=https%3A%2F%2Fhost.example%2Fa.png%3Fsig%3Dsas-3c1d&exp=1&sig=x";
    raw_request(&url, "GET", fetch_through, "").await;
    server.start_kill().unwrap();
    let output = server.wait_with_output().await.unwrap();
    let printed = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    let logged = |path: &str, status: u16| {
        printed.lines().any(|line| {
            line.contains(&format!("proxy{{method=POST path={path}}}")) && line.contains(&format!("status={status}"))
        })
    };
    assert!(logged("/openai/deployments/dall-e-3/images/generations", 200), "{printed}");
    assert!(logged("/openai/deployments/dall-e-3/images/generations", 500), "{printed}");
    assert!(printed.lines().any(|line| line.contains("proxy{method=GET path=/easel/fetch-through}")), "{printed}");
    assert!(!printed.contains(UPSTREAM_KEY), "the key was printed: {printed}");
    assert!(!printed.contains("sas-3c1d"), "a link's signature was printed: {printed}");
}

fn tempdir_with_index() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("easel-proxy-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("index.html"), "<!DOCTYPE html><title>test</title>").unwrap();
    dir
}

/// A minimal HTTP/1.1 request over a socket: the test needs no HTTP client of its own.
async fn raw_request(base: &str, method: &str, path: &str, body: &str) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
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

/// The fetch-through's URL for `link` signed by `signature`, the link percent-encoded as the
/// browser's `encodeURIComponent` would.
fn fetch_through(link: &str, signature: &LinkSignature) -> String {
    let encoded: String =
        reqwest::Url::parse_with_params("http://x", [("", link)]).unwrap().query().unwrap()[1..].into();
    signature.fetch_through(&encoded)
}

/// The signatures the proxy gave the links of an answer, in the order of its images.
fn signatures(headers: &axum::http::HeaderMap) -> Vec<Option<LinkSignature>> {
    LinkSignature::read_header(headers[LINK_SIGNATURES_HEADER].to_str().unwrap())
}

fn get(uri: &str, key: Option<&str>) -> Request<Body> {
    let mut request = Request::get(uri).header("host", HOST);
    if let Some(key) = key {
        request = request.header("api-key", key);
    }
    request.body(Body::empty()).unwrap()
}

async fn call_bytes(router: &Router, request: Request<Body>) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let (parts, body) = router.clone().oneshot(request).await.unwrap().into_parts();
    (parts.status, parts.headers, body.collect().await.unwrap().to_bytes().to_vec())
}

/// Asks `proxy` for one dall-e-2 picture as a link (the smallest, within the test's 64 KiB
/// limit): the link, and the signature the proxy gave it.
async fn a_link_passed_on_by(proxy: &Router) -> (String, LinkSignature) {
    let generations = "/openai/deployments/dall-e-2/images/generations?api-version=2024-02-01";
    let asked = r#"{"prompt":"a fox","size":"256x256","response_format":"url"}"#;
    let (status, headers, body) = call(proxy, post(generations, None, asked)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let link = ImagesResponse::read(200, body.as_bytes()).unwrap().data[0].url.clone().unwrap();
    let [Some(signature)]: [_; 1] = signatures(&headers).try_into().unwrap() else { panic!("the link is not signed") };
    (link, signature)
}

#[tokio::test]
async fn an_image_link_the_proxy_signed_is_fetched_through_and_no_other() {
    let (base, stats) = upstream(LocalEndpointConfig::default()).await;
    let proxy = proxy_to(&base, None);
    let (link, signature) = a_link_passed_on_by(&proxy).await;
    assert!(link.starts_with(&format!("{base}/generated/")), "{link}");

    let direct = reqwest::get(&link).await.unwrap().bytes().await.unwrap();
    let (status, headers, image) = call_bytes(&proxy, get(&fetch_through(&link, &signature), None)).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&image));
    assert_eq!(headers["content-type"], "image/png");
    assert_eq!(headers["cache-control"], "no-store");
    assert_eq!(headers["content-security-policy"], "sandbox; default-src 'none'");
    assert_eq!(image, direct.to_vec(), "the host's bytes, unchanged");

    let (path, query) = link.split_once('?').unwrap();
    let tampered = LinkSignature { signature: format!("A{}", &signature.signature[1..]), ..signature.clone() };
    let longer = LinkSignature { expires: signature.expires + 3600, ..signature.clone() };
    let expired = LinkSignature { expires: 1_700_000_000, ..signature.clone() };
    for (other, signed, why) in [
        (format!("{base}/generated/0123456789abcdef-1024x1024.png?{query}"), &signature, "another link"),
        (format!("{base}/config.json"), &signature, "the host of a signed link, another path"),
        (
            format!("{path}?{}", query.replace("sig=", "sig=0")),
            &signature,
            "the link with another signature of its host's",
        ),
        (format!("{link}&x=1"), &signature, "the link with more to it"),
        ("http://169.254.169.254/latest/meta-data/".to_owned(), &signature, "another host"),
        (link.clone(), &tampered, "a tampered signature"),
        (link.clone(), &longer, "a later expiry"),
        (link.clone(), &expired, "an expired signature"),
    ] {
        let (status, _, body) = call(&proxy, get(&fetch_through(&other, signed), None)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{why}");
        let message = azure_error(&body).error.message;
        assert_eq!(message, "This server fetches only image links its proxy passed on, for 24 hours.", "{why}");
    }
    assert_eq!(call(&proxy, get(FETCH_THROUGH_PATH, None)).await.0, StatusCode::NOT_FOUND, "no link at all");
    let unsigned = fetch_through(&link, &signature).split('&').next().unwrap().to_owned();
    assert_eq!(call(&proxy, get(&unsigned, None)).await.0, StatusCode::NOT_FOUND, "a link without its signature");
    assert_eq!(stats.calls.load(Ordering::SeqCst), 1);

    // The local endpoint has no fetch-through: its links are on its own origin.
    let local = app(Config::new("none", Backend::Local(LocalEndpointConfig::default())));
    assert_eq!(call(&local, get(&fetch_through(&link, &signature), None)).await.0, StatusCode::NOT_FOUND);
}

/// Two replicas behind one address, each a server process of its own, sharing `secret` or not.
async fn replicas(base: &str, secrets: [LinkSecret; 2]) -> [Router; 2] {
    secrets.map(|link_secret| {
        app(Config::new("none", Backend::Proxy(ProxyConfig { link_secret, ..proxy_config(base, None) })))
    })
}

#[tokio::test]
async fn a_link_passed_on_by_one_replica_is_fetched_through_by_another_that_shares_the_secret() {
    let (base, _) = upstream(LocalEndpointConfig::default()).await;
    let shared = LinkSecret::shared("the replicas' shared secret, 32 characters or more");
    let [a, b] = replicas(&base, [shared.clone(), shared]).await;
    let (link, signature) = a_link_passed_on_by(&a).await;
    let (status, headers, image) = call_bytes(&b, get(&fetch_through(&link, &signature), None)).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&image));
    assert_eq!(headers["content-type"], "image/png");

    let [a, b] =
        replicas(&base, [LinkSecret::shared("one replica's secret, of 32 characters or more"), LinkSecret::random()])
            .await;
    let (link, signature) = a_link_passed_on_by(&a).await;
    assert_eq!(call_bytes(&a, get(&fetch_through(&link, &signature), None)).await.0, StatusCode::OK);
    let (status, _, _) = call_bytes(&b, get(&fetch_through(&link, &signature), None)).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "another secret");
}

#[tokio::test]
async fn the_served_config_says_whether_links_can_be_fetched_through() {
    let (base, _) = upstream(LocalEndpointConfig::default()).await;
    let served = |router: Router| async move { call(&router, get("/config.json", None)).await.2 };
    assert!(served(proxy_to(&base, None)).await.contains(r#""fetch_through":true"#));
    let local = app(Config::new("none", Backend::Local(LocalEndpointConfig::default())));
    assert!(!served(local).await.contains("fetch_through"));

    // A --config file neither claims nor withholds it: it is a fact about the server.
    let file = |fetch_through| RuntimeConfig { fetch_through, ..RuntimeConfig::default() };
    let proxy = app(Config { runtime_config: file(false), ..Config::new("none", proxy_backend(&base, None)) });
    assert!(served(proxy).await.contains(r#""fetch_through":true"#));
    let local_endpoint = Backend::Local(LocalEndpointConfig::default());
    let local = app(Config { runtime_config: file(true), ..Config::new("none", local_endpoint) });
    assert!(!served(local).await.contains("fetch_through"));
}

#[tokio::test]
async fn the_served_config_gives_the_app_longer_than_the_proxy_waits_for_its_upstream() {
    let (base, _) = upstream(LocalEndpointConfig::default()).await;
    let served = |router: Router| async move { call(&router, get("/config.json", None)).await.2 };
    let waits = |upstream_secs| {
        let proxy = ProxyConfig { timeout: Duration::from_secs(upstream_secs), ..proxy_config(&base, None) };
        app(Config::new("none", Backend::Proxy(proxy)))
    };
    let config = served(waits(180)).await;
    assert!(config.contains(r#""call_timeout_secs":210"#), "{config}");
    let local = app(Config::new("none", Backend::Local(LocalEndpointConfig::default())));
    assert!(!served(local).await.contains("call_timeout_secs"), "the local endpoint keeps the contract's");
}

/// What [`raw_host`] answers a generation: links to each of its files, with `{base}` its address.
const RAW_ANSWER: &str = r#"{"created":1700000000,"data":[{"url":"{base}/image.png?sig=abc"},{"url":"{base}/page.html"},{"url":"{base}/moved.png"},{"url":"{base}/huge.png"},{"url":"{base}/vector.svg"},{"url":"{base}/anim.gif"},{"url":"{base}/page.png"},{"b64_json":"iVBORw0K"}]}"#;

/// What [`raw_host`] serves as a PNG: a PNG's signature, then not much.
const PNG_ISH: &[u8] = b"\x89PNG\r\n\x1a\n not really";

/// An upstream and image host in one, over a raw socket, that keeps the head of every request
/// it gets. A generation whose prompt says "refuse" gets a 400 that still names a link.
async fn raw_host() -> (String, Arc<Mutex<Vec<String>>>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let heads = Arc::new(Mutex::new(Vec::new()));
    let (kept, address) = (heads.clone(), base.clone());
    tokio::spawn(async move {
        loop {
            let (mut stream, _) = listener.accept().await.unwrap();
            let mut read = Vec::new();
            let mut buffer = [0; 4096];
            let head_end = loop {
                let count = stream.read(&mut buffer).await.unwrap();
                read.extend_from_slice(&buffer[..count]);
                if let Some(end) = read.windows(4).position(|window| window == b"\r\n\r\n") {
                    break end;
                }
                assert!(count > 0, "the request ended before its head did");
            };
            let head = String::from_utf8_lossy(&read[..head_end]).into_owned();
            let length = head
                .lines()
                .find_map(|line| line.to_ascii_lowercase().strip_prefix("content-length:").map(|n| n.trim().to_owned()))
                .map_or(0, |n| n.parse::<usize>().unwrap());
            while read.len() < head_end + 4 + length {
                let count = stream.read(&mut buffer).await.unwrap();
                read.extend_from_slice(&buffer[..count]);
            }
            let body = String::from_utf8_lossy(&read[head_end + 4..]).into_owned();
            kept.lock().unwrap().push(head.clone());
            let request_line = head.lines().next().unwrap_or_default().to_owned();
            let path = request_line.split(' ').nth(1).unwrap_or_default();
            let (status, extra, content): (&str, &str, Vec<u8>) = match (request_line.starts_with("POST"), path) {
                (true, _) if body.contains("refuse") => (
                    "400 Bad Request",
                    "Content-Type: application/json\r\n",
                    format!(r#"{{"created":1,"data":[{{"url":"{address}/refused.png"}}]}}"#).into_bytes(),
                ),
                (true, _) => (
                    "200 OK",
                    "Content-Type: application/json\r\n",
                    RAW_ANSWER.replace("{base}", &address).into_bytes(),
                ),
                (false, "/image.png?sig=abc" | "/refused.png") => {
                    ("200 OK", "Content-Type: image/png\r\n", PNG_ISH.to_vec())
                }
                (false, "/anim.gif") => ("200 OK", "Content-Type: image/gif\r\n", b"GIF89a not really".to_vec()),
                (false, "/page.png") => ("200 OK", "Content-Type: image/png\r\n", b"<script>1</script>".to_vec()),
                (false, "/page.html") => ("200 OK", "Content-Type: text/html\r\n", b"<script>1</script>".to_vec()),
                (false, "/vector.svg") => ("200 OK", "Content-Type: image/svg+xml\r\n", b"<svg/>".to_vec()),
                (false, "/moved.png") => ("302 Found", "Location: /image.png?sig=abc\r\n", Vec::new()),
                (false, "/huge.png") => ("200 OK", "Content-Type: image/png\r\n", vec![0; 100 * 1024]),
                _ => ("404 Not Found", "", Vec::new()),
            };
            let answer_head =
                format!("HTTP/1.1 {status}\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n", content.len());
            stream.write_all(answer_head.as_bytes()).await.unwrap();
            stream.write_all(&content).await.unwrap();
            stream.shutdown().await.unwrap();
        }
    });
    (base, heads)
}

#[tokio::test]
async fn the_fetch_through_sends_no_credential_follows_no_redirect_and_passes_on_only_images() {
    let (base, heads) = raw_host().await;
    let proxy = app(Config::new("none", proxy_backend(&base, Some("team-token"))));
    let generate = Request::post(PATH)
        .header("host", HOST)
        .header("content-type", "application/json")
        .header("api-key", "team-token")
        .header("cookie", "session=browser-secret")
        .body(Body::from(r#"{"prompt":"a fox","response_format":"url"}"#))
        .unwrap();
    let (status, headers, body) = call(&proxy, generate).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, RAW_ANSWER.replace("{base}", &base), "the answer, byte for byte");
    let signed = signatures(&headers);
    assert_eq!(
        signed.iter().map(Option::is_some).collect::<Vec<_>>(),
        [true, true, true, true, true, true, true, false]
    );
    let signed = |index: usize| signed[index].clone().unwrap();
    let files = ["image.png?sig=abc", "page.html", "moved.png", "huge.png", "vector.svg", "anim.gif", "page.png"];
    let through = |index: usize| fetch_through(&format!("{base}/{}", files[index]), &signed(index));

    let image = through(0);
    assert_eq!(call(&proxy, get(&image, None)).await.0, StatusCode::UNAUTHORIZED, "the proxy's own rule");
    assert_eq!(call(&proxy, get(&image, Some("guess"))).await.0, StatusCode::UNAUTHORIZED);
    let through_with_secrets = Request::get(&image)
        .header("host", HOST)
        .header("api-key", "team-token")
        .header("authorization", "Bearer browser-token")
        .header("cookie", "session=browser-secret")
        .body(Body::empty())
        .unwrap();
    let (status, headers, bytes) = call_bytes(&proxy, through_with_secrets).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "image/png");
    assert_eq!(headers["cache-control"], "no-store");
    assert_eq!(bytes, PNG_ISH);

    let seen = heads.lock().unwrap().clone();
    let [generation, fetched] = seen.as_slice() else { panic!("two requests reached the host: {seen:?}") };
    assert!(generation.contains(&format!("api-key: {UPSTREAM_KEY}")), "{generation}");
    assert!(fetched.starts_with("GET /image.png?sig=abc HTTP/1.1"), "{fetched}");
    let fetched = fetched.to_ascii_lowercase();
    for absent in ["api-key", "authorization", "cookie", "team-token", "browser", UPSTREAM_KEY] {
        assert!(!fetched.contains(absent), "{absent} reached the image host: {fetched}");
    }

    for (index, why) in [
        (1, "not an image"),
        (2, "a redirect"),
        (3, "over the size limit"),
        (4, "an image that carries script"),
        (5, "a GIF"),
        (6, "a page that says it is a PNG"),
    ] {
        let (status, _, body) = call(&proxy, get(&through(index), Some("team-token"))).await;
        assert_eq!(status, StatusCode::BAD_GATEWAY, "{why}: {body}");
        assert!(azure_error(&body).error.message.starts_with("The image"), "{why}: {body}");
    }
    let (status, headers, _) = call(&proxy, post(PATH, Some("team-token"), r#"{"prompt":"refuse"}"#)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(!headers.contains_key(LINK_SIGNATURES_HEADER), "only a successful answer's links are signed");
    let refused = fetch_through(&format!("{base}/refused.png"), &signed(0));
    assert_eq!(call(&proxy, get(&refused, Some("team-token"))).await.0, StatusCode::NOT_FOUND);
    let seen = heads.lock().unwrap();
    assert_eq!(seen.iter().filter(|head| head.starts_with("GET /image.png")).count(), 1, "the redirect not followed");
    assert!(!seen.iter().any(|head| head.starts_with("GET /refused.png")));
}

/// An upstream whose deployments answer in ways the local endpoint does not: `events` streams
/// two server-sent events a second apart (noting when it sent the first), and `big` sends a
/// 400 KiB JSON answer in pieces, without saying how long it is.
async fn streaming_upstream() -> (String, Arc<Mutex<Option<Instant>>>) {
    use axum::routing::post;
    use futures_util::stream;
    let first_sent = Arc::new(Mutex::new(None));
    let noted = first_sent.clone();
    let events = move || {
        let noted = noted.clone();
        async move {
            let events = stream::unfold(0, move |sent| {
                let noted = noted.clone();
                async move {
                    match sent {
                        0 => *noted.lock().unwrap() = Some(Instant::now()),
                        1 => tokio::time::sleep(Duration::from_secs(1)).await,
                        _ => return None,
                    }
                    let event =
                        format!("event: image_generation.partial_image\ndata: {{\"partial_image_index\":{sent}}}\n\n");
                    Some((Ok::<_, std::io::Error>(event), sent + 1))
                }
            });
            ([("content-type", "text/event-stream")], Body::from_stream(events))
        }
    };
    let big = || async {
        let pieces = (0..400).map(|index| Ok::<_, std::io::Error>(format!("{{\"piece\":\"{index:0>1012}\"}},")));
        let body = stream::iter(std::iter::once(Ok("[".to_owned())).chain(pieces).chain([Ok("0]".to_owned())]));
        ([("content-type", "application/json")], Body::from_stream(body))
    };
    let router = Router::new()
        .route("/openai/deployments/events/images/generations", post(events))
        .route("/openai/deployments/big/images/generations", post(big));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (base, first_sent)
}

/// `proxy` served on a free port: its address.
async fn served_proxy(proxy: Backend) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(serve(listener, Config::new("none", proxy), std::future::pending()));
    base
}

#[tokio::test]
async fn a_streamed_answer_leaves_the_proxy_as_it_arrives() {
    use futures_util::StreamExt;
    let (upstream, first_sent) = streaming_upstream().await;
    let proxy = served_proxy(proxy_backend(&upstream, None)).await;
    let asked = Instant::now();
    let response = reqwest::Client::new()
        .post(format!("{proxy}/openai/deployments/events/images/generations?api-version=2025-04-01-preview"))
        .header("content-type", "application/json")
        .body(r#"{"prompt":"a fox","stream":true,"partial_images":1}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let mut body = response.bytes_stream();
    let first = body.next().await.unwrap().unwrap();
    let received = Instant::now();
    let latency = received - first_sent.lock().unwrap().expect("the upstream sent its first event");
    eprintln!("first byte through the proxy {} ms after the upstream sent it", latency.as_secs_f64() * 1000.0);
    assert!(String::from_utf8_lossy(&first).contains("\"partial_image_index\":0"));
    assert!(received - asked < Duration::from_millis(800), "the first event waited for the second");
    assert!(latency < Duration::from_millis(300), "{latency:?}");
    let mut rest = Vec::new();
    while let Some(chunk) = body.next().await {
        rest.extend_from_slice(&chunk.unwrap());
    }
    assert!(String::from_utf8_lossy(&rest).contains("\"partial_image_index\":1"));
}

#[tokio::test]
async fn an_answer_longer_than_the_body_limit_that_does_not_say_its_length_comes_through_whole() {
    let (upstream, _) = streaming_upstream().await;
    // The test's body limit is 64 KiB; the answer is 400 KiB, as a b64_json answer is megabytes,
    // and longer than what the proxy reads to find image links in.
    let proxy = served_proxy(proxy_backend(&upstream, None)).await;
    let response = reqwest::Client::new()
        .post(format!("{proxy}/openai/deployments/big/images/generations?api-version=2024-02-01"))
        .header("content-type", "application/json")
        .body(r#"{"prompt":"a fox"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body = response.bytes().await.unwrap();
    assert!(body.len() > 400 * 1024, "{} bytes", body.len());
    let pieces: Vec<serde_json::Value> = serde_json::from_slice(&body).expect("the whole answer, unchanged");
    assert_eq!(pieces.len(), 401);
}
