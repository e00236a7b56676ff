//! Opening the form prefilled: `/submit?from=<buildRid>` (Edit & resubmit),
//! `/submit?rerun=<buildRid>` (re-run what failed) and `/submit?dataset=<datasetRid>`
//! (Build this dataset, optionally `&branch=<name>`), and `/submit?select=<selection text>`
//! (the lineage page's "Build selected", optionally `&branch=<name>`).

use kiln_api::Rid;
use serde::{Deserialize, Serialize};

use super::catalog_index::CatalogIndex;
use super::state::{Action, FormState};
use super::text_syntax::from_text;
use super::wire::{dataset_form, failed_job_specs, from_request, rerun_form};
use crate::api::{self, Client};

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PrefillQuery {
    pub from: Option<String>,
    pub rerun: Option<String>,
    pub dataset: Option<String>,
    pub branch: Option<String>,
    pub select: Option<String>,
}

impl PrefillQuery {
    pub fn is_empty(&self) -> bool {
        self.from.is_none() && self.rerun.is_none() && self.dataset.is_none() && self.select.is_none()
    }
}

/// A form to put in place, and a sentence saying where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Prefill {
    pub form: FormState,
    pub note: String,
}

fn parse(text: &str, what: &str) -> Result<Rid, String> {
    Rid::parse(text).map_err(|e| format!("The link names a {what} that is not a valid RID: {e}."))
}

/// Builds the prefill a query asks for; the error is a sentence for the page.
pub async fn load(client: &Client, query: &PrefillQuery) -> Result<Prefill, String> {
    if let Some(text) = &query.select {
        // Names need the catalog; RIDs do not, so a catalog that cannot be read only
        // matters when the text uses names.
        let catalog = api::catalog::lineage(client).await.ok().map(CatalogIndex::new);
        let mut form = FormState::default();
        let selections = from_text(text, catalog.as_ref(), form.next_id)
            .map_err(|e| format!("The link's selection text is not valid at column {}: {}.", e.column, e.message))?;
        form.apply(Action::ReplaceSelections(selections));
        if let Some(branch) = query.branch.as_deref().map(str::trim).filter(|b| !b.is_empty()) {
            form.branch = branch.to_owned();
        }
        return Ok(Prefill {
            note: format!("Prefilled from the lineage: {}. Check the options and submit.", text.trim()),
            form,
        });
    }
    if let Some(dataset) = &query.dataset {
        let rid = parse(dataset, "dataset")?;
        return Ok(Prefill {
            form: dataset_form(rid.as_str(), query.branch.as_deref().filter(|b| !b.trim().is_empty())),
            note: "Prefilled to build one dataset: a required datasets selection, not forced. Check it and submit."
                .to_owned(),
        });
    }
    let (build, rerun) = match (&query.from, &query.rerun) {
        (Some(b), _) => (b, false),
        (None, Some(b)) => (b, true),
        (None, None) => return Err("Nothing to prefill.".to_owned()),
    };
    let rid = parse(build, "build")?;
    let report = api::build2::build_report(client, &rid)
        .await
        .map_err(|e| format!("The build {rid} could not be loaded: {e}"))?
        .ok_or_else(|| format!("The service knows no build {rid}."))?;
    if !rerun {
        return Ok(Prefill {
            form: from_request(&report.request),
            note: format!(
                "Prefilled from build {} (run {}). Change what you need and submit.",
                report.rid, report.run_id
            ),
        });
    }
    let failed = failed_job_specs(&report).len();
    let note = if failed == 0 {
        format!(
            "No job failed or was stopped in build {}; the form has its options and an empty job-spec selection.",
            report.rid
        )
    } else {
        format!(
            "Re-running build {}: its options, and the {failed} job spec{} whose jobs failed or were stopped.",
            report.rid,
            if failed == 1 { "" } else { "s" }
        )
    };
    Ok(Prefill { form: rerun_form(&report), note })
}
