//! Staleness and build policy: which selected job specs run, and why the others do not.
//!
//! Submit and preview both call [`plan`], so a preview can never disagree with what a
//! submission of the same body runs.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use kiln_api::Rid;
use kiln_api::build2::{BuildPolicy, SubmitBuildRequest};
use kiln_api::pipeline::Freshness;

use crate::lineage::Selected;
use crate::pipeline::Pipeline;
use crate::store::transactions::TransactionRow;

/// The latest transaction of every dataset on every branch.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    latest: HashMap<(Rid, String), TransactionRow>,
}

impl Snapshot {
    pub fn new(rows: Vec<TransactionRow>) -> Self {
        Snapshot { latest: rows.into_iter().map(|t| ((t.dataset_rid.clone(), t.branch.clone()), t)).collect() }
    }

    pub fn latest(&self, dataset: &Rid, branch: &str) -> Option<&TransactionRow> {
        self.latest.get(&(dataset.clone(), branch.to_owned()))
    }

    /// The first branch of `branches` holding a transaction of `dataset`, and that transaction.
    pub fn resolve<'a>(&'a self, dataset: &Rid, branches: &[String]) -> Option<&'a TransactionRow> {
        branches.iter().find_map(|b| self.latest(dataset, b))
    }

    pub fn branches_of(&self, dataset: &Rid) -> Vec<&TransactionRow> {
        let mut rows: Vec<&TransactionRow> = self.latest.values().filter(|t| &t.dataset_rid == dataset).collect();
        rows.sort_by(|a, b| a.branch.cmp(&b.branch));
        rows
    }
}

/// One selected job spec and the decision about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedJob {
    pub spec: usize,
    pub selected_by: BTreeSet<usize>,
    pub will_run: bool,
    /// Why it runs or why it does not.
    pub reason: String,
    /// Why it is stale, when it is.
    pub stale_reason: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// In dependency order: producers before consumers.
    pub jobs: Vec<PlannedJob>,
    pub ignored_datasets: Vec<Rid>,
}

/// The branches an input is looked up on: the build's branch, then each fallback.
pub fn search_branches(req: &SubmitBuildRequest) -> Vec<String> {
    let mut branches = vec![req.branch_or_default().to_owned()];
    for b in req.fallback_branches() {
        if !branches.contains(b) {
            branches.push(b.clone());
        }
    }
    branches
}

enum Staleness {
    Fresh,
    /// Stale whatever the build policy says (no output yet, or the definition changed).
    Structural(String),
    /// Stale because inputs changed; `all_updated` says whether every input did.
    Inputs {
        reason: String,
        all_updated: bool,
        not_updated: Option<String>,
    },
}

/// Decides, for every selected job spec, whether it runs. `pending` holds datasets that
/// will get a new transaction before the build starts (source folders that changed).
pub fn plan(
    pipeline: &Pipeline,
    selected: &Selected,
    req: &SubmitBuildRequest,
    snapshot: &Snapshot,
    pending: &HashSet<usize>,
) -> Plan {
    let branch = req.branch_or_default();
    let branches = search_branches(req);
    let force = req.force_build.unwrap_or(false);
    let ignore_policy = req.ignore_build_policy.unwrap_or(false);
    let wanted = with_missing_producers(pipeline, selected, &branches, snapshot, pending);
    let mut running_specs: HashSet<usize> = HashSet::new();
    let mut jobs = Vec::new();
    for &spec in &pipeline.topo_order {
        let Some(selected_by) = wanted.get(&spec) else { continue };
        let staleness = staleness(pipeline, spec, branch, &branches, snapshot, pending, &running_specs);
        let (will_run, reason, stale_reason) = match staleness {
            _ if force => (true, "forceBuild: runs whether stale or not".to_owned(), None),
            Staleness::Fresh => (
                false,
                "not stale: every output was built from the latest inputs and the current definition".to_owned(),
                None,
            ),
            Staleness::Structural(why) => (true, why.clone(), Some(why)),
            Staleness::Inputs { reason, all_updated, not_updated } => {
                let policy = pipeline.job_specs[spec].build_policy;
                if policy == BuildPolicy::AllInputsUpdated && !all_updated && !ignore_policy {
                    let which = not_updated.unwrap_or_default();
                    (
                        false,
                        format!(
                            "build policy all-inputs-updated: input {which} has not been updated since the last build"
                        ),
                        Some(reason),
                    )
                } else {
                    (true, reason.clone(), Some(reason))
                }
            }
        };
        let reason = if selected_by.is_empty() {
            format!("not selected, but a selected job reads its output, which no searched branch has yet: {reason}")
        } else {
            reason
        };
        if will_run {
            running_specs.insert(spec);
        }
        jobs.push(PlannedJob { spec, selected_by: selected_by.clone(), will_run, reason, stale_reason });
    }
    Plan { jobs, ignored_datasets: selected.ignored_datasets.clone() }
}

/// The selected job specs plus the producers of every input that has no transaction on
/// any branch searched: without them the build could only fail, so they run first.
/// Those added this way have an empty `selected_by`. An ignored dataset is never built
/// this way either: the person said not to, so its consumer fails naming the input.
fn with_missing_producers(
    pipeline: &Pipeline,
    selected: &Selected,
    branches: &[String],
    snapshot: &Snapshot,
    pending: &HashSet<usize>,
) -> BTreeMap<usize, BTreeSet<usize>> {
    let mut wanted = selected.specs.clone();
    let mut stack: Vec<usize> = wanted.keys().copied().collect();
    while let Some(spec) = stack.pop() {
        for &input in &pipeline.job_specs[spec].inputs {
            let ds = &pipeline.datasets[input];
            let missing = !pending.contains(&input)
                && !selected.ignored_datasets.contains(&ds.rid)
                && snapshot.resolve(&ds.rid, branches).is_none();
            if let Some(producer) = ds.produced_by.filter(|_| missing)
                && !wanted.contains_key(&producer)
            {
                wanted.insert(producer, BTreeSet::new());
                stack.push(producer);
            }
        }
    }
    wanted
}

fn staleness(
    pipeline: &Pipeline,
    spec: usize,
    branch: &str,
    branches: &[String],
    snapshot: &Snapshot,
    pending: &HashSet<usize>,
    running_specs: &HashSet<usize>,
) -> Staleness {
    let js = &pipeline.job_specs[spec];
    let mut built: Vec<&TransactionRow> = Vec::new();
    for &out in &js.outputs {
        let ds = &pipeline.datasets[out];
        match snapshot.latest(&ds.rid, branch) {
            Some(t) => built.push(t),
            None => return Staleness::Structural(format!("output {} has no transaction on branch {branch}", ds.name)),
        }
    }
    if let Some(t) = built.iter().find(|t| t.definition_hash.as_deref() != Some(js.definition_hash.as_str())) {
        let name = pipeline.dataset_index(&t.dataset_rid).map_or("?", |d| pipeline.datasets[d].name.as_str());
        return Staleness::Structural(format!("the job spec's definition changed since output {name} was built"));
    }
    let mut reasons = Vec::new();
    let mut not_updated = None;
    for &input in &js.inputs {
        let ds = &pipeline.datasets[input];
        let updated = if pending.contains(&input) {
            Some(format!("input {} has new content in its source folder", ds.name))
        } else if ds.produced_by.is_some_and(|p| running_specs.contains(&p)) {
            Some(format!("input {} is rebuilt by this build", ds.name))
        } else {
            match snapshot.resolve(&ds.rid, branches) {
                None => Some(format!("input {} has no transaction on branch {}", ds.name, branches.join(", "))),
                Some(t) if built.iter().any(|b| b.inputs.get(&ds.rid) != Some(&t.rid)) => Some(format!(
                    "input {} has a newer transaction ({} on branch {}) than the outputs were built from",
                    ds.name, t.rid, t.branch
                )),
                Some(_) => None,
            }
        };
        match updated {
            Some(r) => reasons.push(r),
            None => {
                not_updated.get_or_insert_with(|| ds.name.clone());
            }
        }
    }
    if reasons.is_empty() {
        Staleness::Fresh
    } else {
        Staleness::Inputs { reason: reasons.join("; "), all_updated: not_updated.is_none(), not_updated }
    }
}

/// Where one dataset stands on a branch: the lineage page's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatasetVerdict {
    pub state: Freshness,
    pub reason: String,
}

/// The state of every dataset (by index) on `branch`, from the same staleness rules that
/// decide what a build runs. Inputs are looked up on `branch`, then on `master` (where
/// sources land), as a build on the branch with fallback `master` would. `pending` holds
/// sources whose folders changed since their last import. `failed_last` holds the job
/// specs whose last finished job on the branch failed, with that job's error. A dataset
/// whose inputs are fresh but come from a producer that is not up to date is stale too:
/// building it would rebuild them.
pub fn dataset_states(
    pipeline: &Pipeline,
    snapshot: &Snapshot,
    branch: &str,
    pending: &HashSet<usize>,
    failed_last: &HashMap<usize, Option<String>>,
) -> Vec<DatasetVerdict> {
    let mut branches = vec![branch.to_owned()];
    if branch != kiln_api::build2::DEFAULT_BRANCH {
        branches.push(kiln_api::build2::DEFAULT_BRANCH.to_owned());
    }
    let none = HashSet::new();
    let verdict = |state: Freshness, reason: String| DatasetVerdict { state, reason };
    let mut verdicts: Vec<Option<DatasetVerdict>> = vec![None; pipeline.datasets.len()];
    for (d, ds) in pipeline.datasets.iter().enumerate() {
        if ds.produced_by.is_some() {
            continue;
        }
        verdicts[d] = Some(match (snapshot.resolve(&ds.rid, &branches), pending.contains(&d)) {
            (_, true) => {
                verdict(Freshness::Stale, "a source whose folder has new content; the next build imports it".into())
            }
            (Some(_), false) => {
                verdict(Freshness::UpToDate, "a source: its folder's content is imported when it changes".into())
            }
            (None, false) => verdict(Freshness::NeverBuilt, "a source with no content imported yet".into()),
        });
    }
    for &spec in &pipeline.topo_order {
        let js = &pipeline.job_specs[spec];
        let never_built = js.outputs.iter().any(|&o| snapshot.latest(&pipeline.datasets[o].rid, branch).is_none());
        let this = if let Some(error) = failed_last.get(&spec) {
            let why = error.as_deref().map(|e| format!(": {e}")).unwrap_or_default();
            verdict(
                Freshness::LastBuildFailed,
                format!("job spec {} failed in its last build on {branch}{why}", js.name),
            )
        } else {
            match staleness(pipeline, spec, branch, &branches, snapshot, pending, &none) {
                Staleness::Structural(why) if never_built => verdict(Freshness::NeverBuilt, why),
                Staleness::Structural(why) => verdict(Freshness::Stale, why),
                Staleness::Inputs { reason, all_updated, .. } => {
                    let waits = js.build_policy == BuildPolicy::AllInputsUpdated && !all_updated;
                    let policy = if waits { " (its build policy waits until every input is updated)" } else { "" };
                    verdict(Freshness::Stale, format!("{reason}{policy}"))
                }
                Staleness::Fresh => {
                    let behind = js.inputs.iter().find(|&&i| {
                        pipeline.datasets[i].produced_by.is_some()
                            && verdicts[i].as_ref().is_some_and(|v| v.state != Freshness::UpToDate)
                    });
                    match behind {
                        Some(&i) => verdict(
                            Freshness::Stale,
                            format!("input {} is not up to date upstream", pipeline.datasets[i].name),
                        ),
                        None => verdict(
                            Freshness::UpToDate,
                            "built from the latest inputs with the current definition".into(),
                        ),
                    }
                }
            }
        };
        for &out in &js.outputs {
            verdicts[out] = Some(this.clone());
        }
    }
    verdicts
        .into_iter()
        .map(|v| v.unwrap_or_else(|| verdict(Freshness::NeverBuilt, "no job spec produces it".into())))
        .collect()
}
