//! One clock for the whole tab: a tick every second that moves every running duration,
//! every "3 min ago" and the timeline's axis together.
//!
//! `ClockProvider` holds the time; only components that call `use_now()` re-render on a
//! tick, so a tick costs what the visible time cells cost, not a page render. The cells
//! here (`Ago`, `Took`) are those components: pages put them where they show a time.

use gloo_timers::callback::Interval;
use kiln_api::Timestamp;
use yew::prelude::*;

use crate::time_fmt;

/// How often the clock moves on.
pub const TICK_MS: u32 = 1_000;

/// The tab's time, in epoch milliseconds, as of the last tick.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Now(pub i64);

#[derive(Properties, PartialEq)]
pub struct ClockProviderProps {
    #[prop_or_default]
    pub children: Html,
}

#[component]
pub fn ClockProvider(props: &ClockProviderProps) -> Html {
    let now = use_state_eq(time_fmt::now_millis);
    {
        let now = now.clone();
        use_effect_with((), move |()| {
            let tick = Interval::new(TICK_MS, move || now.set(time_fmt::now_millis()));
            move || drop(tick)
        });
    }
    html! { <ContextProvider<Now> context={Now(*now)}>{ props.children.clone() }</ContextProvider<Now>> }
}

/// The time of the last tick. Outside a `ClockProvider` (a component test) it is the time
/// of the render.
#[hook]
pub fn use_now() -> i64 {
    use_context::<Now>().map_or_else(time_fmt::now_millis, |Now(now)| now)
}

#[derive(Properties, PartialEq)]
pub struct AgoProps {
    pub at: Option<Timestamp>,
}

/// A time as "3 min ago", exact on hover; "—" when there is none.
#[component]
pub fn Ago(props: &AgoProps) -> Html {
    match &props.at {
        Some(at) => html! { <TickingAgo at={*at} /> },
        None => html! { <span class="muted">{ "—" }</span> },
    }
}

#[derive(Properties, PartialEq)]
struct TickingAgoProps {
    at: Timestamp,
}

#[component]
fn TickingAgo(props: &TickingAgoProps) -> Html {
    let now = use_now();
    let at = &props.at;
    html! { <time datetime={at.to_string()} title={at.to_string()}>{ time_fmt::relative(at, now) }</time> }
}

#[derive(Properties, PartialEq)]
pub struct TookProps {
    pub started: Option<Timestamp>,
    pub finished: Option<Timestamp>,
    /// What to show before it started.
    #[prop_or_default]
    pub before: AttrValue,
}

/// How long something took, or has taken so far while it runs. Only a running one listens
/// to the clock.
#[component]
pub fn Took(props: &TookProps) -> Html {
    match (props.started, props.finished) {
        (None, _) => html! { { props.before.clone() } },
        (Some(started), Some(finished)) => {
            html! { <span class="took">{ time_fmt::duration(finished.unix_millis() - started.unix_millis()) }</span> }
        }
        (Some(started), None) => html! { <Running {started} /> },
    }
}

#[derive(Properties, PartialEq)]
struct RunningProps {
    started: Timestamp,
}

#[component]
fn Running(props: &RunningProps) -> Html {
    let now = use_now();
    html! { <span class="took took-running">{ time_fmt::duration(now - props.started.unix_millis()) }</span> }
}
