//! The page's one store: the builds loaded so far, which listing they belong to, and
//! what each row is waiting for. Live events, polling and actions all go through it.

use std::collections::{BTreeSet, HashMap};
use std::rc::Rc;

use kiln_api::teams::{TeamBuild, TeamBuildState, TeamBuildStatus};
use yew::prelude::*;

use super::filters::{Filters, Verdict, archived_admits, matches};
use crate::api::ApiError;

/// The builds of one listing, in the order they arrived (the view sorts them).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BuildsStore {
    /// Bumped on every new listing, so answers to an older one are dropped.
    pub generation: u32,
    pub filters: Filters,
    pub rows: Rc<Vec<Rc<TeamBuild>>>,
    pub next_cursor: Option<String>,
    pub loading: bool,
    /// The first page has answered (successfully or not).
    pub loaded: bool,
    pub error: Option<ApiError>,
    /// Rows with an action under way, and what the row says meanwhile.
    pub pending: Rc<HashMap<u64, &'static str>>,
    /// Rows whose last action failed and was undone; the row is marked until acted on again.
    pub rolled_back: Rc<BTreeSet<u64>>,
    /// Bumped when a live build may belong to the view but only the service can tell.
    pub stale: u32,
    /// Builds the events stream added since the listing started: the listing's first page
    /// may have been read before they existed, so it does not drop them.
    pub streamed: Rc<BTreeSet<u64>>,
}

#[derive(Debug, Clone)]
pub enum StoreAction {
    /// A new listing starts: forget the rows of the old one. `generation` numbers it.
    Reset {
        generation: u32,
        filters: Filters,
    },
    /// A page of the current listing; `append` adds a next page, otherwise it replaces.
    Page {
        generation: u32,
        builds: Vec<TeamBuild>,
        next_cursor: Option<String>,
        append: bool,
    },
    /// The newest builds again (polling, or a reconnected stream): update and add, keep the rest.
    Merge {
        generation: u32,
        builds: Vec<TeamBuild>,
    },
    Failed {
        generation: u32,
        error: ApiError,
    },
    /// Asking for the next page.
    LoadingMore,
    /// A build from the events stream or an action's answer.
    Upsert(TeamBuild),
    /// An action started on a row: show `label` and, optimistically, `optimistic`.
    Begin {
        run_id: u64,
        label: &'static str,
        optimistic: Option<TeamBuild>,
    },
    /// An action ended well; `build` is the service's answer when it gave one.
    Succeeded {
        run_id: u64,
        build: Option<TeamBuild>,
    },
    /// An action failed: put `previous` back and mark the row.
    RolledBack {
        run_id: u64,
        previous: TeamBuild,
    },
}

impl BuildsStore {
    pub fn find(&self, run_id: u64) -> Option<&Rc<TeamBuild>> {
        self.rows.iter().find(|b| b.run_id == run_id)
    }

    /// Updates or adds a build. Answers and events can arrive out of order (a list read
    /// before a job started may answer after its event), and a build's status only moves
    /// forward, so a status older than the shown one is not taken; the rest of the build is.
    fn replace_or_add(rows: &mut Vec<Rc<TeamBuild>>, build: TeamBuild, add: bool) {
        match rows.iter_mut().find(|b| b.run_id == build.run_id) {
            Some(existing) => {
                let build = if is_newer(&existing.status, &build.status) {
                    TeamBuild { status: existing.status.clone(), ..build }
                } else {
                    build
                };
                // An unchanged build keeps its Rc, so its row does not re-render.
                if **existing != build {
                    *existing = Rc::new(build);
                }
            }
            None if add => rows.push(Rc::new(build)),
            None => {}
        }
    }

    /// Puts a build the person acted on where the view wants it: a build archived from
    /// "Current builds" (or restored from "Archived builds") leaves at once; one that
    /// belongs (an undo, a rollback) comes back. Live updates do not do this: rows the
    /// person did not touch never vanish under their eyes.
    /// An action's answer can be older than an event (Stop reads the build back while its
    /// jobs are still being killed): `replace_or_add` keeps the newer status.
    fn place(&mut self, build: TeamBuild) {
        let rows = Rc::make_mut(&mut self.rows);
        if archived_admits(self.filters.archived, build.archived) {
            BuildsStore::replace_or_add(rows, build, true);
        } else {
            rows.retain(|b| b.run_id != build.run_id);
        }
    }

    fn clear_marks(&mut self, run_id: u64) {
        if self.pending.contains_key(&run_id) {
            Rc::make_mut(&mut self.pending).remove(&run_id);
        }
        if self.rolled_back.contains(&run_id) {
            Rc::make_mut(&mut self.rolled_back).remove(&run_id);
        }
    }
}

/// Whether `shown` is a later status of a build than `incoming`. A build moves from queued
/// to running to an end, so at the same millisecond the further state is the later one.
fn is_newer(shown: &TeamBuildStatus, incoming: &TeamBuildStatus) -> bool {
    let stage = |state: TeamBuildState| match state {
        TeamBuildState::Queued => 0,
        TeamBuildState::Running => 1,
        TeamBuildState::Complete | TeamBuildState::Failed | TeamBuildState::Stopped => 2,
    };
    (shown.timestamp, stage(shown.state)) > (incoming.timestamp, stage(incoming.state))
}

impl Reducible for BuildsStore {
    type Action = StoreAction;

    fn reduce(self: Rc<Self>, action: StoreAction) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            StoreAction::Reset { generation, filters } => {
                next = BuildsStore { generation, filters, loading: true, ..Default::default() };
            }
            StoreAction::Page { generation, builds, next_cursor, append } => {
                if generation != self.generation {
                    return self;
                }
                let rows = Rc::make_mut(&mut next.rows);
                if !append {
                    // The first page replaces what was shown (a cached page), but keeps
                    // the builds the stream brought meanwhile and their newer statuses.
                    rows.retain(|b| self.streamed.contains(&b.run_id));
                }
                for build in builds {
                    BuildsStore::replace_or_add(rows, build, true);
                }
                next.next_cursor = next_cursor;
                next.loading = false;
                next.loaded = true;
                next.error = None;
            }
            StoreAction::Merge { generation, builds } => {
                if generation != self.generation {
                    return self;
                }
                let rows = Rc::make_mut(&mut next.rows);
                for build in builds {
                    // The service listed it under these filters, so it belongs here.
                    BuildsStore::replace_or_add(rows, build, true);
                }
                next.error = None;
            }
            StoreAction::Failed { generation, error } => {
                if generation != self.generation {
                    return self;
                }
                next.loading = false;
                next.loaded = true;
                next.error = Some(error);
            }
            StoreAction::LoadingMore => next.loading = true,
            StoreAction::Upsert(build) => {
                let known = self.find(build.run_id).is_some();
                // A build already shown is updated in place, even when it no longer
                // matches: rows do not vanish under the reader's eyes.
                let verdict = if known { Verdict::Yes } else { matches(&build, &self.filters) };
                match verdict {
                    Verdict::Yes => {
                        Rc::make_mut(&mut next.streamed).insert(build.run_id);
                        BuildsStore::replace_or_add(Rc::make_mut(&mut next.rows), build, true);
                    }
                    Verdict::No => return self,
                    Verdict::Unknown => next.stale = next.stale.wrapping_add(1),
                }
            }
            StoreAction::Begin { run_id, label, optimistic } => {
                next.clear_marks(run_id);
                Rc::make_mut(&mut next.pending).insert(run_id, label);
                if let Some(build) = optimistic {
                    next.place(build);
                }
            }
            StoreAction::Succeeded { run_id, build } => {
                next.clear_marks(run_id);
                if let Some(build) = build {
                    next.place(build);
                }
            }
            StoreAction::RolledBack { run_id, previous } => {
                next.clear_marks(run_id);
                Rc::make_mut(&mut next.rolled_back).insert(run_id);
                next.place(previous);
            }
        }
        Rc::new(next)
    }
}
