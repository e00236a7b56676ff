//! What the team builds page shows: the filters and the sort order, their URL form (so a
//! view can be shared as a link), and the pure logic that applies them to builds.
//!
//! The service filters a listing itself (`BuildsQuery`); the console only needs to judge
//! builds that arrive live, and to sort what it has loaded.

use std::borrow::Borrow;
use std::cmp::Ordering;

use kiln_api::teams::{ArchivedFilter, BuildsQuery, TeamBuild, TeamBuildState};
use serde::{Deserialize, Serialize};

/// How many builds the first request of a listing asks for: about two screens of rows
/// (44 px each on an 800 px screen), so the first rows paint without waiting for hundreds.
pub const FIRST_PAGE_SIZE: u32 = 40;
/// How many builds each further request asks for, as the person scrolls.
pub const PAGE_SIZE: u32 = 500;

/// A column the table can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SortColumn {
    Run,
    Status,
    #[default]
    Created,
    Who,
    Duration,
}

impl SortColumn {
    pub const ALL: [SortColumn; 5] =
        [SortColumn::Run, SortColumn::Status, SortColumn::Created, SortColumn::Who, SortColumn::Duration];

    pub fn as_str(self) -> &'static str {
        match self {
            SortColumn::Run => "run",
            SortColumn::Status => "status",
            SortColumn::Created => "created",
            SortColumn::Who => "who",
            SortColumn::Duration => "duration",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        SortColumn::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SortDir {
    Asc,
    #[default]
    Desc,
}

impl SortDir {
    pub fn as_str(self) -> &'static str {
        match self {
            SortDir::Asc => "asc",
            SortDir::Desc => "desc",
        }
    }

    pub fn flipped(self) -> Self {
        match self {
            SortDir::Asc => SortDir::Desc,
            SortDir::Desc => SortDir::Asc,
        }
    }

    /// The `aria-sort` word for a column sorted this way.
    pub fn aria(self) -> &'static str {
        match self {
            SortDir::Asc => "ascending",
            SortDir::Desc => "descending",
        }
    }
}

/// Everything that shapes the view. `Default` is "not archived, newest first".
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Filters {
    pub state: Option<TeamBuildState>,
    pub tag: Option<String>,
    pub dataset: Option<String>,
    /// Free text; the service matches it against run id, RID, tags, creator and job names.
    pub text: Option<String>,
    pub archived: ArchivedFilter,
    pub sort: SortColumn,
    pub dir: SortDir,
}

/// The URL form of [`Filters`]. Defaults are left out so the plain page has a plain URL.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct UrlQuery {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dataset: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub q: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub archived: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sort: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dir: Option<String>,
}

/// Blank text means "no filter"; surrounding white space is never meant.
pub fn non_blank(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

fn archived_word(filter: ArchivedFilter) -> &'static str {
    match filter {
        ArchivedFilter::False => "false",
        ArchivedFilter::True => "true",
        ArchivedFilter::All => "all",
    }
}

impl Filters {
    /// Reads a URL query (with or without its leading `?`). Words that are not understood
    /// fall back to the default rather than failing: a shared link with a stale or
    /// mistyped value still opens the page.
    pub fn from_query_str(query: &str) -> Self {
        let query = query.strip_prefix('?').unwrap_or(query);
        let url: UrlQuery = serde_urlencoded::from_str(query).unwrap_or_default();
        Filters::from_url(url)
    }

    pub fn from_url(url: UrlQuery) -> Self {
        let archived = match url.archived.as_deref() {
            Some("true") => ArchivedFilter::True,
            Some("all") => ArchivedFilter::All,
            _ => ArchivedFilter::False,
        };
        Filters {
            state: url.state.as_deref().and_then(|s| s.parse().ok()),
            tag: non_blank(url.tag),
            dataset: non_blank(url.dataset),
            text: non_blank(url.q),
            archived,
            sort: url.sort.as_deref().and_then(SortColumn::parse).unwrap_or_default(),
            dir: match url.dir.as_deref() {
                Some("asc") => SortDir::Asc,
                Some("desc") => SortDir::Desc,
                _ => SortDir::default(),
            },
        }
    }

    pub fn to_url(&self) -> UrlQuery {
        UrlQuery {
            state: self.state.map(|s| s.as_str().to_owned()),
            tag: self.tag.clone(),
            dataset: self.dataset.clone(),
            q: self.text.clone(),
            archived: (self.archived != ArchivedFilter::default()).then(|| archived_word(self.archived).to_owned()),
            sort: (self.sort != SortColumn::default()).then(|| self.sort.as_str().to_owned()),
            dir: (self.dir != SortDir::default()).then(|| self.dir.as_str().to_owned()),
        }
    }

    /// The query string without a leading `?`; empty for the default view.
    pub fn to_query_string(&self) -> String {
        serde_urlencoded::to_string(self.to_url()).unwrap_or_default()
    }

    /// What the service is asked for. Sorting is left out: the service lists newest
    /// first, and the console sorts what it has loaded.
    pub fn service_query(&self, cursor: Option<String>) -> BuildsQuery {
        BuildsQuery {
            archived: Some(self.archived),
            state: self.state,
            tag: self.tag.clone(),
            dataset: self.dataset.clone(),
            q: self.text.clone(),
            limit: Some(if cursor.is_some() { PAGE_SIZE } else { FIRST_PAGE_SIZE }),
            cursor,
        }
    }

    /// The same filters with sorting reset: two views that differ only in sort order
    /// show the same builds, so they share one listing.
    pub fn without_sort(&self) -> Filters {
        Filters { sort: SortColumn::default(), dir: SortDir::default(), ..self.clone() }
    }

    /// Whether anything but the default view is asked for (sorting aside).
    pub fn is_filtered(&self) -> bool {
        self.without_sort() != Filters::default()
    }

    /// Sorting by `column`: a second click on the current column flips the direction;
    /// a new column starts with the direction that reads best for it.
    pub fn sorted_by(&self, column: SortColumn) -> Filters {
        let dir = if self.sort == column {
            self.dir.flipped()
        } else {
            match column {
                SortColumn::Who | SortColumn::Status => SortDir::Asc,
                SortColumn::Run | SortColumn::Created | SortColumn::Duration => SortDir::Desc,
            }
        };
        Filters { sort: column, dir, ..self.clone() }
    }
}

/// Whether a build belongs in a view, as far as the console can tell on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Yes,
    No,
    /// Only the service knows (a dataset filter, or free text that may match a job name).
    Unknown,
}

/// Whether a view of "Current", "Archived" or "All builds" shows a build so archived.
pub fn archived_admits(filter: ArchivedFilter, archived: bool) -> bool {
    match filter {
        ArchivedFilter::False => !archived,
        ArchivedFilter::True => archived,
        ArchivedFilter::All => true,
    }
}

/// Judges a build that arrived live against the view's filters.
pub fn matches(build: &TeamBuild, filters: &Filters) -> Verdict {
    let archived_ok = archived_admits(filters.archived, build.archived);
    let state_ok = filters.state.is_none_or(|s| s == build.status.state);
    let tag_ok = filters.tag.as_ref().is_none_or(|t| build.tags.iter().any(|bt| bt == t));
    if !(archived_ok && state_ok && tag_ok) {
        return Verdict::No;
    }
    let text_ok = filters.text.as_ref().is_none_or(|t| text_matches(build, t));
    match (filters.dataset.is_some(), text_ok) {
        (false, true) => Verdict::Yes,
        // The text may still match one of the build's job names, which only the service knows.
        _ => Verdict::Unknown,
    }
}

/// Free text against what a build row carries: run id, build RID, tags and creator,
/// case-insensitively.
pub fn text_matches(build: &TeamBuild, text: &str) -> bool {
    let needle = text.trim().to_lowercase();
    let needle = needle.strip_prefix('#').unwrap_or(&needle);
    needle.is_empty()
        || build.run_id.to_string() == needle
        || build.build_rid.as_str().to_lowercase().contains(needle)
        || build.created_by.to_lowercase().contains(needle)
        || build.tags.iter().any(|t| t.to_lowercase().contains(needle))
}

/// How long a build ran, in milliseconds: to its last state change once it has
/// finished, to `now` while it is queued or running.
pub fn duration_millis(build: &TeamBuild, now: i64) -> i64 {
    let end = if build.status.state.is_active() { now } else { build.status.timestamp.unix_millis() };
    (end - build.created_time.unix_millis()).max(0)
}

/// The order of states when sorting by status: live ones first, as people look for them.
fn state_rank(state: TeamBuildState) -> u8 {
    match state {
        TeamBuildState::Running => 0,
        TeamBuildState::Queued => 1,
        TeamBuildState::Failed => 2,
        TeamBuildState::Stopped => 3,
        TeamBuildState::Complete => 4,
    }
}

/// Compares two builds by a column; ties fall back to the run id so the order is total
/// and stable across re-sorts.
pub fn compare(a: &TeamBuild, b: &TeamBuild, column: SortColumn, dir: SortDir, now: i64) -> Ordering {
    let primary = match column {
        SortColumn::Run => Ordering::Equal,
        SortColumn::Status => state_rank(a.status.state).cmp(&state_rank(b.status.state)),
        SortColumn::Created => a.created_time.cmp(&b.created_time),
        SortColumn::Who => a.created_by.to_lowercase().cmp(&b.created_by.to_lowercase()),
        SortColumn::Duration => duration_millis(a, now).cmp(&duration_millis(b, now)),
    };
    let ordering = primary.then(a.run_id.cmp(&b.run_id));
    match dir {
        SortDir::Asc => ordering,
        SortDir::Desc => ordering.reverse(),
    }
}

/// Sorts builds in place for the view.
pub fn sort_builds<B: Borrow<TeamBuild>>(builds: &mut [B], filters: &Filters, now: i64) {
    crate::sort::sort_by(builds, |a, b| compare(a.borrow(), b.borrow(), filters.sort, filters.dir, now));
}

/// Tags as typed in one text field: separated by commas or new lines, trimmed, blanks
/// and repeats dropped, first spelling kept.
pub fn parse_tags(text: &str) -> Vec<String> {
    let mut tags: Vec<String> = Vec::new();
    for tag in text.split([',', '\n']).map(str::trim).filter(|t| !t.is_empty()) {
        if !tags.iter().any(|t| t == tag) {
            tags.push(tag.to_owned());
        }
    }
    tags
}
