//! What pages share, so that no page imports another: the tab's one events stream, the
//! one clock, the session's catalog, live reports, the token prompt, the typing pause and the tab's
//! visibility.

pub mod catalog;
pub mod clock;
pub mod debounce;
pub mod events;
pub mod health;
pub mod in_view;
pub mod live;
pub mod token;
pub mod visible;
