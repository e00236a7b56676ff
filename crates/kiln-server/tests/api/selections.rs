//! The four selection kinds, isRequired, ignored datasets and unions, on a test lineage:
//!
//! ```text
//! src -[a]-> A -[b]-> B -[c]-> C -\
//!            A -[d]-> D -----------[e]-> E
//! ```

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::helpers::{self, dataset, job_spec};

pub const LINEAGE: &str = r#"
[[datasets]]
name = "src"
source_dir = "src"

[[job_specs]]
name = "a"
inputs = ["src"]
outputs = ["A"]
command = "cp $KILN_INPUT_0/* $KILN_OUTPUT_0/"

[[job_specs]]
name = "b"
inputs = ["A"]
outputs = ["B"]
command = "cp $KILN_INPUT_0/* $KILN_OUTPUT_0/"

[[job_specs]]
name = "c"
inputs = ["B"]
outputs = ["C"]
command = "cp $KILN_INPUT_0/* $KILN_OUTPUT_0/"

[[job_specs]]
name = "d"
inputs = ["A"]
outputs = ["D"]
command = "cp $KILN_INPUT_0/* $KILN_OUTPUT_0/"

[[job_specs]]
name = "e"
inputs = ["D", "C"]
outputs = ["E"]
command = "cat $KILN_INPUT_0/* $KILN_INPUT_1/* > $KILN_OUTPUT_0/e.txt"
"#;

pub const SRC: (&str, &str) = ("src/data.txt", "hello\n");

/// Names of the previewed job specs that a selection picked (not pulled in), with their
/// `selectedBy` indexes.
fn picked(preview: &Value) -> Vec<(String, Vec<u64>)> {
    preview["jobs"]
        .as_array()
        .expect("jobs")
        .iter()
        .filter(|j| j["selectedBy"].as_array().is_some_and(|s| !s.is_empty()))
        .map(|j| {
            let by = j["selectedBy"].as_array().expect("selectedBy").iter().filter_map(Value::as_u64).collect();
            (j["name"].as_str().expect("name").to_owned(), by)
        })
        .collect()
}

fn names(preview: &Value) -> BTreeSet<String> {
    picked(preview).into_iter().map(|(n, _)| n).collect()
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| (*s).to_owned()).collect()
}

#[tokio::test]
async fn datasets_selection_builds_producers_and_honours_is_required() {
    let s = helpers::start(LINEAGE, &[SRC]).await;
    let p = s.preview(helpers::datasets_body(&["C", "E"], json!({}))).await;
    assert_eq!(names(&p), set(&["c", "e"]));

    // A source has no producer: required → 400 naming the field; not required → skipped.
    let body = json!({"jobSpecSelections": [{"type": "datasets", "datasets": {
        "datasetRids": [dataset("C"), dataset("src")], "isRequired": true}}]});
    let err = helpers::conjure(s.post("/api/v1/builds/preview", &body).await, 400, "INVALID_ARGUMENT").await;
    assert_eq!(err["parameters"]["field"], "jobSpecSelections[0].datasets.datasetRids[1]");
    let err = helpers::conjure(s.post("/build2/api/manager/submitBuild", &body).await, 400, "INVALID_ARGUMENT").await;
    assert_eq!(err["parameters"]["field"], "jobSpecSelections[0].datasets.datasetRids[1]");
    let lax = json!({"jobSpecSelections": [{"type": "datasets", "datasets": {
        "datasetRids": [dataset("C"), dataset("src")], "isRequired": false}}]});
    assert_eq!(names(&s.preview(lax).await), set(&["c"]));
}

#[tokio::test]
async fn job_specs_selection_takes_exactly_those() {
    let s = helpers::start(LINEAGE, &[SRC]).await;
    let p = s.preview(helpers::job_specs_body(&["b", "d"], json!({}))).await;
    assert_eq!(names(&p), set(&["b", "d"]));
    let unknown = json!({"jobSpecSelections": [{"type": "jobSpecs", "jobSpecs": {
        "jobSpecRids": ["ri.foundry.main.jobspec.nope"], "isRequired": true}}]});
    let err = helpers::conjure(s.post("/api/v1/builds/preview", &unknown).await, 400, "INVALID_ARGUMENT").await;
    assert_eq!(err["parameters"]["field"], "jobSpecSelections[0].jobSpecs.jobSpecRids[0]");
    let lax = json!({"jobSpecSelections": [{"type": "jobSpecs", "jobSpecs": {
        "jobSpecRids": ["ri.foundry.main.jobspec.nope", job_spec("a")], "isRequired": false}}]});
    assert_eq!(names(&s.preview(lax).await), set(&["a"]));
}

#[tokio::test]
async fn upstream_selection_stops_at_ignored_datasets() {
    let s = helpers::start(LINEAGE, &[SRC]).await;
    let all = json!({"jobSpecSelections": [{"type": "upstream", "upstream": {"datasetRids": [dataset("E")]}}]});
    assert_eq!(names(&s.preview(all).await), set(&["a", "b", "c", "d", "e"]));
    let cut = json!({"jobSpecSelections": [{"type": "upstream", "upstream": {
        "datasetRids": [dataset("E")], "datasetRidsToIgnore": [dataset("C")]}}]});
    let p = s.preview(cut).await;
    assert_eq!(names(&p), set(&["a", "d", "e"]), "C is neither built nor walked past");
    let every: BTreeSet<String> =
        p["jobs"].as_array().expect("jobs").iter().filter_map(|j| j["name"].as_str()).map(str::to_owned).collect();
    assert_eq!(every, set(&["a", "d", "e"]), "nor is C's producer pulled in because E reads C");
    assert_eq!(p["ignoredDatasets"], json!([dataset("C")]));
}

#[tokio::test]
async fn connecting_selection_is_cut_by_ignored_datasets() {
    let s = helpers::start(LINEAGE, &[SRC]).await;
    let conn = |ignore: Vec<String>| {
        json!({"jobSpecSelections": [{"type": "connecting", "connecting": {
            "upstreamDatasetRids": [dataset("A")], "downstreamDatasetRids": [dataset("E")],
            "datasetRidsToIgnore": ignore}}]})
    };
    assert_eq!(names(&s.preview(conn(vec![])).await), set(&["b", "c", "d", "e"]));
    assert_eq!(names(&s.preview(conn(vec![dataset("D")])).await), set(&["b", "c", "e"]));
    assert_eq!(names(&s.preview(conn(vec![dataset("B"), dataset("D")])).await), set(&[]));
    let down_only = json!({"jobSpecSelections": [{"type": "connecting", "connecting": {
        "upstreamDatasetRids": [dataset("B")], "downstreamDatasetRids": [dataset("D")]}}]});
    assert_eq!(names(&s.preview(down_only).await), set(&[]), "no path from B to D");
}

#[tokio::test]
async fn selections_are_unioned_and_submit_runs_them_on_a_branch() {
    let s = helpers::start(LINEAGE, &[SRC]).await;
    // Everything on master first, so that the develop build can fall back to it.
    let all = json!({"jobSpecSelections": [{"type": "upstream", "upstream": {"datasetRids": [dataset("E")]}}]});
    s.run(all, kiln_api::build2::BuildStatus::Succeeded).await;
    let union = json!({
        "jobSpecSelections": [
            {"type": "jobSpecs", "jobSpecs": {"jobSpecRids": [job_spec("c"), job_spec("e")]}},
            {"type": "upstream", "upstream": {"datasetRids": [dataset("E")],
                "datasetRidsToIgnore": [dataset("B"), dataset("D")]}},
        ],
        "branch": "develop",
        "branchFallbacks": {"branches": ["master"]},
    });
    let p = s.preview(union.clone()).await;
    let picked = picked(&p);
    assert_eq!(picked, vec![("c".to_owned(), vec![0, 1]), ("e".to_owned(), vec![0, 1])]);
    let r = s.submit(union).await;
    let report = s.finished(&r.build_rid).await;
    assert_eq!(report.status, kiln_api::build2::BuildStatus::Succeeded);
    let mut created: Vec<&str> = report.jobs.iter().map(|j| j.job_spec_name.as_str()).collect();
    created.sort_unstable();
    assert_eq!(created, ["c", "e"]);
    // On develop, C and E are new; D still resolves on master through the fallback.
    let e = report.jobs.iter().find(|j| j.job_spec_name == "e").expect("e");
    let e_report = s.job(&e.rid).await;
    let branches: Vec<Option<&str>> = e_report.inputs.iter().map(|i| i.branch.as_deref()).collect();
    assert_eq!(branches, [Some("master"), Some("develop")]);
    assert_eq!(s.output_file(e, "develop", "e.txt"), "hello\nhello\n");
}

#[tokio::test]
async fn pipeline_errors_name_the_file_position() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cases = [
        (
            "[[job_specs]]\nname = \"x\"\ninputs = [\"nope\"]\noutputs = [\"o\"]\ncommand = \"true\"\n",
            "line 3",
            "unknown dataset",
        ),
        (
            "[[job_specs]]\nname = \"x\"\ninputs = [\"b\"]\noutputs = [\"a\"]\ncommand = \"true\"\n\
             [[job_specs]]\nname = \"y\"\ninputs = [\"a\"]\noutputs = [\"b\"]\ncommand = \"true\"\n",
            "line 2",
            "cycle",
        ),
        (
            "[[job_specs]]\nname = \"x\"\noutputs = [\"a\"]\ncommand = \"true\"\n\
             [[job_specs]]\nname = \"y\"\noutputs = [\"a\"]\ncommand = \"true\"\n",
            "line 7",
            "two producers",
        ),
        ("[[job_specs]]\nname = \"../x\"\noutputs = [\"a\"]\ncommand = \"true\"\n", "line 2", "bad job spec name"),
    ];
    for (i, (text, line, words)) in cases.into_iter().enumerate() {
        let path = dir.path().join(format!("p{i}.toml"));
        std::fs::write(&path, text).expect("write");
        let mut config = kiln_server::ServerConfig::new(dir.path().join(format!("data{i}")));
        config.pipeline = Some(path.clone());
        let err = kiln_server::start(config).await.expect_err("an invalid pipeline").to_string();
        assert!(err.contains(&format!("{}:{line}", path.display())) && err.contains(words), "{err}");
    }
}
