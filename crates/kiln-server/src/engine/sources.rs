//! Source datasets: folders imported as a new transaction whenever their content changes.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use kiln_api::Rid;
use sha2::{Digest, Sha256};

use super::{Engine, EngineError};
use crate::pipeline::hex;
use crate::store::transactions::{self, TransactionRow};
use crate::store::{StoreError, now_ms};

/// Sources always land on this branch; other branches reach them through fallbacks.
pub const SOURCE_BRANCH: &str = kiln_api::build2::DEFAULT_BRANCH;

/// Hashes a folder's file names and contents, in a stable order.
fn hash_dir(dir: &Path) -> std::io::Result<String> {
    let mut files = Vec::new();
    collect_files(dir, dir, &mut files)?;
    files.sort();
    let mut hasher = Sha256::new();
    for rel in files {
        hasher.update(rel.to_string_lossy().as_bytes());
        hasher.update([0]);
        hasher.update(std::fs::read(dir.join(&rel))?);
        hasher.update([0]);
    }
    Ok(hex(&hasher.finalize()))
}

fn collect_files(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        if kind.is_dir() {
            collect_files(root, &entry.path(), out)?;
        } else if kind.is_file() {
            out.push(entry.path().strip_prefix(root).map(Path::to_path_buf).unwrap_or_default());
        }
    }
    Ok(())
}

pub(crate) fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        let target = to.join(entry.file_name());
        if kind.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else if kind.is_file() {
            std::fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}

#[derive(Debug)]
pub(super) struct SourceChange {
    pub dataset: usize,
    pub hash: String,
}

impl Engine {
    /// Source datasets whose folder differs from their latest imported transaction.
    pub(super) async fn changed_sources(&self) -> Result<Vec<SourceChange>, EngineError> {
        let pipeline = self.inner.pipeline.clone();
        let sources: Vec<(usize, PathBuf, Rid)> = pipeline
            .datasets
            .iter()
            .enumerate()
            .filter_map(|(i, d)| d.source_dir.clone().map(|dir| (i, dir, d.rid.clone())))
            .collect();
        if sources.is_empty() {
            return Ok(Vec::new());
        }
        let hashes = tokio::task::spawn_blocking(move || {
            sources
                .into_iter()
                .filter_map(|(i, dir, rid)| match hash_dir(&dir) {
                    Ok(h) => Some((i, rid, h)),
                    Err(e) => {
                        tracing::warn!(dir = %dir.display(), error = %e, "cannot read source folder; skipping it");
                        None
                    }
                })
                .collect::<Vec<_>>()
        })
        .await
        .map_err(|_| StoreError::Task)?;
        let known: BTreeMap<Rid, Option<String>> = self
            .inner
            .store
            .read(|c| {
                Ok(transactions::latest_all(c)?
                    .into_iter()
                    .filter(|t| t.branch == SOURCE_BRANCH)
                    .map(|t| (t.dataset_rid, t.source_hash))
                    .collect())
            })
            .await?;
        Ok(hashes
            .into_iter()
            .filter(|(_, rid, h)| known.get(rid).and_then(|k| k.as_deref()) != Some(h.as_str()))
            .map(|(dataset, _, hash)| SourceChange { dataset, hash })
            .collect())
    }

    /// The datasets a preview should treat as about to change.
    pub async fn pending_sources(&self) -> Result<HashSet<usize>, EngineError> {
        Ok(self.changed_sources().await?.into_iter().map(|c| c.dataset).collect())
    }

    /// Imports every changed source folder as a new transaction on the source branch.
    pub(super) async fn import_sources(&self) -> Result<(), EngineError> {
        let _guard = self.inner.import_lock.lock().await;
        for change in self.changed_sources().await? {
            let ds = &self.inner.pipeline.datasets[change.dataset];
            let Some(from) = ds.source_dir.clone() else { continue };
            let txn = crate::ids::new_rid(crate::ids::RidKind::Transaction);
            let to = self.inner.data.transaction_dir(&ds.rid, SOURCE_BRANCH, &txn);
            let copy_to = to.clone();
            tokio::task::spawn_blocking(move || copy_dir(&from, &copy_to)).await.map_err(|_| StoreError::Task)??;
            let row = TransactionRow {
                seq: 0,
                rid: txn,
                dataset_rid: ds.rid.clone(),
                branch: SOURCE_BRANCH.to_owned(),
                created_ms: now_ms(),
                job_rid: None,
                definition_hash: None,
                inputs: BTreeMap::new(),
                source_hash: Some(change.hash),
            };
            tracing::info!(dataset = %ds.name, transaction = %row.rid, "imported source folder");
            self.inner.store.call(move |c| transactions::insert(c, &row)).await?;
        }
        Ok(())
    }
}
