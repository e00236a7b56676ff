//! A 401 on a report goes to the session too, so the header leads to the token field.

use yew::prelude::*;

use super::live::Loaded;
use crate::session::{SessionAction, use_session};

#[hook]
pub fn use_token_prompt<T: Clone + PartialEq + 'static>(loaded: &Loaded<T>) {
    let session = use_session();
    let unauthorized = match loaded {
        Loaded::Failed(error) if error.is_unauthorized() => Some(error.clone()),
        _ => None,
    };
    use_effect_with(unauthorized, move |unauthorized| {
        if let Some(error) = unauthorized {
            session.dispatch(SessionAction::ShowError(error.clone()));
        }
    });
}
