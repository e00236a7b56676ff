//! The pipeline file: TOML naming source datasets and the job specs that produce datasets.
//!
//! Parsing keeps every name's byte span so that each error can point at a line and column
//! of the file the user wrote.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use kiln_api::Rid;
use kiln_api::build2::{BuildPolicy, JobSpecInfo, JobVariant};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use toml::Spanned;

/// Namespace of the name-derived RIDs; changing it would change every RID.
const RID_NAMESPACE: uuid::Uuid = uuid::Uuid::from_u128(0x6b69_6c6e_2d72_6964_9a3c_41d2_0e7f_5b18);

/// A position in the pipeline file, 1-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}", self.line, self.column)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    #[error("cannot read pipeline file {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{file}:{position}: {message}")]
    Invalid { file: String, position: Position, message: String },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPipeline {
    #[serde(default)]
    datasets: Vec<RawDataset>,
    #[serde(default)]
    job_specs: Vec<RawJobSpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDataset {
    name: Spanned<String>,
    source_dir: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawJobSpec {
    name: Spanned<String>,
    #[serde(default)]
    inputs: Vec<Spanned<String>>,
    outputs: Spanned<Vec<Spanned<String>>>,
    command: Spanned<String>,
    dir: Option<Spanned<String>>,
    timeout_seconds: Option<u64>,
    num_cpus: Option<Spanned<f64>>,
    memory: Option<u64>,
    #[serde(default)]
    build_policy: BuildPolicy,
    #[serde(default)]
    variant: JobVariant,
}

/// A dataset of the lineage.
#[derive(Debug, Clone)]
pub struct Dataset {
    pub rid: Rid,
    pub name: String,
    /// A folder whose content is imported as a new transaction whenever it changes.
    pub source_dir: Option<PathBuf>,
    /// Index of the job spec producing this dataset.
    pub produced_by: Option<usize>,
    /// Indexes of the job specs reading this dataset.
    pub consumed_by: Vec<usize>,
}

/// A job spec: a command reading input datasets and writing output datasets.
#[derive(Debug, Clone)]
pub struct JobSpec {
    pub rid: Rid,
    pub name: String,
    /// Dataset indexes, in the order the command sees them.
    pub inputs: Vec<usize>,
    pub outputs: Vec<usize>,
    pub command: String,
    /// The working directory of the command.
    pub dir: PathBuf,
    pub timeout_seconds: Option<u64>,
    /// CPUs to reserve on the executor (Ray's `entrypoint_num_cpus`); not part of the definition.
    pub num_cpus: Option<f64>,
    /// Bytes of memory to reserve on the executor (Ray's `entrypoint_memory`).
    pub memory: Option<u64>,
    pub build_policy: BuildPolicy,
    pub variant: JobVariant,
    /// A hash of everything that defines what the job computes; a change makes it stale.
    pub definition_hash: String,
}

/// A validated pipeline: an acyclic lineage of datasets and job specs.
#[derive(Debug, Clone)]
pub struct Pipeline {
    pub datasets: Vec<Dataset>,
    pub job_specs: Vec<JobSpec>,
    /// Job spec indexes such that producers come before consumers.
    pub topo_order: Vec<usize>,
    dataset_by_rid: HashMap<Rid, usize>,
    job_spec_by_rid: HashMap<Rid, usize>,
}

pub fn dataset_rid(name: &str) -> Rid {
    name_rid("dataset", name)
}

pub fn job_spec_rid(name: &str) -> Rid {
    name_rid("jobspec", name)
}

fn name_rid(kind: &str, name: &str) -> Rid {
    let id = uuid::Uuid::new_v5(&RID_NAMESPACE, format!("{kind}:{name}").as_bytes());
    Rid::foundry(kind, &id.to_string()).expect("a UUID is a valid RID locator")
}

/// Dataset names look like paths (`raw/orders`) but may never climb out of one.
fn check_dataset_name(name: &str) -> Result<(), String> {
    let ok_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/');
    if name.is_empty() || name.len() > 200 {
        return Err("a dataset name has 1 to 200 characters".into());
    }
    if let Some(c) = name.chars().find(|c| !ok_char(*c)) {
        return Err(format!("bad dataset name {name:?}: {c:?} is not allowed (use a-z, A-Z, 0-9, _ - . /)"));
    }
    if name.split('/').any(|seg| seg.is_empty() || seg == "." || seg == "..") {
        return Err(format!("bad dataset name {name:?}: empty, \".\" and \"..\" segments are not allowed"));
    }
    Ok(())
}

/// Job spec names become log file names, so they hold no slash.
fn check_job_spec_name(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let starts_ok = matches!(chars.next(), Some(c) if c.is_ascii_alphanumeric());
    if !starts_ok || name.len() > 100 || !chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')) {
        return Err(format!(
            "bad job spec name {name:?}: start with a letter or digit, then use a-z, A-Z, 0-9, _ - . (at most 100)"
        ));
    }
    Ok(())
}

struct Ctx<'a> {
    file: &'a str,
    text: &'a str,
}

impl Ctx<'_> {
    fn position(&self, offset: usize) -> Position {
        let before = self.text.get(..offset).unwrap_or(self.text);
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        Position { line, column }
    }

    fn err(&self, span: Range<usize>, message: impl Into<String>) -> PipelineError {
        PipelineError::Invalid {
            file: self.file.to_owned(),
            position: self.position(span.start),
            message: message.into(),
        }
    }
}

impl Pipeline {
    /// Reads and validates a pipeline file; relative folders resolve against its folder.
    pub fn load(path: &Path) -> Result<Pipeline, PipelineError> {
        let text =
            std::fs::read_to_string(path).map_err(|source| PipelineError::Read { path: path.to_owned(), source })?;
        let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let base = std::path::absolute(&base).unwrap_or(base);
        Pipeline::parse(&text, &path.display().to_string(), &base)
    }

    /// Parses pipeline TOML; `file` names it in errors and `base` anchors relative folders.
    pub fn parse(text: &str, file: &str, base: &Path) -> Result<Pipeline, PipelineError> {
        let ctx = Ctx { file, text };
        let raw: RawPipeline =
            toml::from_str(text).map_err(|e| ctx.err(e.span().unwrap_or(0..0), e.message().trim().to_owned()))?;

        let mut datasets: Vec<Dataset> = Vec::new();
        let mut by_name: HashMap<String, usize> = HashMap::new();
        let mut declared: HashMap<String, Range<usize>> = HashMap::new();
        for d in &raw.datasets {
            let name = d.name.get_ref();
            check_dataset_name(name).map_err(|m| ctx.err(d.name.span(), m))?;
            if declared.insert(name.clone(), d.name.span()).is_some() {
                return Err(ctx.err(d.name.span(), format!("dataset {name:?} is declared twice")));
            }
            by_name.insert(name.clone(), datasets.len());
            datasets.push(Dataset {
                rid: dataset_rid(name),
                name: name.clone(),
                source_dir: d.source_dir.as_ref().map(|s| base.join(s.get_ref())),
                produced_by: None,
                consumed_by: Vec::new(),
            });
        }

        let mut job_specs: Vec<JobSpec> = Vec::new();
        let mut spec_names: HashMap<String, usize> = HashMap::new();
        // Outputs first, so that an input may name a dataset produced further down the file.
        for (index, spec) in raw.job_specs.iter().enumerate() {
            let name = spec.name.get_ref();
            check_job_spec_name(name).map_err(|m| ctx.err(spec.name.span(), m))?;
            if spec_names.insert(name.clone(), index).is_some() {
                return Err(ctx.err(spec.name.span(), format!("job spec {name:?} is declared twice")));
            }
            if spec.outputs.get_ref().is_empty() {
                return Err(ctx.err(spec.outputs.span(), format!("job spec {name:?} needs at least one output")));
            }
            for out in spec.outputs.get_ref() {
                let out_name = out.get_ref();
                check_dataset_name(out_name).map_err(|m| ctx.err(out.span(), m))?;
                let idx = *by_name.entry(out_name.clone()).or_insert_with(|| {
                    datasets.push(Dataset {
                        rid: dataset_rid(out_name),
                        name: out_name.clone(),
                        source_dir: None,
                        produced_by: None,
                        consumed_by: Vec::new(),
                    });
                    datasets.len() - 1
                });
                let ds = &mut datasets[idx];
                if ds.source_dir.is_some() {
                    return Err(ctx.err(
                        out.span(),
                        format!("dataset {out_name:?} has a source_dir, so no job spec may produce it"),
                    ));
                }
                if let Some(other) = ds.produced_by {
                    if other == index {
                        return Err(ctx.err(out.span(), format!("output {out_name:?} is listed twice")));
                    }
                    let other_name = raw.job_specs[other].name.get_ref();
                    return Err(ctx.err(
                        out.span(),
                        format!("dataset {out_name:?} has two producers: job specs {other_name:?} and {name:?}"),
                    ));
                }
                ds.produced_by = Some(index);
            }
            let dir = spec.dir.as_ref().map_or_else(|| base.to_path_buf(), |d| base.join(d.get_ref()));
            let command = spec.command.get_ref();
            if command.trim().is_empty() {
                return Err(ctx.err(spec.command.span(), format!("job spec {name:?} has an empty command")));
            }
            if let Some(cpus) = &spec.num_cpus
                && !(cpus.get_ref().is_finite() && *cpus.get_ref() > 0.0)
            {
                return Err(ctx.err(cpus.span(), format!("job spec {name:?}: num_cpus must be a number above 0")));
            }
            job_specs.push(JobSpec {
                rid: job_spec_rid(name),
                name: name.clone(),
                inputs: Vec::new(),
                outputs: spec.outputs.get_ref().iter().map(|o| by_name[o.get_ref()]).collect(),
                command: command.clone(),
                dir,
                timeout_seconds: spec.timeout_seconds,
                num_cpus: spec.num_cpus.as_ref().map(|c| *c.get_ref()),
                memory: spec.memory,
                build_policy: spec.build_policy,
                variant: spec.variant,
                definition_hash: String::new(),
            });
        }
        for (index, spec) in raw.job_specs.iter().enumerate() {
            for input in &spec.inputs {
                let Some(&idx) = by_name.get(input.get_ref()) else {
                    return Err(ctx.err(
                        input.span(),
                        format!(
                            "unknown dataset {:?}: no job spec produces it and no [[datasets]] entry declares it",
                            input.get_ref()
                        ),
                    ));
                };
                if job_specs[index].inputs.contains(&idx) {
                    return Err(ctx.err(input.span(), format!("input {:?} is listed twice", input.get_ref())));
                }
                job_specs[index].inputs.push(idx);
                datasets[idx].consumed_by.push(index);
            }
        }
        let topo_order = topological_order(&datasets, &job_specs).map_err(|cycle_at| {
            ctx.err(
                raw.job_specs[cycle_at].name.span(),
                format!(
                    "job spec {:?} is part of a cycle: it depends, through its inputs, on its own output",
                    job_specs[cycle_at].name
                ),
            )
        })?;
        for spec in &mut job_specs {
            spec.definition_hash = definition_hash(spec, &datasets);
        }
        Ok(Pipeline::assemble(datasets, job_specs, topo_order))
    }

    fn assemble(datasets: Vec<Dataset>, job_specs: Vec<JobSpec>, topo_order: Vec<usize>) -> Pipeline {
        let dataset_by_rid = datasets.iter().enumerate().map(|(i, d)| (d.rid.clone(), i)).collect();
        let job_spec_by_rid = job_specs.iter().enumerate().map(|(i, s)| (s.rid.clone(), i)).collect();
        Pipeline { datasets, job_specs, topo_order, dataset_by_rid, job_spec_by_rid }
    }

    pub fn dataset_index(&self, rid: &Rid) -> Option<usize> {
        self.dataset_by_rid.get(rid).copied()
    }

    pub fn job_spec_index(&self, rid: &Rid) -> Option<usize> {
        self.job_spec_by_rid.get(rid).copied()
    }

    pub fn dataset_by_name(&self, name: &str) -> Option<usize> {
        self.datasets.iter().position(|d| d.name == name)
    }

    /// The job specs producing this spec's inputs.
    pub fn upstream_specs(&self, spec: usize) -> impl Iterator<Item = usize> + '_ {
        self.job_specs[spec].inputs.iter().filter_map(|&d| self.datasets[d].produced_by)
    }

    pub fn job_spec_info(&self, spec: usize) -> JobSpecInfo {
        let s = &self.job_specs[spec];
        JobSpecInfo {
            rid: s.rid.clone(),
            name: s.name.clone(),
            inputs: s.inputs.iter().map(|&d| self.datasets[d].rid.clone()).collect(),
            outputs: s.outputs.iter().map(|&d| self.datasets[d].rid.clone()).collect(),
            timeout_seconds: s.timeout_seconds,
            build_policy: s.build_policy,
            variant: s.variant,
        }
    }
}

/// Kahn's algorithm over job specs; on a cycle returns a job spec that is part of it.
fn topological_order(datasets: &[Dataset], specs: &[JobSpec]) -> Result<Vec<usize>, usize> {
    let mut indegree: Vec<usize> =
        specs.iter().map(|s| s.inputs.iter().filter(|&&d| datasets[d].produced_by.is_some()).count()).collect();
    let mut ready: Vec<usize> = (0..specs.len()).filter(|&i| indegree[i] == 0).rev().collect();
    let mut order = Vec::with_capacity(specs.len());
    while let Some(i) = ready.pop() {
        order.push(i);
        for &out in &specs[i].outputs {
            for &consumer in &datasets[out].consumed_by {
                indegree[consumer] -= 1;
                if indegree[consumer] == 0 {
                    ready.push(consumer);
                }
            }
        }
    }
    if order.len() == specs.len() { Ok(order) } else { Err((0..specs.len()).find(|&i| indegree[i] > 0).unwrap_or(0)) }
}

fn definition_hash(spec: &JobSpec, datasets: &[Dataset]) -> String {
    let mut fields: BTreeMap<&str, String> = BTreeMap::new();
    fields.insert("command", spec.command.clone());
    fields.insert("dir", spec.dir.display().to_string());
    let names = |ids: &[usize]| ids.iter().map(|&d| datasets[d].name.as_str()).collect::<Vec<_>>().join("\n");
    fields.insert("inputs", names(&spec.inputs));
    fields.insert("outputs", names(&spec.outputs));
    let mut hasher = Sha256::new();
    for (k, v) in fields {
        hasher.update(k.as_bytes());
        hasher.update([0]);
        hasher.update(v.as_bytes());
        hasher.update([0]);
    }
    hex(&hasher.finalize())
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Pipeline, String> {
        Pipeline::parse(text, "p.toml", Path::new("/tmp")).map_err(|e| e.to_string())
    }

    #[test]
    fn parses_and_orders() {
        let p = parse(
            r#"
[[datasets]]
name = "raw/a"
source_dir = "raw/a"

[[job_specs]]
name = "two"
inputs = ["mid/b"]
outputs = ["out/c"]
command = "true"

[[job_specs]]
name = "one"
inputs = ["raw/a"]
outputs = ["mid/b"]
command = "true"
variant = "long-running"
build_policy = "all-inputs-updated"
"#,
        )
        .expect("valid");
        assert_eq!(p.datasets.len(), 3);
        let order: Vec<&str> = p.topo_order.iter().map(|&i| p.job_specs[i].name.as_str()).collect();
        assert_eq!(order, ["one", "two"]);
        assert_eq!(p.job_specs[1].variant, JobVariant::LongRunning);
        assert_eq!(p.datasets[0].rid, dataset_rid("raw/a"));
        assert_eq!(p.datasets[0].source_dir.as_deref(), Some(Path::new("/tmp/raw/a")));
    }

    #[test]
    fn errors_carry_positions() {
        let unknown =
            parse("[[job_specs]]\nname = \"a\"\ninputs = [\"nope\"]\noutputs = [\"x\"]\ncommand = \"true\"\n");
        assert_eq!(unknown.expect_err("unknown").split(": unknown").next(), Some("p.toml:line 3, column 11"));
        let two = parse(
            "[[job_specs]]\nname = \"a\"\noutputs = [\"x\"]\ncommand = \"true\"\n\
             [[job_specs]]\nname = \"b\"\noutputs = [\"x\"]\ncommand = \"true\"\n",
        );
        let two = two.expect_err("two producers");
        assert!(two.contains("line 7") && two.contains("two producers"), "{two}");
        let cycle = parse(
            "[[job_specs]]\nname = \"a\"\ninputs = [\"y\"]\noutputs = [\"x\"]\ncommand = \"true\"\n\
             [[job_specs]]\nname = \"b\"\ninputs = [\"x\"]\noutputs = [\"y\"]\ncommand = \"true\"\n",
        );
        assert!(cycle.expect_err("cycle").contains("cycle"));
        let bad = parse("[[job_specs]]\nname = \"a/b\"\noutputs = [\"x\"]\ncommand = \"true\"\n");
        assert!(bad.expect_err("bad name").contains("line 2"));
        let bad_ds = parse("[[job_specs]]\nname = \"a\"\noutputs = [\"../x\"]\ncommand = \"true\"\n");
        assert!(bad_ds.expect_err("bad dataset").contains("line 3"));
        let typo = parse("[[job_specs]]\nname = \"a\"\noutputs = [\"x\"]\ncommand = \"true\"\ntimeout = 3\n");
        assert!(typo.expect_err("unknown key").contains("line 5"));
    }
}
