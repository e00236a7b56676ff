use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct JobReportPageProps {
    pub rid: String,
}

#[component]
pub fn JobReportPage(props: &JobReportPageProps) -> Html {
    html! {
        <section class="page">
            <h1>{ format!("Job {}", props.rid) }</h1>
        </section>
    }
}
