//! The root component: loads `config.json`, then provides the session and the router.

use kiln_api::teams::RuntimeConfig;
use yew::prelude::*;
use yew_router::prelude::*;

use crate::api::{self, ApiError};
use crate::components::error_banner::ErrorBanner;
use crate::components::header::Header;
use crate::components::shortcuts::Shortcuts;
use crate::components::toasts::ToastHost;
use crate::hooks::catalog::CatalogProvider;
use crate::hooks::clock::ClockProvider;
use crate::hooks::events::EventsProvider;
use crate::hooks::health::use_health_check;
use crate::route::Route;
use crate::session::{Session, SessionAction, SessionHandle};

/// Which pages a module of the console holds (see `crate::handoff`): a route's page. Each
/// module passes one fixed function, so comparing addresses (all props must compare) is
/// enough.
#[derive(Clone, Copy)]
pub struct Pages(pub fn(Route) -> Html);

impl PartialEq for Pages {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::fn_addr_eq(self.0, other.0)
    }
}

#[derive(Properties, PartialEq)]
pub struct AppProps {
    pub pages: Pages,
}

#[component]
pub fn App(props: &AppProps) -> Html {
    let config = use_state(|| None::<Result<RuntimeConfig, ApiError>>);
    {
        let config = config.clone();
        use_effect_with((), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                config.set(Some(api::config::load().await));
            });
        });
    }
    match &*config {
        None => html! { <div class="boot" role="status">{ "Loading Kiln…" }</div> },
        Some(Err(error)) => html! {
            <div class="boot boot-error" role="alert">
                <h1>{ "Kiln could not start" }</h1>
                <p>{ format!("config.json could not be read: {error}") }</p>
            </div>
        },
        Some(Ok(served)) => html! { <Shell served={served.clone()} pages={props.pages} /> },
    }
}

#[derive(Properties, PartialEq)]
pub struct ShellProps {
    pub served: RuntimeConfig,
    pub pages: Pages,
}

/// Everything after start-up: header, error banner and the current page.
#[component]
pub fn Shell(props: &ShellProps) -> Html {
    let session = {
        let served = props.served.clone();
        use_reducer(move || Session::new(served))
    };
    use_health_check(&session);
    crate::auth::use_token_refresh(&session);
    let on_dismiss = {
        let session = session.clone();
        Callback::from(move |_| session.dispatch(SessionAction::DismissError))
    };
    html! {
        <ContextProvider<SessionHandle> context={session.clone()}>
            <DataProviders>
                <BrowserRouter>
                    <ToastHost>
                        <a class="skip-link" href="#main">{ "Skip to content" }</a>
                        <Header />
                        <ErrorBanner error={session.banner.clone()} {on_dismiss} />
                        <main id="main" tabindex="-1">
                            <Switch<Route> render={props.pages.0} />
                        </main>
                        <Shortcuts />
                    </ToastHost>
                </BrowserRouter>
            </DataProviders>
        </ContextProvider<SessionHandle>>
    }
}

#[derive(Properties, PartialEq)]
pub struct DataProvidersProps {
    #[prop_or_default]
    pub children: Html,
}

/// What every page shares, inside the session: the tab's one events stream, its one
/// clock and the session's catalog. Tests that mount a page mount these too.
#[component]
pub fn DataProviders(props: &DataProvidersProps) -> Html {
    html! {
        <EventsProvider>
            <ClockProvider>
                <CatalogProvider>{ props.children.clone() }</CatalogProvider>
            </ClockProvider>
        </EventsProvider>
    }
}
