//! Server configuration: command-line flags, the token file given with `--config`, and
//! the OpenID Connect issuer given with `--oidc-issuer`.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use kiln_api::TeamName;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::oidc::OidcConfig;
use crate::pipeline::hex;

/// Everything needed to start a server.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub addr: SocketAddr,
    pub data_dir: PathBuf,
    /// `None` runs the embedded demo pipeline.
    pub pipeline: Option<PathBuf>,
    pub ui_dir: PathBuf,
    pub workers: usize,
    pub auth: AuthConfig,
    /// OpenID Connect bearer tokens (`--oidc-issuer`), besides or instead of the token file.
    pub oidc: Option<OidcConfig>,
    pub cors_origins: Vec<String>,
    pub body_limit: usize,
    /// How attempts run.
    pub executor: ExecutorConfig,
}

/// `--executor`: where jobs run.
#[derive(Debug, Clone, Default)]
pub enum ExecutorConfig {
    /// Process groups on this machine.
    #[default]
    Local,
    /// Ray jobs on the cluster whose dashboard is at this address.
    Ray(crate::engine::executor::RayConfig),
}

/// The default largest request body: 1 MiB.
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;

impl ServerConfig {
    /// A configuration for tests and embedding: loopback, any free port, open mode.
    pub fn new(data_dir: PathBuf) -> Self {
        ServerConfig {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            data_dir,
            pipeline: None,
            ui_dir: PathBuf::from("dist"),
            workers: 2,
            auth: AuthConfig::default(),
            oidc: None,
            cors_origins: Vec::new(),
            body_limit: DEFAULT_BODY_LIMIT,
            executor: ExecutorConfig::Local,
        }
    }
}

/// Who a token belongs to and which teams it may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub user: String,
    pub teams: Vec<TeamName>,
}

/// Tokens by the hex SHA-256 of their text; the tokens themselves are never stored.
#[derive(Debug, Clone, Default)]
pub struct AuthConfig {
    tokens: HashMap<String, Principal>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("config file {path}: {source}")]
    Parse { path: PathBuf, source: toml::de::Error },
    #[error("config file {path}: token #{index} of user {user:?}: {message}")]
    Token { path: PathBuf, index: usize, user: String, message: String },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    #[serde(default)]
    tokens: Vec<TokenEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenEntry {
    user: String,
    /// Hex SHA-256 of the token: `printf %s "$TOKEN" | sha256sum`.
    sha256: String,
    #[serde(default)]
    teams: Vec<TeamName>,
}

pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

impl AuthConfig {
    pub fn load(path: &Path) -> Result<AuthConfig, ConfigError> {
        let text =
            std::fs::read_to_string(path).map_err(|source| ConfigError::Read { path: path.to_owned(), source })?;
        let file: ConfigFile =
            toml::from_str(&text).map_err(|source| ConfigError::Parse { path: path.to_owned(), source })?;
        let mut auth = AuthConfig::default();
        for (index, t) in file.tokens.into_iter().enumerate() {
            let hash = t.sha256.trim().to_ascii_lowercase();
            let bad = |message: &str| ConfigError::Token {
                path: path.to_owned(),
                index: index + 1,
                user: t.user.clone(),
                message: message.to_owned(),
            };
            if hash.len() != 64 || !hash.chars().all(|c| c.is_ascii_hexdigit()) {
                return Err(bad("sha256 must be 64 hex digits"));
            }
            if t.user.trim().is_empty() {
                return Err(bad("user cannot be empty"));
            }
            auth.tokens.insert(hash, Principal { user: t.user, teams: t.teams });
        }
        Ok(auth)
    }

    /// Adds a token given in clear; for tests and embedding.
    pub fn with_token(mut self, token: &str, user: &str, teams: Vec<TeamName>) -> Self {
        self.tokens.insert(token_hash(token), Principal { user: user.to_owned(), teams });
        self
    }

    /// With no tokens the server is open to anyone who can reach it.
    pub fn is_open(&self) -> bool {
        self.tokens.is_empty()
    }

    pub fn lookup(&self, token: &str) -> Option<&Principal> {
        self.tokens.get(&token_hash(token))
    }
}
