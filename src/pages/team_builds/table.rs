//! The builds table: a sortable header and a windowed list of [`BuildRow`]s.
//!
//! It is a grid of `div`s with table roles rather than a `<table>`: a windowed list needs
//! rows it can position freely, and the roles keep it a table for assistive technology.

use std::collections::{BTreeSet, HashMap};
use std::rc::Rc;

use kiln_api::teams::TeamBuild;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::filters::{Filters, SortColumn};
use super::row::{BuildRow, RowAction};
use crate::components::windowed_list::{WindowedList, use_narrow};

/// Every row is this tall (CSS pixels); `builds.css` lays rows out to fit it.
pub const ROW_HEIGHT: u32 = 44;
/// On a narrow screen a row takes two lines; `builds.css` uses the same breakpoint.
pub const NARROW_ROW_HEIGHT: u32 = 68;

#[derive(Properties, PartialEq)]
pub struct BuildsTableProps {
    /// The rows in display order.
    pub rows: Rc<Vec<Rc<TeamBuild>>>,
    pub filters: Filters,
    #[prop_or_default]
    pub selected: Rc<BTreeSet<u64>>,
    #[prop_or_default]
    pub pending: Rc<HashMap<u64, &'static str>>,
    #[prop_or_default]
    pub rolled_back: Rc<BTreeSet<u64>>,
    #[prop_or_default]
    pub watched: Rc<BTreeSet<String>>,
    #[prop_or_default]
    pub on_sort: Callback<SortColumn>,
    #[prop_or_default]
    pub on_select: Callback<(u64, bool)>,
    #[prop_or_default]
    pub on_select_all: Callback<bool>,
    #[prop_or_default]
    pub on_action: Callback<RowAction>,
    #[prop_or_default]
    pub on_near_end: Option<Callback<()>>,
    #[prop_or_default]
    pub style: Option<AttrValue>,
}

struct RowDeps {
    rows: Rc<Vec<Rc<TeamBuild>>>,
    selected: Rc<BTreeSet<u64>>,
    pending: Rc<HashMap<u64, &'static str>>,
    rolled_back: Rc<BTreeSet<u64>>,
    watched: Rc<BTreeSet<String>>,
    on_select: Callback<(u64, bool)>,
    on_action: Callback<RowAction>,
}

impl PartialEq for RowDeps {
    // Pointer equality: each of these is replaced, never mutated, when it changes, and
    // comparing ten thousand rows by value on every render would defeat the window.
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.rows, &other.rows)
            && Rc::ptr_eq(&self.selected, &other.selected)
            && Rc::ptr_eq(&self.pending, &other.pending)
            && Rc::ptr_eq(&self.rolled_back, &other.rolled_back)
            && Rc::ptr_eq(&self.watched, &other.watched)
            && self.on_select == other.on_select
            && self.on_action == other.on_action
    }
}

#[component]
pub fn BuildsTable(props: &BuildsTableProps) -> Html {
    let row_height = if use_narrow() { NARROW_ROW_HEIGHT } else { ROW_HEIGHT };
    let render_row = use_callback(
        RowDeps {
            rows: props.rows.clone(),
            selected: props.selected.clone(),
            pending: props.pending.clone(),
            rolled_back: props.rolled_back.clone(),
            watched: props.watched.clone(),
            on_select: props.on_select.clone(),
            on_action: props.on_action.clone(),
        },
        |index: usize, deps| {
            let Some(build) = deps.rows.get(index) else { return html! {} };
            let run_id = build.run_id;
            html! {
                <BuildRow key={run_id} build={build.clone()} row_index={index + 2}
                    selected={deps.selected.contains(&run_id)}
                    pending={deps.pending.get(&run_id).copied()}
                    rolled_back={deps.rolled_back.contains(&run_id)}
                    watched={deps.watched.contains(build.build_rid.as_str())}
                    on_select={deps.on_select.clone()} on_action={deps.on_action.clone()} />
            }
        },
    );

    let all_selected = !props.rows.is_empty() && props.rows.iter().all(|b| props.selected.contains(&b.run_id));
    let on_all = props.on_select_all.reform(|e: Event| e.target_unchecked_into::<HtmlInputElement>().checked());
    let sort_header = |column: SortColumn, label: &'static str, class: &'static str| {
        let current = props.filters.sort == column;
        let onclick = props.on_sort.reform(move |_: MouseEvent| column);
        let arrow = match (current, props.filters.dir.aria()) {
            (false, _) => "",
            (true, "ascending") => " ▲",
            (true, _) => " ▼",
        };
        html! {
            <div role="columnheader" class={class} aria-sort={current.then(|| props.filters.dir.aria())}>
                <button type="button" class="sort-button" {onclick} data-sort={column.as_str()}>
                    { label }<span aria-hidden="true">{ arrow }</span>
                </button>
            </div>
        }
    };
    let header = html! {
        <div class="builds-head" role="rowgroup">
            <div class="build-row build-row-head" role="row" aria-rowindex="1">
                <div role="columnheader" class="col-select">
                    <input type="checkbox" checked={all_selected} onchange={on_all} aria-label="Select every loaded build" />
                </div>
                { sort_header(SortColumn::Run, "Run", "col-run") }
                { sort_header(SortColumn::Status, "Status", "col-status") }
                <div role="columnheader" class="col-tags">{ "Tags" }</div>
                { sort_header(SortColumn::Created, "Created", "col-created") }
                { sort_header(SortColumn::Who, "Who", "col-who") }
                { sort_header(SortColumn::Duration, "Duration", "col-duration") }
                <div role="columnheader" class="col-path">{ "Artifact path" }</div>
                <div role="columnheader" class="col-actions">{ "Actions" }</div>
            </div>
        </div>
    };
    html! {
        <WindowedList class="builds-table" count={props.rows.len()} {row_height} {render_row} {header}
            role="table" aria_label="Team builds" aria_rowcount={props.rows.len() + 1}
            on_near_end={props.on_near_end.clone()} style={props.style.clone()} />
    }
}
