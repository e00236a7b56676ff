//! Signing in with OAuth2 (authorization code + PKCE, a public client), when `config.json`
//! has an `oauth` section. The tokens live in this tab's sessionStorage and are refreshed
//! before they expire; the access token becomes the session's bearer token, so every
//! request sends it. Pasting a token under Settings still works, and a pasted token is
//! never overwritten by a refresh.

pub mod flow;
pub mod pkce;
pub mod provider;
pub mod store;

use gloo_timers::callback::Timeout;
use yew::prelude::*;
use yew_router::prelude::*;

use crate::route::Route;
use crate::session::{SessionAction, SessionHandle, use_session};
use flow::SignInError;
use store::Tokens;

/// The console path of the current page, to come back to after signing in.
fn current_path() -> String {
    web_sys::window()
        .and_then(|w| {
            let l = w.location();
            Some(format!("{}{}", l.pathname().ok()?, l.search().ok()?))
        })
        .unwrap_or_else(|| "/".to_owned())
}

/// Starts a sign-in; a failure before leaving the page goes to the banner.
fn start_sign_in(session: &SessionHandle, return_to: String) -> Callback<MouseEvent> {
    let session = session.clone();
    Callback::from(move |_: MouseEvent| {
        let (session, return_to) = (session.clone(), return_to.clone());
        let config = session.config();
        if config.oauth.is_none() {
            return;
        }
        wasm_bindgen_futures::spawn_local(async move {
            if let Err(e) = flow::begin(&config, &return_to).await {
                session.dispatch(SessionAction::ShowError(crate::api::ApiError::Network(e.to_string())));
            }
        });
    })
}

/// The header's "Sign in" / "Sign out"; nothing without an `oauth` section.
#[component]
pub fn AuthControl() -> Html {
    let session = use_session();
    let Some(oauth) = session.config().oauth else {
        return html! {};
    };
    let signed_in = match (Tokens::load(), &session.token) {
        (Some(t), Some(token)) => t.access_token == *token,
        _ => false,
    };
    if signed_in && !session.needs_token {
        let on_sign_out = {
            let session = session.clone();
            Callback::from(move |_: MouseEvent| {
                let (session, oauth) = (session.clone(), oauth.clone());
                let Some(tokens) = Tokens::load() else {
                    session.dispatch(SessionAction::SetToken(None));
                    return;
                };
                wasm_bindgen_futures::spawn_local(async move {
                    let revoked = flow::sign_out(&oauth, tokens).await;
                    session.dispatch(SessionAction::SetToken(None));
                    if let Err(e) = revoked {
                        session.dispatch(SessionAction::ShowError(e));
                    }
                });
            })
        };
        return html! {
            <button type="button" class="button-quiet auth-sign-out" onclick={on_sign_out}>{ "Sign out" }</button>
        };
    }
    html! {
        <button type="button" class={classes!("auth-sign-in", if session.needs_token { "button-primary" } else { "button-quiet" })}
            onclick={start_sign_in(&session, current_path())}>{ "Sign in" }</button>
    }
}

/// Keeps a signed-in session's token fresh: refreshes it a quarter of its lifetime (at
/// most a minute) before it expires, for as long as the console is open.
#[hook]
pub fn use_token_refresh(session: &SessionHandle) {
    let session = session.clone();
    let token = session.token.clone();
    use_effect_with(token, move |token| {
        let timer = (|| {
            let oauth = session.config().oauth?;
            let tokens = Tokens::load().filter(|t| Some(&t.access_token) == token.as_ref())?;
            let wait = tokens.refresh_in(js_sys::Date::now())?;
            let session = session.clone();
            Some(Timeout::new(wait.min(f64::from(i32::MAX)) as u32, move || {
                wasm_bindgen_futures::spawn_local(async move {
                    match flow::refresh(&oauth, &tokens).await {
                        Ok(next) => session.dispatch(SessionAction::SetToken(Some(next.access_token))),
                        Err(e) => session.dispatch(SessionAction::ShowError(e)),
                    }
                });
            }))
        })();
        move || drop(timer)
    });
}

#[derive(Debug, Clone, PartialEq)]
enum Completion {
    Working,
    Failed(SignInError),
}

/// `/auth/callback`: where the provider sends the browser back.
#[component]
pub fn AuthCallbackPage() -> Html {
    let session = use_session();
    let navigator = use_navigator();
    let state = use_state(|| Completion::Working);
    {
        let (session, state) = (session.clone(), state.clone());
        use_effect_with((), move |_| {
            let query = web_sys::window().and_then(|w| w.location().search().ok()).unwrap_or_default();
            wasm_bindgen_futures::spawn_local(async move {
                let Some(oauth) = session.config().oauth else {
                    state.set(Completion::Failed(SignInError::NotConfigured));
                    return;
                };
                match flow::complete(&oauth, &query).await {
                    Ok((tokens, return_to)) => {
                        session.dispatch(SessionAction::SetToken(Some(tokens.access_token)));
                        let route = Route::recognize(&return_to)
                            .filter(|r| !matches!(r, Route::AuthCallback | Route::NotFound))
                            .unwrap_or(Route::Home);
                        if let Some(n) = navigator {
                            n.replace(&route);
                        }
                    }
                    Err(e) => state.set(Completion::Failed(e)),
                }
            });
        });
    }
    match &*state {
        Completion::Working => html! {
            <section class="page narrow"><p role="status">{ "Signing you in…" }</p></section>
        },
        Completion::Failed(e) => {
            let title = if *e == SignInError::Cancelled { "Sign-in cancelled" } else { "Sign-in failed" };
            html! {
                <section class="page narrow auth-failed">
                    <h1>{ title }</h1>
                    <p role="alert">{ capitalised(&e.to_string()) }{ "." }</p>
                    <div class="actions">
                        <button type="button" class="button-primary" onclick={start_sign_in(&session, "/".to_owned())}>{ "Try again" }</button>
                        <Link<Route> to={Route::Settings} classes="button-quiet">{ "Paste a token instead" }</Link<Route>>
                    </div>
                </section>
            }
        }
    }
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}
