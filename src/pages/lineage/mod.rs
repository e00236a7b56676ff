//! The pipeline lineage: every dataset and job spec, left to right, with each dataset's
//! state on a chosen branch (computed by the service). Zoom, pan and search to focus;
//! select nodes, then "Build selected" or "Build upstream of selected" opens the submit
//! form prefilled through `/submit?select=<selection text>`.

pub mod graph;

use std::collections::{BTreeSet, HashMap};
use std::rc::Rc;

use kiln_api::Rid;
use kiln_api::pipeline::{DatasetState, Freshness, LineageState};
use kiln_api::teams::Lineage;
use serde::Serialize;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlInputElement};
use yew::prelude::*;
use yew_router::prelude::*;

use self::graph::{Graph, NODE_H, NODE_W, NodeKind, View};
use crate::api::{self, ApiError};
use crate::components::status_badge::job_look;
use crate::route::Route;
use crate::selection_text::{Name, Term, print};
use crate::session::use_session;

/// The viewport's size before it has been measured.
const DEFAULT_VIEWPORT: (f64, f64) = (1200.0, 620.0);
/// Names longer than this are cut in a node; the full name is in its tooltip.
const NAME_CHARS: usize = 24;

#[derive(Debug, Clone, PartialEq)]
enum Load<T> {
    Loading,
    Ready(Rc<T>),
    Failed(String),
}

fn loaded<T>(result: Result<T, ApiError>) -> Load<T> {
    match result {
        Ok(v) => Load::Ready(Rc::new(v)),
        Err(e) => Load::Failed(e.to_string()),
    }
}

/// The query of the submit page's prefill link.
#[derive(Serialize)]
struct SubmitQuery {
    select: String,
    branch: String,
}

/// What "Build selected" and "Build upstream of selected" put in the form: the selected
/// datasets and job specs as selection text (RIDs, so nothing needs looking up again).
pub fn selection_text(graph: &Graph, lineage: &Lineage, selected: &BTreeSet<usize>, upstream: bool) -> String {
    let name = |i: usize| Name::new(graph.nodes[i].rid.to_string());
    let datasets: Vec<usize> = selected.iter().copied().filter(|&i| graph.nodes[i].kind == NodeKind::Dataset).collect();
    let specs: Vec<usize> = selected.iter().copied().filter(|&i| graph.nodes[i].kind == NodeKind::JobSpec).collect();
    let mut terms = Vec::new();
    if upstream {
        // Upstream of a job spec is upstream of what it writes.
        let mut starts: Vec<Name> = datasets.iter().map(|&i| name(i)).collect();
        for &i in &specs {
            let rid = &graph.nodes[i].rid;
            if let Some(spec) = lineage.job_specs.iter().find(|s| &s.rid == rid) {
                starts.extend(spec.outputs.iter().map(|o| Name::new(o.to_string())));
            }
        }
        if !starts.is_empty() {
            terms.push(Term::Upstream { names: starts, ignore: Vec::new() });
        }
    } else {
        if !datasets.is_empty() {
            terms.push(Term::Datasets { names: datasets.iter().map(|&i| name(i)).collect(), required: true });
        }
        if !specs.is_empty() {
            terms.push(Term::JobSpecs { names: specs.iter().map(|&i| name(i)).collect(), required: true });
        }
    }
    print(&terms)
}

fn freshness_class(state: Freshness) -> &'static str {
    match state {
        Freshness::UpToDate => "fresh-ok",
        Freshness::Stale => "fresh-stale",
        Freshness::NeverBuilt => "fresh-never",
        Freshness::LastBuildFailed => "fresh-failed",
    }
}

fn short_name(name: &str) -> String {
    if name.chars().count() <= NAME_CHARS {
        name.to_owned()
    } else {
        format!("{}…", name.chars().take(NAME_CHARS - 1).collect::<String>())
    }
}

type States = HashMap<Rid, DatasetState>;

#[derive(Properties, PartialEq)]
struct NodesProps {
    graph: Rc<Graph>,
    states: Rc<States>,
    selected: Rc<BTreeSet<usize>>,
    matches: Rc<BTreeSet<usize>>,
    focused: Option<usize>,
}

/// The drawing's content. Its own component with comparable props, so panning and zooming
/// (which only move the group around it) never re-render 300 nodes.
#[component]
fn Nodes(props: &NodesProps) -> Html {
    let g = &props.graph;
    let edges = g.edges.iter().map(|&(from, to)| {
        let lit = props.focused.is_some_and(|f| f == from || f == to);
        html! { <path class={classes!("lin-edge", lit.then_some("lit"))} d={g.edge_path(from, to)} /> }
    });
    let nodes = g.nodes.iter().enumerate().map(|(i, node)| {
        let (x, y) = g.origin(i);
        let state = props.states.get(&node.rid);
        let (kind, line2, fresh) = match node.kind {
            NodeKind::JobSpec => ("lin-spec", "job spec".to_owned(), None),
            NodeKind::Dataset => match state {
                Some(s) => ("lin-dataset", s.state.label().to_owned(), Some(freshness_class(s.state))),
                None => ("lin-dataset", "dataset".to_owned(), None),
            },
        };
        let selected = props.selected.contains(&i);
        let classes = classes!(
            "lin-node",
            kind,
            fresh,
            selected.then_some("selected"),
            props.matches.contains(&i).then_some("match"),
            (props.focused == Some(i)).then_some("focused"),
        );
        let what = if node.kind == NodeKind::JobSpec { "job spec" } else { "dataset" };
        let label = format!("{} ({what}), {line2}{}", node.name, if selected { ", selected" } else { "" });
        html! {
            <g key={node.rid.to_string()} class={classes} transform={format!("translate({x},{y})")} data-node={i.to_string()}
                tabindex="0" role="button" aria-pressed={selected.to_string()} aria-label={label}>
                <title>{ match state { Some(s) => format!("{} — {}: {}", node.name, s.state.label(), s.reason), None => node.name.clone() } }</title>
                <rect width={NODE_W.to_string()} height={NODE_H.to_string()} rx={if node.kind == NodeKind::JobSpec { "22" } else { "5" }} />
                <text class="lin-name" x="12" y="19">{ short_name(&node.name) }</text>
                <text class="lin-state" x="12" y="35">{ if selected { format!("✓ {line2}") } else { line2 } }</text>
            </g>
        }
    });
    html! { <>{ for edges }{ for nodes }</> }
}

/// The node a pointer or key event landed on.
fn node_of(event: &Event) -> Option<usize> {
    let target: Element = event.target()?.dyn_into().ok()?;
    target.closest("[data-node]").ok()??.get_attribute("data-node")?.parse().ok()
}

/// A drag in progress: where it started and whether it moved far enough to be a pan.
#[derive(Debug, Clone, Copy, Default)]
struct Drag {
    active: bool,
    last: (f64, f64),
    moved: f64,
}

#[component]
pub fn LineagePage() -> Html {
    let session = use_session();
    let navigator = use_navigator();
    let lineage = use_state(|| Load::<Lineage>::Loading);
    let states = use_state(|| Load::<LineageState>::Loading);
    let branch = use_state(|| kiln_api::build2::DEFAULT_BRANCH.to_owned());
    let query = use_state(String::new);
    let current_match = use_state(|| 0usize);
    let selected = use_state(|| Rc::new(BTreeSet::<usize>::new()));
    let focused = use_state(|| None::<usize>);
    let view = use_state(|| View { scale: 1.0, x: 0.0, y: 0.0 });
    let drag = use_mut_ref(Drag::default);
    let viewport = use_node_ref();
    let layout_ms = use_state(|| None::<f64>);

    {
        let lineage = lineage.clone();
        use_effect_with(session.client(), move |client| {
            let client = client.clone();
            wasm_bindgen_futures::spawn_local(async move { lineage.set(loaded(api::catalog::lineage(&client).await)) });
        });
    }
    {
        let states = states.clone();
        use_effect_with((session.client(), (*branch).clone()), move |(client, branch)| {
            let (client, branch) = (client.clone(), branch.clone());
            states.set(Load::Loading);
            wasm_bindgen_futures::spawn_local(async move {
                states.set(loaded(api::pipeline::lineage_state(&client, &branch).await));
            });
        });
    }
    let graph = {
        let layout_ms = layout_ms.clone();
        use_memo(lineage.clone(), move |lineage| match &**lineage {
            Load::Ready(l) => {
                let start = now();
                let g = Graph::new(l);
                layout_ms.set(Some(now() - start));
                Some(Rc::new(g))
            }
            _ => None,
        })
    };
    let state_map = use_memo(states.clone(), |states| match &**states {
        Load::Ready(s) => Rc::new(s.datasets.iter().map(|d| (d.rid.clone(), d.clone())).collect::<States>()),
        _ => Rc::new(States::new()),
    });
    let matches =
        use_memo(((*graph).clone(), (*query).clone()), |(g, q)| g.as_ref().map(|g| g.search(q)).unwrap_or_default());
    let viewport_size = {
        let viewport = viewport.clone();
        move || {
            viewport
                .cast::<Element>()
                .map(|e| (f64::from(e.client_width()), f64::from(e.client_height())))
                .filter(|s| s.0 > 0.0 && s.1 > 0.0)
                .unwrap_or(DEFAULT_VIEWPORT)
        }
    };
    // Fit the drawing once it is laid out.
    {
        let (view, viewport_size) = (view.clone(), viewport_size.clone());
        use_effect_with((*graph).clone(), move |g| {
            if let Some(g) = g {
                view.set(View::fit(g.size(), viewport_size()));
            }
        });
    }

    let center_on = {
        let (graph, view, focused, viewport_size) =
            ((*graph).clone(), view.clone(), focused.clone(), viewport_size.clone());
        move |n: usize| {
            if let Some(g) = &graph {
                view.set(view.center_on(g.center(n), viewport_size()));
                focused.set(Some(n));
            }
        }
    };
    let on_search = {
        let (query, current_match) = (query.clone(), current_match.clone());
        Callback::from(move |e: InputEvent| {
            let input: HtmlInputElement = e.target_unchecked_into();
            current_match.set(0);
            query.set(input.value());
        })
    };
    let on_search_key = {
        let (matches, current_match, center_on) = (matches.clone(), current_match.clone(), center_on.clone());
        Callback::from(move |e: KeyboardEvent| {
            if e.key() != "Enter" || matches.is_empty() {
                return;
            }
            e.prevent_default();
            let step = if e.shift_key() { matches.len() - 1 } else { 1 };
            let at = (*current_match).min(matches.len() - 1);
            center_on(matches[at]);
            current_match.set((at + step) % matches.len());
        })
    };
    let toggle = {
        let (selected, focused) = (selected.clone(), focused.clone());
        move |n: usize| {
            let mut next = (**selected).clone();
            if !next.remove(&n) {
                next.insert(n);
            }
            selected.set(Rc::new(next));
            focused.set(Some(n));
        }
    };
    let onpointerdown = {
        let drag = drag.clone();
        Callback::from(move |e: PointerEvent| {
            if e.button() != 0 {
                return;
            }
            *drag.borrow_mut() =
                Drag { active: true, last: (f64::from(e.client_x()), f64::from(e.client_y())), moved: 0.0 };
        })
    };
    let onpointermove = {
        let (drag, view) = (drag.clone(), view.clone());
        Callback::from(move |e: PointerEvent| {
            let mut d = drag.borrow_mut();
            if !d.active {
                return;
            }
            let at = (f64::from(e.client_x()), f64::from(e.client_y()));
            let (dx, dy) = (at.0 - d.last.0, at.1 - d.last.1);
            d.moved += dx.abs() + dy.abs();
            d.last = at;
            if d.moved > 4.0 {
                if let Some(el) = e.target().and_then(|t| t.dyn_into::<Element>().ok()) {
                    let _ = el.set_pointer_capture(e.pointer_id());
                }
                view.set(view.pan(dx, dy));
            }
        })
    };
    let onpointerup = {
        let (drag, toggle) = (drag.clone(), toggle.clone());
        Callback::from(move |e: PointerEvent| {
            let was = std::mem::take(&mut *drag.borrow_mut());
            if was.active
                && was.moved <= 4.0
                && let Some(n) = node_of(&e)
            {
                toggle(n);
            }
        })
    };
    let onkeydown = {
        let toggle = toggle.clone();
        Callback::from(move |e: KeyboardEvent| {
            if (e.key() == "Enter" || e.key() == " ")
                && let Some(n) = node_of(&e)
            {
                e.prevent_default();
                toggle(n);
            }
        })
    };
    let onwheel = {
        let (view, viewport) = (view.clone(), viewport.clone());
        Callback::from(move |e: WheelEvent| {
            let Some(el) = viewport.cast::<Element>() else { return };
            e.prevent_default();
            let rect = el.get_bounding_client_rect();
            let at = (f64::from(e.client_x()) - rect.left(), f64::from(e.client_y()) - rect.top());
            let factor = if e.delta_y() < 0.0 { 1.2 } else { 1.0 / 1.2 };
            view.set(view.zoom(factor, at));
        })
    };
    let zoom_by = |factor: f64| {
        let (view, viewport_size) = (view.clone(), viewport_size.clone());
        Callback::from(move |_: MouseEvent| {
            let (w, h) = viewport_size();
            view.set(view.zoom(factor, (w / 2.0, h / 2.0)));
        })
    };
    let on_fit = {
        let (view, graph, viewport_size) = (view.clone(), (*graph).clone(), viewport_size.clone());
        Callback::from(move |_: MouseEvent| {
            if let Some(g) = &graph {
                view.set(View::fit(g.size(), viewport_size()));
            }
        })
    };
    let branch_input = use_node_ref();
    let on_branch = {
        let (branch, branch_input) = (branch.clone(), branch_input.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let value =
                branch_input.cast::<HtmlInputElement>().map(|i| i.value().trim().to_owned()).unwrap_or_default();
            if !value.is_empty() {
                branch.set(value);
            }
        })
    };
    let build = |upstream: bool| {
        let (navigator, graph, lineage, selected, branch) =
            (navigator.clone(), (*graph).clone(), (*lineage).clone(), selected.clone(), branch.clone());
        Callback::from(move |_: MouseEvent| {
            let (Some(g), Load::Ready(l), Some(nav)) = (&graph, &lineage, &navigator) else { return };
            let select = selection_text(g, l, &selected, upstream);
            let _ = nav.push_with_query(&Route::Submit, &SubmitQuery { select, branch: (*branch).clone() });
        })
    };
    let on_clear = {
        let selected = selected.clone();
        Callback::from(move |_: MouseEvent| selected.set(Rc::new(BTreeSet::new())))
    };

    let body = match (&*lineage, &*graph) {
        (Load::Failed(why), _) => {
            html! { <p class="notice notice-error" role="alert">{ format!("The lineage could not be loaded: {why}") }</p> }
        }
        (_, None) => html! { <p class="muted" role="status">{ "Loading the lineage…" }</p> },
        (_, Some(g)) => {
            let (w, h) = g.size();
            html! {
                <div class="lin-viewport" ref={viewport.clone()} {onpointerdown} {onpointermove} {onpointerup} {onwheel} {onkeydown}
                    data-layout-ms={layout_ms.map(|ms| format!("{ms:.2}"))} data-nodes={g.nodes.len().to_string()}>
                    <svg class="lin-graph" role="group" aria-label={format!("Lineage: {} datasets and job specs", g.nodes.len())}
                        data-width={w.to_string()} data-height={h.to_string()}>
                        <g transform={view.transform()}>
                            <Nodes graph={g.clone()} states={(*state_map).clone()} selected={(*selected).clone()}
                                matches={Rc::new(crate::sort::set_from(matches.iter().copied()))} focused={*focused} />
                        </g>
                    </svg>
                </div>
            }
        }
    };
    let state_note = match &*states {
        Load::Loading => html! { <span class="muted" role="status">{ "Reading dataset states…" }</span> },
        Load::Failed(why) => {
            html! { <span class="field-error" role="alert">{ format!("States could not be read: {why}") }</span> }
        }
        Load::Ready(s) => {
            let count = |f: Freshness| s.datasets.iter().filter(|d| d.state == f).count();
            html! {
                <ul class="lin-legend" aria-label="Dataset states">
                    { for Freshness::ALL.iter().map(|&f| html! {
                        <li class={classes!("lin-key", freshness_class(f))}><span class="lin-swatch" aria-hidden="true"></span>{ format!("{} ({})", f.label(), count(f)) }</li>
                    }) }
                </ul>
            }
        }
    };
    let detail = match ((*focused), &*graph) {
        (Some(n), Some(g)) => detail_panel(g, n, state_map.get(&g.nodes[n].rid), &lineage),
        _ => {
            html! { <p class="muted">{ "Choose a node to see its state and links. Choosing also selects it for a build." }</p> }
        }
    };
    let match_note = match (query.trim().is_empty(), matches.len()) {
        (true, _) => String::new(),
        (false, 0) => "No node matches".to_owned(),
        (false, 1) => "1 match · Enter shows it".to_owned(),
        (false, n) => format!("{n} matches · Enter shows the next"),
    };
    let count = selected.len();
    html! {
        <section class="page lineage-page">
            <div class="page-head">
                <h1>{ "Lineage" }</h1>
                <p class="help">{ "Every dataset and job spec, sources on the left. Drag to pan, scroll or use the buttons to zoom." }</p>
            </div>
            <div class="card lin-toolbar">
                <form class="lin-branch" onsubmit={on_branch}>
                    <label for="lineage-branch">{ "Branch" }</label>
                    <div class="input-row">
                        <input id="lineage-branch" ref={branch_input} type="text" value={(*branch).clone()} autocomplete="off" spellcheck="false" />
                        <button type="submit">{ "Show" }</button>
                    </div>
                </form>
                <div class="lin-search">
                    <label for="lineage-search">{ "Find a node" }</label>
                    <input id="lineage-search" type="search" placeholder="Name or RID" autocomplete="off" spellcheck="false"
                        value={(*query).clone()} oninput={on_search} onkeydown={on_search_key} aria-describedby="lineage-matches" />
                    <span id="lineage-matches" class="help" aria-live="polite">{ match_note }</span>
                </div>
                <div class="lin-zoom" role="group" aria-label="Zoom">
                    <button type="button" onclick={zoom_by(1.0 / 1.25)} aria-label="Zoom out">{ "−" }</button>
                    <button type="button" onclick={zoom_by(1.25)} aria-label="Zoom in">{ "+" }</button>
                    <button type="button" onclick={on_fit}>{ "Fit" }</button>
                </div>
                { state_note }
            </div>
            <div class="lin-layout">
                <div class="card lin-canvas">{ body }</div>
                <aside class="card lin-side" aria-label="Selection and details">
                    <h2>{ "Selection" }</h2>
                    <p class="lin-count" aria-live="polite">{ match count { 0 => "Nothing selected.".to_owned(), 1 => "1 node selected.".to_owned(), n => format!("{n} nodes selected.") } }</p>
                    <div class="actions">
                        <button type="button" class="button-primary lin-build" disabled={count == 0} onclick={build(false)}>{ "Build selected" }</button>
                        <button type="button" class="lin-build-upstream" disabled={count == 0} onclick={build(true)}>{ "Build upstream of selected" }</button>
                        <button type="button" class="button-quiet" disabled={count == 0} onclick={on_clear}>{ "Clear" }</button>
                    </div>
                    <h2 class="lin-detail-head">{ "Details" }</h2>
                    { detail }
                </aside>
            </div>
        </section>
    }
}

fn detail_panel(g: &Graph, n: usize, state: Option<&DatasetState>, lineage: &Load<Lineage>) -> Html {
    let node = &g.nodes[n];
    let producer = match (node.kind, lineage) {
        (NodeKind::Dataset, Load::Ready(l)) => {
            l.datasets.iter().find(|d| d.rid == node.rid).and_then(|d| d.produced_by.clone())
        }
        _ => None,
    };
    let spec_link = match node.kind {
        NodeKind::JobSpec => Some(node.rid.clone()),
        NodeKind::Dataset => producer,
    };
    html! {
        <div class="lin-detail">
            <p class="ds-name">{ &node.name }</p>
            <p class="ds-rid mono">{ node.rid.to_string() }</p>
            if let Some(s) = state {
                <p><span class={classes!("lin-pill", freshness_class(s.state))}>{ s.state.label() }</span></p>
                <p class="lin-reason">{ &s.reason }</p>
                if let Some(job) = &s.last_job {
                    <p>
                        { "Last finished job: " }
                        <span class={classes!("badge", job_look(job.status).class)}>{ job_look(job.status).label }</span>
                        { " in " }
                        <Link<Route> to={Route::BuildReport { rid: job.build_rid.to_string() }}>{ format!("run #{}", job.run_id) }</Link<Route>>
                    </p>
                }
            }
            if let Some(rid) = spec_link {
                <p><Link<Route> to={Route::JobSpec { rid: rid.to_string() }}>{ if node.kind == NodeKind::JobSpec { "Open the job spec" } else { "Open the job spec that builds it" } }</Link<Route>></p>
            }
        </div>
    }
}

fn now() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map_or(0.0, |p| p.now())
}
