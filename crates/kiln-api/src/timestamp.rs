//! RFC 3339 UTC timestamps as they appear on the wire.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

/// A point in time, written as RFC 3339 in UTC with at most millisecond precision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(OffsetDateTime);

impl Timestamp {
    /// Wraps a time, converting it to UTC and dropping sub-millisecond precision so that
    /// what is stored and what is sent compare equal.
    pub fn new(at: OffsetDateTime) -> Self {
        let at = at.to_offset(UtcOffset::UTC);
        let millis = at.millisecond();
        Timestamp(at.replace_millisecond(millis).unwrap_or(at))
    }

    pub fn from_unix_millis(millis: i64) -> Option<Self> {
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000).ok().map(Timestamp::new)
    }

    pub fn unix_millis(&self) -> i64 {
        (self.0.unix_timestamp_nanos() / 1_000_000) as i64
    }

    pub fn parse(s: &str) -> Result<Self, time::error::Parse> {
        OffsetDateTime::parse(s, &Rfc3339).map(Timestamp::new)
    }

    pub fn get(&self) -> OffsetDateTime {
        self.0
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.format(&Rfc3339) {
            Ok(s) => f.write_str(&s),
            Err(_) => Err(fmt::Error),
        }
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        Timestamp::parse(&s).map_err(|e| serde::de::Error::custom(format!("invalid timestamp \"{s}\": {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_rfc3339_utc() {
        let ts = Timestamp::parse("2026-06-08T16:40:31Z").expect("valid");
        assert_eq!(ts.to_string(), "2026-06-08T16:40:31Z");
        let with_offset = Timestamp::parse("2026-06-08T18:40:31.5+02:00").expect("valid");
        assert_eq!(with_offset.to_string(), "2026-06-08T16:40:31.5Z");
        assert_eq!(Timestamp::from_unix_millis(with_offset.unix_millis()), Some(with_offset));
        assert!(Timestamp::parse("yesterday").is_err());
    }
}
