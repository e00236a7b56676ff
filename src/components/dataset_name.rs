//! Datasets as a person reads them: the catalog's name when it has one, else the RID.

use std::collections::HashMap;

use kiln_api::Rid;
use yew::prelude::*;

pub use crate::hooks::catalog::Names;

/// A dataset as text: its name when known, else its RID.
pub fn dataset_label(rid: &Rid, names: &HashMap<Rid, String>) -> String {
    names.get(rid).cloned().unwrap_or_else(|| rid.to_string())
}

/// A dataset in a table cell: the name, with the RID under it (or the RID alone).
pub fn dataset_cell(rid: &Rid, names: &HashMap<Rid, String>) -> Html {
    match names.get(rid) {
        Some(name) => html! {
            <><span class="ds-name">{ name.clone() }</span><span class="ds-rid mono rid">{ rid.to_string() }</span></>
        },
        None => html! { <span class="mono rid">{ rid.to_string() }</span> },
    }
}
