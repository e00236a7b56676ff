//! The one state every handler shares, and how a server is opened from its config.

use std::path::PathBuf;
use std::sync::Arc;

use crate::config::{AuthConfig, ExecutorConfig, ServerConfig};
use crate::engine::executor::{Executor, Ray, RayError};
use crate::engine::{Engine, EngineError};
use crate::events::EventBus;
use crate::http::page_cache::PageCache;
use crate::http::teams::ListKey;
use crate::oidc::{OidcVerifier, ProviderError};
use crate::paths::DataDir;
use crate::pipeline::{Pipeline, PipelineError};
use crate::store::{Store, StoreError, builds, now_ms};

#[derive(Debug, Clone)]
pub struct AppState {
    pub engine: Engine,
    pub auth: Arc<AuthConfig>,
    /// Checks OpenID Connect bearer tokens, when an issuer is configured.
    pub oidc: Option<Arc<OidcVerifier>>,
    pub ui_dir: PathBuf,
    pub body_limit: usize,
    pub cors_origins: Vec<String>,
    /// Serialises archive and restore, which move folders.
    pub folder_lock: Arc<tokio::sync::Mutex<()>>,
    /// Team list pages as sent, each for one write generation of the store.
    pub(crate) list_pages: Arc<PageCache<ListKey>>,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot prepare data dir {path}: {source}")]
    DataDir { path: PathBuf, source: std::io::Error },
    #[error(transparent)]
    Pipeline(#[from] PipelineError),
    #[error("cannot open the database: {0}")]
    Store(#[from] StoreError),
    #[error("cannot start the engine: {0}")]
    Engine(#[from] EngineError),
    #[error("cannot use Ray: {0}")]
    Ray(#[from] RayError),
    #[error("OpenID Connect: {0}")]
    Oidc(#[from] ProviderError),
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: std::net::SocketAddr, source: std::io::Error },
}

impl AppState {
    /// Prepares the data dir, loads the pipeline, opens and migrates the store, finishes
    /// what a crash left running, imports changed sources and starts the scheduler.
    pub async fn open(config: &ServerConfig) -> Result<AppState, StartError> {
        let root = std::path::absolute(&config.data_dir).unwrap_or_else(|_| config.data_dir.clone());
        let data_err = |source| StartError::DataDir { path: root.clone(), source };
        std::fs::create_dir_all(&root).map_err(data_err)?;
        let data = DataDir::new(root.clone());
        let pipeline_path = match &config.pipeline {
            Some(p) => p.clone(),
            None => crate::demo::materialise(&root.join("demo")).map_err(data_err)?,
        };
        let pipeline = Arc::new(Pipeline::load(&pipeline_path)?);
        tracing::info!(
            pipeline = %pipeline_path.display(),
            datasets = pipeline.datasets.len(),
            job_specs = pipeline.job_specs.len(),
            "pipeline loaded"
        );
        let store = Store::open(&data.database())?;
        let executor = match &config.executor {
            ExecutorConfig::Local => Executor::local().map_err(data_err)?,
            ExecutorConfig::Ray(ray) => {
                let ray = Ray::connect(ray, &root).await?;
                tracing::info!(address = %ray.address(), "the data dir is shared with the Ray cluster; jobs run on Ray");
                Executor::Ray(ray)
            }
        };
        let engine = Engine::new(store.clone(), pipeline, data, EventBus::default(), config.workers, executor);
        // Kill or look up what a crash left running, before the store calls it failed.
        engine.recover().await?;
        let recovered = store.call_sync(|c| builds::recover_after_restart(c, now_ms()))?;
        if !recovered.is_empty() {
            tracing::warn!(builds = recovered.len(), "finished builds left running by a previous run as FAILED");
        }
        // Nothing runs yet, so every staging folder is a leftover of an attempt that died.
        match std::fs::remove_dir_all(root.join("staging")) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                tracing::warn!(error = %e, "cannot clear leftover staging folders");
            }
            _ => {}
        }
        let oidc = match &config.oidc {
            Some(c) => Some(Arc::new(open_oidc(c.clone()).await?)),
            None => None,
        };
        engine.start().await?;
        Ok(AppState {
            engine,
            auth: Arc::new(config.auth.clone()),
            oidc,
            ui_dir: config.ui_dir.clone(),
            body_limit: config.body_limit,
            cors_origins: config.cors_origins.clone(),
            folder_lock: Arc::new(tokio::sync::Mutex::new(())),
            list_pages: Arc::default(),
        })
    }
}

/// Builds the token verifier and asks the issuer for its keys once, so a wrong issuer URL
/// shows in the log at start-up. An issuer that is down does not stop the server (builds
/// keep running); its tokens are refused until it answers.
async fn open_oidc(config: crate::oidc::OidcConfig) -> Result<OidcVerifier, ProviderError> {
    let verifier = OidcVerifier::new(config)?;
    match verifier.refresh().await {
        Ok(keys) => tracing::info!(issuer = %verifier.config().issuer, keys, "OpenID Connect issuer's keys fetched"),
        Err(e) => tracing::warn!(
            issuer = %verifier.config().issuer,
            error = %e,
            "cannot fetch the OpenID Connect issuer's keys yet; its tokens are refused until it answers"
        ),
    }
    Ok(verifier)
}
