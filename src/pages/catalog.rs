//! The catalog: every dataset, the job spec that produces it and its branches, with a
//! search, and "Build this dataset", which opens the submit form prefilled with the
//! `submit_dataset_build` shape (one required datasets selection, a branch, not forced)
//! so the person sees, can preview and confirms the request before anything runs.

use web_sys::HtmlInputElement;
use yew::prelude::*;
use yew_router::prelude::*;

use crate::catalog_index::CatalogIndex;
use crate::hooks::catalog::{CatalogLoad, use_catalog};
use crate::pages::submit::prefill::PrefillQuery;
use crate::route::Route;
use crate::time_fmt;

#[component]
pub fn CatalogPage() -> Html {
    let load = use_catalog();
    let query = use_state(String::new);
    let oninput = {
        let query = query.clone();
        Callback::from(move |e: InputEvent| {
            let input: HtmlInputElement = e.target_unchecked_into();
            query.set(input.value());
        })
    };
    let body = match &load {
        CatalogLoad::Idle | CatalogLoad::Loading => {
            html! { <p class="muted" role="status">{ "Loading the catalog…" }</p> }
        }
        CatalogLoad::Failed(why) => {
            html! { <p class="notice notice-error" role="alert">{ format!("The catalog could not be loaded: {why}") }</p> }
        }
        CatalogLoad::Ready(catalog) => catalog_table(catalog, &query),
    };
    html! {
        <section class="page catalog-page">
            <div class="page-head">
                <h1>{ "Catalog" }</h1>
                <p class="help">{ "Every dataset the service knows, the job spec that produces it, and its branches." }</p>
            </div>
            <div class="card">
                <div class="field catalog-search">
                    <label for="catalog-search">{ "Search datasets" }</label>
                    <input id="catalog-search" type="search" placeholder="Name or RID" autocomplete="off" spellcheck="false"
                        value={(*query).clone()} {oninput} aria-describedby="catalog-count" />
                </div>
                { body }
            </div>
        </section>
    }
}

fn catalog_table(catalog: &CatalogIndex, query: &str) -> Html {
    let needle = query.trim().to_lowercase();
    let now = time_fmt::now_millis();
    let rows: Vec<_> = catalog
        .datasets()
        .iter()
        .filter(|d| needle.is_empty() || d.name.to_lowercase().contains(&needle) || d.rid.as_str().contains(&needle))
        .collect();
    html! {
        <>
            <p id="catalog-count" class="catalog-count muted" role="status">
                { format!("{} of {} datasets", rows.len(), catalog.datasets().len()) }
            </p>
            <div class="table-scroll">
                <table class="catalog-table">
                    <thead><tr>
                        <th scope="col">{ "Dataset" }</th><th scope="col">{ "Produced by" }</th>
                        <th scope="col">{ "Branches" }</th><th scope="col"><span class="visually-hidden">{ "Actions" }</span></th>
                    </tr></thead>
                    <tbody>
                        { for rows.into_iter().map(|d| {
                            let producer = d.produced_by.as_ref().map(|p| catalog.name(p.as_str()).unwrap_or(p.as_str()).to_owned());
                            let branch = d.branches.iter().find(|b| b.name == kiln_api::build2::DEFAULT_BRANCH)
                                .or_else(|| d.branches.first()).map(|b| b.name.clone());
                            let link_query = PrefillQuery { dataset: Some(d.rid.to_string()), branch, ..PrefillQuery::default() };
                            html! {
                                <tr key={d.rid.to_string()}>
                                    <td><span class="cell-name">{ d.name.clone() }</span><span class="cell-rid">{ d.rid.to_string() }</span></td>
                                    <td data-label="Produced by">
                                        if let (Some(name), Some(spec)) = (&producer, &d.produced_by) {
                                            <Link<Route> to={Route::JobSpec { rid: spec.to_string() }} classes="job-spec-link">{ name.clone() }</Link<Route>>
                                        } else {
                                            { "nothing (a raw input)" }
                                        }
                                    </td>
                                    <td data-label="Branches">
                                        if d.branches.is_empty() { <span class="muted">{ "no transactions yet" }</span> }
                                        <ul class="branches">
                                            { for d.branches.iter().map(|b| html! {
                                                <li>{ b.name.clone() }
                                                    if let Some(t) = &b.updated_time { <span class="muted">{ format!(" · {}", time_fmt::relative(t, now)) }</span> }
                                                </li>
                                            }) }
                                        </ul>
                                    </td>
                                    <td>
                                        if producer.is_some() {
                                            <Link<Route, PrefillQuery> to={Route::Submit} query={Some(link_query)} classes="button build-dataset">
                                                { "Build this dataset" }<span class="visually-hidden">{ format!(": {}", d.name) }</span>
                                            </Link<Route, PrefillQuery>>
                                        }
                                    </td>
                                </tr>
                            }
                        }) }
                    </tbody>
                </table>
            </div>
        </>
    }
}
