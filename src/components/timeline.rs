//! A timeline of attempts: one bar per attempt on a shared time axis, so overlaps,
//! queueing and retries are visible at a glance.
//!
//! A build may have a thousand attempts, so the rows are markup written in one go (see
//! `markup`), not a virtual DOM node per element.

use std::fmt::Write;
use std::rc::Rc;

use kiln_api::Rid;
use yew::prelude::*;
use yew_router::prelude::*;

use super::markup::{escape, follow_link, use_focus_kept};
use super::status_badge::BadgeLook;
use crate::hooks::clock::use_now;
use crate::route::Route;
use crate::time_fmt;

/// One attempt as a bar. Times are epoch milliseconds; `end` is `None` while it runs.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub job: Rid,
    pub label: String,
    pub start: i64,
    pub end: Option<i64>,
    pub look: BadgeLook,
    /// What a person may want on hover: the exit code, signal or error.
    pub detail: String,
}

/// The time the axis covers: from the first start to the last end (or `now` while
/// something runs), at least a second so a bar always has a width.
pub fn span(bars: &[Bar], now: i64) -> Option<(i64, i64)> {
    let start = bars.iter().map(|b| b.start).min()?;
    let end = bars.iter().map(|b| b.end.unwrap_or(now)).max()?.max(start + 1000);
    Some((start, end))
}

/// A bar's left edge and width, as percentages of the axis.
pub fn placement(bar: &Bar, (from, to): (i64, i64), now: i64) -> (f64, f64) {
    let total = (to - from).max(1) as f64;
    let left = ((bar.start - from) as f64 / total * 100.0).clamp(0.0, 100.0);
    let end = ((bar.end.unwrap_or(now) - from) as f64 / total * 100.0).clamp(0.0, 100.0);
    // A very short attempt still gets a visible sliver.
    let width = (end - left).max(0.6).min(100.0 - left);
    (left, width)
}

/// Steps the axis may use, in milliseconds: round numbers of seconds, minutes and hours.
const STEPS: [i64; 16] = [
    1_000, 2_000, 5_000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000,
    7_200_000, 21_600_000, 43_200_000,
];
const MAX_TICKS: i64 = 6;

/// Tick marks for an axis: their position (percent) and label (time since the start).
pub fn ticks((from, to): (i64, i64)) -> Vec<(f64, String)> {
    let total = (to - from).max(1);
    let step = STEPS.iter().copied().find(|s| total / s < MAX_TICKS).unwrap_or(86_400_000);
    (0..=total / step).map(|k| (k as f64 * step as f64 / total as f64 * 100.0, offset_label(k * step))).collect()
}

/// A tick's label: the time since the start, as every duration is written.
pub fn offset_label(millis: i64) -> String {
    time_fmt::duration(millis)
}

/// The rows of the timeline as markup (see `markup`): one `li` per bar, its label a link
/// to the job's report, its bar placed on the axis and described in words for those who
/// cannot see it.
pub fn rows_markup(bars: &[Bar], axis: (i64, i64), now: i64) -> String {
    // About 600 bytes a row.
    let mut out = String::with_capacity(640 * bars.len());
    for bar in bars {
        let (left, width) = placement(bar, axis, now);
        let running = bar.end.is_none();
        let took = time_fmt::duration(bar.end.unwrap_or(now) - bar.start);
        let summary = format!(
            "{}, {}, {}{}",
            bar.look.label,
            took,
            if running { "still running" } else { "finished" },
            if bar.detail.is_empty() { String::new() } else { format!(", {}", bar.detail) }
        );
        let href = Route::JobReport { rid: bar.job.to_string() }.to_path();
        // Writing to a String cannot fail, so the result of `write!` says nothing.
        let _ = write!(
            out,
            r#"<li class="tl-row"><span class="tl-label" title="{label}"><a href="{href}" data-job="{job}">{label}</a></span><span class="tl-track"><span class="tl-bar {class}{running}" style="left: {left:.3}%; width: {width:.3}%" title="{summary}" data-state="{state}"><span class="visually-hidden">{summary}</span></span></span></li>"#,
            label = escape(&bar.label),
            href = escape(&href),
            job = escape(bar.job.as_str()),
            class = bar.look.class,
            running = if running { " tl-running" } else { "" },
            summary = escape(&summary),
            state = bar.look.label,
        );
    }
    out
}

#[derive(Properties, PartialEq)]
pub struct TimelineProps {
    pub bars: Rc<Vec<Bar>>,
}

/// The timeline. It follows the tab's clock so running bars grow and the axis stretches,
/// but only the running ones read it: a timeline whose bars have all ended gets the same
/// props on every tick, so its rows are not drawn again.
#[component]
pub fn Timeline(props: &TimelineProps) -> Html {
    let now = use_now();
    let running = props.bars.iter().any(|b| b.end.is_none());
    html! { <TimelineAt bars={props.bars.clone()} now={running.then_some(now)} /> }
}

#[derive(Properties, PartialEq)]
struct TimelineAtProps {
    bars: Rc<Vec<Bar>>,
    /// The time running bars reach; `None` when none runs.
    now: Option<i64>,
}

#[component]
fn TimelineAt(props: &TimelineAtProps) -> Html {
    let navigator = use_navigator();
    // Only running bars read it, and there are none without it.
    let now = props.now.unwrap_or_default();
    let axis = span(&props.bars, now);
    let rows = use_memo((props.bars.clone(), now), |(bars, now)| {
        AttrValue::from(axis.map(|axis| rows_markup(bars, axis, *now)).unwrap_or_default())
    });
    let list = use_node_ref();
    // Rows written again lose the focused link; the same job's link gets it back.
    use_focus_kept(&list, rows.clone());
    let open = use_callback(navigator, |rid: Rid, navigator| {
        if let Some(navigator) = navigator {
            navigator.push(&Route::JobReport { rid: rid.to_string() });
        }
    });
    let onclick = use_callback(open, |e: MouseEvent, open| follow_link(&e, open));
    let Some(axis) = axis else {
        return html! { <p class="muted">{ "No attempt has started yet." }</p> };
    };
    let ticks = ticks(axis).into_iter().map(|(at, label)| {
        html! { <span class="tl-tick" style={format!("left: {at:.3}%")}>{ label }</span> }
    });
    html! {
        <div class="timeline">
            <div class="tl-axis" aria-hidden="true"><span class="tl-axis-spacer"></span><span class="tl-ticks">{ for ticks }</span></div>
            <ol class="tl-rows" ref={list} {onclick}>{ Html::from_html_unchecked((*rows).clone()) }</ol>
        </div>
    }
}
