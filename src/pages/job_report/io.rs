//! A job's inputs and outputs, with the transaction and branch each one resolved to.

use kiln_api::build2::{JobInput, JobOutput};
use yew::prelude::*;

use crate::components::dataset_name::{Names, dataset_cell};

fn transaction(rid: Option<&kiln_api::Rid>, none: &'static str) -> Html {
    match rid {
        Some(rid) => html! { <span class="mono rid">{ rid.to_string() }</span> },
        None => html! { <span class="muted">{ none }</span> },
    }
}

#[derive(Properties, PartialEq)]
pub struct InputsProps {
    pub inputs: Vec<JobInput>,
    pub names: Names,
}

#[component]
pub fn Inputs(props: &InputsProps) -> Html {
    if props.inputs.is_empty() {
        return html! { <p class="muted">{ "This job reads no datasets." }</p> };
    }
    html! {
        <div class="table-scroll">
            <table class="io stack">
                <thead><tr><th scope="col">{ "Dataset" }</th><th scope="col">{ "Branch" }</th><th scope="col">{ "Transaction" }</th></tr></thead>
                <tbody>
                    { for props.inputs.iter().map(|input| html! {
                        <tr key={input.dataset_rid.to_string()}>
                            <td class="dataset stack-wide">{ dataset_cell(&input.dataset_rid, &props.names) }</td>
                            <td class="mono" data-label="Branch">{ input.branch.clone().unwrap_or_else(|| "not resolved yet".to_owned()) }</td>
                            <td data-label="Transaction">{ transaction(input.transaction_rid.as_ref(), "not resolved yet") }</td>
                        </tr>
                    }) }
                </tbody>
            </table>
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct OutputsProps {
    pub outputs: Vec<JobOutput>,
    pub names: Names,
    /// The branch outputs are written on: the build's branch.
    pub branch: Option<String>,
}

#[component]
pub fn Outputs(props: &OutputsProps) -> Html {
    if props.outputs.is_empty() {
        return html! { <p class="muted">{ "This job writes no datasets." }</p> };
    }
    let branch = props.branch.clone().unwrap_or_else(|| "—".to_owned());
    html! {
        <div class="table-scroll">
            <table class="io stack">
                <thead><tr><th scope="col">{ "Dataset" }</th><th scope="col">{ "Branch" }</th><th scope="col">{ "Transaction" }</th></tr></thead>
                <tbody>
                    { for props.outputs.iter().map(|output| html! {
                        <tr key={output.dataset_rid.to_string()}>
                            <td class="dataset stack-wide">{ dataset_cell(&output.dataset_rid, &props.names) }</td>
                            <td class="mono" data-label="Branch">{ branch.clone() }</td>
                            <td data-label="Transaction">{ transaction(output.transaction_rid.as_ref(), "none yet") }</td>
                        </tr>
                    }) }
                </tbody>
            </table>
        </div>
    }
}
