//! Whether an element has come near the viewport, so a page can ask for what only that
//! part of it shows once a person can see it (the build report's request options sit
//! under a thousand-row jobs table on a large build).

use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{IntersectionObserver, IntersectionObserverEntry, IntersectionObserverInit};
use yew::prelude::*;

/// How near counts: within this of the viewport's edge, so the answer is there by the
/// time the element scrolls in.
const NEAR: &str = "400px";

/// True from the first moment `node` is within `NEAR` of the viewport; it stays true.
#[hook]
pub fn use_seen(node: NodeRef) -> bool {
    let seen = use_state_eq(|| false);
    {
        let seen = seen.clone();
        use_effect_with(node, move |node| {
            let on_change = Closure::<dyn Fn(Vec<IntersectionObserverEntry>, IntersectionObserver)>::new(
                move |entries: Vec<IntersectionObserverEntry>, observer: IntersectionObserver| {
                    if entries.iter().any(IntersectionObserverEntry::is_intersecting) {
                        seen.set(true);
                        observer.disconnect();
                    }
                },
            );
            let options = IntersectionObserverInit::new();
            options.set_root_margin(NEAR);
            let observer = IntersectionObserver::new_with_options(on_change.as_ref().unchecked_ref(), &options).ok();
            if let (Some(observer), Some(element)) = (&observer, node.cast::<web_sys::Element>()) {
                observer.observe(&element);
            }
            move || {
                if let Some(observer) = observer {
                    observer.disconnect();
                }
                drop(on_change);
            }
        });
    }
    *seen
}
