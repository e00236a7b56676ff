//! The jobs of a build as a graph: layered left to right by `dependsOn` (a job sits one
//! layer right of its latest dependency), coloured by status. Clicking a job, or pressing
//! Enter on a focused one, opens its report.
//!
//! A build may have a thousand jobs, so the drawing is SVG markup written in one go (see
//! `markup`), not a virtual DOM node per element.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt::Write;
use std::rc::Rc;

use kiln_api::Rid;
use kiln_api::build2::{BuildJob, JobStatus};
use wasm_bindgen::JsCast;
use web_sys::Element;
use yew::prelude::*;

use super::markup::{escape, job_at, use_focus_kept};
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

/// What a node says to assistive technology: its job, its state, and what it does.
fn node_label(name: &str, state: &str) -> String {
    format!("{name}: {state}. Open the job report.")
}

/// A node's tooltip.
fn node_title(name: &str, state: &str) -> String {
    format!("{name} — {state}")
}

/// The whole drawing as SVG markup (see `markup`): edges first, so nodes sit on top.
/// Every node is focusable, a link for assistive technology, and says its job and state.
pub fn graph_markup(jobs: &[BuildJob], deps: &[Vec<usize>], layout: &Layout) -> String {
    let (width, height) = canvas_size(layout);
    // About 500 bytes a node with its edges.
    let mut out = String::with_capacity(512 * jobs.len() + 512);
    // Writing to a String cannot fail, so the results of `write!` say nothing.
    let _ = write!(
        out,
        r##"<svg class="job-graph" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="group" aria-label="Job graph"><defs><marker id="graph-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="graph-arrow"/></marker></defs>"##
    );
    for (to, froms) in deps.iter().enumerate() {
        for &from in froms {
            let (x1, y1) = node_origin(layout.layer[from], layout.row[from]);
            let (x2, y2) = node_origin(layout.layer[to], layout.row[to]);
            let (x1, y1) = (x1 + NODE_W, y1 + NODE_H / 2.0);
            let y2 = y2 + NODE_H / 2.0;
            let bend = (x2 - x1).abs() / 2.0;
            let _ = write!(
                out,
                r#"<path class="graph-edge" d="M{x1},{y1} C{},{y1} {},{y2} {x2},{y2}" marker-end="url(#graph-arrow)"/>"#,
                x1 + bend,
                x2 - bend
            );
        }
    }
    for (i, job) in jobs.iter().enumerate() {
        let (x, y) = node_origin(layout.layer[i], layout.row[i]);
        let look = job_look(job.status);
        let _ = write!(
            out,
            r#"<g class="graph-node {class}" transform="translate({x},{y})" data-job="{rid}" data-state="{state}" tabindex="0" role="link" aria-label="{label}"><title>{title}</title><rect width="{NODE_W}" height="{NODE_H}" rx="6"/><text class="graph-name" x="10" y="19">{short}</text><text class="graph-state" x="10" y="36">{state}</text></g>"#,
            class = look.class,
            rid = escape(job.rid.as_str()),
            state = look.label,
            label = escape(&node_label(&job.job_spec_name, look.label)),
            title = escape(&node_title(&job.job_spec_name, look.label)),
            short = escape(&short_name(&job.job_spec_name)),
        );
    }
    out.push_str("</svg>");
    out
}

/// The graph as written, and the state each node shows now (nodes are in the jobs' order).
struct Drawing {
    markup: AttrValue,
    states: RefCell<Vec<JobStatus>>,
}

impl Drawing {
    /// Brings the nodes of jobs whose state changed up to date, in place: a running build's
    /// events change one job at a time, and the rest of the drawing (and the focus) stays.
    fn patch(&self, container: &Element, jobs: &[BuildJob]) {
        let mut states = self.states.borrow_mut();
        let Ok(nodes) = container.query_selector_all("g.graph-node") else { return };
        for (i, job) in jobs.iter().enumerate() {
            if states.get(i) == Some(&job.status) {
                continue;
            }
            let Some(node) = nodes.item(i as u32).and_then(|n| n.dyn_into::<Element>().ok()) else { continue };
            let look = job_look(job.status);
            let _ = node.set_attribute("class", &format!("graph-node {}", look.class));
            let _ = node.set_attribute("data-state", look.label);
            let _ = node.set_attribute("aria-label", &node_label(&job.job_spec_name, look.label));
            // Text set as text, so a job's name stays text here too.
            if let Ok(Some(title)) = node.query_selector("title") {
                title.set_text_content(Some(&node_title(&job.job_spec_name, look.label)));
            }
            if let Ok(Some(state)) = node.query_selector(".graph-state") {
                state.set_text_content(Some(look.label));
            }
            if let Some(slot) = states.get_mut(i) {
                *slot = job.status;
            }
        }
    }
}

impl PartialEq for Drawing {
    /// Two drawings are the same when they were written the same; the states are patched.
    fn eq(&self, other: &Self) -> bool {
        self.markup == other.markup
    }
}

#[derive(Properties, PartialEq)]
pub struct JobGraphProps {
    pub jobs: Rc<Vec<BuildJob>>,
    /// Called with the job a person chose.
    pub on_open: Callback<Rid>,
}

#[component]
pub fn JobGraph(props: &JobGraphProps) -> Html {
    // Laid out again only when the dependencies change, not on every change of a status.
    let deps = use_memo(props.jobs.clone(), |jobs| job_deps(jobs));
    let layout = use_memo(deps.clone(), |deps| layout(deps));
    // A thousand nodes are thousands of elements: written as one string, parsed by the
    // browser at once, and written again only when the graph's shape or its jobs change
    // (another build), not when a job changes state: that is patched in place below.
    let shape: Vec<(Rid, String)> = props.jobs.iter().map(|j| (j.rid.clone(), j.job_spec_name.clone())).collect();
    let drawing = use_memo((shape, layout.clone()), |(_, layout)| Drawing {
        markup: AttrValue::from(graph_markup(&props.jobs, &deps, layout)),
        states: RefCell::new(props.jobs.iter().map(|j| j.status).collect()),
    });
    let container = use_node_ref();
    // A drawing written again loses the focused node; the same job's node gets it back.
    use_focus_kept(&container, drawing.clone());
    {
        let container = container.clone();
        use_effect_with((props.jobs.clone(), drawing.clone()), move |(jobs, drawing)| {
            if let Some(element) = container.cast::<Element>() {
                drawing.patch(&element, jobs);
            }
        });
    }
    // One handler for the whole drawing, so nodes need no callbacks of their own.
    let onclick = use_callback(props.on_open.clone(), |e: MouseEvent, on_open| {
        if let Some(rid) = job_at(&e) {
            on_open.emit(rid);
        }
    });
    let onkeydown = use_callback(props.on_open.clone(), |e: KeyboardEvent, on_open| {
        if e.key() == "Enter"
            && let Some(rid) = job_at(&e)
        {
            e.prevent_default();
            on_open.emit(rid);
        }
    });
    if props.jobs.is_empty() {
        return html! { <p class="muted">{ "This build has no jobs." }</p> };
    }
    // How tall the card will be, for while the browser skips laying out a graph out of view.
    let (_, height) = canvas_size(&layout);
    html! {
        <div class="graph-scroll" ref={container} style={format!("--graph-h: {}px", height.ceil() + 16.0)} {onclick} {onkeydown}>
            { Html::from_html_unchecked(drawing.markup.clone()) }
        </div>
    }
}
