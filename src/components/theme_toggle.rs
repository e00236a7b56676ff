//! The header's theme button: system → light → dark → system, remembered in this browser.

use yew::prelude::*;

use crate::theme;

#[component]
pub fn ThemeToggle() -> Html {
    let choice = use_state_eq(theme::load);
    let onclick = {
        let choice = choice.clone();
        Callback::from(move |_: MouseEvent| {
            let next = choice.next();
            theme::apply(next);
            theme::save(next);
            choice.set(next);
        })
    };
    let current = *choice;
    let title = format!("{}; press for {}", current.label(), current.next().label().to_lowercase());
    html! {
        <button type="button" class="theme-toggle" {onclick} data-theme-choice={current.as_str()}
            aria-label={title.clone()} {title}>
            <span aria-hidden="true">{ current.icon() }</span>
            <span class="theme-toggle-word">{ current.label() }</span>
        </button>
    }
}
