//! `easel-server`: serves the built app and the built-in local endpoint.
//!
//! Run it through `./dev run` (which builds the app first), or directly:
//! `cargo run -p easel-server -- --port 8081`.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use easel_contract::endpoint::{is_api_version, read_resource_endpoint, Auth, ConnectionError};
use easel_contract::model::{ModelProfile, MODELS};
use easel_contract::profiles::RuntimeConfig;
use easel_server::{
    serve, Backend, Config, Deployment, FilterForm, LinkSecret, LocalEndpointConfig, Origins, ProxyConfig, Weight,
    SHORTEST_LINK_SECRET,
};
use tracing::Level;

/// Easel's companion server: the app, and a local endpoint that answers as Azure OpenAI does.
#[derive(Parser)]
#[command(version)]
struct Cli {
    /// Address to listen on. Loopback keeps the server to this machine.
    #[arg(long, default_value = "127.0.0.1", env = "EASEL_HOST")]
    host: IpAddr,
    /// Port to listen on.
    #[arg(long, default_value_t = 8080, env = "EASEL_PORT")]
    port: u16,
    /// The folder trunk built the app into.
    #[arg(long, default_value = "dist")]
    dist: PathBuf,
    /// The only key the local endpoint accepts. Without it, any non-empty key is accepted.
    #[arg(long, env = "EASEL_LOCAL_KEY", hide_env_values = true)]
    local_key: Option<String>,
    /// A deployment of the local endpoint, as NAME=MODEL (repeat for more). Default: one per
    /// model, named after it.
    #[arg(long = "deployment", value_name = "NAME=MODEL")]
    deployments: Vec<String>,
    /// How long each local generation takes, in milliseconds.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// How long a generation marked [fault:slow] takes, in milliseconds.
    #[arg(long, default_value_t = 5000)]
    slow_ms: u64,
    /// Calls one local deployment works on at once; more get a 429.
    #[arg(long, default_value_t = 8)]
    max_concurrent: usize,
    /// The wait a local 429 asks for, in seconds.
    #[arg(long, default_value_t = 2)]
    retry_after_secs: u32,
    /// The share of local calls, from 0 to 1, that fail at random (429, 500, 503, filtered, slow).
    #[arg(long, default_value_t = 0.0)]
    fault_rate: f64,
    /// Which content-filter answer the local endpoint gives.
    #[arg(long, value_enum, default_value_t = FilterForm::Seed)]
    content_filter: FilterForm,
    /// Make pictures as heavy as real ones (a 1024x1024 PNG of 1.7 MB), for benchmarks.
    #[arg(long)]
    realistic: bool,
    /// How long the local endpoint's image links work, in seconds (Azure: 24 hours).
    #[arg(long, default_value_t = 24 * 60 * 60)]
    url_lifetime_secs: u64,
    /// Proxy mode: forward the image endpoints to this Azure resource
    /// (https://NAME.openai.azure.com), adding the key from AZURE_OPENAI_API_KEY or the token
    /// from AZURE_OPENAI_AD_TOKEN. Given with no URL, the endpoint is read from
    /// AZURE_OPENAI_ENDPOINT. Without it, the local endpoint answers, whatever the environment.
    #[arg(long, value_name = "URL")]
    upstream: Option<Option<String>>,
    /// The token clients must send (as their key) to use the proxy; required when --host is not
    /// a loopback address.
    #[arg(long, env = "EASEL_ACCESS_TOKEN", hide_env_values = true)]
    access_token: Option<String>,
    /// An origin besides the server's own whose pages may call the proxy, such as
    /// https://app.example (repeat for more; the variable takes them comma-separated).
    #[arg(long = "allow-origin", value_name = "ORIGIN", env = "EASEL_ALLOW_ORIGINS", value_delimiter = ',')]
    allowed_origins: Vec<String>,
    /// The secret that signs the image links the proxy passes on, at least 32 characters; give
    /// every replica behind one address the same, so each fetches the others' links. Without
    /// it, a secret of this process alone.
    #[arg(long, env = "EASEL_LINK_SECRET", hide_env_values = true)]
    link_secret: Option<String>,
    /// Calls through the proxy at once; more get a 429 with Retry-After.
    #[arg(long, default_value_t = 32)]
    max_in_flight: usize,
    /// How long a request's body may take to arrive at the proxy, in seconds; after that, a 408.
    #[arg(long, default_value_t = 60)]
    body_timeout_secs: u64,
    /// How long the upstream (or an image host, for the fetch-through) may take to answer, in seconds.
    #[arg(long, default_value_t = 180)]
    upstream_timeout_secs: u64,
    /// The largest request the proxy forwards (image edits carry images), and the largest image it
    /// fetches through, in megabytes.
    #[arg(long, default_value_t = 64)]
    body_limit_mb: usize,
    /// The api-version of the profiles the app is offered (Azure's SDKs read the same variable).
    #[arg(long, env = "OPENAI_API_VERSION")]
    api_version: Option<String>,
    /// The connection profiles the app offers, as a JSON file (see the README); without it, one
    /// per local deployment, or per --deployment in proxy mode.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

impl Cli {
    /// What `/config.json` offers, or what is wrong with the file.
    fn runtime_config(&self, backend: &Backend) -> Result<RuntimeConfig, String> {
        let Some(path) = &self.config else {
            let proxied = self.deployments.iter().map(|text| deployment(text)).collect::<Result<Vec<_>, _>>()?;
            let version = self.api_version.as_deref().map(str::trim).filter(|version| !version.is_empty());
            if let Some(version) = version.filter(|version| !is_api_version(version)) {
                return Err(format!(
                    "--api-version (OPENAI_API_VERSION) \"{version}\" is not a date such as 2024-02-01"
                ));
            }
            return Ok(backend.default_profiles(&proxied, version));
        };
        let text = std::fs::read_to_string(path).map_err(|error| format!("--config {}: {error}", path.display()))?;
        RuntimeConfig::parse(&text).map_err(|problem| problem.to_string())
    }

    /// What answers the image API's paths, or what to change in the flags or environment.
    fn backend(&self) -> Result<Backend, String> {
        let upstream = match &self.upstream {
            None => return self.local_endpoint().map(Backend::Local),
            Some(Some(upstream)) => upstream.clone(),
            Some(None) => std::env::var("AZURE_OPENAI_ENDPOINT").ok().filter(|value| !value.trim().is_empty()).ok_or(
                "--upstream given with no URL reads the endpoint from AZURE_OPENAI_ENDPOINT, which is not set",
            )?,
        };
        let upstream = upstream.as_str();
        let endpoint = read_resource_endpoint(upstream).map_err(|problem| match problem {
            ConnectionError::EndpointWithPath(_) => format!(
                "--upstream takes the resource's endpoint alone (https://NAME.openai.azure.com), not \"{upstream}\""
            ),
            problem => format!("--upstream: {problem}"),
        })?;
        let loopback_upstream =
            ["http://127.", "http://localhost", "http://[::1]"].iter().any(|prefix| endpoint.starts_with(prefix));
        if endpoint.starts_with("http://") && !loopback_upstream {
            return Err(format!("--upstream {endpoint}: the key would travel unencrypted; use https://"));
        }
        let secret = |name: &str| std::env::var(name).ok().filter(|value| !value.trim().is_empty());
        let credential = match (secret("AZURE_OPENAI_API_KEY"), secret("AZURE_OPENAI_AD_TOKEN")) {
            (Some(key), _) => Auth::ApiKey(key.trim().to_owned()),
            (None, Some(token)) => Auth::Bearer(token.trim().to_owned()),
            (None, None) => {
                return Err("proxy mode needs the resource's key in AZURE_OPENAI_API_KEY \
                            (or a Microsoft Entra ID token in AZURE_OPENAI_AD_TOKEN)"
                    .into())
            }
        };
        if !self.host.is_loopback() && self.access_token.as_deref().is_none_or(str::is_empty) {
            return Err(format!(
                "--host {} lets other machines use your key: set an access token for them with --access-token \
                 (or EASEL_ACCESS_TOKEN), or listen on 127.0.0.1",
                self.host
            ));
        }
        if self.max_in_flight == 0 {
            return Err("--max-in-flight must be at least 1".into());
        }
        let link_secret = match self.link_secret.as_deref() {
            None => LinkSecret::random(),
            Some(secret) if secret.chars().count() >= SHORTEST_LINK_SECRET => LinkSecret::shared(secret),
            Some(_) => {
                return Err(format!(
                    "--link-secret (EASEL_LINK_SECRET) must be at least {SHORTEST_LINK_SECRET} characters: \
                     `openssl rand -hex 32` makes one"
                ))
            }
        };
        let allowed_origins =
            Origins::read(&self.allowed_origins).map_err(|problem| format!("--allow-origin: {problem}"))?;
        Ok(Backend::Proxy(ProxyConfig {
            access_token: self.access_token.clone().filter(|token| !token.is_empty()),
            allowed_origins,
            timeout: Duration::from_secs(self.upstream_timeout_secs),
            body_limit: self.body_limit_mb * 1024 * 1024,
            body_timeout: Duration::from_secs(self.body_timeout_secs),
            max_in_flight: self.max_in_flight,
            link_secret,
            ..ProxyConfig::new(endpoint, credential)
        }))
    }

    /// What the start line says answers the image API: for a proxy, where it forwards, for which
    /// deployments, which pages may call it, and where its image links can be fetched through.
    fn serving(&self, backend: &Backend) -> String {
        let Backend::Proxy(proxy) = backend else {
            return "the local endpoint is built in".to_owned();
        };
        let deployments = if self.deployments.is_empty() {
            "any deployment".to_owned()
        } else {
            let names = self.deployments.iter().map(|text| text.split('=').next().unwrap_or(text));
            format!("deployments {}", names.collect::<Vec<_>>().join(", "))
        };
        let origins = match proxy.allowed_origins.as_slice() {
            [] => "its own page only".to_owned(),
            others => format!("its own page and {}", others.join(", ")),
        };
        let links = if self.link_secret.is_some() {
            "image links signed with the shared --link-secret"
        } else {
            "image links signed with a secret of this process, so fetched through on this replica only"
        };
        format!("proxying the image API to {} for {deployments}; callable from {origins}; {links}", proxy.upstream)
    }

    /// The local endpoint's configuration, or what to change in the flags.
    fn local_endpoint(&self) -> Result<LocalEndpointConfig, String> {
        if !(0.0..=1.0).contains(&self.fault_rate) {
            return Err(format!(
                "--fault-rate is a share from 0 to 1 (0.2 is one call in five), not {}",
                self.fault_rate
            ));
        }
        if self.max_concurrent == 0 {
            return Err("--max-concurrent must be at least 1".into());
        }
        let mut config = LocalEndpointConfig {
            api_key: self.local_key.clone(),
            url_lifetime: Duration::from_secs(self.url_lifetime_secs),
            latency: Duration::from_millis(self.latency_ms),
            slow_latency: Duration::from_millis(self.slow_ms),
            max_concurrent: self.max_concurrent,
            retry_after_secs: self.retry_after_secs,
            fault_rate: self.fault_rate,
            filter_form: self.content_filter,
            weight: if self.realistic { Weight::Realistic } else { Weight::Light },
            ..LocalEndpointConfig::default()
        };
        if !self.deployments.is_empty() {
            config.deployments = self.deployments.iter().map(|text| deployment(text)).collect::<Result<_, _>>()?;
        }
        Ok(config)
    }
}

fn deployment(text: &str) -> Result<Deployment, String> {
    let known = || MODELS.iter().map(|model| model.name).collect::<Vec<_>>().join(", ");
    let (name, model) = text
        .split_once('=')
        .ok_or_else(|| format!("--deployment takes NAME=MODEL, for example my-images=gpt-image-1, not \"{text}\""))?;
    let model = ModelProfile::by_name(model)
        .ok_or_else(|| format!("--deployment {text}: no model \"{model}\"; models: {}", known()))?;
    Ok(Deployment { name: name.to_owned(), model })
}

#[tokio::main]
async fn main() -> ExitCode {
    // What the running server does goes to stderr through `tracing`. What stops it from running
    // (a bad flag, a busy port) is no log event but the command's answer to the person who typed
    // it: main prints that as a plain "error: ..." line before it exits, as clap does.
    tracing_subscriber::fmt().with_writer(std::io::stderr).with_target(false).with_max_level(Level::INFO).init();
    let cli = Cli::parse();
    let (backend, runtime_config) = match cli.backend().and_then(|backend| Ok((cli.runtime_config(&backend)?, backend)))
    {
        Ok((runtime_config, backend)) => (backend, runtime_config),
        Err(problem) => {
            eprintln!("error: {problem}");
            return ExitCode::from(2);
        }
    };
    if !cli.dist.join("index.html").is_file() {
        eprintln!(
            "error: there is no built app in {}: build it with `./dev run`, or point --dist at trunk's output.",
            cli.dist.display()
        );
        return ExitCode::from(2);
    }
    let address = SocketAddr::new(cli.host, cli.port);
    let listener = match tokio::net::TcpListener::bind(address).await {
        Ok(listener) => listener,
        Err(error) if error.kind() == std::io::ErrorKind::AddrInUse => {
            eprintln!(
                "error: {address} is already in use (another Easel, or another program). \
                 Choose another port: `./dev run --port {}`.",
                cli.port.wrapping_add(1).max(1024)
            );
            return ExitCode::from(2);
        }
        Err(error) => {
            eprintln!("error: cannot listen on {address}: {error}");
            return ExitCode::from(2);
        }
    };
    let serving = cli.serving(&backend);
    let config = Config { dist: cli.dist, backend, runtime_config, listen: address };
    println!("Easel is running at http://{address}/ ({serving}). Ctrl+C stops it.");
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    if let Err(error) = serve(listener, config, shutdown).await {
        eprintln!("error: the server stopped: {error}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
