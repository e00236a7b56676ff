//! A windowed (virtual) list: only the rows in view, plus a buffer on each side, are
//! mounted, so ten thousand rows scroll as smoothly as ten.
//!
//! Every row has the same height, which makes the window pure arithmetic on the scroll
//! offset. A spacer as tall as all rows together keeps the scroll bar honest, and the
//! mounted rows are shifted down to where they belong.

use std::ops::Range;

use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{Element, HtmlElement, ResizeObserver};
use yew::prelude::*;

/// Which rows to mount: those intersecting the viewport, widened by `overscan` rows on
/// each side and clamped to `0..count`.
pub fn window(count: usize, row_height: u32, scroll_top: f64, viewport_height: f64, overscan: usize) -> Range<usize> {
    let height = f64::from(row_height.max(1));
    let first = (scroll_top.max(0.0) / height).floor() as usize;
    let visible = (viewport_height.max(0.0) / height).ceil() as usize + 1;
    let start = first.saturating_sub(overscan).min(count);
    let end = first.saturating_add(visible).saturating_add(overscan).min(count);
    start..end.max(start)
}

/// The narrow-screen breakpoint the stylesheets use (a phone).
const NARROW_MAX_WIDTH: f64 = 640.0;

fn is_narrow() -> bool {
    web_sys::window().and_then(|w| w.inner_width().ok()).and_then(|w| w.as_f64()).is_some_and(|w| w <= NARROW_MAX_WIDTH)
}

/// Whether the screen is narrow (a phone), kept current as the window is resized; rows
/// that take two lines there are taller.
#[hook]
pub fn use_narrow() -> bool {
    let narrow = use_state_eq(is_narrow);
    {
        let narrow = narrow.clone();
        use_effect_with((), move |_| {
            let on_resize = Closure::<dyn Fn()>::new(move || narrow.set(is_narrow()));
            let window = web_sys::window();
            if let Some(w) = &window {
                let _ = w.add_event_listener_with_callback("resize", on_resize.as_ref().unchecked_ref());
            }
            move || {
                if let Some(w) = &window {
                    let _ = w.remove_event_listener_with_callback("resize", on_resize.as_ref().unchecked_ref());
                }
            }
        });
    }
    *narrow
}

/// The rows of a table that scrolls with the page (not in a box of its own) that are in
/// view, widened by `overscan` rows: measured from where the table's body is on screen,
/// after layout, and again on every scroll and resize. `body` is the element the rows
/// start at, every row `row_height` tall.
#[hook]
pub fn use_page_window(body: NodeRef, count: usize, row_height: u32, overscan: usize) -> Range<usize> {
    let view = use_state_eq(|| (0.0f64, 800.0f64));
    {
        let view = view.clone();
        use_effect_with(count, move |_| {
            let measure = move || {
                let Some(element) = body.cast::<Element>() else { return };
                let height =
                    web_sys::window().and_then(|w| w.inner_height().ok()).and_then(|h| h.as_f64()).unwrap_or(800.0);
                // How far the body's top has scrolled above the viewport's top, in whole rows
                // (rounded, so a scroll within a row does not re-render).
                let above = (-element.get_bounding_client_rect().top()).max(0.0);
                let rows = f64::from(row_height.max(1));
                view.set(((above / rows).floor() * rows, height));
            };
            measure();
            let listener = Closure::<dyn Fn()>::new(measure);
            let window = web_sys::window();
            if let Some(w) = &window {
                for name in ["scroll", "resize"] {
                    let _ = w.add_event_listener_with_callback(name, listener.as_ref().unchecked_ref());
                }
            }
            move || {
                if let Some(w) = &window {
                    for name in ["scroll", "resize"] {
                        let _ = w.remove_event_listener_with_callback(name, listener.as_ref().unchecked_ref());
                    }
                }
            }
        });
    }
    let (scroll_top, height) = *view;
    window(count, row_height, scroll_top, height, overscan)
}

#[derive(Properties, PartialEq)]
pub struct WindowedListProps {
    /// How many rows there are in all.
    pub count: usize,
    /// The height of every row in CSS pixels; rows read it as `var(--row-height)`.
    pub row_height: u32,
    /// Renders row `index`. Keep it stable (`use_callback`) so rows re-render only when
    /// their data changes.
    pub render_row: Callback<usize, Html>,
    /// Rows mounted beyond each edge of the viewport, so a fast scroll shows no gap.
    #[prop_or(8)]
    pub overscan: usize,
    /// Rendered above the rows inside the scroll container (for a sticky table header).
    #[prop_or_default]
    pub header: Html,
    /// Told when the window reaches the last rows, to load more.
    #[prop_or_default]
    pub on_near_end: Option<Callback<()>>,
    #[prop_or_default]
    pub class: Classes,
    /// Extra inline style for the scroll container, such as its height.
    #[prop_or_default]
    pub style: Option<AttrValue>,
    #[prop_or_default]
    pub role: Option<AttrValue>,
    #[prop_or_default]
    pub aria_label: Option<AttrValue>,
    /// `aria-rowcount`, for a table that counts its header row too.
    #[prop_or_default]
    pub aria_rowcount: Option<usize>,
}

/// The scroll offset and viewport size, rounded to what changes the window.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
struct Viewport {
    first_row: usize,
    height: i32,
}

fn measure(node: &NodeRef, row_height: u32) -> Option<Viewport> {
    let element = node.cast::<HtmlElement>()?;
    Some(Viewport {
        first_row: (f64::from(element.scroll_top().max(0)) / f64::from(row_height.max(1))) as usize,
        height: element.client_height(),
    })
}

#[component]
pub fn WindowedList(props: &WindowedListProps) -> Html {
    let node = use_node_ref();
    let viewport = use_state_eq(Viewport::default);

    // Measure after layout, and again whenever the container's size changes: it grows
    // when the rows arrive (the first measurement may see an empty list), when the window
    // is resized and when the page around it changes. A ResizeObserver sees all of these;
    // it also reports once as soon as it starts observing, after layout.
    {
        let (node, viewport, row_height) = (node.clone(), viewport.clone(), props.row_height);
        use_effect_with(row_height, move |_| {
            if let Some(v) = measure(&node, row_height) {
                viewport.set(v);
            }
            let element = node.cast::<Element>();
            let on_resize = {
                let node = node.clone();
                Closure::<dyn Fn()>::new(move || {
                    if let Some(v) = measure(&node, row_height) {
                        viewport.set(v);
                    }
                })
            };
            let observer = ResizeObserver::new(on_resize.as_ref().unchecked_ref()).ok();
            if let (Some(observer), Some(element)) = (&observer, &element) {
                observer.observe(element);
            }
            move || {
                if let Some(observer) = observer {
                    observer.disconnect();
                }
                drop(on_resize);
            }
        });
    }

    let onscroll = {
        let (node, viewport, row_height) = (node.clone(), viewport.clone(), props.row_height);
        use_callback(row_height, move |_: Event, row_height| {
            if let Some(v) = measure(&node, *row_height) {
                viewport.set(v);
            }
        })
    };

    let row_height = props.row_height.max(1);
    let range = window(
        props.count,
        row_height,
        viewport.first_row as f64 * f64::from(row_height),
        f64::from(viewport.height),
        props.overscan,
    );

    {
        let near_end = props.on_near_end.clone();
        let (end, count, overscan) = (range.end, props.count, props.overscan);
        use_effect_with((end, count), move |_| {
            if let Some(cb) = near_end
                && count > 0
                && end + overscan >= count
            {
                cb.emit(());
            }
        });
    }

    let container_style =
        format!("overflow: auto; --row-height: {row_height}px; {}", props.style.as_deref().unwrap_or_default());
    let spacer_style = format!("position: relative; height: {}px;", props.count.saturating_mul(row_height as usize));
    let window_style = format!("position: absolute; left: 0; right: 0; top: {}px;", range.start * row_height as usize);
    html! {
        <div ref={node} class={classes!("windowed-list", props.class.clone())} style={container_style}
            {onscroll} role={props.role.clone()} aria-label={props.aria_label.clone()}
            aria-rowcount={props.aria_rowcount.map(|n| n.to_string())} data-count={props.count.to_string()}>
            { props.header.clone() }
            <div class="windowed-spacer" style={spacer_style} role={props.role.is_some().then_some("rowgroup")}>
                <div class="windowed-window" style={window_style}>
                    { for range.map(|i| props.render_row.emit(i)) }
                </div>
            </div>
        </div>
    }
}
