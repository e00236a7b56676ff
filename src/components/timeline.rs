//! A timeline of attempts: one bar per attempt on a shared time axis, so overlaps,
//! queueing and retries are visible at a glance.

use std::rc::Rc;

use kiln_api::Rid;
use yew::prelude::*;
use yew_router::prelude::*;

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

#[derive(Properties, PartialEq)]
pub struct TimelineProps {
    pub bars: Rc<Vec<Bar>>,
}

#[component]
pub fn Timeline(props: &TimelineProps) -> Html {
    // The tab's clock, so running bars grow and the axis stretches with them; a timeline
    // whose bars have all ended does not move.
    let now = use_now();
    let Some(axis) = span(&props.bars, now) else {
        return html! { <p class="muted">{ "No attempt has started yet." }</p> };
    };
    let ticks = ticks(axis).into_iter().map(|(at, label)| {
        html! { <span class="tl-tick" style={format!("left: {at:.3}%")}>{ label }</span> }
    });
    let rows = props.bars.iter().enumerate().map(|(i, bar)| {
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
        html! {
            <li key={i} class="tl-row">
                <span class="tl-label" title={bar.label.clone()}>
                    <Link<Route> to={Route::JobReport { rid: bar.job.to_string() }}>{ bar.label.clone() }</Link<Route>>
                </span>
                <span class="tl-track">
                    <span class={classes!("tl-bar", bar.look.class, running.then_some("tl-running"))}
                        style={format!("left: {left:.3}%; width: {width:.3}%")} title={summary.clone()}
                        data-state={bar.look.label}>
                        <span class="visually-hidden">{ summary }</span>
                    </span>
                </span>
            </li>
        }
    });
    html! {
        <div class="timeline">
            <div class="tl-axis" aria-hidden="true"><span class="tl-axis-spacer"></span><span class="tl-ticks">{ for ticks }</span></div>
            <ol class="tl-rows">{ for rows }</ol>
        </div>
    }
}
