//! A log as text: the raw bytes the service sent, split into lines without copying, plus
//! the questions the viewer asks of it (matches of a search, the first error line).

/// The whole log so far. Lines are ranges into `raw`, so a large log is held once and
/// the download is exactly what the service wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogText {
    raw: String,
    /// Byte index in `raw` where each line starts; the last line may still be growing.
    starts: Vec<usize>,
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

/// Every occurrence of `needle` in `log`, case-insensitive, in reading order.
/// Matching is ASCII case-insensitive so that byte ranges stay valid in the original text.
pub fn find_all(log: &LogText, needle: &str) -> Vec<Match> {
    let needle = needle.to_ascii_lowercase();
    if needle.is_empty() {
        return Vec::new();
    }
    let mut found = Vec::new();
    for (line_index, line) in log.lines().enumerate() {
        let haystack = line.to_ascii_lowercase();
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
    let lower = line.to_ascii_lowercase();
    ERROR_WORDS.iter().any(|word| lower.contains(word))
}

/// The first line (0-based) that looks like an error.
pub fn first_error_line(log: &LogText) -> Option<usize> {
    log.lines().position(is_error_line)
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

/// A line cut into plain and highlighted pieces, for rendering matches as `<mark>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Piece<'a> {
    Plain(&'a str),
    /// A match; the number is its index in the list of all matches.
    Hit(&'a str, usize),
}

/// Splits `line` at the matches that fall on it. `matches` is every match of the log and
/// `first` the index of the first one on this line.
pub fn pieces<'a>(line: &'a str, matches: &[Match], first: usize) -> Vec<Piece<'a>> {
    let mut out = Vec::new();
    let mut at = 0;
    let on_line = matches.get(first..).unwrap_or_default().iter().enumerate();
    let Some(line_index) = matches.get(first).map(|m| m.line) else {
        return vec![Piece::Plain(line)];
    };
    for (offset, m) in on_line.take_while(|(_, m)| m.line == line_index) {
        if let Some(before) = line.get(at..m.start).filter(|s| !s.is_empty()) {
            out.push(Piece::Plain(before));
        }
        if let Some(hit) = line.get(m.start..m.end) {
            out.push(Piece::Hit(hit, first + offset));
        }
        at = m.end;
    }
    if let Some(rest) = line.get(at..).filter(|s| !s.is_empty()) {
        out.push(Piece::Plain(rest));
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
