//! The header's "open by RID" box: paste a build or job RID, press Enter, see its report.

use kiln_api::Rid;
use web_sys::HtmlInputElement;
use yew::prelude::*;
use yew_router::prelude::*;

use crate::route::Route;

/// Where a RID leads, or why it leads nowhere.
pub fn route_for(text: &str) -> Result<Route, String> {
    let rid = Rid::parse(text).map_err(|e| e.to_string())?;
    match rid.kind() {
        "build" => Ok(Route::BuildReport { rid: rid.to_string() }),
        "job" => Ok(Route::JobReport { rid: rid.to_string() }),
        other => Err(format!("a {other} RID has no report; paste a build or job RID")),
    }
}

#[component]
pub fn OpenRid() -> Html {
    let navigator = use_navigator();
    let error = use_state(|| None::<String>);
    let onkeydown = {
        let error = error.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() != "Enter" {
                return;
            }
            let input: HtmlInputElement = e.target_unchecked_into();
            match route_for(&input.value()) {
                Ok(route) => {
                    error.set(None);
                    input.set_value("");
                    if let Some(nav) = &navigator {
                        nav.push(&route);
                    }
                }
                Err(message) => error.set(Some(message)),
            }
        })
    };
    let oninput = {
        let error = error.clone();
        Callback::from(move |_: InputEvent| error.set(None))
    };
    html! {
        <div class="open-rid">
            <label for="open-rid" class="visually-hidden">{ "Open a build or job by RID" }</label>
            <input id="open-rid" type="search" placeholder="Open build or job RID…" autocomplete="off"
                spellcheck="false" aria-describedby="open-rid-error" {onkeydown} {oninput}
                aria-invalid={error.is_some().to_string()} />
            <span id="open-rid-error" class="field-error" role="alert">{ (*error).clone().unwrap_or_default() }</span>
        </div>
    }
}
