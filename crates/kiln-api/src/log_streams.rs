//! Which bytes of an attempt's log came from its standard error.
//!
//! A log piece carries them in the `Kiln-Log-Stderr` header as byte ranges of the whole
//! log (not of the piece), `start-end` with `end` exclusive, joined by commas, in order:
//! `Kiln-Log-Stderr: 12-40,96-130`. Only ranges that overlap the piece are listed, cut to
//! it. An empty or absent header means none of the piece's bytes came from stderr (or the
//! service does not know, as for jobs that ran on Ray).

use std::fmt;
use std::ops::Range;

/// Response header of a log piece: the stderr byte ranges it covers.
pub const LOG_STDERR_HEADER: &str = "Kiln-Log-Stderr";

/// Byte ranges of a log, in order and not overlapping.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StderrRanges(pub Vec<Range<u64>>);

/// A header value that is not a list of `start-end` ranges in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadRanges(pub String);

impl fmt::Display for BadRanges {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "not a list of byte ranges: {:?}", self.0)
    }
}

impl std::error::Error for BadRanges {}

impl StderrRanges {
    /// Adds a range after the others, joining it to the last one when they touch.
    pub fn push(&mut self, range: Range<u64>) {
        if range.is_empty() {
            return;
        }
        match self.0.last_mut() {
            Some(last) if range.start <= last.end => last.end = last.end.max(range.end),
            _ => self.0.push(range),
        }
    }

    /// The parts of these ranges that fall inside `within`.
    pub fn clipped(&self, within: &Range<u64>) -> StderrRanges {
        let mut out = StderrRanges::default();
        for r in &self.0 {
            out.push(r.start.max(within.start)..r.end.min(within.end));
        }
        out
    }

    /// Reads a header value; the empty string is no ranges.
    pub fn parse(value: &str) -> Result<StderrRanges, BadRanges> {
        let bad = || BadRanges(value.to_owned());
        let mut out = StderrRanges::default();
        for part in value.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (start, end) = part.split_once('-').ok_or_else(bad)?;
            let (start, end): (u64, u64) = (start.parse().map_err(|_| bad())?, end.parse().map_err(|_| bad())?);
            if end < start || out.0.last().is_some_and(|last| start < last.end) {
                return Err(bad());
            }
            out.push(start..end);
        }
        Ok(out)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for StderrRanges {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, r) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{}-{}", r.start, r.end)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_round_trip_through_the_header_and_touching_ones_join() {
        let mut ranges = StderrRanges::default();
        ranges.push(12..40);
        ranges.push(40..50);
        ranges.push(96..130);
        ranges.push(100..100);
        assert_eq!(ranges.to_string(), "12-50,96-130");
        assert_eq!(StderrRanges::parse("12-50,96-130"), Ok(ranges.clone()));
        assert_eq!(StderrRanges::parse(""), Ok(StderrRanges::default()));
        assert_eq!(ranges.clipped(&(45..100)).to_string(), "45-50,96-100");
    }

    #[test]
    fn a_header_out_of_order_or_not_numbers_is_refused() {
        for bad in ["5", "a-b", "9-3", "10-20,15-30", "1-2,,x"] {
            assert!(StderrRanges::parse(bad).is_err(), "{bad}");
        }
    }
}
