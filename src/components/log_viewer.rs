//! The log viewer: tails a running attempt's log by byte offset, searches it, jumps to
//! the first error, links to a line (`#L42`) and downloads the whole log.
//!
//! Log text is only ever rendered as text nodes, never parsed as HTML; ANSI colours
//! become classes and inline colours on those text nodes' spans (see `ansi`). Only the lines in
//! view (plus a buffer) are mounted, so long logs stay fast.

pub mod ansi;
pub mod browser;
pub mod tail;
pub mod text;
pub mod window;

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use gloo_timers::future::sleep;
use kiln_api::{Rid, TeamName};
use web_sys::{Element, HtmlInputElement};
use yew::prelude::*;

use self::tail::{Applied, Tail};
use self::text::{ErrorClue, LogText, Piece};
use self::window::{DEFAULT_VIEWPORT_PX, LINE_PX, is_at_end, scroll_top_for, visible_range};
use crate::api::{self, Client};

/// The windowing arithmetic depends on these, so they are inline rather than left to a
/// stylesheet that might not be loaded (or might be overridden).
const LINE_STYLE: &str = "height: 20px; line-height: 20px";
const LINES_STYLE: &str = "max-height: min(65vh, 560px); overflow: auto";

/// How often a running attempt's log is read again.
const POLL_DELAY: Duration = Duration::from_millis(1000);
/// How long to wait after a failed read before trying again.
const RETRY_DELAY: Duration = Duration::from_secs(4);
/// A read at least this large was probably cut short by the service, so the next one
/// follows at once instead of after `POLL_DELAY`.
const LARGE_CHUNK: usize = 64 * 1024;

/// Where a log comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum LogSource {
    /// One attempt of a job, read from the teams surface's log endpoint.
    Service { client: Client, team: TeamName, run_id: u64, job: Rid, attempt: u32 },
    /// An attempt's log at the `logUrl` its job report gives (any query it has is kept;
    /// the reader adds `offset`).
    Url { client: Client, url: Rc<str> },
    /// Text known up front.
    Text(Rc<str>),
}

/// How reading the log is going.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Feed {
    Loading,
    /// The service has no log for this attempt yet.
    Waiting,
    /// More may come: the attempt is still running.
    Live,
    Complete,
    /// The last read failed; reading goes on.
    Failed(String),
}

#[derive(Properties, PartialEq)]
pub struct LogViewerProps {
    pub source: LogSource,
    /// A 1-based line to show and mark once the log has it (from a `#L42` link).
    #[prop_or_default]
    pub target_line: Option<usize>,
    /// The name a downloaded log is saved under.
    #[prop_or(AttrValue::from("job.log"))]
    pub file_name: AttrValue,
    /// The attempt ended in failure (a non-zero exit, a signal): "First error" then falls
    /// back to its last words when no line says error.
    #[prop_or_default]
    pub failed: bool,
}

/// Reads the log of `source` into a shared `LogText`, re-rendering as it grows.
#[hook]
fn use_log_feed(source: &LogSource) -> (Rc<RefCell<LogText>>, Feed) {
    let log = use_mut_ref(LogText::new);
    let feed = use_state_eq(|| Feed::Loading);
    let redraw = use_force_update();
    {
        let log = log.clone();
        let feed = feed.clone();
        use_effect_with(source.clone(), move |source| {
            let cancelled = Rc::new(Cell::new(false));
            match source {
                LogSource::Text(text) => {
                    *log.borrow_mut() = LogText::from_text(text);
                    feed.set(Feed::Complete);
                    redraw.force_update();
                }
                LogSource::Service { .. } | LogSource::Url { .. } => {
                    *log.borrow_mut() = LogText::new();
                    feed.set(Feed::Loading);
                    let reader = Reader { source: source.clone(), log, feed, redraw, cancelled: cancelled.clone() };
                    wasm_bindgen_futures::spawn_local(reader.run());
                }
            }
            move || cancelled.set(true)
        });
    }
    (log, (*feed).clone())
}

/// The loop that tails one attempt's log until it is complete or the viewer goes away.
struct Reader {
    source: LogSource,
    log: Rc<RefCell<LogText>>,
    feed: UseStateHandle<Feed>,
    redraw: UseForceUpdateHandle,
    cancelled: Rc<Cell<bool>>,
}

impl Reader {
    async fn run(self) {
        if matches!(self.source, LogSource::Text(_)) {
            return;
        }
        let mut tail = Tail::new();
        while let Some(offset) = tail.next_offset() {
            if self.cancelled.get() {
                return;
            }
            // A hidden tab asks nothing of the service; reading resumes when it is shown.
            if browser::page_hidden() {
                sleep(POLL_DELAY).await;
                continue;
            }
            let result = match &self.source {
                LogSource::Service { client, team, run_id, job, attempt } => {
                    api::teams::log(client, team, *run_id, job, *attempt, offset).await
                }
                LogSource::Url { client, url } => {
                    let joiner = if url.contains('?') { '&' } else { '?' };
                    client.get_log_at(&format!("{}{joiner}offset={offset}", client.resolve(url))).await
                }
                LogSource::Text(_) => return,
            };
            if self.cancelled.get() {
                return;
            }
            let (next, delay) = match result {
                Ok(chunk) => {
                    let applied = tail.apply(&mut self.log.borrow_mut(), &chunk);
                    if applied != Applied::Unchanged {
                        self.redraw.force_update();
                    }
                    let delay = if chunk.text.len() >= LARGE_CHUNK { Duration::ZERO } else { POLL_DELAY };
                    (if tail.is_complete() { Feed::Complete } else { Feed::Live }, delay)
                }
                // The attempt has not written anything yet.
                Err(e) if e.is_not_found() => (Feed::Waiting, POLL_DELAY),
                Err(e) => (Feed::Failed(e.to_string()), RETRY_DELAY),
            };
            self.feed.set(next);
            if !tail.is_complete() && !delay.is_zero() {
                sleep(delay).await;
            }
        }
    }
}

/// The part of the log that is mounted: which line the viewport starts at and how high it is.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Viewport {
    first_line: usize,
    height: f64,
}

#[component]
pub fn LogViewer(props: &LogViewerProps) -> Html {
    let (log, feed) = use_log_feed(&props.source);
    let container = use_node_ref();
    let viewport = use_state_eq(|| Viewport { first_line: 0, height: DEFAULT_VIEWPORT_PX });
    // Follow the end of a live log until the reader scrolls away from it.
    let follow = use_mut_ref(|| !matches!(props.source, LogSource::Text(_)));
    let marked = use_state_eq(|| None::<usize>);
    let query = use_state_eq(String::new);
    let current = use_state_eq(|| 0usize);

    let (line_count, byte_len) = {
        let log = log.borrow();
        (log.line_count(), log.as_str().len())
    };
    let found = {
        let log = log.clone();
        use_memo(((*query).clone(), byte_len), move |(query, _)| {
            let matches = text::find_all(&log.borrow(), query);
            let by_line = text::first_match_by_line(&matches);
            (matches, by_line)
        })
    };
    let first_error = {
        let log = log.clone();
        use_memo((byte_len, props.failed), move |(_, failed)| text::first_error(&log.borrow(), *failed))
    };

    // Keep following a live log after each render that may have added lines.
    {
        let container = container.clone();
        let follow = follow.clone();
        use_effect_with(byte_len, move |_| {
            if *follow.borrow()
                && let Some(el) = container.cast::<Element>()
            {
                el.set_scroll_top(el.scroll_height());
            }
        });
    }
    // Show the current match whenever the search or the chosen match changes.
    {
        let container = container.clone();
        let found = found.clone();
        let follow = follow.clone();
        let height = viewport.height;
        use_effect_with(((*query).clone(), *current), move |(_, current)| {
            if let (Some(m), Some(el)) = (found.0.get(*current), container.cast::<Element>()) {
                *follow.borrow_mut() = false;
                el.set_scroll_top(scroll_top_for(m.line, height) as i32);
            }
        });
    }
    // Open at the linked line once the log is long enough to have it.
    {
        let container = container.clone();
        let follow = follow.clone();
        let marked = marked.clone();
        let height = viewport.height;
        let target = props.target_line.filter(|&n| n <= line_count);
        use_effect_with(target, move |target| {
            if let (Some(number), Some(el)) = (target, container.cast::<Element>()) {
                *follow.borrow_mut() = false;
                marked.set(Some(number - 1));
                el.set_scroll_top(scroll_top_for(number - 1, height) as i32);
                // The page scrolls too, so the log box (and the line in it) is on screen.
                el.scroll_into_view();
            }
        });
    }

    let onscroll = {
        let viewport = viewport.clone();
        let follow = follow.clone();
        Callback::from(move |e: Event| {
            let el: Element = e.target_unchecked_into();
            let top = f64::from(el.scroll_top());
            let height = f64::from(el.client_height());
            *follow.borrow_mut() = is_at_end(top, height, f64::from(el.scroll_height()));
            viewport.set(Viewport { first_line: (top / LINE_PX) as usize, height });
        })
    };
    let jump_to = {
        let container = container.clone();
        let follow = follow.clone();
        let marked = marked.clone();
        let height = viewport.height;
        move |index: usize| {
            *follow.borrow_mut() = false;
            marked.set(Some(index));
            if let Some(el) = container.cast::<Element>() {
                el.set_scroll_top(scroll_top_for(index, height) as i32);
                el.scroll_into_view();
            }
        }
    };
    let on_first_error = {
        let error_line = first_error.map(|(line, _)| line);
        let jump_to = jump_to.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(index) = error_line {
                browser::set_fragment(&text::fragment_for_line(index + 1));
                jump_to(index);
            }
        })
    };
    // One handler for every line number: a click marks the line and puts `#L<n>` in the URL.
    let on_line_click = {
        let marked = marked.clone();
        Callback::from(move |e: MouseEvent| {
            let Some(number) = browser::clicked_line_number(&e) else { return };
            e.prevent_default();
            browser::set_fragment(&text::fragment_for_line(number));
            marked.set(Some(number - 1));
        })
    };
    let on_download = {
        let log = log.clone();
        let name = props.file_name.clone();
        Callback::from(move |_: MouseEvent| browser::download_text(log.borrow().as_str(), &name))
    };
    let match_count = found.0.len();
    let step = {
        let current = current.clone();
        move |forward: bool| {
            if match_count == 0 {
                return;
            }
            let next = if forward { (*current + 1) % match_count } else { (*current + match_count - 1) % match_count };
            current.set(next);
        }
    };
    let on_search_input = {
        let query = query.clone();
        let current = current.clone();
        Callback::from(move |e: InputEvent| {
            let input: HtmlInputElement = e.target_unchecked_into();
            current.set(0);
            query.set(input.value());
        })
    };
    let on_search_key = {
        let step = step.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" {
                e.prevent_default();
                step(!e.shift_key());
            }
        })
    };
    let on_prev = {
        let step = step.clone();
        Callback::from(move |_: MouseEvent| step(false))
    };
    let on_next = Callback::from(move |_: MouseEvent| step(true));

    let range = visible_range(viewport.first_line as f64 * LINE_PX, viewport.height, line_count);
    let (matches, by_line) = &*found;
    let rows = {
        let log = log.borrow();
        range
            .clone()
            .map(|index| {
                let line = log.line(index);
                let pieces = text::pieces(line, matches, by_line.get(&index).copied());
                let number = index + 1;
                let stderr = log.is_stderr(index);
                let label = if stderr { format!("Line {number}, stderr") } else { format!("Line {number}") };
                html! {
                    <div key={index} class={classes!("log-line", (*marked == Some(index)).then_some("marked"), stderr.then_some("stderr"))}
                        style={LINE_STYLE} title={stderr.then_some("Written to stderr")}>
                        <a class="ln" href={text::fragment_for_line(number)} data-line={number.to_string()}
                            aria-label={label}>{ number }</a>
                        <span class="lt">{ for pieces.into_iter().map(|piece| render_piece(piece, *current)) }</span>
                    </div>
                }
            })
            .collect::<Html>()
    };
    let search_status = match (query.is_empty(), match_count) {
        (true, _) => String::new(),
        (false, 0) => "No matches".to_owned(),
        (false, n) => format!("{} of {n}", (*current).min(n - 1) + 1),
    };
    let total_px = line_count as f64 * LINE_PX;
    let window_style = format!("height: {total_px}px; padding-top: {}px", range.start as f64 * LINE_PX);

    html! {
        <div class="log-viewer" data-feed={feed_key(&feed)}>
            <div class="log-toolbar">
                <div class="log-search" role="search">
                    <label for="log-search" class="visually-hidden">{ "Search the log" }</label>
                    <input id="log-search" type="search" placeholder="Search the log" autocomplete="off"
                        spellcheck="false" value={(*query).clone()} oninput={on_search_input} onkeydown={on_search_key} />
                    <button type="button" class="log-prev" onclick={on_prev} disabled={match_count == 0}
                        aria-label="Previous match" title="Previous match (Shift+Enter)">{ "↑" }</button>
                    <button type="button" class="log-next" onclick={on_next} disabled={match_count == 0}
                        aria-label="Next match" title="Next match (Enter)">{ "↓" }</button>
                    <span class="log-match-count" aria-live="polite">{ search_status }</span>
                </div>
                <div class="log-actions">
                    <button type="button" class="log-first-error" onclick={on_first_error} disabled={first_error.is_none()}
                        title={first_error_title(first_error.map(|(_, clue)| clue))}>{ "First error" }</button>
                    <button type="button" class="log-download" onclick={on_download} disabled={byte_len == 0}>{ "Download" }</button>
                </div>
            </div>
            <p class="log-feed" aria-live="polite">{ feed_text(&feed, line_count) }</p>
            <div class="log-lines" style={LINES_STYLE} ref={container} {onscroll} onclick={on_line_click} tabindex="0"
                role="region" aria-label="Log" data-line-count={line_count.to_string()}>
                <div class="log-window" style={window_style}>{ rows }</div>
            </div>
        </div>
    }
}

fn render_piece(piece: Piece<'_>, current: usize) -> Html {
    let text = piece.text.to_owned();
    let styled = if piece.style.is_plain() {
        html! { { text } }
    } else {
        let (classes, style) = ansi::css(&piece.style);
        let style = (!style.is_empty()).then_some(style);
        html! { <span class={classes!(classes)} {style}>{ text }</span> }
    };
    match piece.hit {
        None => styled,
        Some(index) => html! { <mark class={classes!((index == current).then_some("current"))}>{ styled }</mark> },
    }
}

fn first_error_title(clue: Option<ErrorClue>) -> &'static str {
    match clue {
        Some(ErrorClue::StderrMarker) => "The first line on stderr containing error, fail, exception or traceback",
        Some(ErrorClue::Marker) | None => "The first line containing error, fail, exception or traceback",
        Some(ErrorClue::LastStderrOfAFailure) => {
            "No line says error, but the attempt failed: the last thing it wrote to stderr"
        }
        Some(ErrorClue::LastWordsOfAFailure) => {
            "No line says error, but the attempt failed: its last line, where a job usually says why"
        }
    }
}

fn feed_key(feed: &Feed) -> &'static str {
    match feed {
        Feed::Loading => "loading",
        Feed::Waiting => "waiting",
        Feed::Live => "live",
        Feed::Complete => "complete",
        Feed::Failed(_) => "failed",
    }
}

fn feed_text(feed: &Feed, lines: usize) -> String {
    let lines = match lines {
        1 => "1 line".to_owned(),
        n => format!("{n} lines"),
    };
    match feed {
        Feed::Loading => "Reading the log…".to_owned(),
        Feed::Waiting => "Waiting for the attempt to write its log…".to_owned(),
        Feed::Live => format!("Live · {lines} so far; new lines appear as the job writes them"),
        Feed::Complete => format!("Complete · {lines}"),
        Feed::Failed(why) => format!("The log could not be read: {why} Trying again…"),
    }
}
