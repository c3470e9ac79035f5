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
use easel_contract::model::DALL_E_3;
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
    /// The profiles `config.json` offers when no file is given, reached through this server, on
    /// `api_version` if given or else one that serves the model: each deployment the proxy was
    /// told of, or each local deployment. Local deployments named after their models (the
    /// default) are one profile, "Local endpoint", whose deployment follows the model chosen.
    pub fn default_profiles(&self, proxied: &[Deployment], api_version: Option<&str>) -> RuntimeConfig {
        let profile = |name: String, deployment: &Deployment, auth, any_key| ProfileSpec {
            name,
            endpoint: None,
            deployment: deployment.name.clone(),
            model: deployment.model.name.to_owned(),
            api_version: api_version.unwrap_or(deployment.model.api_version).to_owned(),
            path: PathSpec::Deployments,
            auth,
            any_key,
        };
        let profiles = match self {
            Backend::Local(local) => {
                let any_key = local.api_key.is_none();
                let named_after_models = local.deployments.iter().all(|d| d.name == d.model.name);
                // dall-e-3 first: the flow of the seed document, revised prompt included.
                let first =
                    local.deployments.iter().find(|d| d.model.name == DALL_E_3.name).or(local.deployments.first());
                match (named_after_models, first) {
                    (true, Some(first)) => vec![profile("Local endpoint".into(), first, AuthKind::Key, any_key)],
                    _ => local
                        .deployments
                        .iter()
                        .map(|d| profile(format!("Local endpoint · {}", d.name), d, AuthKind::Key, any_key))
                        .collect(),
                }
            }
            Backend::Proxy(proxy) => {
                let auth = if proxy.access_token.is_some() { AuthKind::Key } else { AuthKind::None };
                proxied.iter().map(|d| profile(format!("Team proxy · {}", d.name), d, auth, false)).collect()
            }
        };
        RuntimeConfig { profiles, ..RuntimeConfig::default() }
    }
}

/// Everything the server needs to know to build its routes.
#[derive(Clone)]
pub struct Config {
    /// The folder trunk built the app into.
    pub dist: PathBuf,
    /// What answers the image API's paths.
    pub backend: Backend,
    /// What `/config.json` offers the app; [`app`] sets its `fetch_through` from the backend.
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
    // Whether links can be fetched through is a fact about this server, not something a
    // `--config` file can claim or withhold.
    let runtime_config =
        RuntimeConfig { fetch_through: matches!(config.backend, Backend::Proxy(_)), ..config.runtime_config };
    let api = match config.backend {
        Backend::Local(local) => local_endpoint::routes(local),
        Backend::Proxy(proxy) => proxy::routes(proxy),
    };
    api.merge(static_site::routes(&config.dist, &runtime_config))
}

/// Serves [`app`] on `listener` until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    config: Config,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app(config)).with_graceful_shutdown(shutdown).await
}
