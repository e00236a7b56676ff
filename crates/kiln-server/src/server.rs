//! Running the HTTP server, and stopping it cleanly.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::config::ServerConfig;
use crate::engine::Engine;
use crate::state::{AppState, StartError};

/// How long open connections (such as event streams) get to finish at shutdown, and how
/// long running jobs get to die.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// A server running in the background; for tests and embedding.
#[derive(Debug)]
pub struct RunningServer {
    pub addr: SocketAddr,
    engine: Engine,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
}

impl RunningServer {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Stops accepting requests, stops every running build and waits for the server.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        self.engine.stop_all(SHUTDOWN_GRACE).await;
        if tokio::time::timeout(SHUTDOWN_GRACE, &mut self.task).await.is_err() {
            self.task.abort();
        }
    }
}

/// Opens the state, binds the address and serves in a background task.
pub async fn start(config: ServerConfig) -> Result<RunningServer, StartError> {
    let state = AppState::open(&config).await?;
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .map_err(|source| StartError::Bind { addr: config.addr, source })?;
    let addr = listener.local_addr().map_err(|source| StartError::Bind { addr: config.addr, source })?;
    let engine = state.engine.clone();
    let (tx, rx) = oneshot::channel::<()>();
    let app = crate::app(state);
    let task = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = rx.await;
            })
            .await
    });
    Ok(RunningServer { addr, engine, shutdown: Some(tx), task })
}

/// Serves until `signal` resolves, then shuts down; what the binary runs.
pub async fn run(config: ServerConfig, signal: impl Future<Output = ()>) -> Result<(), StartError> {
    let server = start(config).await?;
    println!("kiln-server listening on {}", server.url());
    tracing::info!(addr = %server.addr, "listening");
    signal.await;
    tracing::info!("shutting down: stopping running builds");
    server.shutdown().await;
    Ok(())
}
