//! A job spec's run durations as a small SVG line plot, oldest on the left, failures marked
//! with a red cross. The table of runs next to it is the text alternative.

use yew::prelude::*;

use crate::time_fmt;

/// One run on the plot.
#[derive(Debug, Clone, PartialEq)]
pub struct TrendPoint {
    pub run_id: u64,
    pub millis: i64,
    pub failed: bool,
}

const W: f64 = 640.0;
const H: f64 = 180.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 26.0;

/// Where each point goes in a `W`×`H` drawing, and the duration at the top of the axis.
pub fn place(points: &[TrendPoint]) -> (Vec<(f64, f64)>, i64) {
    let top = points.iter().map(|p| p.millis).max().unwrap_or(0).max(1);
    let span = (points.len().max(2) - 1) as f64;
    let placed = points
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let x = if points.len() == 1 {
                LEFT + (W - LEFT - RIGHT) / 2.0
            } else {
                LEFT + (W - LEFT - RIGHT) * i as f64 / span
            };
            let y = TOP + (H - TOP - BOTTOM) * (1.0 - p.millis.max(0) as f64 / top as f64);
            (x, y)
        })
        .collect();
    (placed, top)
}

#[derive(Properties, PartialEq)]
pub struct DurationTrendProps {
    /// Oldest first.
    pub points: Vec<TrendPoint>,
}

#[component]
pub fn DurationTrend(props: &DurationTrendProps) -> Html {
    let points = &props.points;
    if points.is_empty() {
        return html! { <p class="muted">{ "No finished runs yet, so there is no trend to plot." }</p> };
    }
    let (placed, top) = place(points);
    let line: String = placed.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect::<Vec<_>>().join(" ");
    let failures = points.iter().filter(|p| p.failed).count();
    let label = format!(
        "Durations of the last {} runs, up to {}; {failures} failed (marked with a cross).",
        points.len(),
        time_fmt::duration(top)
    );
    let base = H - BOTTOM;
    let marks = points.iter().zip(&placed).map(|(p, &(x, y))| {
        let title = format!("run #{}: {}{}", p.run_id, time_fmt::duration(p.millis), if p.failed { ", failed" } else { "" });
        if p.failed {
            let d = format!("M{},{} l8,8 M{},{} l-8,8", x - 4.0, y - 4.0, x + 4.0, y - 4.0);
            html! { <g class="trend-failed"><title>{ title }</title><path d={d} /></g> }
        } else {
            html! { <circle class="trend-ok" cx={format!("{x:.1}")} cy={format!("{y:.1}")} r="3.5"><title>{ title }</title></circle> }
        }
    });
    html! {
        <svg class="duration-trend" viewBox={format!("0 0 {W} {H}")} role="img" aria-label={label} preserveAspectRatio="xMidYMid meet">
            <line class="trend-axis" x1={LEFT.to_string()} y1={TOP.to_string()} x2={LEFT.to_string()} y2={base.to_string()} />
            <line class="trend-axis" x1={LEFT.to_string()} y1={base.to_string()} x2={(W - RIGHT).to_string()} y2={base.to_string()} />
            <text class="trend-label" x={(LEFT - 6.0).to_string()} y={(TOP + 10.0).to_string()} text-anchor="end">{ time_fmt::duration(top) }</text>
            <text class="trend-label" x={(LEFT - 6.0).to_string()} y={base.to_string()} text-anchor="end">{ "0" }</text>
            <text class="trend-label" x={LEFT.to_string()} y={(H - 6.0).to_string()}>{ format!("run #{}", points[0].run_id) }</text>
            <text class="trend-label" x={(W - RIGHT).to_string()} y={(H - 6.0).to_string()} text-anchor="end">{ format!("run #{}", points[points.len() - 1].run_id) }</text>
            <polyline class="trend-line" points={line} />
            { for marks }
        </svg>
    }
}

#[cfg(test)]
mod tests {
    use wasm_bindgen_test::wasm_bindgen_test;

    use super::*;

    fn p(run_id: u64, millis: i64, failed: bool) -> TrendPoint {
        TrendPoint { run_id, millis, failed }
    }

    #[wasm_bindgen_test]
    fn the_longest_run_touches_the_top_and_runs_spread_left_to_right() {
        let (placed, top) = place(&[p(1, 1000, false), p(2, 4000, true), p(3, 0, false)]);
        assert_eq!(top, 4000);
        assert_eq!(placed[0].0, LEFT);
        assert_eq!(placed[2].0, W - RIGHT);
        assert_eq!(placed[1].1, TOP, "the longest is at the top");
        assert_eq!(placed[2].1, H - BOTTOM, "zero is on the axis");
        let (one, _) = place(&[p(7, 10, false)]);
        assert!(one[0].0 > LEFT && one[0].0 < W - RIGHT, "a single run sits in the middle");
    }
}
