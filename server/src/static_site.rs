//! Serves the app that trunk built, compressed, with the headers that keep it safe.

use std::path::Path;

use axum::http::{header, HeaderValue};
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
        .layer(CompressionLayer::new());
    for (name, value) in headers {
        router = router.layer(SetResponseHeaderLayer::overriding(
            name,
            HeaderValue::from_static(value),
        ));
    }
    router
}
