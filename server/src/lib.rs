//! Easel's companion server, as a library so tests can run it in-process.
//!
//! [`app`] builds the whole server: the built app as static files, and behind the image API's
//! paths either the built-in local endpoint that answers as Azure OpenAI does, or a proxy to one
//! Azure resource that holds the key. `main.rs` only reads the command line and binds.

mod admission;
mod api;
mod azure_error;
mod credentials;
mod faults;
mod links;
mod local_endpoint;
mod picture;
mod proxy;
mod static_site;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::pin::pin;
use std::time::Duration;

use axum::http::{header, HeaderValue};
use axum::serve::Listener;
use axum::Router;
use easel_contract::endpoint::{ApiPath, AuthKind};
use easel_contract::model::DALL_E_3;
use easel_contract::profiles::{ProfileSpec, RuntimeConfig};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tower_http::set_header::SetResponseHeaderLayer;

pub use admission::Origins;
pub use faults::Fault;
pub use links::{LinkSecret, SHORTEST_LINK_SECRET};
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
            path: ApiPath::Deployments,
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
    /// The address the server listens on, which the proxy answers to as a host; [`serve`] sets
    /// it from its listener.
    pub listen: SocketAddr,
}

impl Config {
    /// A server of `backend` serving the app in `dist`, offering the default profiles, on the
    /// command line's default address until [`serve`] says otherwise.
    pub fn new(dist: impl Into<PathBuf>, backend: Backend) -> Config {
        let runtime_config = backend.default_profiles(&[], None);
        Config { dist: dist.into(), backend, runtime_config, listen: SocketAddr::from(([127, 0, 0, 1], 8080)) }
    }
}

/// Every answer of the image API's paths is data, never a page: opened as a document, it runs
/// nothing and loads nothing.
const API_ANSWER_POLICY: &str = "sandbox; default-src 'none'";

/// How long a client may take to send a request's head; the body has its own limit in the proxy.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// The whole server: the image API's routes, and the app for every other path.
pub fn app(config: Config) -> Router {
    // Whether links can be fetched through is a fact about this server, not something a
    // `--config` file can claim or withhold.
    // So is how long a call through its proxy may take: the app must wait a little longer than
    // the proxy waits for its upstream, or it gives up on calls the service still bills.
    let call_timeout_secs = match &config.backend {
        Backend::Proxy(proxy) => {
            let proxy_waits = proxy.timeout.as_secs() + CALL_TIMEOUT_MARGIN_SECS;
            Some(config.runtime_config.call_timeout_secs.map_or(proxy_waits, |given| given.max(proxy_waits)))
        }
        Backend::Local(_) => config.runtime_config.call_timeout_secs,
    };
    let runtime_config = RuntimeConfig {
        fetch_through: matches!(config.backend, Backend::Proxy(_)),
        call_timeout_secs,
        ..config.runtime_config
    };
    let backend = match config.backend {
        Backend::Local(local) => local_endpoint::routes(local),
        Backend::Proxy(proxy) => proxy::routes(proxy, config.listen),
    };
    let policy = HeaderValue::from_static(API_ANSWER_POLICY);
    backend
        .merge(api::unserved_paths())
        .layer(SetResponseHeaderLayer::overriding(header::CONTENT_SECURITY_POLICY, policy))
        .merge(static_site::routes(&config.dist, &runtime_config))
}

/// How much longer than the proxy waits for its upstream the app waits for the proxy.
const CALL_TIMEOUT_MARGIN_SECS: u64 = 30;

/// Serves [`app`] on `listener` until `shutdown` completes, then waits for the calls in flight.
/// A client that takes longer than [`HEADER_READ_TIMEOUT`] to send a request's head is cut off
/// (axum's own `serve` sets no timer, so it cannot).
pub async fn serve(
    mut listener: TcpListener,
    config: Config,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let router = app(Config { listen: listener.local_addr()?, ..config });
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder.http1().timer(TokioTimer::new()).header_read_timeout(HEADER_READ_TIMEOUT);
    let connections = GracefulShutdown::new();
    let mut shutdown = pin!(shutdown);
    loop {
        // axum's listener waits a moment after a failed accept (out of file descriptors, say)
        // rather than spin.
        let stream = tokio::select! {
            (stream, _) = Listener::accept(&mut listener) => stream,
            () = &mut shutdown => break,
        };
        let service = TowerToHyperService::new(router.clone());
        let connection = builder.serve_connection(TokioIo::new(stream), service).into_owned();
        let connection = connections.watch(connection);
        tokio::spawn(async move {
            // A client that goes away mid-call is no failure of the server's.
            let _ = connection.await;
        });
    }
    connections.shutdown().await;
    Ok(())
}
