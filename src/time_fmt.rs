//! Times as people read them: "3 min ago", "1 h 4 min".

use kiln_api::Timestamp;
use wasm_bindgen::JsValue;

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

/// The exact time in the reader's own zone, with the UTC form the service used:
/// "2026-06-08 12:00:00 UTC+2 (2026-06-08T10:00:00Z)". Written from the `Date` getters,
/// not `toLocaleString`: the first `Intl` formatter of a page loads the locale's data,
/// which delayed a cold load's first rows by 10–20 ms.
pub fn exact_time(at: &Timestamp) -> String {
    let date = js_sys::Date::new(&JsValue::from_f64(at.unix_millis() as f64));
    let local = format!(
        "{}-{:02}-{:02} {:02}:{:02}:{:02}",
        date.get_full_year(),
        date.get_month() + 1,
        date.get_date(),
        date.get_hours(),
        date.get_minutes(),
        date.get_seconds(),
    );
    // getTimezoneOffset is UTC minus local time, in minutes.
    format!("{local} {} ({at})", utc_offset(-(date.get_timezone_offset() as i32)))
}

/// A zone's offset east of UTC in minutes as "UTC", "UTC+2", "UTC-3:30".
fn utc_offset(minutes: i32) -> String {
    let sign = if minutes < 0 { '-' } else { '+' };
    match (minutes.abs() / 60, minutes.abs() % 60) {
        (0, 0) => "UTC".to_owned(),
        (hours, 0) => format!("UTC{sign}{hours}"),
        (hours, mins) => format!("UTC{sign}{hours}:{mins:02}"),
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

    #[wasm_bindgen_test]
    fn zone_offsets_and_the_exact_time() {
        assert_eq!(utc_offset(0), "UTC");
        assert_eq!(utc_offset(120), "UTC+2");
        assert_eq!(utc_offset(-210), "UTC-3:30");
        assert_eq!(utc_offset(345), "UTC+5:45");
        let at: Timestamp = serde_json::from_str("\"2026-06-08T10:00:00Z\"").expect("a timestamp");
        let written = exact_time(&at);
        // The local part depends on the browser's zone; its shape and the UTC form do not.
        let (local, utc) = written.split_once(" (").expect("local (utc)");
        assert_eq!(utc, "2026-06-08T10:00:00Z)");
        assert_eq!(local.find(" UTC"), Some("2026-06-08 10:00:00".len()), "{local}");
        assert!(local.starts_with("2026-06-0"), "{local}");
    }
}
