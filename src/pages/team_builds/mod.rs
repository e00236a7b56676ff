use yew::prelude::*;

use crate::session::use_session;

/// The builds of the session's current team.
#[component]
pub fn CurrentTeamBuilds() -> Html {
    let session = use_session();
    html! { <TeamBuildsPage team={session.team.to_string()} /> }
}

#[derive(Properties, PartialEq)]
pub struct TeamBuildsProps {
    pub team: String,
}

#[component]
pub fn TeamBuildsPage(props: &TeamBuildsProps) -> Html {
    html! {
        <section class="page">
            <h1>{ format!("Builds of {}", props.team) }</h1>
        </section>
    }
}
