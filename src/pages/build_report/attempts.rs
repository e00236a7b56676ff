//! Every attempt of every job, for the timeline. The build report only counts attempts,
//! so the job reports are fetched too, each again only when its job changed.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use kiln_api::build2::{BuildJob, JobReport, JobStatus};
use kiln_api::{Rid, Timestamp};
use yew::prelude::*;

use crate::api::{self, Client};
use crate::components::status_badge::job_look;
use crate::components::timeline::Bar;
use crate::pages::job_report::attempts::{attempt_look, ending};

/// What of a job, when it changes, may change its attempts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    status: JobStatus,
    attempts: u32,
    finished: Option<Timestamp>,
}

pub fn signature(job: &BuildJob) -> Signature {
    Signature { status: job.status, attempts: job.attempt_count, finished: job.finished_time }
}

/// The jobs whose reports must be fetched (again): never fetched, or changed since.
/// Jobs that never started have no attempts and are skipped.
pub fn jobs_to_fetch<'a>(jobs: &'a [BuildJob], known: &HashMap<Rid, Signature>) -> Vec<&'a BuildJob> {
    jobs.iter()
        .filter(|job| job.attempt_count > 0 || job.started_time.is_some())
        .filter(|job| known.get(&job.rid) != Some(&signature(job)))
        .collect()
}

/// One bar per attempt, jobs in the order they started. A job whose report has not
/// arrived yet is drawn from the build report's own times.
pub fn bars(jobs: &[BuildJob], reports: &HashMap<Rid, JobReport>) -> Vec<Bar> {
    let mut ordered: Vec<&BuildJob> = jobs.iter().filter(|j| j.started_time.is_some()).collect();
    crate::sort::sort_by(&mut ordered, |a, b| {
        a.started_time.map(|t| t.unix_millis()).cmp(&b.started_time.map(|t| t.unix_millis()))
    });
    let mut out = Vec::new();
    for job in ordered {
        let attempts = reports.get(&job.rid).map(|r| r.attempts.as_slice()).unwrap_or_default();
        let started: Vec<_> = attempts.iter().filter(|a| a.started_time.is_some()).collect();
        if started.is_empty() {
            if let Some(start) = job.started_time {
                out.push(Bar {
                    job: job.rid.clone(),
                    label: job.job_spec_name.clone(),
                    start: start.unix_millis(),
                    end: job.finished_time.map(|t| t.unix_millis()),
                    look: job_look(job.status),
                    detail: job.error.clone().unwrap_or_default(),
                });
            }
            continue;
        }
        let several = started.len() > 1;
        for attempt in started {
            let Some(start) = attempt.started_time else { continue };
            let label =
                if several { format!("{} #{}", job.job_spec_name, attempt.number) } else { job.job_spec_name.clone() };
            let mut detail = ending(attempt);
            if let Some(error) = &attempt.error {
                detail = format!("{detail}: {error}");
            }
            out.push(Bar {
                job: job.rid.clone(),
                label,
                start: start.unix_millis(),
                end: attempt.finished_time.map(|t| t.unix_millis()),
                look: attempt_look(attempt),
                detail,
            });
        }
    }
    out
}

/// The job reports of a build's jobs, fetched as the jobs change. Returns what has
/// arrived so far; re-renders as more arrives.
#[hook]
pub fn use_job_reports(client: Client, jobs: Rc<Vec<BuildJob>>) -> Rc<HashMap<Rid, JobReport>> {
    let reports = use_state(|| Rc::new(HashMap::<Rid, JobReport>::new()));
    let known = use_mut_ref(HashMap::<Rid, Signature>::new);
    let in_flight = use_mut_ref(HashSet::<Rid>::new);
    let store = use_mut_ref(HashMap::<Rid, JobReport>::new);
    // Fetches outlive a change of the jobs (the next poll must not cancel them) but not
    // the page.
    let gone = use_memo((), |()| Rc::new(Cell::new(false)));
    {
        let gone = (*gone).clone();
        use_effect_with((), move |()| move || gone.set(true));
    }
    {
        let reports = reports.clone();
        let gone = (*gone).clone();
        use_effect_with((client, jobs), move |(client, jobs)| {
            let due: Vec<(Rid, Signature)> = jobs_to_fetch(jobs, &known.borrow())
                .into_iter()
                .filter(|job| !in_flight.borrow().contains(&job.rid))
                .map(|job| (job.rid.clone(), signature(job)))
                .collect();
            if !due.is_empty() {
                in_flight.borrow_mut().extend(due.iter().map(|(rid, _)| rid.clone()));
                let client = client.clone();
                wasm_bindgen_futures::spawn_local(fetch_all(client, due, known, in_flight, store, reports, gone));
            }
        });
    }
    (*reports).clone()
}

/// Fetches the due job reports one after another (a build may have many jobs; one at a
/// time keeps the service responsive) and publishes them as they arrive.
async fn fetch_all(
    client: Client,
    due: Vec<(Rid, Signature)>,
    known: Rc<RefCell<HashMap<Rid, Signature>>>,
    in_flight: Rc<RefCell<HashSet<Rid>>>,
    store: Rc<RefCell<HashMap<Rid, JobReport>>>,
    reports: UseStateHandle<Rc<HashMap<Rid, JobReport>>>,
    gone: Rc<Cell<bool>>,
) {
    for (rid, seen) in due {
        let result = if gone.get() { None } else { api::build2::job_report(&client, &rid).await.ok().flatten() };
        in_flight.borrow_mut().remove(&rid);
        // A failed fetch is retried on the next change of the build; the timeline falls
        // back to the build report's times meanwhile.
        if let Some(report) = result {
            known.borrow_mut().insert(rid.clone(), seen);
            store.borrow_mut().insert(rid, report);
            if !gone.get() {
                reports.set(Rc::new(store.borrow().clone()));
            }
        }
    }
}
