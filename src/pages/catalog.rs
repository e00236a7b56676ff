use yew::prelude::*;

#[component]
pub fn CatalogPage() -> Html {
    html! {
        <section class="page">
            <h1>{ "Catalog" }</h1>
        </section>
    }
}
