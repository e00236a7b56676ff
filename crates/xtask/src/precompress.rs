//! Brotli and gzip copies of the console's files, written once at build time so that
//! kiln-server sends them by content negotiation instead of compressing 1 MiB of wasm on
//! every cold load.

use std::fs;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::proc::{self, Env};

/// The script that compresses (Node's zlib has brotli; nothing else to install).
const SCRIPT: &str = "crates/xtask/precompress.mjs";

/// What Trunk emits under hashed names (`filehash = true` in Trunk.toml).
const EXTENSIONS: [&str; 3] = ["wasm", "js", "css"];

/// Writes `.br` and `.gz` next to every wasm, JS and CSS file in `dist`.
pub fn dist(env: &Env) -> Result<()> {
    let dist = env.dist();
    let mut files: Vec<PathBuf> = fs::read_dir(&dist)
        .map_err(|e| Error::io(format!("reading {}", dist.display()), e))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| compressible(p))
        .collect();
    if files.is_empty() {
        return Err(Error::NoArtifacts { dir: dist, kind: ".wasm" });
    }
    files.sort();
    proc::run("precompress", env.cmd("node").arg(env.root.join(SCRIPT)).args(&files))
}

fn compressible(path: &Path) -> bool {
    path.is_file() && path.extension().is_some_and(|e| EXTENSIONS.iter().any(|x| e == *x))
}
