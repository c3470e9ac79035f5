//! The companion server as a static host: the built app compressed, cached as each file allows,
//! under the page's own Content-Security-Policy, with the runtime `config.json`.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use easel_contract::profiles::RuntimeConfig;
use easel_server::{app, Backend, Config, LocalEndpointConfig};
use http_body_util::BodyExt;
use tower::ServiceExt;

const PAGE: &str = r#"<!DOCTYPE html><html><head>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'self' 'wasm-unsafe-eval'">
<title>Easel</title></head><body></body></html>"#;

fn site() -> (Router, std::path::PathBuf) {
    let dist =
        std::env::temp_dir().join(format!("easel-static-{}-{:?}", std::process::id(), std::thread::current().id()));
    std::fs::create_dir_all(&dist).unwrap();
    std::fs::write(dist.join("index.html"), PAGE).unwrap();
    std::fs::write(dist.join("easel-0123456789abcdef_bg.wasm"), vec![b'a'; 20_000]).unwrap();
    std::fs::write(dist.join("boot.js"), "console.log('boot');\n".repeat(100)).unwrap();
    (app(Config::new(&dist, Backend::Local(LocalEndpointConfig::default()))), dist)
}

async fn get(router: &Router, path: &str, encoding: Option<&str>) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let mut request = Request::get(path);
    if let Some(encoding) = encoding {
        request = request.header("accept-encoding", encoding);
    }
    let (parts, body) = router.clone().oneshot(request.body(Body::empty()).unwrap()).await.unwrap().into_parts();
    (parts.status, parts.headers, body.collect().await.unwrap().to_bytes().to_vec())
}

#[tokio::test]
async fn the_page_is_checked_on_every_load_and_hashed_assets_cached_for_good() {
    let (site, _) = site();
    let (status, headers, _) = get(&site, "/", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["cache-control"], "no-cache");
    assert_eq!(get(&site, "/boot.js", None).await.1["cache-control"], "no-cache");
    let (_, headers, _) = get(&site, "/easel-0123456789abcdef_bg.wasm", None).await;
    assert_eq!(headers["cache-control"], "public, max-age=31536000, immutable");
}

#[tokio::test]
async fn the_pages_policy_and_the_safety_headers_come_with_every_file() {
    let (site, _) = site();
    for path in ["/", "/boot.js", "/easel-0123456789abcdef_bg.wasm"] {
        let (_, headers, _) = get(&site, path, None).await;
        assert_eq!(
            headers["content-security-policy"],
            "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; frame-ancestors 'none'",
            "{path}"
        );
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert_eq!(headers["referrer-policy"], "no-referrer");
    }
}

#[tokio::test]
async fn files_travel_compressed_with_brotli_or_gzip() {
    let (site, _) = site();
    for encoding in ["br", "gzip"] {
        let (_, headers, body) = get(&site, "/easel-0123456789abcdef_bg.wasm", Some(encoding)).await;
        assert_eq!(headers["content-encoding"], encoding);
        assert!(body.len() < 2_000, "{encoding}: {} bytes for 20,000", body.len());
    }
}

#[tokio::test]
async fn config_json_offers_the_local_endpoint_and_no_secret() {
    let (site, _) = site();
    let (status, _, body) = get(&site, "/config.json", None).await;
    assert_eq!(status, StatusCode::OK);
    let text = String::from_utf8(body).unwrap();
    let config = RuntimeConfig::parse(&text).unwrap();
    let profiles: Vec<_> =
        config.profiles.iter().map(|p| (p.name.as_str(), p.deployment.as_str(), p.model.as_str(), p.any_key)).collect();
    assert_eq!(
        profiles,
        [("Local endpoint", "dall-e-3", "dall-e-3", true)],
        "one profile; the model picks the deployment"
    );
    assert!(!text.contains("\"key\":") && !text.contains("token\":"), "{text}");
}

#[tokio::test]
async fn anything_but_reading_the_app_is_refused() {
    let (site, _) = site();
    for method in ["POST", "PUT", "DELETE"] {
        let request = Request::builder().method(method).uri("/index.html").body(Body::empty()).unwrap();
        let status = site.clone().oneshot(request).await.unwrap().status();
        assert!(status.is_client_error(), "{method}: {status}");
    }
    assert_eq!(get(&site, "/../../etc/passwd", None).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_precompressed_file_is_sent_as_it_is_and_the_others_compressed_on_the_way() {
    let (site, dist) = site();
    // What scripts/precompress.sh writes beside a release build's wasm.
    std::fs::write(dist.join("easel-0123456789abcdef_bg.wasm.br"), b"brotli at quality 11").unwrap();
    let (_, headers, body) = get(&site, "/easel-0123456789abcdef_bg.wasm", Some("gzip, br")).await;
    assert_eq!(headers["content-encoding"], "br");
    assert_eq!(headers["content-type"], "application/wasm");
    assert_eq!(body, b"brotli at quality 11");
    assert_eq!(get(&site, "/easel-0123456789abcdef_bg.wasm", None).await.2, vec![b'a'; 20_000]);

    let (_, headers, body) = get(&site, "/boot.js", Some("br")).await;
    assert_eq!(headers["content-encoding"], "br", "no .br file: compressed on the way");
    assert!(body.len() < 500, "{} bytes", body.len());
}

#[tokio::test]
async fn a_file_with_precompressed_forms_tells_caches_it_varies_by_accepted_encoding() {
    let (site, dist) = site();
    std::fs::write(dist.join("easel-0123456789abcdef_bg.wasm.br"), b"brotli at quality 11").unwrap();
    std::fs::write(dist.join("easel-0123456789abcdef_bg.wasm.gz"), b"gzip at level 9").unwrap();
    // A shared cache that kept the brotli answer must not hand it to a client without brotli.
    for encoding in [Some("br"), Some("gzip"), None] {
        let (_, headers, _) = get(&site, "/easel-0123456789abcdef_bg.wasm", encoding).await;
        let vary = headers
            .get_all("vary")
            .iter()
            .map(|value| value.to_str().unwrap().to_ascii_lowercase())
            .collect::<Vec<_>>();
        assert!(vary.iter().any(|value| value.contains("accept-encoding")), "{encoding:?}: {vary:?}");
    }
}
