//! The selections as text (`crate::selection_text`) and back: names resolve through the
//! catalog to RIDs of the kind each place holds; RIDs pass through as they are.

use kiln_api::Rid;

use super::catalog_index::{CatalogIndex, RidKind};
use super::state::{SelectionDraft, SelectionKind};
use crate::selection_text::{Name, ParseError, Term, parse, print};

/// A selection's parts that the text carries (its id is the form's business).
pub fn shape(s: &SelectionDraft) -> (SelectionKind, Vec<String>, Vec<String>, Vec<String>, bool) {
    let pick = |keep: bool, list: &[String]| if keep { list.to_vec() } else { Vec::new() };
    let k = s.kind;
    (
        k,
        s.rids.clone(),
        pick(k == SelectionKind::Connecting, &s.downstream),
        pick(matches!(k, SelectionKind::Upstream | SelectionKind::Connecting), &s.ignore),
        !k.has_required() || s.is_required,
    )
}

/// Whether two lists of selections say the same thing in text.
pub fn same_text(a: &[SelectionDraft], b: &[SelectionDraft]) -> bool {
    let shapes = |l: &[SelectionDraft]| l.iter().filter(|s| !is_empty(s)).map(shape).collect::<Vec<_>>();
    shapes(a) == shapes(b)
}

fn is_empty(s: &SelectionDraft) -> bool {
    s.rids.is_empty() && (s.kind != SelectionKind::Connecting || s.downstream.is_empty())
}

/// The text of the form's selections: names where the catalog knows the RID.
pub fn to_text(selections: &[SelectionDraft], catalog: Option<&CatalogIndex>) -> String {
    let names = |rids: &[String]| -> Vec<Name> {
        rids.iter()
            .map(|r| Name::new(catalog.and_then(|c| c.name(r)).filter(|n| is_plain_name(n)).unwrap_or(r).to_owned()))
            .collect()
    };
    let terms: Vec<Term> = selections
        .iter()
        .filter(|s| !is_empty(s))
        .map(|s| match s.kind {
            SelectionKind::Datasets => Term::Datasets { names: names(&s.rids), required: s.is_required },
            SelectionKind::JobSpecs => Term::JobSpecs { names: names(&s.rids), required: s.is_required },
            SelectionKind::Upstream => Term::Upstream { names: names(&s.rids), ignore: names(&s.ignore) },
            SelectionKind::Connecting => Term::Connecting {
                upstream: names(&s.rids),
                downstream: names(&s.downstream),
                ignore: names(&s.ignore),
            },
        })
        .collect();
    print(&terms)
}

/// A name the text syntax can carry as it is (no separators or markers in it).
fn is_plain_name(name: &str) -> bool {
    !name.is_empty()
        && !name.contains("..")
        && !name.starts_with(['+', '-'])
        && !name.starts_with("job:")
        && !name.chars().any(|c| c.is_whitespace() || matches!(c, ',' | '|' | '?' | '+'))
}

/// The RID a name stands for: a RID as written, else the catalog entry of that name.
fn resolve(name: &Name, kind: RidKind, catalog: Option<&CatalogIndex>) -> Result<String, ParseError> {
    if Rid::parse(&name.text).is_ok() {
        return Ok(name.text.clone());
    }
    let Some(catalog) = catalog else {
        return Err(ParseError {
            column: name.column,
            message: format!(
                "{} is not a RID, and names cannot be looked up while the catalog is not loaded",
                name.text
            ),
        });
    };
    let found = match kind {
        RidKind::Dataset => catalog.datasets().iter().find(|d| d.name == name.text).map(|d| d.rid.to_string()),
        RidKind::JobSpec => catalog.job_specs().iter().find(|j| j.name == name.text).map(|j| j.rid.to_string()),
    };
    found.ok_or_else(|| {
        let hint = match kind {
            RidKind::Dataset if catalog.job_specs().iter().any(|j| j.name == name.text) => {
                format!("; {0} is a job spec, write job:{0}", name.text)
            }
            _ => String::new(),
        };
        ParseError { column: name.column, message: format!("no {} is named {}{hint}", kind.noun(), name.text) }
    })
}

/// The form's selections for a text, ids from `next_id` on; an error names the column.
pub fn from_text(text: &str, catalog: Option<&CatalogIndex>, next_id: u32) -> Result<Vec<SelectionDraft>, ParseError> {
    let terms = parse(text)?;
    let all =
        |names: &[Name], kind: RidKind| names.iter().map(|n| resolve(n, kind, catalog)).collect::<Result<Vec<_>, _>>();
    let mut out = Vec::with_capacity(terms.len());
    for (offset, term) in terms.iter().enumerate() {
        let id = next_id + offset as u32;
        let draft = match term {
            Term::Datasets { names, required } => SelectionDraft {
                rids: all(names, RidKind::Dataset)?,
                is_required: *required,
                ..SelectionDraft::new(id, SelectionKind::Datasets)
            },
            Term::JobSpecs { names, required } => SelectionDraft {
                rids: all(names, RidKind::JobSpec)?,
                is_required: *required,
                ..SelectionDraft::new(id, SelectionKind::JobSpecs)
            },
            Term::Upstream { names, ignore } => SelectionDraft {
                rids: all(names, RidKind::Dataset)?,
                ignore: all(ignore, RidKind::Dataset)?,
                ..SelectionDraft::new(id, SelectionKind::Upstream)
            },
            Term::Connecting { upstream, downstream, ignore } => SelectionDraft {
                rids: all(upstream, RidKind::Dataset)?,
                downstream: all(downstream, RidKind::Dataset)?,
                ignore: all(ignore, RidKind::Dataset)?,
                ..SelectionDraft::new(id, SelectionKind::Connecting)
            },
        };
        out.push(draft);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use kiln_api::teams::{CatalogDataset, CatalogJobSpec, Lineage};
    use wasm_bindgen_test::wasm_bindgen_test;

    use super::*;

    fn rid(kind: &str, name: &str) -> String {
        format!("ri.foundry.main.{kind}.{name}")
    }

    fn catalog() -> CatalogIndex {
        let ds = |name: &str, key: &str| CatalogDataset {
            rid: Rid::parse(&rid("dataset", key)).expect("rid"),
            name: name.to_owned(),
            produced_by: None,
            branches: vec![],
        };
        CatalogIndex::new(Lineage {
            datasets: vec![ds("raw/orders", "o"), ds("report/summary", "s"), ds("agg/x", "x")],
            job_specs: vec![CatalogJobSpec {
                rid: Rid::parse(&rid("jobspec", "c")).expect("rid"),
                name: "clean-orders".to_owned(),
                inputs: vec![],
                outputs: vec![],
            }],
        })
    }

    #[wasm_bindgen_test]
    fn names_resolve_to_rids_of_the_right_kind_and_print_back_as_names() {
        let c = catalog();
        let text = "report/summary job:clean-orders? +report/summary -agg/x raw/orders..report/summary";
        let drafts = from_text(text, Some(&c), 10).expect("resolves");
        assert_eq!(drafts.iter().map(|d| d.id).collect::<Vec<_>>(), [10, 11, 12, 13]);
        assert_eq!(drafts[0].kind, SelectionKind::Datasets);
        assert_eq!(drafts[0].rids, [rid("dataset", "s")]);
        assert_eq!((drafts[1].kind, drafts[1].is_required), (SelectionKind::JobSpecs, false));
        assert_eq!(drafts[1].rids, [rid("jobspec", "c")]);
        assert_eq!((drafts[2].kind, drafts[2].ignore.clone()), (SelectionKind::Upstream, vec![rid("dataset", "x")]));
        assert_eq!(drafts[3].downstream, [rid("dataset", "s")]);
        assert_eq!(to_text(&drafts, Some(&c)), text, "both ways");
        // Without the catalog the same selections print as RIDs, and RIDs parse back.
        let bare = to_text(&drafts, None);
        assert!(bare.starts_with("ri.foundry.main.dataset.s job:ri.foundry.main.jobspec.c?"), "{bare}");
        assert!(same_text(&from_text(&bare, None, 1).expect("RIDs need no catalog"), &drafts));
    }

    #[wasm_bindgen_test]
    fn unknown_names_point_at_their_column_and_hint_at_job_specs() {
        let c = catalog();
        let e = from_text("report/summary nope", Some(&c), 1).expect_err("unknown");
        assert_eq!(e.column, 16);
        assert!(e.message.contains("no dataset is named nope"), "{e}");
        let e = from_text("clean-orders", Some(&c), 1).expect_err("a job spec as a dataset");
        assert!(e.message.contains("write job:clean-orders"), "{e}");
        let e = from_text("report/summary", None, 1).expect_err("no catalog");
        assert!(e.message.contains("catalog"), "{e}");
    }

    #[wasm_bindgen_test]
    fn empty_selections_and_hidden_lists_do_not_count_as_text() {
        let mut with_hidden = SelectionDraft::new(1, SelectionKind::Datasets);
        with_hidden.rids = vec![rid("dataset", "s")];
        with_hidden.ignore = vec![rid("dataset", "x")]; // kept from an earlier kind, not sent
        let plain = SelectionDraft { ignore: vec![], ..with_hidden.clone() };
        assert!(same_text(&[with_hidden, SelectionDraft::new(2, SelectionKind::Upstream)], &[plain]));
    }
}
