//! Proxy mode, against a second server instance (the local endpoint, demanding its own key) as
//! its upstream over a real socket.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use easel_contract::endpoint::{ApiPath, Auth, Connection, DEFAULT_API_VERSION};
use easel_contract::probe::Diagnosis;
use easel_contract::profiles::{RuntimeConfig, FETCH_THROUGH_PARAM, FETCH_THROUGH_PATH};
use easel_contract::response::ImagesResponse;
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
    app(Config::new("none", proxy_backend(upstream, access_token)))
}

fn proxy_backend(upstream: &str, access_token: Option<&str>) -> Backend {
    Backend::Proxy(ProxyConfig {
        upstream: upstream.to_owned(),
        credential: Auth::ApiKey(UPSTREAM_KEY.into()),
        access_token: access_token.map(Into::into),
        timeout: Duration::from_millis(1500),
        body_limit: 64 * 1024,
    })
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

/// The fetch-through's URL for `link`, percent-encoded as a browser's `URLSearchParams` would.
fn fetch_through(link: &str) -> String {
    let mut url = reqwest::Url::parse("http://proxy").unwrap();
    url.set_path(FETCH_THROUGH_PATH);
    url.query_pairs_mut().append_pair(FETCH_THROUGH_PARAM, link);
    format!("{}?{}", url.path(), url.query().unwrap())
}

fn get(uri: &str, key: Option<&str>) -> Request<Body> {
    let mut request = Request::get(uri);
    if let Some(key) = key {
        request = request.header("api-key", key);
    }
    request.body(Body::empty()).unwrap()
}

async fn call_bytes(router: &Router, request: Request<Body>) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let (parts, body) = router.clone().oneshot(request).await.unwrap().into_parts();
    (parts.status, parts.headers, body.collect().await.unwrap().to_bytes().to_vec())
}

#[tokio::test]
async fn an_image_link_the_proxy_passed_on_is_fetched_through_and_no_other() {
    let (base, stats) = upstream(LocalEndpointConfig::default()).await;
    let proxy = proxy_to(&base, None);
    // dall-e-2's smallest picture fits the test's 64 KiB limit.
    let generations = "/openai/deployments/dall-e-2/images/generations?api-version=2024-02-01";
    let asked = r#"{"prompt":"a fox","size":"256x256","response_format":"url"}"#;
    let (status, _, body) = call(&proxy, post(generations, None, asked)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let link = ImagesResponse::read(200, body.as_bytes()).unwrap().data[0].url.clone().unwrap();
    assert!(link.starts_with(&format!("{base}/generated/")), "{link}");

    let direct = reqwest::get(&link).await.unwrap().bytes().await.unwrap();
    let (status, headers, image) = call_bytes(&proxy, get(&fetch_through(&link), None)).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&image));
    assert_eq!(headers["content-type"], "image/png");
    assert_eq!(headers["cache-control"], "no-store");
    assert_eq!(image, direct.to_vec(), "the host's bytes, unchanged");

    let (path, query) = link.split_once('?').unwrap();
    for (other, why) in [
        (format!("{base}/generated/0123456789abcdef-1024x1024.png?{query}"), "a link not seen"),
        (format!("{base}/config.json"), "the host of a seen link, another path"),
        (format!("{path}?{}", query.replace("sig=", "sig=0")), "a seen link with another signature"),
        (format!("{link}&x=1"), "a seen link with more to it"),
        ("http://169.254.169.254/latest/meta-data/".to_owned(), "another host"),
    ] {
        let (status, _, body) = call(&proxy, get(&fetch_through(&other), None)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{why}");
        assert_eq!(body, "This server fetches only image links its proxy passed on, for 24 hours.", "{why}");
    }
    assert_eq!(call(&proxy, get(FETCH_THROUGH_PATH, None)).await.0, StatusCode::NOT_FOUND, "no link at all");
    // An app served from elsewhere may send the access token in a header.
    let preflight = Request::options(fetch_through(&link))
        .header("origin", "https://app.example")
        .header("access-control-request-method", "GET")
        .header("access-control-request-headers", "api-key")
        .body(Body::empty())
        .unwrap();
    let (status, headers, _) = call(&proxy, preflight).await;
    assert!(status.is_success(), "{status}");
    assert!(headers["access-control-allow-methods"].to_str().unwrap().contains("GET"));
    assert_eq!(stats.calls.load(Ordering::SeqCst), 1);

    // The local endpoint has no fetch-through: its links are on its own origin.
    let local = app(Config::new("none", Backend::Local(LocalEndpointConfig::default())));
    assert_eq!(call(&local, get(&fetch_through(&link), None)).await.0, StatusCode::NOT_FOUND);
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
    let proxy = app(Config { dist: "none".into(), backend: proxy_backend(&base, None), runtime_config: file(false) });
    assert!(served(proxy).await.contains(r#""fetch_through":true"#));
    let local = app(Config {
        dist: "none".into(),
        backend: Backend::Local(LocalEndpointConfig::default()),
        runtime_config: file(true),
    });
    assert!(!served(local).await.contains("fetch_through"));
}

/// What [`raw_host`] answers a generation: links to each of its files, with `{base}` its address.
const RAW_ANSWER: &str = r#"{"created":1700000000,"data":[{"url":"{base}/image.png?sig=abc"},{"url":"{base}/page.html"},{"url":"{base}/moved.png"},{"url":"{base}/huge.png"},{"url":"{base}/vector.svg"}]}"#;

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
                    ("200 OK", "Content-Type: image/png\r\n", b"\x89PNG not really".to_vec())
                }
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
        .header("content-type", "application/json")
        .header("api-key", "team-token")
        .header("cookie", "session=browser-secret")
        .body(Body::from(r#"{"prompt":"a fox","response_format":"url"}"#))
        .unwrap();
    let (status, _, body) = call(&proxy, generate).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, RAW_ANSWER.replace("{base}", &base), "the answer, byte for byte");

    let image = fetch_through(&format!("{base}/image.png?sig=abc"));
    assert_eq!(call(&proxy, get(&image, None)).await.0, StatusCode::UNAUTHORIZED, "the proxy's own rule");
    assert_eq!(call(&proxy, get(&image, Some("guess"))).await.0, StatusCode::UNAUTHORIZED);
    let through = Request::get(&image)
        .header("api-key", "team-token")
        .header("authorization", "Bearer browser-token")
        .header("cookie", "session=browser-secret")
        .body(Body::empty())
        .unwrap();
    let (status, headers, bytes) = call_bytes(&proxy, through).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "image/png");
    assert_eq!(headers["cache-control"], "no-store");
    assert_eq!(bytes, b"\x89PNG not really");

    let seen = heads.lock().unwrap().clone();
    let [generation, fetched] = seen.as_slice() else { panic!("two requests reached the host: {seen:?}") };
    assert!(generation.contains(&format!("api-key: {UPSTREAM_KEY}")), "{generation}");
    assert!(fetched.starts_with("GET /image.png?sig=abc HTTP/1.1"), "{fetched}");
    let fetched = fetched.to_ascii_lowercase();
    for absent in ["api-key", "authorization", "cookie", "team-token", "browser", UPSTREAM_KEY] {
        assert!(!fetched.contains(absent), "{absent} reached the image host: {fetched}");
    }

    for (file, why) in [
        ("page.html", "not an image"),
        ("vector.svg", "an image that carries script"),
        ("moved.png", "a redirect"),
        ("huge.png", "over the size limit"),
    ] {
        let (status, _, body) = call(&proxy, get(&fetch_through(&format!("{base}/{file}")), Some("team-token"))).await;
        assert_eq!(status, StatusCode::BAD_GATEWAY, "{why}: {body}");
        assert!(body.starts_with("The image"), "{why}: {body}");
    }
    let (status, _, _) = call(&proxy, post(PATH, Some("team-token"), r#"{"prompt":"refuse"}"#)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let refused = fetch_through(&format!("{base}/refused.png"));
    assert_eq!(
        call(&proxy, get(&refused, Some("team-token"))).await.0,
        StatusCode::NOT_FOUND,
        "only a successful answer's links are kept"
    );
    let seen = heads.lock().unwrap();
    assert_eq!(seen.iter().filter(|head| head.starts_with("GET /image.png")).count(), 1, "the redirect not followed");
    assert!(!seen.iter().any(|head| head.starts_with("GET /refused.png")));
}
