//! A log as text: the raw bytes the service sent, split into lines without copying, plus
//! the questions the viewer asks of it (matches of a search, the first error line).
//! Searches and error markers look at the visible text: ANSI escapes are not part of it.

use kiln_api::StderrRanges;

use super::ansi::{self, Style};

/// The whole log so far. Lines are ranges into `raw`, so a large log is held once and
/// the download is exactly what the service wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogText {
    raw: String,
    /// Byte index in `raw` where each line starts; the last line may still be growing.
    starts: Vec<usize>,
    /// The byte ranges that came from stderr. They are offsets in the service's file,
    /// which are offsets in `raw` as long as the log is valid UTF-8 (a replaced broken
    /// byte would shift the marks after it).
    stderr: StderrRanges,
}

impl LogText {
    pub fn new() -> Self {
        LogText::default()
    }

    pub fn from_text(text: &str) -> Self {
        let mut log = LogText::new();
        log.push(text);
        log
    }

    /// Appends a piece of the log. A line split across two pieces joins up again.
    pub fn push(&mut self, piece: &str) {
        if piece.is_empty() {
            return;
        }
        if self.starts.is_empty() {
            self.starts.push(0);
        }
        let base = self.raw.len();
        self.raw.push_str(piece);
        for (i, byte) in piece.bytes().enumerate() {
            if byte == b'\n' {
                self.starts.push(base + i + 1);
            }
        }
    }

    /// Notes bytes that came from stderr (from the piece just pushed).
    pub fn mark_stderr(&mut self, ranges: &StderrRanges) {
        for range in &ranges.0 {
            self.stderr.push(range.clone());
        }
    }

    /// Whether any byte of line `index` (its line ending aside) came from stderr.
    pub fn is_stderr(&self, index: usize) -> bool {
        let Some(&start) = self.starts.get(index) else { return false };
        let end = self.starts.get(index + 1).map_or(self.raw.len(), |next| next - 1).max(start + 1);
        let (start, end) = (start as u64, end as u64);
        // The first range that ends after the line starts is the only one that can overlap it.
        let ranges = &self.stderr.0;
        let first = ranges.partition_point(|r| r.end <= start);
        ranges.get(first).is_some_and(|r| r.start < end)
    }

    /// The number of lines, counting a last line that has no newline yet but not the
    /// empty "line" after a final newline.
    pub fn line_count(&self) -> usize {
        match self.starts.last() {
            None => 0,
            Some(&last) if last == self.raw.len() => self.starts.len() - 1,
            Some(_) => self.starts.len(),
        }
    }

    /// Line `index` (0-based) without its line ending.
    pub fn line(&self, index: usize) -> &str {
        let Some(&start) = self.starts.get(index) else { return "" };
        let end = self.starts.get(index + 1).map_or(self.raw.len(), |next| next - 1);
        let line = self.raw.get(start..end).unwrap_or("");
        line.strip_suffix('\r').unwrap_or(line)
    }

    pub fn lines(&self) -> impl Iterator<Item = &str> {
        (0..self.line_count()).map(|i| self.line(i))
    }

    pub fn as_str(&self) -> &str {
        &self.raw
    }

    pub fn is_empty(&self) -> bool {
        self.raw.is_empty()
    }
}

/// One occurrence of the search text: its line and the byte range within that line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Match {
    pub line: usize,
    pub start: usize,
    pub end: usize,
}

/// Every occurrence of `needle` in `log`, case-insensitive, in reading order. Byte ranges
/// are in the line's visible text (escape sequences removed). Matching is ASCII
/// case-insensitive so that byte ranges stay valid in that text.
pub fn find_all(log: &LogText, needle: &str) -> Vec<Match> {
    let needle = needle.to_ascii_lowercase();
    if needle.is_empty() {
        return Vec::new();
    }
    let mut found = Vec::new();
    for (line_index, line) in log.lines().enumerate() {
        let haystack = ansi::strip(line).to_ascii_lowercase();
        let mut from = 0;
        while let Some(at) = haystack.get(from..).and_then(|rest| rest.find(&needle)) {
            let start = from + at;
            let end = start + needle.len();
            found.push(Match { line: line_index, start, end });
            from = end;
        }
    }
    found
}

/// Words that usually mark the line where something went wrong.
const ERROR_WORDS: [&str; 4] = ["error", "fail", "exception", "traceback"];

/// Whether a line looks like the report of an error (a heuristic, case-insensitive).
pub fn is_error_line(line: &str) -> bool {
    let lower = ansi::strip(line).to_ascii_lowercase();
    ERROR_WORDS.iter().any(|word| lower.contains(word))
}

/// Why "First error" points where it does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClue {
    /// A stderr line that says error, fail, exception or traceback.
    StderrMarker,
    /// A line that says so, on either stream.
    Marker,
    /// No line says so, but the attempt failed: what it last wrote to stderr.
    LastStderrOfAFailure,
    /// No line says so and nothing came from stderr, but the attempt failed: its last
    /// words are usually why.
    LastWordsOfAFailure,
}

/// The first line (0-based) that looks like an error.
pub fn first_error_line(log: &LogText) -> Option<usize> {
    log.lines().position(is_error_line)
}

/// The line "First error" jumps to, by the first clue that finds one: a stderr line that
/// says error; any line that says so; and when the attempt ended in failure (`failed`, its
/// exit status), its last non-blank stderr line, then its last non-blank line. stderr
/// alone is not a clue: many tools log everything there.
pub fn first_error(log: &LogText, failed: bool) -> Option<(usize, ErrorClue)> {
    let lines = 0..log.line_count();
    if let Some(line) = lines.clone().find(|&i| log.is_stderr(i) && is_error_line(log.line(i))) {
        return Some((line, ErrorClue::StderrMarker));
    }
    if let Some(line) = first_error_line(log) {
        return Some((line, ErrorClue::Marker));
    }
    if !failed {
        return None;
    }
    let said_something = |i: &usize| !ansi::strip(log.line(*i)).trim().is_empty();
    if let Some(line) = lines.clone().rev().filter(said_something).find(|&i| log.is_stderr(i)) {
        return Some((line, ErrorClue::LastStderrOfAFailure));
    }
    lines.rev().find(said_something).map(|line| (line, ErrorClue::LastWordsOfAFailure))
}

/// The 1-based line a URL fragment such as `#L42` points at.
pub fn line_from_fragment(fragment: &str) -> Option<usize> {
    let number = fragment.strip_prefix('#').unwrap_or(fragment).strip_prefix('L')?;
    number.parse().ok().filter(|&n: &usize| n > 0)
}

/// The fragment that links to a 1-based line.
pub fn fragment_for_line(number: usize) -> String {
    format!("#L{number}")
}

/// A run of a line's visible text in one style, highlighted when it is (part of) a match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Piece<'a> {
    pub text: &'a str,
    pub style: Style,
    /// The match's index in the list of all matches.
    pub hit: Option<usize>,
}

impl<'a> Piece<'a> {
    pub fn plain(text: &'a str) -> Self {
        Piece { text, style: Style::default(), hit: None }
    }

    pub fn hit(text: &'a str, index: usize) -> Self {
        Piece { text, style: Style::default(), hit: Some(index) }
    }
}

/// Cuts `line` into styled pieces (its ANSI colours) and splits them at the matches that
/// fall on it. `matches` is every match of the log and `first` the index of the first one
/// on this line, if any.
pub fn pieces<'a>(line: &'a str, matches: &[Match], first: Option<usize>) -> Vec<Piece<'a>> {
    let on_line: Vec<(usize, &Match)> = match first.and_then(|f| matches.get(f).map(|m| (f, m.line))) {
        Some((first, line_index)) => matches[first..]
            .iter()
            .enumerate()
            .take_while(|(_, m)| m.line == line_index)
            .map(|(offset, m)| (first + offset, m))
            .collect(),
        None => Vec::new(),
    };
    let mut out = Vec::new();
    // `at` counts bytes of visible text before the current span.
    let mut at = 0;
    for span in ansi::spans(line) {
        let (start, end) = (at, at + span.text.len());
        let mut cursor = start;
        while cursor < end {
            let inside = on_line.iter().find(|(_, m)| m.start <= cursor && cursor < m.end);
            let (upto, hit) = match inside {
                Some((index, m)) => (m.end.min(end), Some(*index)),
                None => {
                    let next = on_line.iter().map(|(_, m)| m.start).filter(|&s| s > cursor).min();
                    (next.unwrap_or(end).min(end), None)
                }
            };
            if let Some(text) = span.text.get(cursor - start..upto - start) {
                out.push(Piece { text, style: span.style, hit });
            }
            cursor = upto;
        }
        at = end;
    }
    out
}

/// The index of the first match on each line that has one, for quick lookup while
/// rendering a window of lines.
pub fn first_match_by_line(matches: &[Match]) -> std::collections::HashMap<usize, usize> {
    let mut map = std::collections::HashMap::new();
    for (i, m) in matches.iter().enumerate() {
        map.entry(m.line).or_insert(i);
    }
    map
}
