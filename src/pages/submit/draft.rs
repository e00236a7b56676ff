//! The form's draft in localStorage: it survives a reload and a failed submit. A prefill
//! or a reset sets the draft aside (one level) so it can be brought back.

use gloo_storage::{LocalStorage, Storage};
use serde::{Deserialize, Serialize};

use super::state::FormState;

pub const DRAFT_KEY: &str = "kiln.submit.draft";
pub const SET_ASIDE_KEY: &str = "kiln.submit.draft.previous";

/// The stored shape; a version bump makes older drafts be ignored rather than misread.
#[derive(Serialize, Deserialize)]
struct Stored {
    version: u32,
    form: FormState,
}

const VERSION: u32 = 1;

fn load_from(key: &str) -> Option<FormState> {
    LocalStorage::get::<Stored>(key).ok().filter(|s| s.version == VERSION).map(|s| s.form)
}

fn save_to(key: &str, form: &FormState) {
    // Storage can be full or disabled; the form still works, it just is not kept.
    let _ = LocalStorage::set(key, Stored { version: VERSION, form: form.clone() });
}

/// The saved draft, if there is one.
pub fn load() -> Option<FormState> {
    load_from(DRAFT_KEY)
}

pub fn save(form: &FormState) {
    save_to(DRAFT_KEY, form);
}

pub fn clear() {
    LocalStorage::delete(DRAFT_KEY);
}

/// Keeps `form` recoverable before the form is replaced; a blank form is not worth it.
/// Returns whether something was set aside.
pub fn set_aside(form: &FormState) -> bool {
    if form.is_blank() {
        return false;
    }
    save_to(SET_ASIDE_KEY, form);
    true
}

/// Takes the set-aside draft back (it is removed from storage).
pub fn take_set_aside() -> Option<FormState> {
    let form = load_from(SET_ASIDE_KEY);
    LocalStorage::delete(SET_ASIDE_KEY);
    form
}
