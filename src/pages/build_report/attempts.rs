//! Every attempt of every job, for the timeline: one request for the whole build
//! (`GET …/builds/{runId}/attempts`), asked again when jobs gain or end attempts, never one
//! job report per job. Without the teams surface the timeline draws each job from the
//! build report's own times.

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

/// The build's attempts, fetched once and again (at most every `AT_MOST_EVERY`) when its
/// jobs gain or end attempts. Empty without the teams surface.
#[hook]
pub fn use_build_attempts(client: Client, report: Rc<BuildReport>, teams: bool) -> Attempts {
    let attempts = use_state(Attempts::default);
    let key = attempts_key(&report.jobs);
    let busy = use_mut_ref(|| Rc::new(Cell::new(false)));
    let again = use_mut_ref(|| Rc::new(Cell::new(false)));
    let gone = use_memo((), |()| Rc::new(Cell::new(false)));
    {
        let gone = (*gone).clone();
        use_effect_with((), move |()| move || gone.set(true));
    }
    {
        let attempts = attempts.clone();
        let (busy, again, gone) = (busy.borrow().clone(), again.borrow().clone(), (*gone).clone());
        let (team, run_id) = (report.team.clone(), report.run_id);
        use_effect_with((client, team, run_id, teams, key), move |(client, team, run_id, teams, _)| {
            if !*teams {
                return;
            }
            if busy.replace(true) {
                again.set(true);
                return;
            }
            let (client, team, run_id) = (client.clone(), team.clone(), *run_id);
            wasm_bindgen_futures::spawn_local(fetch_while_changing(client, team, run_id, attempts, busy, again, gone));
        });
    }
    (*attempts).clone()
}

async fn fetch_while_changing(
    client: Client,
    team: TeamName,
    run_id: u64,
    attempts: UseStateHandle<Attempts>,
    busy: Rc<Cell<bool>>,
    again: Rc<Cell<bool>>,
    gone: Rc<Cell<bool>>,
) {
    loop {
        // A failed fetch leaves the timeline on the build report's times until the next change.
        if let Ok(answer) = api::teams::build_attempts(&client, &team, run_id).await {
            if gone.get() {
                return;
            }
            attempts.set(Rc::new(answer.jobs.into_iter().map(|j| (j.job_rid, j.attempts)).collect()));
        }
        if gone.get() || !again.replace(false) {
            break;
        }
        sleep(AT_MOST_EVERY).await;
    }
    busy.set(false);
}
