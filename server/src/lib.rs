//! Easel's companion server, as a library so tests can run it in-process.
//!
//! [`app`] builds the whole server: the built app as static files, and behind the image API's
//! paths either the built-in local endpoint that answers as Azure OpenAI does, or a proxy to one
//! Azure resource that holds the key. `main.rs` only reads the command line and binds.

mod azure_error;
mod credentials;
mod faults;
mod local_endpoint;
mod picture;
mod proxy;
mod static_site;

use std::path::PathBuf;

use axum::Router;
use tokio::net::TcpListener;

pub use faults::Fault;
pub use local_endpoint::{Deployment, EndpointStats, FilterForm, LocalEndpointConfig};
pub use picture::Weight;
pub use proxy::ProxyConfig;

/// What answers the image API's paths.
#[derive(Clone)]
pub enum Backend {
    /// The built-in local endpoint.
    Local(LocalEndpointConfig),
    /// A proxy to one Azure resource.
    Proxy(ProxyConfig),
}

/// Everything the server needs to know to build its routes.
#[derive(Clone)]
pub struct Config {
    /// The folder trunk built the app into.
    pub dist: PathBuf,
    /// What answers the image API's paths.
    pub backend: Backend,
}

/// The whole server: the image API's routes, and the app for every other path.
pub fn app(config: Config) -> Router {
    let api = match config.backend {
        Backend::Local(local) => local_endpoint::routes(local),
        Backend::Proxy(proxy) => proxy::routes(proxy),
    };
    api.merge(static_site::routes(&config.dist))
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
