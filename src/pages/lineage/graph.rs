//! The lineage as a drawing: datasets and job specs as nodes, laid out left to right
//! (a job spec one layer right of its inputs, a dataset one right of its producer), and the
//! arithmetic of zooming and panning the view. Pure, so it is tested without a browser.

use std::collections::HashMap;

use kiln_api::Rid;
use kiln_api::teams::Lineage;

use crate::components::job_graph::{Layout, layout};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    Dataset,
    JobSpec,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub rid: Rid,
    pub name: String,
    pub kind: NodeKind,
}

/// The whole pipeline, placed.
#[derive(Debug, Clone, PartialEq)]
pub struct Graph {
    pub nodes: Vec<Node>,
    /// `(from, to)`: a dataset into the job spec that reads it, a job spec into its output.
    pub edges: Vec<(usize, usize)>,
    pub layout: Layout,
    index: HashMap<Rid, usize>,
}

pub const NODE_W: f64 = 200.0;
pub const NODE_H: f64 = 44.0;
const GAP_X: f64 = 64.0;
const GAP_Y: f64 = 14.0;
const PAD: f64 = 16.0;

impl Graph {
    pub fn new(lineage: &Lineage) -> Graph {
        let mut nodes = Vec::with_capacity(lineage.datasets.len() + lineage.job_specs.len());
        for d in &lineage.datasets {
            nodes.push(Node { rid: d.rid.clone(), name: d.name.clone(), kind: NodeKind::Dataset });
        }
        for s in &lineage.job_specs {
            nodes.push(Node { rid: s.rid.clone(), name: s.name.clone(), kind: NodeKind::JobSpec });
        }
        let index: HashMap<Rid, usize> = nodes.iter().enumerate().map(|(i, n)| (n.rid.clone(), i)).collect();
        let mut deps: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
        let mut edges = Vec::new();
        for (offset, s) in lineage.job_specs.iter().enumerate() {
            let spec = lineage.datasets.len() + offset;
            for input in s.inputs.iter().filter_map(|r| index.get(r)) {
                deps[spec].push(*input);
                edges.push((*input, spec));
            }
            for output in s.outputs.iter().filter_map(|r| index.get(r)) {
                deps[*output].push(spec);
                edges.push((spec, *output));
            }
        }
        let layout = layout(&deps);
        Graph { nodes, edges, layout, index }
    }

    pub fn node_of(&self, rid: &Rid) -> Option<usize> {
        self.index.get(rid).copied()
    }

    /// The top-left corner of node `n`.
    pub fn origin(&self, n: usize) -> (f64, f64) {
        let (layer, row) = (self.layout.layer[n], self.layout.row[n]);
        (PAD + layer as f64 * (NODE_W + GAP_X), PAD + row as f64 * (NODE_H + GAP_Y))
    }

    pub fn center(&self, n: usize) -> (f64, f64) {
        let (x, y) = self.origin(n);
        (x + NODE_W / 2.0, y + NODE_H / 2.0)
    }

    /// The drawing's width and height.
    pub fn size(&self) -> (f64, f64) {
        let (layers, rows) = (self.layout.layers as f64, self.layout.rows as f64);
        (
            PAD * 2.0 + layers * NODE_W + (layers - 1.0).max(0.0) * GAP_X,
            PAD * 2.0 + rows * NODE_H + (rows - 1.0).max(0.0) * GAP_Y,
        )
    }

    /// The SVG path of edge `(from, to)`: a horizontal S-curve between the nodes' sides.
    pub fn edge_path(&self, from: usize, to: usize) -> String {
        let (x1, y1) = self.origin(from);
        let (x2, y2) = self.origin(to);
        let (x1, y1, y2) = (x1 + NODE_W, y1 + NODE_H / 2.0, y2 + NODE_H / 2.0);
        let bend = (x2 - x1).abs() / 2.0;
        format!("M{x1},{y1} C{},{y1} {},{y2} {x2},{y2}", x1 + bend, x2 - bend)
    }

    /// Nodes whose name or RID contains `needle` (case-insensitive), in node order.
    pub fn search(&self, needle: &str) -> Vec<usize> {
        let needle = needle.trim().to_lowercase();
        if needle.is_empty() {
            return Vec::new();
        }
        (0..self.nodes.len())
            .filter(|&i| {
                let n = &self.nodes[i];
                n.name.to_lowercase().contains(&needle) || n.rid.as_str().to_lowercase().contains(&needle)
            })
            .collect()
    }
}

/// What part of the drawing is on screen: drawing coordinates scaled by `scale`, then
/// shifted by `(x, y)` screen pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct View {
    pub scale: f64,
    pub x: f64,
    pub y: f64,
}

pub const MIN_SCALE: f64 = 0.1;
pub const MAX_SCALE: f64 = 2.5;

impl View {
    /// The whole drawing of `size` in a viewport of `viewport`, never above 1:1.
    pub fn fit(size: (f64, f64), viewport: (f64, f64)) -> View {
        let scale = (viewport.0 / size.0).min(viewport.1 / size.1).clamp(MIN_SCALE, 1.0);
        View { scale, x: (viewport.0 - size.0 * scale) / 2.0, y: (viewport.1 - size.1 * scale).max(0.0) / 2.0 }
    }

    /// Zooms by `factor` keeping the screen point `at` where it is.
    pub fn zoom(self, factor: f64, at: (f64, f64)) -> View {
        let scale = (self.scale * factor).clamp(MIN_SCALE, MAX_SCALE);
        let ratio = scale / self.scale;
        View { scale, x: at.0 - (at.0 - self.x) * ratio, y: at.1 - (at.1 - self.y) * ratio }
    }

    pub fn pan(self, dx: f64, dy: f64) -> View {
        View { x: self.x + dx, y: self.y + dy, ..self }
    }

    /// Puts the drawing point `point` in the middle of the viewport, at a readable scale.
    pub fn center_on(self, point: (f64, f64), viewport: (f64, f64)) -> View {
        let scale = self.scale.max(1.0);
        View { scale, x: viewport.0 / 2.0 - point.0 * scale, y: viewport.1 / 2.0 - point.1 * scale }
    }

    pub fn transform(&self) -> String {
        format!("translate({:.1},{:.1}) scale({:.4})", self.x, self.y, self.scale)
    }
}

#[cfg(test)]
mod tests {
    use kiln_api::teams::{CatalogDataset, CatalogJobSpec};
    use wasm_bindgen_test::wasm_bindgen_test;

    use super::*;

    fn rid(kind: &str, name: &str) -> Rid {
        Rid::parse(&format!("ri.foundry.main.{kind}.{name}")).expect("a RID")
    }

    fn dataset(name: &str, producer: Option<&str>) -> CatalogDataset {
        CatalogDataset {
            rid: rid("dataset", name),
            name: name.to_owned(),
            produced_by: producer.map(|p| rid("jobspec", p)),
            branches: vec![],
        }
    }

    fn spec(name: &str, inputs: &[&str], outputs: &[&str]) -> CatalogJobSpec {
        CatalogJobSpec {
            rid: rid("jobspec", name),
            name: name.to_owned(),
            inputs: inputs.iter().map(|i| rid("dataset", i)).collect(),
            outputs: outputs.iter().map(|o| rid("dataset", o)).collect(),
        }
    }

    /// raw -> [clean] -> tidy -> [report] -> out
    fn small() -> Graph {
        Graph::new(&Lineage {
            datasets: vec![dataset("raw", None), dataset("tidy", Some("clean")), dataset("out", Some("report"))],
            job_specs: vec![spec("clean", &["raw"], &["tidy"]), spec("report", &["tidy"], &["out"])],
        })
    }

    #[wasm_bindgen_test]
    fn datasets_and_job_specs_alternate_left_to_right() {
        let g = small();
        let layer = |name: &str| g.nodes.iter().position(|n| n.name == name).map(|i| g.layout.layer[i]);
        assert_eq!(["raw", "clean", "tidy", "report", "out"].map(layer), [Some(0), Some(1), Some(2), Some(3), Some(4)]);
        assert_eq!(g.edges.len(), 4);
        assert!(g.origin(0).0 < g.origin(3).0, "a source is left of its reader");
        let (w, h) = g.size();
        assert!(w > 4.0 * NODE_W && h >= NODE_H, "{w}x{h}");
    }

    #[wasm_bindgen_test]
    fn search_matches_names_and_rids_case_insensitively() {
        let g = small();
        let names = |q: &str| g.search(q).into_iter().map(|i| g.nodes[i].name.clone()).collect::<Vec<_>>();
        assert_eq!(names("TID"), ["tidy"]);
        assert_eq!(names("jobspec.rep"), ["report"]);
        assert!(names("  ").is_empty());
    }

    #[wasm_bindgen_test]
    fn fit_zoom_and_center_keep_the_right_point_in_place() {
        let fit = View::fit((2000.0, 1000.0), (1000.0, 600.0));
        assert!((fit.scale - 0.5).abs() < 1e-9);
        assert!((fit.x - 0.0).abs() < 1e-9 && (fit.y - 50.0).abs() < 1e-9);
        assert_eq!(View::fit((100.0, 100.0), (1000.0, 600.0)).scale, 1.0, "never enlarged past 1:1");
        // Zooming at a screen point leaves the drawing point under it where it was.
        let zoomed = fit.zoom(2.0, (300.0, 200.0));
        let drawing = |v: View, s: (f64, f64)| ((s.0 - v.x) / v.scale, (s.1 - v.y) / v.scale);
        let (a, b) = (drawing(fit, (300.0, 200.0)), drawing(zoomed, (300.0, 200.0)));
        assert!((a.0 - b.0).abs() < 1e-9 && (a.1 - b.1).abs() < 1e-9);
        assert_eq!(fit.zoom(1000.0, (0.0, 0.0)).scale, MAX_SCALE);
        let centered = fit.center_on((500.0, 250.0), (1000.0, 600.0));
        assert_eq!((centered.scale, centered.x, centered.y), (1.0, 0.0, 50.0));
        assert_eq!(fit.pan(5.0, -5.0).x, fit.x + 5.0);
    }
}
