use yew::prelude::*;

#[component]
pub fn SubmitPage() -> Html {
    html! {
        <section class="page">
            <h1>{ "Submit a build" }</h1>
        </section>
    }
}
