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
use easel_contract::profiles::{AuthKind, PathSpec, ProfileSpec, RuntimeConfig};
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

impl Backend {
    /// The profiles `config.json` offers when no file is given: each local deployment, or each
    /// deployment the proxy was told of, reached through this server, on `api_version` if given
    /// or else one that serves the model.
    pub fn default_profiles(&self, proxied: &[Deployment], api_version: Option<&str>) -> RuntimeConfig {
        let (place, deployments, auth) = match self {
            Backend::Local(local) => ("Local endpoint", local.deployments.as_slice(), AuthKind::Key),
            Backend::Proxy(proxy) => {
                ("Team proxy", proxied, if proxy.access_token.is_some() { AuthKind::Key } else { AuthKind::None })
            }
        };
        let profiles = deployments
            .iter()
            .map(|deployment| ProfileSpec {
                name: format!("{place} · {}", deployment.name),
                endpoint: None,
                deployment: deployment.name.clone(),
                model: deployment.model.name.to_owned(),
                api_version: api_version.unwrap_or(deployment.model.api_version).to_owned(),
                path: PathSpec::Deployments,
                auth,
            })
            .collect();
        RuntimeConfig { profiles }
    }
}

/// Everything the server needs to know to build its routes.
#[derive(Clone)]
pub struct Config {
    /// The folder trunk built the app into.
    pub dist: PathBuf,
    /// What answers the image API's paths.
    pub backend: Backend,
    /// What `/config.json` offers the app.
    pub runtime_config: RuntimeConfig,
}

impl Config {
    /// A server of `backend` serving the app in `dist`, offering the default profiles.
    pub fn new(dist: impl Into<PathBuf>, backend: Backend) -> Config {
        let runtime_config = backend.default_profiles(&[], None);
        Config { dist: dist.into(), backend, runtime_config }
    }
}

/// The whole server: the image API's routes, and the app for every other path.
pub fn app(config: Config) -> Router {
    let api = match config.backend {
        Backend::Local(local) => local_endpoint::routes(local),
        Backend::Proxy(proxy) => proxy::routes(proxy),
    };
    api.merge(static_site::routes(&config.dist, &config.runtime_config))
}

/// Serves [`app`] on `listener` until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    config: Config,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app(config)).with_graceful_shutdown(shutdown).await
}
