//! Serves the app that trunk built: compressed, cached as each file allows, and with the headers
//! that keep it safe.

use std::path::Path;

use axum::extract::Request;
use axum::http::{header, HeaderValue};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use easel_contract::profiles::RuntimeConfig;
use tower_http::compression::CompressionLayer;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

/// The app's files under `/`, and `/config.json`. The page's Content-Security-Policy is a
/// `<meta>` in `index.html`, so it holds on any static host; here the same policy also goes in a
/// header, with what only a header can say (`frame-ancestors`).
pub fn routes(dist: &Path, runtime_config: &RuntimeConfig) -> Router {
    let policy = std::fs::read_to_string(dist.join("index.html")).ok().and_then(|page| page_policy(&page));
    let csp = match policy {
        Some(policy) => format!("{policy}; frame-ancestors 'none'"),
        None => "frame-ancestors 'none'".to_owned(),
    };
    let headers = [
        (header::CONTENT_SECURITY_POLICY, HeaderValue::from_str(&csp).expect("the page's policy is a header value")),
        (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        (header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")),
    ];
    let runtime_config = runtime_config.clone();
    let mut router = Router::new()
        .route("/config.json", get(move || async move { Json(runtime_config) }))
        // A release build carries each file precompressed (scripts/precompress.sh); the layer
        // below compresses only what has no such file, and leaves encoded answers alone.
        .fallback_service(ServeDir::new(dist).precompressed_br().precompressed_gzip())
        .layer(middleware::from_fn(cache_control))
        .layer(CompressionLayer::new());
    for (name, value) in headers {
        router = router.layer(SetResponseHeaderLayer::overriding(name, value));
    }
    // A file served as its `.br` or `.gz` form differs by what the client accepts; the
    // compression layer says so only for what it compresses itself.
    router.layer(SetResponseHeaderLayer::if_not_present(header::VARY, HeaderValue::from_static("accept-encoding")))
}

/// The policy in the page's `<meta http-equiv="Content-Security-Policy" content="...">`.
fn page_policy(page: &str) -> Option<String> {
    let tag_start = page.find("http-equiv=\"Content-Security-Policy\"")?;
    let tag = &page[page[..tag_start].rfind('<')?..];
    let tag = &tag[..tag.find('>')?];
    let content = &tag[tag.find("content=\"")? + "content=\"".len()..];
    // An attribute may wrap over lines; a header may not.
    Some(content[..content.find('"')?].split_whitespace().collect::<Vec<_>>().join(" "))
}

/// trunk names each asset after a hash of its content, so those never change and are cached
/// for a year; everything else (index.html, boot.js) is checked on every load.
async fn cache_control(request: Request, next: Next) -> Response {
    let hashed = is_content_hashed(request.uri().path());
    let mut response = next.run(request).await;
    let policy = if hashed { "public, max-age=31536000, immutable" } else { "no-cache" };
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    response
}

/// `/easel-0123456789abcdef.js`, `/easel-0123456789abcdef_bg.wasm`: a 16-hex-digit hash after the
/// last `-` of the file name.
fn is_content_hashed(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or_default();
    let stem = name.split('.').next().unwrap_or_default().trim_end_matches("_bg");
    stem.rsplit_once('-').is_some_and(|(_, hash)| hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_policy_is_the_pages_own() {
        let page = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../index.html")).unwrap();
        let policy = page_policy(&page).unwrap();
        assert!(policy.starts_with("default-src 'none'; script-src 'self' 'wasm-unsafe-eval'"), "{policy}");
        assert!(!policy.contains("unsafe-inline"));
        assert_eq!(page_policy("<html><meta charset=utf-8></html>"), None);
        let wrapped =
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none';\n    img-src 'self'\">";
        assert_eq!(page_policy(wrapped).as_deref(), Some("default-src 'none'; img-src 'self'"));
    }

    #[test]
    fn only_trunks_hashed_files_count_as_immutable() {
        for hashed in ["/easel-b19e4bb002b31242.js", "/easel-b19e4bb002b31242_bg.wasm", "/easel-a599257612776207.css"] {
            assert!(is_content_hashed(hashed), "{hashed}");
        }
        for plain in ["/", "/index.html", "/boot.js", "/easel.js", "/x-123.js", "/generated/abc-1024x1024.png"] {
            assert!(!is_content_hashed(plain), "{plain}");
        }
    }
}
