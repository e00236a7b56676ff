//! Times as people read them: "3 min ago", "1 h 4 min".

use kiln_api::Timestamp;

/// Milliseconds since the epoch, now, by the browser's clock.
pub fn now_millis() -> i64 {
    js_sys::Date::now() as i64
}

/// A duration in words, coarse enough to read at a glance, and written the same way on
/// every page: "under 1 s", "12 s", "2 min", "2 min 5 s", "1 h", "1 h 4 min". Only nothing
/// at all (an axis's origin) is "0 s".
pub fn duration(millis: i64) -> String {
    let secs = millis.max(0) / 1000;
    match secs {
        0 if millis > 0 => "under 1 s".to_owned(),
        0..=59 => format!("{secs} s"),
        60..=3599 if secs % 60 == 0 => format!("{} min", secs / 60),
        60..=3599 => format!("{} min {} s", secs / 60, secs % 60),
        _ if secs % 3600 < 60 => format!("{} h", secs / 3600),
        _ => format!("{} h {} min", secs / 3600, (secs % 3600) / 60),
    }
}

/// How long ago `at` was, relative to `now` (both in epoch milliseconds).
pub fn relative(at: &Timestamp, now: i64) -> String {
    let secs = (now - at.unix_millis()) / 1000;
    match secs {
        i64::MIN..=4 => "just now".to_owned(),
        5..=59 => format!("{secs} s ago"),
        60..=3599 => format!("{} min ago", secs / 60),
        3600..=86_399 => format!("{} h ago", secs / 3600),
        _ => format!("{} d ago", secs / 86_400),
    }
}

/// The time between two optional points; runs to `now` while unfinished.
pub fn elapsed(started: Option<&Timestamp>, finished: Option<&Timestamp>, now: i64) -> Option<String> {
    let start = started?.unix_millis();
    let end = finished.map_or(now, Timestamp::unix_millis);
    Some(duration(end - start))
}

#[cfg(test)]
mod tests {
    use wasm_bindgen_test::wasm_bindgen_test;

    use super::*;

    // The console's lib tests run only on wasm, where plain #[test] functions are skipped.
    #[wasm_bindgen_test]
    fn words_for_durations() {
        assert_eq!(duration(0), "0 s");
        assert_eq!(duration(300), "under 1 s");
        assert_eq!(duration(12_000), "12 s");
        assert_eq!(duration(120_000), "2 min");
        assert_eq!(duration(125_000), "2 min 5 s");
        assert_eq!(duration(3_720_000), "1 h 2 min");
        assert_eq!(duration(3_630_000), "1 h");
    }
}
