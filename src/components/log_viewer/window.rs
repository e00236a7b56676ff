//! Which lines of a long log to mount: only those in view plus a buffer, so a log of a
//! million lines costs as much to render as one of a hundred.

use std::ops::Range;

/// The height of one log line in CSS pixels; `reports.css` gives `.log-line` this height.
pub const LINE_PX: f64 = 20.0;
/// Lines mounted above and below the visible ones, so fast scrolling shows no gaps.
pub const BUFFER_LINES: usize = 40;
/// The viewport height assumed before the browser has measured it.
pub const DEFAULT_VIEWPORT_PX: f64 = 560.0;

/// The lines to mount for a viewport scrolled to `scroll_top` that is `viewport_px` high.
pub fn visible_range(scroll_top: f64, viewport_px: f64, line_count: usize) -> Range<usize> {
    let first_visible = (scroll_top.max(0.0) / LINE_PX).floor() as usize;
    let visible = (viewport_px.max(LINE_PX) / LINE_PX).ceil() as usize + 1;
    let start = first_visible.saturating_sub(BUFFER_LINES).min(line_count);
    let end = (first_visible + visible + BUFFER_LINES).min(line_count);
    start..end
}

/// The scroll position that shows line `index` (0-based) a third of the way down.
pub fn scroll_top_for(index: usize, viewport_px: f64) -> f64 {
    (index as f64 * LINE_PX - viewport_px / 3.0).max(0.0)
}

/// Whether a viewport is scrolled (near enough) to the end, so new lines should follow.
pub fn is_at_end(scroll_top: f64, viewport_px: f64, content_px: f64) -> bool {
    scroll_top + viewport_px >= content_px - LINE_PX
}
