//! Resolution of job-spec selections over the lineage.
//!
//! The pipeline is checked acyclic when it is loaded; the walks here still keep visited
//! sets, so a lineage can never make them loop.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use kiln_api::Rid;
use kiln_api::build2::JobSpecSelection;

use crate::pipeline::Pipeline;

/// The job specs a request selects, each with the indexes of the selections that chose it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selected {
    pub specs: BTreeMap<usize, BTreeSet<usize>>,
    pub ignored_datasets: Vec<Rid>,
}

/// A selection that cannot be honoured, with the request field it concerns.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct SelectionError {
    pub field: String,
    pub message: String,
}

fn invalid(field: String, message: String) -> SelectionError {
    SelectionError { field, message }
}

pub fn resolve(pipeline: &Pipeline, selections: &[JobSpecSelection]) -> Result<Selected, SelectionError> {
    if selections.is_empty() {
        return Err(invalid("jobSpecSelections".into(), "select at least one dataset or job spec to build".into()));
    }
    let mut selected = Selected::default();
    let mut ignored: BTreeSet<Rid> = BTreeSet::new();
    for (index, selection) in selections.iter().enumerate() {
        let base = format!("jobSpecSelections[{index}].{}", selection.kind());
        let specs = match selection {
            JobSpecSelection::Datasets(s) => {
                let required = s.is_required.unwrap_or(true);
                let mut specs = Vec::new();
                for (j, rid) in s.dataset_rids.iter().enumerate() {
                    let field = || format!("{base}.datasetRids[{j}]");
                    match pipeline.dataset_index(rid) {
                        Some(d) => match pipeline.datasets[d].produced_by {
                            Some(spec) => specs.push(spec),
                            None if required => {
                                return Err(invalid(
                                    field(),
                                    format!(
                                        "dataset {} ({rid}) is a source: no job spec produces it",
                                        pipeline.datasets[d].name
                                    ),
                                ));
                            }
                            None => {}
                        },
                        None if required => {
                            return Err(invalid(field(), format!("no dataset {rid} is known to this service")));
                        }
                        None => {}
                    }
                }
                specs
            }
            JobSpecSelection::JobSpecs(s) => {
                let required = s.is_required.unwrap_or(true);
                let mut specs = Vec::new();
                for (j, rid) in s.job_spec_rids.iter().enumerate() {
                    match pipeline.job_spec_index(rid) {
                        Some(spec) => specs.push(spec),
                        None if required => {
                            return Err(invalid(
                                format!("{base}.jobSpecRids[{j}]"),
                                format!("no job spec {rid} is deployed on this service"),
                            ));
                        }
                        None => {}
                    }
                }
                specs
            }
            JobSpecSelection::Upstream(s) => {
                let ignore = known_set(pipeline, &s.dataset_rids_to_ignore);
                ignored.extend(s.dataset_rids_to_ignore.iter().cloned());
                let starts = datasets_of(pipeline, &s.dataset_rids, &format!("{base}.datasetRids"))?;
                walk_upstream(pipeline, &starts, &ignore).into_iter().collect()
            }
            JobSpecSelection::Connecting(s) => {
                let ignore = known_set(pipeline, &s.dataset_rids_to_ignore);
                ignored.extend(s.dataset_rids_to_ignore.iter().cloned());
                let ups = datasets_of(pipeline, &s.upstream_dataset_rids, &format!("{base}.upstreamDatasetRids"))?;
                let downs =
                    datasets_of(pipeline, &s.downstream_dataset_rids, &format!("{base}.downstreamDatasetRids"))?;
                let below = walk_downstream(pipeline, &ups, &ignore);
                let above = walk_upstream(pipeline, &downs, &ignore);
                below.intersection(&above).copied().collect()
            }
        };
        for spec in specs {
            selected.specs.entry(spec).or_default().insert(index);
        }
    }
    selected.ignored_datasets = ignored.into_iter().collect();
    Ok(selected)
}

fn known_set(pipeline: &Pipeline, rids: &[Rid]) -> HashSet<usize> {
    rids.iter().filter_map(|r| pipeline.dataset_index(r)).collect()
}

fn datasets_of(pipeline: &Pipeline, rids: &[Rid], field: &str) -> Result<Vec<usize>, SelectionError> {
    if rids.is_empty() {
        return Err(invalid(field.to_owned(), "name at least one dataset".into()));
    }
    rids.iter()
        .enumerate()
        .map(|(j, rid)| {
            pipeline
                .dataset_index(rid)
                .ok_or_else(|| invalid(format!("{field}[{j}]"), format!("no dataset {rid} is known to this service")))
        })
        .collect()
}

/// Every job spec producing the start datasets or, transitively, their inputs; an
/// ignored dataset is neither built nor walked past.
fn walk_upstream(pipeline: &Pipeline, starts: &[usize], ignore: &HashSet<usize>) -> BTreeSet<usize> {
    walk(starts, ignore, |d| pipeline.datasets[d].produced_by.as_slice(), |spec| &pipeline.job_specs[spec].inputs)
}

/// Every job spec reading the start datasets or, transitively, their descendants; an
/// ignored dataset cuts the walk.
fn walk_downstream(pipeline: &Pipeline, starts: &[usize], ignore: &HashSet<usize>) -> BTreeSet<usize> {
    walk(starts, ignore, |d| &pipeline.datasets[d].consumed_by, |spec| &pipeline.job_specs[spec].outputs)
}

/// The job specs reached from `starts`: `specs_of` names a dataset's job specs in the walk's
/// direction, `onward` the datasets each of those leads to. Ignored datasets stop the walk,
/// and each dataset is visited once, so cycles cannot loop.
fn walk<'p>(
    starts: &[usize],
    ignore: &HashSet<usize>,
    specs_of: impl Fn(usize) -> &'p [usize],
    onward: impl Fn(usize) -> &'p [usize],
) -> BTreeSet<usize> {
    let mut specs = BTreeSet::new();
    let mut seen: HashSet<usize> = HashSet::new();
    let mut stack: Vec<usize> = starts.to_vec();
    while let Some(d) = stack.pop() {
        if ignore.contains(&d) || !seen.insert(d) {
            continue;
        }
        for &spec in specs_of(d) {
            if specs.insert(spec) {
                stack.extend_from_slice(onward(spec));
            }
        }
    }
    specs
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use kiln_api::build2::{ConnectingSelection, DatasetsSelection, UpstreamSelection};

    use super::*;
    use crate::pipeline::dataset_rid;

    // a -> [ab] -> b -> [bc] -> c -> [cd] -> d ; b -> [be] -> e
    const P: &str = r#"
[[datasets]]
name = "a"
[[job_specs]]
name = "ab"
inputs = ["a"]
outputs = ["b"]
command = "true"
[[job_specs]]
name = "bc"
inputs = ["b"]
outputs = ["c"]
command = "true"
[[job_specs]]
name = "cd"
inputs = ["c"]
outputs = ["d"]
command = "true"
[[job_specs]]
name = "be"
inputs = ["b"]
outputs = ["e"]
command = "true"
"#;

    fn names(p: &Pipeline, s: &Selected) -> Vec<String> {
        s.specs.keys().map(|&i| p.job_specs[i].name.clone()).collect()
    }

    #[test]
    fn walks() {
        let p = Pipeline::parse(P, "p", Path::new("/")).expect("valid");
        let r = |n: &str| dataset_rid(n);
        let up = JobSpecSelection::Upstream(UpstreamSelection {
            dataset_rids: vec![r("d")],
            dataset_rids_to_ignore: vec![r("b")],
        });
        assert_eq!(names(&p, &resolve(&p, &[up]).expect("ok")), ["bc", "cd"]);
        let conn = JobSpecSelection::Connecting(ConnectingSelection {
            upstream_dataset_rids: vec![r("b")],
            downstream_dataset_rids: vec![r("d"), r("e")],
            dataset_rids_to_ignore: vec![r("c")],
        });
        assert_eq!(names(&p, &resolve(&p, &[conn]).expect("ok")), ["be"]);
        let src = JobSpecSelection::Datasets(DatasetsSelection { dataset_rids: vec![r("a")], is_required: Some(true) });
        let err = resolve(&p, &[src]).expect_err("source");
        assert_eq!(err.field, "jobSpecSelections[0].datasets.datasetRids[0]");
        let lax = JobSpecSelection::Datasets(DatasetsSelection {
            dataset_rids: vec![r("a"), r("e")],
            is_required: Some(false),
        });
        assert_eq!(names(&p, &resolve(&p, &[lax]).expect("ok")), ["be"]);
    }
}
