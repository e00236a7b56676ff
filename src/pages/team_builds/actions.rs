//! Acting on builds: stop, archive, restore and tags, for one row or many.
//!
//! Every action shows the row's change at once, then the service's answer (the stop
//! message, the new path, the saved tags). When the service refuses, the row is put back
//! as it was and marked, and the report says why. A bulk action runs row by row and
//! reports each one.

use std::cell::Cell;
use std::rc::Rc;

use kiln_api::TeamName;
use kiln_api::teams::TeamBuild;
use yew::prelude::*;

use super::store::{BuildsStore, StoreAction};
use crate::api::{self, ApiError, Client};
use crate::components::toasts::{ToastButton, Toaster};
use crate::session::{SessionAction, SessionHandle};

/// One of the actions a build can take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    Stop,
    Archive,
    Restore,
    /// Replace the tags.
    SetTags(Vec<String>),
    AddTag(String),
    RemoveTag(String),
}

impl Kind {
    fn pending_label(&self) -> &'static str {
        match self {
            Kind::Stop => "Stopping…",
            Kind::Archive => "Archiving…",
            Kind::Restore => "Restoring…",
            Kind::SetTags(_) | Kind::AddTag(_) | Kind::RemoveTag(_) => "Saving tags…",
        }
    }

    /// The heading of a report on `count` builds, the first being `first`.
    pub fn title(&self, count: usize, first: u64) -> String {
        let what = match self {
            Kind::Stop => "Stop".to_owned(),
            Kind::Archive => "Archive".to_owned(),
            Kind::Restore => "Restore".to_owned(),
            Kind::SetTags(_) => "Set the tags of".to_owned(),
            Kind::AddTag(tag) => format!("Add the tag \"{tag}\" to"),
            Kind::RemoveTag(tag) => format!("Remove the tag \"{tag}\" from"),
        };
        if count == 1 { format!("{what} build #{first}") } else { format!("{what} {count} builds") }
    }

    /// The tags a build would have after this action, for tag actions.
    fn tags_after(&self, build: &TeamBuild) -> Option<Vec<String>> {
        let mut tags = build.tags.clone();
        match self {
            Kind::SetTags(new) => return Some(new.clone()),
            Kind::AddTag(tag) if !tags.contains(tag) => tags.push(tag.clone()),
            Kind::AddTag(_) => {}
            Kind::RemoveTag(tag) => tags.retain(|t| t != tag),
            Kind::Stop | Kind::Archive | Kind::Restore => return None,
        }
        Some(tags)
    }

    /// How the row looks while the service is asked: archiving shows the build archived,
    /// tag edits show the new tags; stopping waits for the service to say so.
    fn optimistic(&self, build: &TeamBuild) -> Option<TeamBuild> {
        match self {
            Kind::Stop => None,
            Kind::Archive | Kind::Restore => {
                Some(TeamBuild { archived: matches!(self, Kind::Archive), ..build.clone() })
            }
            _ => self.tags_after(build).map(|tags| TeamBuild { tags, ..build.clone() }),
        }
    }
}

/// How one build fared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub run_id: u64,
    pub ok: bool,
    /// The service's answer, or why it failed.
    pub message: String,
}

/// The report of the last action: what was asked and how each build fared.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Report {
    pub id: u32,
    pub title: String,
    pub total: usize,
    pub outcomes: Vec<Outcome>,
}

impl Report {
    pub fn done(&self) -> bool {
        self.outcomes.len() >= self.total
    }

    pub fn failures(&self) -> usize {
        self.outcomes.iter().filter(|o| !o.ok).count()
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Reports {
    pub current: Option<Report>,
}

pub enum ReportAction {
    Start { id: u32, title: String, total: usize },
    Outcome { id: u32, outcome: Outcome },
    Dismiss,
}

impl Reducible for Reports {
    type Action = ReportAction;

    fn reduce(self: Rc<Self>, action: ReportAction) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            ReportAction::Start { id, title, total } => {
                next.current = Some(Report { id, title, total, outcomes: Vec::new() });
            }
            ReportAction::Outcome { id, outcome } => match next.current.as_mut() {
                Some(report) if report.id == id => report.outcomes.push(outcome),
                // The report of an older action was replaced; its rows are updated anyway.
                _ => return self,
            },
            ReportAction::Dismiss => next.current = None,
        }
        Rc::new(next)
    }
}

/// Two sentences in a row, whether or not the first (the service's words) ends with a stop.
pub fn sentence(first: &str, then: &str) -> String {
    let first = first.trim_end();
    if first.ends_with(['.', '!', '?']) { format!("{first} {then}") } else { format!("{first}. {then}") }
}

/// Everything an action needs; cheap to clone into a task.
#[derive(Clone)]
pub struct Runner {
    pub client: Client,
    pub team: TeamName,
    pub store: UseReducerDispatcher<BuildsStore>,
    pub reports: UseReducerDispatcher<Reports>,
    pub session: SessionHandle,
    /// Numbers reports, so outcomes of a replaced report are not shown under a new one.
    pub last_report: Rc<Cell<u32>>,
    /// Where an archive or restore offers its Undo; `None` where no toast host is mounted.
    pub toaster: Option<Toaster>,
}

/// "Build #12 archived." / "3 builds restored.", and what its Undo button is called.
pub fn undo_words(kind: &Kind, builds: &[Rc<TeamBuild>]) -> Option<(String, String)> {
    let (done, doing) = match kind {
        Kind::Archive => ("archived", "archiving"),
        Kind::Restore => ("restored", "restoring"),
        _ => return None,
    };
    let what = match builds {
        [] => return None,
        [one] => format!("build #{}", one.run_id),
        many => format!("{} builds", many.len()),
    };
    let mut message = format!("{what} {done}.");
    message[..1].make_ascii_uppercase();
    Some((message, format!("Undo {doing} {what}")))
}

impl Runner {
    /// Runs `kind` on `builds`, one after another, reporting each. An archive or restore
    /// then offers to undo itself in a toast.
    pub fn run(&self, kind: Kind, builds: Vec<Rc<TeamBuild>>) {
        self.run_then(kind, builds, true);
    }

    fn run_then(&self, kind: Kind, builds: Vec<Rc<TeamBuild>>, offer_undo: bool) {
        let Some(first) = builds.first() else { return };
        let id = self.last_report.get().wrapping_add(1);
        self.last_report.set(id);
        self.reports.dispatch(ReportAction::Start {
            id,
            title: kind.title(builds.len(), first.run_id),
            total: builds.len(),
        });
        let runner = self.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let mut changed = Vec::new();
            for build in builds {
                let (outcome, now) = runner.one(&kind, &build).await;
                runner.reports.dispatch(ReportAction::Outcome { id, outcome });
                changed.extend(now.map(Rc::new));
            }
            if offer_undo {
                runner.offer_undo(&kind, changed);
            }
        });
    }

    /// A toast that says what was archived (or restored), with an Undo that does the opposite.
    fn offer_undo(&self, kind: &Kind, changed: Vec<Rc<TeamBuild>>) {
        let (Some(toaster), Some((message, aria_label))) = (&self.toaster, undo_words(kind, &changed)) else {
            return;
        };
        let opposite = if *kind == Kind::Archive { Kind::Restore } else { Kind::Archive };
        let runner = self.clone();
        let on_click = Callback::from(move |()| runner.run_then(opposite.clone(), changed.clone(), false));
        toaster.note(message, Some(ToastButton { label: "Undo".into(), aria_label: aria_label.into(), on_click }));
    }

    /// Acts on one build; answers how it went and, when it worked, the build as it now is.
    async fn one(&self, kind: &Kind, build: &TeamBuild) -> (Outcome, Option<TeamBuild>) {
        let run_id = build.run_id;
        self.store.dispatch(StoreAction::Begin {
            run_id,
            label: kind.pending_label(),
            optimistic: kind.optimistic(build),
        });
        match self.call(kind, build).await {
            Ok((message, updated)) => {
                self.store.dispatch(StoreAction::Succeeded { run_id, build: updated.clone() });
                (Outcome { run_id, ok: true, message }, updated)
            }
            Err(error) => {
                if error.is_unauthorized() {
                    self.session.dispatch(SessionAction::ShowError(error.clone()));
                }
                self.store.dispatch(StoreAction::RolledBack { run_id, previous: build.clone() });
                (Outcome { run_id, ok: false, message: sentence(&error.to_string(), "Nothing was changed.") }, None)
            }
        }
    }

    /// Asks the service; answers with the message to show and the build as it now is.
    async fn call(&self, kind: &Kind, build: &TeamBuild) -> Result<(String, Option<TeamBuild>), ApiError> {
        let (client, team, run_id) = (&self.client, &self.team, build.run_id);
        match kind {
            Kind::Stop => {
                let answer = api::teams::stop(client, team, run_id).await?;
                // The stop answer is only a message; read the build back for its new state.
                let now = api::teams::build(client, team, run_id).await.ok();
                Ok((answer.message, now))
            }
            Kind::Archive | Kind::Restore => {
                let answer = if *kind == Kind::Archive {
                    api::teams::archive(client, team, run_id).await?
                } else {
                    api::teams::restore(client, team, run_id).await?
                };
                let verb = if *kind == Kind::Archive { "Archived" } else { "Restored" };
                let message = format!("{verb}; the artifacts are now in {}", answer.path);
                let archived = *kind == Kind::Archive;
                Ok((message, Some(TeamBuild { archived, path: answer.path, ..build.clone() })))
            }
            Kind::SetTags(_) | Kind::AddTag(_) | Kind::RemoveTag(_) => {
                let tags = kind.tags_after(build).unwrap_or_default();
                let saved = api::teams::set_tags(client, team, run_id, tags).await?;
                let words = if saved.tags.is_empty() { "no tags".to_owned() } else { saved.tags.join(", ") };
                Ok((format!("Tags saved: {words}"), Some(saved)))
            }
        }
    }
}
