//! Serves the app that trunk built: compressed, cached as each file allows, and with the headers
//! that keep it safe.

use std::path::Path;

use axum::extract::Request;
use axum::http::{header, HeaderValue};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::Router;
use tower_http::compression::CompressionLayer;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

/// The app's files under `/`. The page's own Content-Security-Policy is a `<meta>` in
/// `index.html`, so it holds on any static host; this adds what only a header can say.
pub fn routes(dist: &Path) -> Router {
    let headers = [
        (header::CONTENT_SECURITY_POLICY, "frame-ancestors 'none'"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
    ];
    let mut router = Router::new()
        .fallback_service(ServeDir::new(dist))
        .layer(middleware::from_fn(cache_control))
        .layer(CompressionLayer::new());
    for (name, value) in headers {
        router = router.layer(SetResponseHeaderLayer::overriding(
            name,
            HeaderValue::from_static(value),
        ));
    }
    router
}

/// trunk names each asset after a hash of its content, so those never change and are cached
/// for a year; everything else (index.html, boot.js) is checked on every load.
async fn cache_control(request: Request, next: Next) -> Response {
    let hashed = is_content_hashed(request.uri().path());
    let mut response = next.run(request).await;
    let policy = if hashed {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    response
}

/// `/easel-0123456789abcdef.js`, `/easel-0123456789abcdef_bg.wasm`: a 16-hex-digit hash after the
/// last `-` of the file name.
fn is_content_hashed(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or_default();
    let stem = name.split('.').next().unwrap_or_default().trim_end_matches("_bg");
    stem.rsplit_once('-')
        .is_some_and(|(_, hash)| hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_trunks_hashed_files_count_as_immutable() {
        for hashed in [
            "/easel-b19e4bb002b31242.js",
            "/easel-b19e4bb002b31242_bg.wasm",
            "/easel-a599257612776207.css",
        ] {
            assert!(is_content_hashed(hashed), "{hashed}");
        }
        for plain in [
            "/",
            "/index.html",
            "/boot.js",
            "/easel.js",
            "/x-123.js",
            "/generated/abc-1024x1024.png",
        ] {
            assert!(!is_content_hashed(plain), "{plain}");
        }
    }
}
