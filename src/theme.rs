//! The colour theme: the system's setting unless the person pinned light or dark in the
//! header. The stylesheet does the work (`light-dark()` tokens follow `color-scheme`); this
//! module only remembers the choice and sets `data-theme` on `<html>` when one is pinned.

use gloo_storage::{LocalStorage, Storage};

const THEME_KEY: &str = "kiln.theme";

/// What the person chose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ThemeChoice {
    /// Follow the operating system's (or browser's) light/dark setting.
    #[default]
    System,
    Light,
    Dark,
}

impl ThemeChoice {
    /// The stored word, also the value of `data-theme`.
    pub fn as_str(self) -> &'static str {
        match self {
            ThemeChoice::System => "system",
            ThemeChoice::Light => "light",
            ThemeChoice::Dark => "dark",
        }
    }

    /// A stored word back to a choice; anything unknown means "follow the system".
    pub fn parse(word: &str) -> ThemeChoice {
        match word {
            "light" => ThemeChoice::Light,
            "dark" => ThemeChoice::Dark,
            _ => ThemeChoice::System,
        }
    }

    /// The choice one press of the header button leads to.
    pub fn next(self) -> ThemeChoice {
        match self {
            ThemeChoice::System => ThemeChoice::Light,
            ThemeChoice::Light => ThemeChoice::Dark,
            ThemeChoice::Dark => ThemeChoice::System,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ThemeChoice::System => "System theme",
            ThemeChoice::Light => "Light theme",
            ThemeChoice::Dark => "Dark theme",
        }
    }

    pub fn icon(self) -> &'static str {
        match self {
            ThemeChoice::System => "◐",
            ThemeChoice::Light => "☀",
            ThemeChoice::Dark => "☾",
        }
    }
}

/// The remembered choice (System when nothing, or nothing readable, is stored).
pub fn load() -> ThemeChoice {
    LocalStorage::get::<String>(THEME_KEY).map(|w| ThemeChoice::parse(&w)).unwrap_or_default()
}

/// Remembers the choice in this browser.
pub fn save(choice: ThemeChoice) {
    // Storage can be full or disabled; the theme still applies for this page.
    match choice {
        ThemeChoice::System => LocalStorage::delete(THEME_KEY),
        other => {
            let _ = LocalStorage::set(THEME_KEY, other.as_str());
        }
    }
}

/// Puts the choice on `<html>`: `data-theme="light|dark"` pins `color-scheme`; no attribute
/// lets the stylesheet follow `prefers-color-scheme`.
pub fn apply(choice: ThemeChoice) {
    let Some(root) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element()) else {
        return;
    };
    let _ = match choice {
        ThemeChoice::System => root.remove_attribute("data-theme"),
        pinned => root.set_attribute("data-theme", pinned.as_str()),
    };
}

#[cfg(test)]
mod tests {
    use wasm_bindgen_test::wasm_bindgen_test;

    use super::*;

    #[wasm_bindgen_test]
    fn words_round_trip_and_unknown_words_follow_the_system() {
        for choice in [ThemeChoice::System, ThemeChoice::Light, ThemeChoice::Dark] {
            assert_eq!(ThemeChoice::parse(choice.as_str()), choice);
        }
        assert_eq!(ThemeChoice::parse("sepia"), ThemeChoice::System);
    }

    #[wasm_bindgen_test]
    fn the_button_cycles_through_all_three() {
        let start = ThemeChoice::System;
        assert_eq!(start.next(), ThemeChoice::Light);
        assert_eq!(start.next().next(), ThemeChoice::Dark);
        assert_eq!(start.next().next().next(), start);
    }
}
