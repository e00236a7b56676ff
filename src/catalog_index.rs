//! The catalog as the submit form uses it: names for RIDs, search by name or RID, and the
//! branches datasets have. Built once from `GET /api/v1/catalog/lineage`.

use std::collections::{BTreeMap, BTreeSet};

use kiln_api::teams::{CatalogDataset, CatalogJobSpec, Lineage};

/// What a RID field holds: datasets or job specs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RidKind {
    Dataset,
    JobSpec,
}

impl RidKind {
    /// The words for one of this kind, as a sentence uses them.
    pub fn noun(self) -> &'static str {
        match self {
            RidKind::Dataset => "dataset",
            RidKind::JobSpec => "job spec",
        }
    }
}

/// One search hit: a catalog entry of the kind a field asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub rid: String,
    pub name: String,
}

/// The whole catalog, indexed by RID. Compared by pointer through `Rc` (it is `Eq`), so
/// passing it as a prop costs nothing.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CatalogIndex {
    datasets: Vec<CatalogDataset>,
    job_specs: Vec<CatalogJobSpec>,
    kinds: BTreeMap<String, (RidKind, usize)>,
}

impl CatalogIndex {
    pub fn new(lineage: Lineage) -> Self {
        let mut kinds = BTreeMap::new();
        for (i, d) in lineage.datasets.iter().enumerate() {
            kinds.insert(d.rid.to_string(), (RidKind::Dataset, i));
        }
        for (i, j) in lineage.job_specs.iter().enumerate() {
            kinds.insert(j.rid.to_string(), (RidKind::JobSpec, i));
        }
        CatalogIndex { datasets: lineage.datasets, job_specs: lineage.job_specs, kinds }
    }

    pub fn datasets(&self) -> &[CatalogDataset] {
        &self.datasets
    }

    pub fn job_specs(&self) -> &[CatalogJobSpec] {
        &self.job_specs
    }

    /// What the catalog knows a RID as, if anything.
    pub fn kind_of(&self, rid: &str) -> Option<RidKind> {
        self.kinds.get(rid.trim()).map(|(kind, _)| *kind)
    }

    /// The name of a dataset or job spec.
    pub fn name(&self, rid: &str) -> Option<&str> {
        match self.kinds.get(rid.trim())? {
            (RidKind::Dataset, i) => self.datasets.get(*i).map(|d| d.name.as_str()),
            (RidKind::JobSpec, i) => self.job_specs.get(*i).map(|j| j.name.as_str()),
        }
    }

    pub fn dataset(&self, rid: &str) -> Option<&CatalogDataset> {
        match self.kinds.get(rid.trim())? {
            (RidKind::Dataset, i) => self.datasets.get(*i),
            _ => None,
        }
    }

    /// Entries of `kind` whose name or RID contains `query` (case-insensitive), names that
    /// start with it first, then alphabetically; at most `limit`.
    pub fn search(&self, kind: RidKind, query: &str, limit: usize) -> Vec<Hit> {
        let needle = query.trim().to_lowercase();
        if needle.is_empty() {
            return Vec::new();
        }
        let entries: Vec<(&str, String)> = match kind {
            RidKind::Dataset => self.datasets.iter().map(|d| (d.name.as_str(), d.rid.to_string())).collect(),
            RidKind::JobSpec => self.job_specs.iter().map(|j| (j.name.as_str(), j.rid.to_string())).collect(),
        };
        let mut hits: Vec<(bool, &str, String)> = entries
            .into_iter()
            .filter_map(|(name, rid)| {
                let lower = name.to_lowercase();
                let matches = lower.contains(&needle) || rid.to_lowercase().contains(&needle);
                matches.then(|| (!lower.starts_with(&needle), name, rid))
            })
            .collect();
        crate::sort::sort_by(&mut hits, Ord::cmp);
        hits.into_iter().take(limit).map(|(_, name, rid)| Hit { rid, name: name.to_owned() }).collect()
    }

    /// Every branch some dataset has, sorted, `master` first when present.
    pub fn branches(&self) -> Vec<String> {
        let names: BTreeSet<&str> =
            crate::sort::set_from(self.datasets.iter().flat_map(|d| d.branches.iter().map(|b| b.name.as_str())));
        let mut branches: Vec<String> = names.into_iter().map(str::to_owned).collect();
        if let Some(i) = branches.iter().position(|b| b == kiln_api::build2::DEFAULT_BRANCH) {
            let master = branches.remove(i);
            branches.insert(0, master);
        }
        branches
    }
}
