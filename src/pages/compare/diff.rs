//! What differs between two builds: request options, jobs added or missing, status
//! changes, durations beyond ±20 %, and input transactions. Pure, over the contract's
//! reports, so it is tested without a service.

use std::collections::BTreeMap;

use kiln_api::Rid;
use kiln_api::build2::{BuildJob, BuildReport, JobReport, JobStatus};
use serde_json::Value;

/// A duration change smaller than this share of the first build's is noise.
pub const DURATION_THRESHOLD: f64 = 0.20;

#[derive(Debug, Clone, PartialEq)]
pub struct OptionChange {
    /// The request's key, as on the wire (`forceBuild`).
    pub key: String,
    pub a: Value,
    pub b: Value,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusChange {
    pub name: String,
    pub a: JobStatus,
    pub b: JobStatus,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DurationChange {
    pub name: String,
    pub a_millis: i64,
    pub b_millis: i64,
}

impl DurationChange {
    /// The change as a share of the first build's duration (+0.5 is 50 % slower).
    pub fn ratio(&self) -> f64 {
        (self.b_millis - self.a_millis) as f64 / self.a_millis.max(1) as f64
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputChange {
    pub job: String,
    pub dataset: Rid,
    pub a: Option<Rid>,
    pub b: Option<Rid>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct BuildDiff {
    pub options: Vec<OptionChange>,
    /// Job spec names in the second build only.
    pub added: Vec<String>,
    /// Job spec names in the first build only.
    pub missing: Vec<String>,
    pub status: Vec<StatusChange>,
    pub durations: Vec<DurationChange>,
    pub inputs: Vec<InputChange>,
}

impl BuildDiff {
    pub fn is_empty(&self) -> bool {
        self.options.is_empty()
            && self.added.is_empty()
            && self.missing.is_empty()
            && self.status.is_empty()
            && self.durations.is_empty()
            && self.inputs.is_empty()
    }
}

fn millis(job: &BuildJob) -> Option<i64> {
    Some(job.finished_time.as_ref()?.unix_millis() - job.started_time.as_ref()?.unix_millis())
}

/// The request's keys with their values; absent and null are the same thing.
fn options_of(report: &BuildReport) -> BTreeMap<String, Value> {
    match serde_json::to_value(&report.request) {
        Ok(Value::Object(map)) => crate::sort::map_from(map.into_iter().filter(|(_, v)| !v.is_null())),
        _ => BTreeMap::new(),
    }
}

/// Compares build `a` (the earlier one) with build `b`. `job_reports` holds the job
/// reports of both builds that are known, by job RID, for the input transactions.
pub fn diff(a: &BuildReport, b: &BuildReport, job_reports: &BTreeMap<Rid, JobReport>) -> BuildDiff {
    let mut out = BuildDiff::default();
    let (oa, ob) = (options_of(a), options_of(b));
    let keys: std::collections::BTreeSet<&String> = crate::sort::set_from(oa.keys().chain(ob.keys()));
    for key in keys {
        let (va, vb) = (oa.get(key).cloned().unwrap_or(Value::Null), ob.get(key).cloned().unwrap_or(Value::Null));
        if va != vb {
            out.options.push(OptionChange { key: key.clone(), a: va, b: vb });
        }
    }
    let by_spec = |r: &BuildReport| crate::sort::map_from(r.jobs.iter().map(|j| (j.job_spec_rid.clone(), j.clone())));
    let (ja, jb) = (by_spec(a), by_spec(b));
    out.added = jb.iter().filter(|(k, _)| !ja.contains_key(*k)).map(|(_, j)| j.job_spec_name.clone()).collect();
    out.missing = ja.iter().filter(|(k, _)| !jb.contains_key(*k)).map(|(_, j)| j.job_spec_name.clone()).collect();
    for (spec, x) in &ja {
        let Some(y) = jb.get(spec) else { continue };
        let name = x.job_spec_name.clone();
        if x.status != y.status {
            out.status.push(StatusChange { name: name.clone(), a: x.status, b: y.status });
        }
        if let (Some(ma), Some(mb)) = (millis(x), millis(y)) {
            let change = DurationChange { name: name.clone(), a_millis: ma, b_millis: mb };
            if change.ratio().abs() > DURATION_THRESHOLD {
                out.durations.push(change);
            }
        }
        if let (Some(ra), Some(rb)) = (job_reports.get(&x.rid), job_reports.get(&y.rid)) {
            let tx = |r: &JobReport| {
                crate::sort::map_from(r.inputs.iter().map(|i| (i.dataset_rid.clone(), i.transaction_rid.clone())))
            };
            let (ta, tb) = (tx(ra), tx(rb));
            let datasets: std::collections::BTreeSet<&Rid> = crate::sort::set_from(ta.keys().chain(tb.keys()));
            for dataset in datasets {
                let (xa, xb) = (ta.get(dataset).cloned().flatten(), tb.get(dataset).cloned().flatten());
                if xa != xb {
                    out.inputs.push(InputChange { job: name.clone(), dataset: dataset.clone(), a: xa, b: xb });
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use wasm_bindgen_test::wasm_bindgen_test;

    use super::*;

    fn job(rid: &str, name: &str, status: &str, seconds: i64) -> Value {
        json!({
            "rid": format!("ri.foundry.main.job.{rid}"), "jobSpecRid": format!("ri.foundry.main.jobspec.{name}"),
            "jobSpecName": name, "status": status, "inputs": [], "outputs": [], "dependsOn": [], "attemptCount": 1,
            "startedTime": "2026-12-01T10:00:00Z",
            "finishedTime": format!("2026-12-01T10:{:02}:{:02}Z", seconds / 60, seconds % 60),
        })
    }

    fn build(run: u64, request: Value, jobs: Vec<Value>) -> BuildReport {
        serde_json::from_value(json!({
            "rid": format!("ri.foundry.main.build.b{run}"), "buildGroupRid": "ri.foundry.main.buildgroup.g",
            "team": "default", "runId": run, "status": "SUCCEEDED", "branch": "master", "createdBy": "me",
            "createdTime": "2026-12-01T10:00:00Z", "request": request, "jobs": jobs,
        }))
        .expect("a build report")
    }

    fn report(rid: &str, name: &str, txn: &str) -> JobReport {
        serde_json::from_value(json!({
            "rid": format!("ri.foundry.main.job.{rid}"), "buildRid": "ri.foundry.main.build.b", "jobSpecRid": format!("ri.foundry.main.jobspec.{name}"),
            "jobSpecName": name, "status": "SUCCEEDED",
            "inputs": [{"datasetRid": "ri.foundry.main.dataset.raw", "branch": "master", "transactionRid": format!("ri.foundry.main.transaction.{txn}")}],
        }))
        .expect("a job report")
    }

    #[wasm_bindgen_test]
    fn every_kind_of_difference_is_found() {
        let a = build(
            1,
            json!({"branch": "master", "forceBuild": true}),
            vec![
                job("a1", "clean", "SUCCEEDED", 10),
                job("a2", "join", "SUCCEEDED", 100),
                job("a3", "old", "SUCCEEDED", 5),
            ],
        );
        let b = build(
            2,
            json!({"branch": "master", "numRunJobAttempts": 2}),
            vec![
                job("b1", "clean", "FAILED", 11),
                job("b2", "join", "SUCCEEDED", 130),
                job("b4", "new", "SUCCEEDED", 5),
            ],
        );
        let reports = BTreeMap::from([
            (Rid::parse("ri.foundry.main.job.a1").expect("rid"), report("a1", "clean", "t1")),
            (Rid::parse("ri.foundry.main.job.b1").expect("rid"), report("b1", "clean", "t2")),
        ]);
        let d = diff(&a, &b, &reports);
        let keys: Vec<&str> = d.options.iter().map(|o| o.key.as_str()).collect();
        assert_eq!(keys, ["forceBuild", "numRunJobAttempts"], "null and absent are the same");
        assert_eq!((d.added.clone(), d.missing.clone()), (vec!["new".to_owned()], vec!["old".to_owned()]));
        assert_eq!(d.status, [StatusChange { name: "clean".into(), a: JobStatus::Succeeded, b: JobStatus::Failed }]);
        assert_eq!(d.durations.len(), 1, "10 s → 11 s is within 20 %, 100 s → 130 s is not");
        assert_eq!(d.durations[0].name, "join");
        assert!((d.durations[0].ratio() - 0.3).abs() < 1e-9);
        assert_eq!(d.inputs.len(), 1);
        assert_eq!(d.inputs[0].b.as_ref().map(Rid::as_str), Some("ri.foundry.main.transaction.t2"));
        assert!(!d.is_empty());
        assert!(diff(&a, &a, &BTreeMap::new()).is_empty(), "a build equals itself");
    }
}
