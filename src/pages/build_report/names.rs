//! Names of datasets and job specs for their RIDs, from the catalog. The build2 surface speaks only in RIDs; a
//! person reads names. Without the teams surface the reports show RIDs alone.

use std::collections::HashMap;
use std::rc::Rc;

use kiln_api::Rid;
use yew::prelude::*;

use crate::api;
use crate::session::use_session;

/// Dataset or job spec RID → name, empty until the catalog answered (or when it cannot).
pub type Names = Rc<HashMap<Rid, String>>;

#[hook]
pub fn use_dataset_names() -> Names {
    let session = use_session();
    let names = use_state(|| Rc::new(HashMap::new()));
    {
        let names = names.clone();
        let teams = session.teams_available;
        use_effect_with((session.client(), teams), move |(client, teams)| {
            if *teams {
                let client = client.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    // Names are a nicety: on failure the RIDs are shown, which are correct.
                    if let Ok(lineage) = api::catalog::lineage(&client).await {
                        let datasets = lineage.datasets.into_iter().map(|d| (d.rid, d.name));
                        let specs = lineage.job_specs.into_iter().map(|s| (s.rid, s.name));
                        names.set(Rc::new(datasets.chain(specs).collect()));
                    }
                });
            }
        });
    }
    (*names).clone()
}

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
