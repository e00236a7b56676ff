//! The catalog (datasets, job specs and the lineage between them), fetched once per
//! session and shared: the submit form searches it, the catalog page lists it and the
//! reports take names from it. `CatalogProvider` holds it; `use_catalog` asks for it the
//! first time a page needs it and gets the same copy after that.

use std::collections::HashMap;
use std::rc::Rc;

use kiln_api::Rid;
use yew::prelude::*;

use crate::api::{self, Client};
use crate::catalog_index::CatalogIndex;
use crate::session::use_session;

/// How far the catalog is.
#[derive(Debug, Clone, PartialEq)]
pub enum CatalogLoad {
    /// Nobody asked yet.
    Idle,
    Loading,
    Ready(Rc<CatalogIndex>),
    Failed(String),
}

/// Dataset or job spec RID → name, empty until the catalog answered (or when it cannot).
pub type Names = Rc<HashMap<Rid, String>>;

/// Which catalog: the service (with its token) and whether it has a teams surface.
type Key = (Client, bool);

#[derive(Clone, PartialEq)]
struct Shared {
    load: CatalogLoad,
    names: Names,
    enabled: bool,
    /// Starts the fetch if nobody has yet.
    want: Callback<()>,
}

#[derive(Default, PartialEq)]
struct Store {
    key: Option<Key>,
    load: Option<CatalogLoad>,
    names: Names,
}

enum StoreAction {
    Start(Key),
    Done(Key, Result<Rc<CatalogIndex>, String>, Names),
}

impl Reducible for Store {
    type Action = StoreAction;

    fn reduce(self: Rc<Self>, action: StoreAction) -> Rc<Self> {
        match action {
            StoreAction::Start(key) => {
                Rc::new(Store { key: Some(key), load: Some(CatalogLoad::Loading), names: Names::default() })
            }
            // An answer for another service than the current one is dropped.
            StoreAction::Done(key, _, _) if self.key.as_ref() != Some(&key) => self,
            StoreAction::Done(key, result, names) => {
                let load = match result {
                    Ok(index) => CatalogLoad::Ready(index),
                    Err(why) => CatalogLoad::Failed(why),
                };
                Rc::new(Store { key: Some(key), load: Some(load), names })
            }
        }
    }
}

#[derive(Properties, PartialEq)]
pub struct CatalogProviderProps {
    #[prop_or_default]
    pub children: Html,
}

#[component]
pub fn CatalogProvider(props: &CatalogProviderProps) -> Html {
    let session = use_session();
    let store = use_reducer(Store::default);
    let started = use_mut_ref(|| None::<Key>);
    let key: Key = (session.client(), session.teams_available);
    let current = store.key.as_ref() == Some(&key);
    let want = {
        let dispatch = store.dispatcher();
        use_callback(key.clone(), move |(), key| {
            // Checked and set at once, so two pages asking in the same moment cost one fetch.
            if !key.1 || started.borrow().as_ref() == Some(key) {
                return;
            }
            *started.borrow_mut() = Some(key.clone());
            dispatch.dispatch(StoreAction::Start(key.clone()));
            fetch(key.clone(), dispatch.clone());
        })
    };
    let shared = Shared {
        load: if current { store.load.clone().unwrap_or(CatalogLoad::Idle) } else { CatalogLoad::Idle },
        names: if current { store.names.clone() } else { Names::default() },
        enabled: key.1,
        want,
    };
    html! { <ContextProvider<Shared> context={shared}>{ props.children.clone() }</ContextProvider<Shared>> }
}

fn fetch(key: Key, dispatch: UseReducerDispatcher<Store>) {
    wasm_bindgen_futures::spawn_local(async move {
        let action = match api::catalog::lineage(&key.0).await {
            Ok(lineage) => {
                let datasets = lineage.datasets.iter().map(|d| (d.rid.clone(), d.name.clone()));
                let specs = lineage.job_specs.iter().map(|s| (s.rid.clone(), s.name.clone()));
                let names: Names = Rc::new(datasets.chain(specs).collect());
                StoreAction::Done(key, Ok(Rc::new(CatalogIndex::new(lineage))), names)
            }
            Err(e) => StoreAction::Done(key, Err(e.to_string()), Names::default()),
        };
        dispatch.dispatch(action);
    });
}

/// The shared catalog; asks for it once `wanted` (a page that shows it at once always
/// wants it).
#[hook]
fn use_shared_when(wanted: bool) -> Option<Shared> {
    let shared = use_context::<Shared>();
    {
        let want = shared.as_ref().filter(|_| wanted).map(|s| s.want.clone());
        use_effect_with(want, |want| {
            if let Some(want) = want {
                want.emit(());
            }
        });
    }
    shared
}

#[hook]
fn use_shared() -> Option<Shared> {
    use_shared_when(true)
}

/// The session's catalog, fetched the first time any page asks.
#[hook]
pub fn use_catalog() -> CatalogLoad {
    match use_shared() {
        Some(shared) if shared.load == CatalogLoad::Idle && !shared.enabled => {
            CatalogLoad::Failed("this service has no catalog (it offers the build2 surface only)".to_owned())
        }
        Some(shared) if shared.load == CatalogLoad::Idle => CatalogLoad::Loading,
        Some(shared) => shared.load,
        None => CatalogLoad::Failed("the console has no catalog provider".to_owned()),
    }
}

/// Names for RIDs from the session's catalog. The build2 surface speaks only in RIDs; a
/// person reads names. Without the teams surface the reports show RIDs alone.
#[hook]
pub fn use_names() -> Names {
    use_shared().map(|s| s.names).unwrap_or_default()
}

/// As `use_names`, but the catalog is asked for only once `wanted`: names a page shows
/// only in one part of it need no request until that part is seen (`hooks::in_view`).
#[hook]
pub fn use_names_when(wanted: bool) -> Names {
    use_shared_when(wanted).map(|s| s.names).unwrap_or_default()
}
