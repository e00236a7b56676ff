//! The jobs of a build as a graph: layered left to right by `dependsOn` (a job sits one
//! layer right of its latest dependency), coloured by status. Clicking a job, or pressing
//! Enter on a focused one, opens its report.

use std::collections::HashMap;
use std::rc::Rc;

use kiln_api::Rid;
use kiln_api::build2::BuildJob;
use wasm_bindgen::JsCast;
use web_sys::Element;
use yew::prelude::*;

use super::status_badge::job_look;

/// Where each node goes: its layer (column) and its row within the layer.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Layout {
    pub layer: Vec<usize>,
    pub row: Vec<usize>,
    /// The number of layers (columns).
    pub layers: usize,
    /// The number of rows of the fullest layer.
    pub rows: usize,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Visit {
    New,
    Active,
    Done,
}

/// Longest-path layering: a node with no dependencies is in layer 0, any other one layer
/// after its deepest dependency. `deps[n]` lists the nodes `n` depends on; indexes out of
/// range and self-loops are ignored, and an edge that closes a cycle is dropped so a
/// malformed graph still lays out.
pub fn layers(deps: &[Vec<usize>]) -> Vec<usize> {
    let mut state = vec![Visit::New; deps.len()];
    let mut layer = vec![0; deps.len()];
    for start in 0..deps.len() {
        visit(start, deps, &mut state, &mut layer);
    }
    layer
}

fn visit(node: usize, deps: &[Vec<usize>], state: &mut [Visit], layer: &mut [usize]) -> Option<usize> {
    match state.get(node)? {
        Visit::Done => return layer.get(node).copied(),
        Visit::Active => return None,
        Visit::New => {}
    }
    state[node] = Visit::Active;
    let mut depth = 0;
    for &dep in deps.get(node).map(Vec::as_slice).unwrap_or_default() {
        if dep != node
            && let Some(dep_layer) = visit(dep, deps, state, layer)
        {
            depth = depth.max(dep_layer + 1);
        }
    }
    state[node] = Visit::Done;
    layer[node] = depth;
    Some(depth)
}

/// Layers the graph and orders each layer so a node sits near the average row of its
/// dependencies (one barycentre pass), which keeps most edges short and uncrossed.
pub fn layout(deps: &[Vec<usize>]) -> Layout {
    let layer = layers(deps);
    let layer_count = layer.iter().max().map_or(0, |&l| l + 1);
    let mut row = vec![0; deps.len()];
    let mut rows = 0;
    // Nodes by layer, in one pass: a thousand-job build has hundreds of layers.
    let mut by_layer: Vec<Vec<usize>> = vec![Vec::new(); layer_count];
    for (n, &l) in layer.iter().enumerate() {
        by_layer[l].push(n);
    }
    for (current, nodes) in by_layer.iter().enumerate() {
        let mut members: Vec<(f64, usize)> = nodes
            .iter()
            .map(|&n| {
                let placed: Vec<f64> =
                    deps[n].iter().filter(|&&d| d < deps.len() && layer[d] < current).map(|&d| row[d] as f64).collect();
                let key = if placed.is_empty() { f64::MAX } else { placed.iter().sum::<f64>() / placed.len() as f64 };
                (key, n)
            })
            .collect();
        crate::sort::sort_by(&mut members, |a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        for (position, &(_, n)) in members.iter().enumerate() {
            row[n] = position;
        }
        rows = rows.max(members.len());
    }
    Layout { layer, row, layers: layer_count, rows }
}

/// The dependency lists of a build's jobs, as indexes into `jobs`.
pub fn job_deps(jobs: &[BuildJob]) -> Vec<Vec<usize>> {
    let index: HashMap<&Rid, usize> = jobs.iter().enumerate().map(|(i, job)| (&job.rid, i)).collect();
    jobs.iter().map(|job| job.depends_on.iter().filter_map(|dep| index.get(dep).copied()).collect()).collect()
}

const NODE_W: f64 = 184.0;
const NODE_H: f64 = 46.0;
const GAP_X: f64 = 56.0;
const GAP_Y: f64 = 14.0;
const PAD: f64 = 6.0;
/// Names longer than this are cut in the node; the full name is in its tooltip.
const NAME_CHARS: usize = 22;

/// The top-left corner of a node.
pub fn node_origin(layer: usize, row: usize) -> (f64, f64) {
    (PAD + layer as f64 * (NODE_W + GAP_X), PAD + row as f64 * (NODE_H + GAP_Y))
}

/// The drawing's width and height.
pub fn canvas_size(layout: &Layout) -> (f64, f64) {
    let w = PAD * 2.0 + layout.layers as f64 * NODE_W + layout.layers.saturating_sub(1) as f64 * GAP_X;
    let h = PAD * 2.0 + layout.rows as f64 * NODE_H + layout.rows.saturating_sub(1) as f64 * GAP_Y;
    (w, h)
}

fn short_name(name: &str) -> String {
    if name.chars().count() <= NAME_CHARS {
        name.to_owned()
    } else {
        let cut: String = name.chars().take(NAME_CHARS - 1).collect();
        format!("{cut}…")
    }
}

#[derive(Properties, PartialEq)]
pub struct JobGraphProps {
    pub jobs: Rc<Vec<BuildJob>>,
    /// Called with the job a person chose.
    pub on_open: Callback<Rid>,
}

/// The job a click or key press landed on, from the `data-job` of its node.
fn job_of(event: &Event) -> Option<Rid> {
    let target: Element = event.target()?.dyn_into().ok()?;
    let node = target.closest("[data-job]").ok()??;
    Rid::parse(&node.get_attribute("data-job")?).ok()
}

#[component]
pub fn JobGraph(props: &JobGraphProps) -> Html {
    // Laid out again only when the dependencies change, not on every change of a status.
    let deps = job_deps(&props.jobs);
    let layout = use_memo(deps.clone(), |deps| layout(deps));
    // One handler for the whole drawing, so nodes need no callbacks of their own.
    let onclick = {
        let on_open = props.on_open.clone();
        Callback::from(move |e: MouseEvent| {
            if let Some(rid) = job_of(&e) {
                on_open.emit(rid);
            }
        })
    };
    let onkeydown = {
        let on_open = props.on_open.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter"
                && let Some(rid) = job_of(&e)
            {
                e.prevent_default();
                on_open.emit(rid);
            }
        })
    };
    let jobs = &props.jobs;
    if jobs.is_empty() {
        return html! { <p class="muted">{ "This build has no jobs." }</p> };
    }
    let (width, height) = canvas_size(&layout);
    let edges = deps.iter().enumerate().flat_map(|(to, froms)| {
        let layout = &layout;
        froms.iter().map(move |&from| {
            let (x1, y1) = node_origin(layout.layer[from], layout.row[from]);
            let (x2, y2) = node_origin(layout.layer[to], layout.row[to]);
            let (x1, y1) = (x1 + NODE_W, y1 + NODE_H / 2.0);
            let y2 = y2 + NODE_H / 2.0;
            let bend = (x2 - x1).abs() / 2.0;
            let d = format!("M{x1},{y1} C{},{y1} {},{y2} {x2},{y2}", x1 + bend, x2 - bend);
            html! { <path key={format!("{from}-{to}")} class="graph-edge" d={d} marker-end="url(#graph-arrow)" /> }
        })
    });
    let nodes = jobs.iter().enumerate().map(|(i, job)| {
        let (x, y) = node_origin(layout.layer[i], layout.row[i]);
        let look = job_look(job.status);
        let label = format!("{}: {}. Open the job report.", job.job_spec_name, look.label);
        html! {
            <g key={job.rid.to_string()} class={classes!("graph-node", look.class)} transform={format!("translate({x},{y})")}
                data-job={job.rid.to_string()} data-state={look.label} tabindex="0" role="link" aria-label={label}>
                <title>{ format!("{} — {}", job.job_spec_name, look.label) }</title>
                <rect width={NODE_W.to_string()} height={NODE_H.to_string()} rx="6" />
                <text class="graph-name" x="10" y="19">{ short_name(&job.job_spec_name) }</text>
                <text class="graph-state" x="10" y="36">{ look.label }</text>
            </g>
        }
    });
    html! {
        <div class="graph-scroll">
            <svg class="job-graph" width={width.to_string()} height={height.to_string()}
                viewBox={format!("0 0 {width} {height}")} role="group" aria-label="Job graph" {onclick} {onkeydown}>
                <defs>
                    <marker id="graph-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
                        <path d="M0,0 L10,5 L0,10 z" class="graph-arrow" />
                    </marker>
                </defs>
                { for edges }
                { for nodes }
            </svg>
        </div>
    }
}
