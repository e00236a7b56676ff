//! Every folder the server writes to, built only from validated parts.
//!
//! Team names are `TeamName`s, run ids are integers, RIDs are validated `Rid`s and branch
//! names pass [`check_branch`], so no path built here can leave the data dir.

use std::path::{Path, PathBuf};

use kiln_api::{Rid, TeamName};

#[derive(Debug, Clone)]
pub struct DataDir {
    root: PathBuf,
}

/// Checks a branch name: letters, digits, `_ - . /`, no empty, `.` or `..` segment.
pub fn check_branch(branch: &str) -> Result<(), String> {
    let ok = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/');
    if branch.is_empty() || branch.len() > 200 {
        return Err("a branch name has 1 to 200 characters".into());
    }
    if let Some(c) = branch.chars().find(|c| !ok(*c)) {
        return Err(format!("the branch name {branch:?} holds {c:?}; use letters, digits, _ - . and /"));
    }
    if branch.split('/').any(|seg| seg.is_empty() || seg == "." || seg == "..") {
        return Err(format!("the branch name {branch:?} has an empty, \".\" or \"..\" segment"));
    }
    Ok(())
}

impl DataDir {
    pub fn new(root: PathBuf) -> Self {
        DataDir { root }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn database(&self) -> PathBuf {
        self.root.join("kiln.sqlite3")
    }

    pub fn logs(&self, team: &TeamName) -> PathBuf {
        self.root.join(team.as_str()).join("logs")
    }

    /// `<data-dir>/<team>/logs/<runId>` or, archived, `<data-dir>/<team>/logs/archive/<runId>`.
    pub fn build_dir(&self, team: &TeamName, run_id: u64, archived: bool) -> PathBuf {
        let logs = self.logs(team);
        if archived { logs.join("archive").join(run_id.to_string()) } else { logs.join(run_id.to_string()) }
    }

    pub fn attempt_log(&self, team: &TeamName, run_id: u64, archived: bool, job_spec: &str, attempt: u32) -> PathBuf {
        self.build_dir(team, run_id, archived).join(format!("{job_spec}.attempt-{attempt}.log"))
    }

    /// `<data-dir>/datasets/<datasetRid>/<branch>/<transactionRid>`; a `/` in a branch
    /// is written `%2F` so that every branch is one folder.
    pub fn transaction_dir(&self, dataset: &Rid, branch: &str, transaction: &Rid) -> PathBuf {
        self.root.join("datasets").join(dataset.as_str()).join(branch.replace('/', "%2F")).join(transaction.as_str())
    }

    /// Scratch space of one attempt; output folders are moved out of it on success.
    pub fn staging(&self, job: &Rid, attempt: u32) -> PathBuf {
        self.root.join("staging").join(job.as_str()).join(format!("attempt-{attempt}"))
    }

    pub fn staging_root(&self, job: &Rid) -> PathBuf {
        self.root.join("staging").join(job.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn branches() {
        assert!(check_branch("master").is_ok());
        assert!(check_branch("feature/x-1").is_ok());
        for bad in ["", "..", "a/../b", "/abs", "a//b", "a b", "x%2e"] {
            assert!(check_branch(bad).is_err(), "{bad}");
        }
    }
}
