//! `kiln-server`: the reference build service.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use kiln_server::config::{AuthConfig, DEFAULT_BODY_LIMIT, ExecutorConfig, ServerConfig};
use kiln_server::engine::executor::RayConfig;
use kiln_server::oidc::OidcConfig;

/// Kiln's reference build service: runs a pipeline's jobs and serves the console.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// Folder for the database, logs and dataset transactions.
    #[arg(long, default_value = "./kiln-data")]
    data_dir: PathBuf,
    /// Pipeline file (TOML); the embedded demo pipeline when absent.
    #[arg(long)]
    pipeline: Option<PathBuf>,
    /// The console's static files (Trunk's output).
    #[arg(long, default_value = "dist")]
    ui_dir: PathBuf,
    /// How many jobs run at once.
    #[arg(long, default_value_t = 2)]
    workers: usize,
    /// Config file with tokens; without one the server is open to anyone who reaches it.
    #[arg(long)]
    config: Option<PathBuf>,
    /// An origin allowed to call the API from a browser (repeatable); none by default.
    #[arg(long = "cors-origin")]
    cors_origins: Vec<String>,
    /// Where jobs run: `local` (process groups on this machine) or `ray` (Ray jobs; needs
    /// --ray-address, and a data dir that every Ray node mounts at the same path).
    #[arg(long, value_enum, default_value_t = ExecutorKind::Local)]
    executor: ExecutorKind,
    /// The Ray dashboard's address (Jobs REST API), such as http://127.0.0.1:8265.
    #[arg(long, required_if_eq("executor", "ray"))]
    ray_address: Option<String>,
    /// Accept JWT access tokens from this OpenID Connect issuer (its exact `iss`); the keys
    /// come from its `/.well-known/openid-configuration`.
    #[arg(long, value_name = "URL", requires = "oidc_audience")]
    oidc_issuer: Option<String>,
    /// The audience (`aud`) a token must carry to be meant for this server.
    #[arg(long, value_name = "AUD", requires = "oidc_issuer")]
    oidc_audience: Option<String>,
    /// The claim that names the user.
    #[arg(long, value_name = "CLAIM", default_value = "sub")]
    oidc_user_claim: String,
    /// The claim that lists the user's teams (an array of strings or a space-separated string).
    #[arg(long, value_name = "CLAIM", default_value = "groups")]
    oidc_teams_claim: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum ExecutorKind {
    Local,
    Ray,
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,tower_http=warn")),
        )
        .with_writer(std::io::stderr)
        // Colour codes only help a person at a terminal; in log files they are noise.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let args = Args::parse();
    let auth = match &args.config {
        Some(path) => match AuthConfig::load(path) {
            Ok(auth) => auth,
            Err(e) => {
                eprintln!("kiln-server: {e}");
                return ExitCode::FAILURE;
            }
        },
        None => AuthConfig::default(),
    };
    let oidc = match (args.oidc_issuer, args.oidc_audience) {
        (Some(issuer), Some(audience)) => Some(OidcConfig {
            user_claim: args.oidc_user_claim,
            teams_claim: args.oidc_teams_claim,
            ..OidcConfig::new(issuer, audience)
        }),
        // clap's `requires` makes each flag need the other.
        _ => None,
    };
    if auth.is_open() && oidc.is_none() {
        tracing::warn!(
            "no tokens and no OpenID Connect issuer configured: open mode, every caller is \"anonymous\" and sees every team"
        );
    }
    let config = ServerConfig {
        addr: args.addr,
        data_dir: args.data_dir,
        pipeline: args.pipeline,
        ui_dir: args.ui_dir,
        workers: args.workers,
        auth,
        oidc,
        cors_origins: args.cors_origins,
        body_limit: DEFAULT_BODY_LIMIT,
        executor: match (args.executor, args.ray_address) {
            (ExecutorKind::Ray, Some(address)) => ExecutorConfig::Ray(RayConfig { address }),
            (ExecutorKind::Ray, None) => {
                eprintln!("kiln-server: --executor ray needs --ray-address http://HOST:8265");
                return ExitCode::FAILURE;
            }
            (ExecutorKind::Local, _) => ExecutorConfig::Local,
        },
    };
    match kiln_server::run(config, shutdown_signal()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("kiln-server: {e}");
            ExitCode::FAILURE
        }
    }
}
