//! Easel's companion server, as a library so tests can run it in-process.
//!
//! [`app`] builds the whole server: the built app as static files, and the built-in local
//! endpoint that answers as Azure OpenAI does. `main.rs` only reads the command line and binds.

mod azure_error;
mod local_endpoint;
mod picture;
mod static_site;

use std::path::PathBuf;

use axum::Router;
use tokio::net::TcpListener;

pub use local_endpoint::LocalEndpointConfig;

/// Everything the server needs to know to build its routes.
#[derive(Debug, Clone)]
pub struct Config {
    /// The folder trunk built the app into.
    pub dist: PathBuf,
    /// How the built-in local endpoint behaves.
    pub local_endpoint: LocalEndpointConfig,
}

/// The whole server: the local endpoint's routes, and the app for every other path.
pub fn app(config: Config) -> Router {
    local_endpoint::routes(config.local_endpoint).merge(static_site::routes(&config.dist))
}

/// Serves [`app`] on `listener` until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    config: Config,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app(config))
        .with_graceful_shutdown(shutdown)
        .await
}
