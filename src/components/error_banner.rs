//! The banner that shows an API failure no field on the page can own.

use yew::prelude::*;

use crate::api::ApiError;

#[derive(Properties, PartialEq)]
pub struct ErrorBannerProps {
    pub error: Option<ApiError>,
    pub on_dismiss: Callback<()>,
}

#[component]
pub fn ErrorBanner(props: &ErrorBannerProps) -> Html {
    let Some(error) = &props.error else { return html! {} };
    let on_click = props.on_dismiss.reform(|_: MouseEvent| ());
    let instance = error.conjure().map(|c| c.error_instance_id.clone());
    html! {
        <div class="error-banner" role="alert">
            <p class="error-banner-message">{ error.to_string() }</p>
            if let Some(id) = instance {
                <p class="error-banner-detail">{ format!("Error instance {id}") }</p>
            }
            <button type="button" class="button-quiet" onclick={on_click} aria-label="Dismiss error">{ "Dismiss" }</button>
        </div>
    }
}
