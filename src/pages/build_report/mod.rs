use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct BuildReportPageProps {
    pub rid: String,
}

#[component]
pub fn BuildReportPage(props: &BuildReportPageProps) -> Html {
    html! {
        <section class="page">
            <h1>{ format!("Build {}", props.rid) }</h1>
        </section>
    }
}
