use yew::prelude::*;
use yew_router::prelude::*;

use crate::route::Route;

#[component]
pub fn NotFoundPage() -> Html {
    html! {
        <section class="page narrow">
            <h1>{ "Page not found" }</h1>
            <p>{ "There is no page at this address. " }
                <Link<Route> to={Route::Home}>{ "Go to your team's builds" }</Link<Route>>
                { ", or paste a build or job RID in the box above." }</p>
        </section>
    }
}
