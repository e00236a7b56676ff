//! Pieces that more than one page uses.

pub mod attempt_words;
pub mod dataset_name;
pub mod duration_trend;
pub mod error_banner;
pub mod header;
pub mod job_graph;
pub mod log_viewer;
pub mod markup;
pub mod modal;
pub mod open_rid;
pub mod shortcuts;
pub mod status_badge;
pub mod theme_toggle;
pub mod timeline;
pub mod toasts;
pub mod windowed_list;
