//! Every attempt of every job, for the timeline: one request for the whole build
//! (`GET …/builds/{runId}/attempts`), asked again when jobs gain or end attempts, never one
//! job report per job. Without the teams surface the timeline draws each job from the
//! build report's own times.
//!
//! Until the first answer (or failure) the timeline waits, rather than drawing every bar
//! from the report's times and again from the attempts a moment later: for a thousand
//! jobs that second drawing is most of the work.

use std::cell::Cell;
use std::collections::HashMap;
use std::rc::Rc;
use std::time::Duration;

use gloo_timers::future::sleep;
use kiln_api::build2::{Attempt, BuildJob, BuildReport};
use kiln_api::{Rid, TeamName};
use yew::prelude::*;

use crate::api::{self, Client};
use crate::components::attempt_words::{attempt_look, ending};
use crate::components::status_badge::job_look;
use crate::components::timeline::Bar;

/// The attempts of each job, by job RID.
pub type Attempts = Rc<HashMap<Rid, Vec<Attempt>>>;

/// While jobs keep changing, the attempts are asked for at most this often.
const AT_MOST_EVERY: Duration = Duration::from_millis(1000);

/// What of the jobs, when it changes, may change their attempts: how many each has and
/// which have ended. Attempts begin and end with these.
pub fn attempts_key(jobs: &[BuildJob]) -> Vec<(u32, bool)> {
    jobs.iter().map(|j| (j.attempt_count, j.finished_time.is_some())).collect()
}

/// One bar per attempt, jobs in the order they started. A job whose attempts have not
/// arrived (or that gained one since) is drawn from the build report's own times.
pub fn bars(jobs: &[BuildJob], attempts: &HashMap<Rid, Vec<Attempt>>) -> Vec<Bar> {
    let mut ordered: Vec<&BuildJob> = jobs.iter().filter(|j| j.started_time.is_some()).collect();
    crate::sort::sort_by(&mut ordered, |a, b| {
        a.started_time.map(|t| t.unix_millis()).cmp(&b.started_time.map(|t| t.unix_millis()))
    });
    let mut out = Vec::with_capacity(ordered.len());
    for job in ordered {
        let known = attempts.get(&job.rid).map(Vec::as_slice).unwrap_or_default();
        let started: Vec<_> = known.iter().filter(|a| a.started_time.is_some()).collect();
        let current = started.len() as u32 >= job.attempt_count
            && (job.finished_time.is_none() || started.iter().all(|a| a.finished_time.is_some()));
        if started.is_empty() || !current {
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

/// What the fetches of one report share. The state handle a fetch holds is the one of the
/// render that started it, so these say what it cannot.
#[derive(Default)]
struct Fetching {
    /// A fetch is on its way (or waiting to ask again).
    busy: Cell<bool>,
    /// The jobs changed while it was: ask once more.
    again: Cell<bool>,
    /// The report is gone: drop the answer.
    gone: Cell<bool>,
    /// A fetch has answered or failed, so the timeline no longer waits.
    answered: Cell<bool>,
}

/// The build's attempts, fetched once and again (at most every `AT_MOST_EVERY`) when its
/// jobs gain or end attempts. `None` until the first fetch answers or fails; empty without
/// the teams surface, or when the first fetch failed.
#[hook]
pub fn use_build_attempts(client: Client, report: Rc<BuildReport>, teams: bool) -> Option<Attempts> {
    // Without the teams surface there is nothing to wait for.
    let attempts = use_state(|| (!teams).then(Attempts::default));
    let key = attempts_key(&report.jobs);
    let fetching = use_memo((), |()| Fetching::default());
    {
        let fetching = fetching.clone();
        use_effect_with((), move |()| move || fetching.gone.set(true));
    }
    {
        let (attempts, fetching) = (attempts.clone(), fetching.clone());
        let (team, run_id) = (report.team.clone(), report.run_id);
        use_effect_with((client, team, run_id, teams, key), move |(client, team, run_id, teams, _)| {
            if !*teams {
                if attempts.is_none() {
                    attempts.set(Some(Attempts::default()));
                }
                return;
            }
            if fetching.busy.replace(true) {
                fetching.again.set(true);
                return;
            }
            let (client, team, run_id) = (client.clone(), team.clone(), *run_id);
            wasm_bindgen_futures::spawn_local(fetch_while_changing(client, team, run_id, attempts, fetching));
        });
    }
    (*attempts).clone()
}

async fn fetch_while_changing(
    client: Client,
    team: TeamName,
    run_id: u64,
    attempts: UseStateHandle<Option<Attempts>>,
    fetching: Rc<Fetching>,
) {
    loop {
        let answer = api::teams::build_attempts(&client, &team, run_id).await;
        if fetching.gone.get() {
            return;
        }
        match answer {
            Ok(answer) => {
                fetching.answered.set(true);
                attempts.set(Some(Rc::new(answer.jobs.into_iter().map(|j| (j.job_rid, j.attempts)).collect())));
            }
            // A failed fetch leaves the timeline on the build report's times until the next
            // change; the first one lets the timeline stop waiting and draw from them.
            Err(_) if !fetching.answered.replace(true) => attempts.set(Some(Attempts::default())),
            Err(_) => {}
        }
        if fetching.gone.get() || !fetching.again.replace(false) {
            break;
        }
        sleep(AT_MOST_EVERY).await;
    }
    fetching.busy.set(false);
}
