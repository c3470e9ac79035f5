//! `easel-server`: serves the built app and the built-in local endpoint.
//!
//! Run it through `./dev run` (which builds the app first), or directly:
//! `cargo run -p easel-server -- --port 8081`.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use easel_server::{serve, Config, LocalEndpointConfig};

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
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
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
    let config = Config {
        dist: cli.dist,
        local_endpoint: LocalEndpointConfig {
            api_key: cli.local_key,
            ..Default::default()
        },
    };
    println!("Easel is running at http://{address}/ (the local endpoint is built in). Ctrl+C stops it.");
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    if let Err(error) = serve(listener, config, shutdown).await {
        eprintln!("error: the server stopped: {error}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
