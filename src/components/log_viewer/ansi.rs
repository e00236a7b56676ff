//! ANSI escape sequences in log lines: SGR colours and weights become styles, every other
//! escape sequence is dropped, so a log never shows `[32m` raw.
//!
//! Styles are per line: a job that colours a word resets it on the same line in practice,
//! and per-line parsing keeps a windowed viewer from reading the whole log above a line.

/// A colour a style names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Color {
    /// One of the 16 standard colours (0–7 normal, 8–15 bright); drawn from the
    /// stylesheet's palette (`.ansi-fg-N`), which is tuned for the log's dark background.
    Basic(u8),
    /// An entry of the 256-colour table above 15.
    Indexed(u8),
    Rgb(u8, u8, u8),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Style {
    pub fg: Option<Color>,
    pub bg: Option<Color>,
    pub bold: bool,
    pub dim: bool,
    pub italic: bool,
    pub underline: bool,
}

impl Style {
    pub fn is_plain(&self) -> bool {
        *self == Style::default()
    }

    /// Applies one SGR sequence's parameters (the `1;32` of `ESC[1;32m`).
    fn apply(&mut self, params: &str) {
        let codes: Vec<u16> = if params.is_empty() {
            vec![0]
        } else {
            // `:` separates sub-parameters (`38:2:r:g:b`); treat it like `;`.
            params.split([';', ':']).map(|p| p.parse().unwrap_or(0)).collect()
        };
        let mut i = 0;
        while i < codes.len() {
            match codes[i] {
                0 => *self = Style::default(),
                1 => self.bold = true,
                2 => self.dim = true,
                3 => self.italic = true,
                4 => self.underline = true,
                22 => {
                    self.bold = false;
                    self.dim = false;
                }
                23 => self.italic = false,
                24 => self.underline = false,
                c @ 30..=37 => self.fg = Some(Color::Basic((c - 30) as u8)),
                c @ 90..=97 => self.fg = Some(Color::Basic((c - 90 + 8) as u8)),
                39 => self.fg = None,
                c @ 40..=47 => self.bg = Some(Color::Basic((c - 40) as u8)),
                c @ 100..=107 => self.bg = Some(Color::Basic((c - 100 + 8) as u8)),
                49 => self.bg = None,
                c @ (38 | 48) => {
                    let (color, used) = extended(&codes[i + 1..]);
                    i += used;
                    if c == 38 {
                        self.fg = color;
                    } else {
                        self.bg = color;
                    }
                }
                _ => {}
            }
            i += 1;
        }
    }
}

/// The colour after a 38/48 code: `5;n` or `2;r;g;b`. Returns it and how many codes it used.
fn extended(rest: &[u16]) -> (Option<Color>, usize) {
    let byte = |i: usize| rest.get(i).map(|&v| v.min(255) as u8);
    match rest.first() {
        Some(5) => match byte(1) {
            Some(n) if n < 16 => (Some(Color::Basic(n)), 2),
            Some(n) => (Some(Color::Indexed(n)), 2),
            None => (None, 1),
        },
        Some(2) => match (byte(1), byte(2), byte(3)) {
            (Some(r), Some(g), Some(b)) => (Some(Color::Rgb(r, g, b)), 4),
            _ => (None, rest.len()),
        },
        _ => (None, 0),
    }
}

/// A run of text in one style.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span<'a> {
    pub text: &'a str,
    pub style: Style,
}

/// Cuts `line` into styled runs of visible text. Escape sequences are not part of any run.
pub fn spans(line: &str) -> Vec<Span<'_>> {
    let mut out = Vec::new();
    let mut style = Style::default();
    let mut text_start = 0;
    let bytes = line.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != 0x1b {
            i += 1;
            continue;
        }
        if text_start < i {
            push(&mut out, &line[text_start..i], style);
        }
        let (end, sgr) = sequence_end(bytes, i);
        if let Some(params) = sgr {
            style.apply(&line[params]);
        }
        i = end;
        text_start = end;
    }
    if text_start < bytes.len() {
        push(&mut out, &line[text_start..], style);
    }
    out
}

fn push<'a>(out: &mut Vec<Span<'a>>, text: &'a str, style: Style) {
    out.push(Span { text, style });
}

/// Where the escape sequence starting at `start` (an ESC byte) ends, and, for an SGR
/// sequence, the byte range of its parameters. Every index returned is on a char boundary:
/// sequences are ASCII, and a sequence cut short by a non-ASCII byte ends before it.
fn sequence_end(bytes: &[u8], start: usize) -> (usize, Option<std::ops::Range<usize>>) {
    let Some(&kind) = bytes.get(start + 1) else { return (start + 1, None) };
    match kind {
        // CSI: parameters and intermediates, then one final byte in 0x40..=0x7e.
        b'[' => {
            let params_start = start + 2;
            let mut j = params_start;
            while let Some(&b) = bytes.get(j) {
                match b {
                    0x20..=0x3f => j += 1,
                    0x40..=0x7e => {
                        let sgr = (b == b'm').then_some(params_start..j);
                        return (j + 1, sgr);
                    }
                    _ => return (j, None),
                }
            }
            (j, None)
        }
        // OSC (titles, hyperlinks): up to BEL or ESC \.
        b']' => {
            let mut j = start + 2;
            while let Some(&b) = bytes.get(j) {
                if b == 0x07 {
                    return (j + 1, None);
                }
                if b == 0x1b && bytes.get(j + 1) == Some(&b'\\') {
                    return (j + 2, None);
                }
                j += 1;
            }
            (j, None)
        }
        // Any other two-byte escape (ESC 7, ESC =, ESC ( B's first half…).
        0x20..=0x7e => {
            // Character-set designations take one more byte: ESC ( B.
            let more = matches!(kind, b'(' | b')' | b'*' | b'+') && bytes.get(start + 2).is_some_and(u8::is_ascii);
            (start + 2 + usize::from(more), None)
        }
        _ => (start + 1, None),
    }
}

/// The visible text of a line, without escape sequences.
pub fn strip(line: &str) -> std::borrow::Cow<'_, str> {
    if !line.contains('\x1b') {
        return std::borrow::Cow::Borrowed(line);
    }
    std::borrow::Cow::Owned(spans(line).iter().map(|s| s.text).collect())
}

/// The CSS classes and inline style of a styled run: basic colours by class (the
/// stylesheet's palette), 256-colour and RGB ones inline.
pub fn css(style: &Style) -> (Vec<String>, String) {
    let mut classes = Vec::new();
    let mut inline = String::new();
    for (prefix, property, color) in [("fg", "color", style.fg), ("bg", "background-color", style.bg)] {
        match color {
            Some(Color::Basic(n)) => classes.push(format!("ansi-{prefix}-{n}")),
            Some(Color::Indexed(n)) => {
                let (r, g, b) = indexed_rgb(n);
                inline.push_str(&format!("{property}: rgb({r}, {g}, {b});"));
            }
            Some(Color::Rgb(r, g, b)) => inline.push_str(&format!("{property}: rgb({r}, {g}, {b});")),
            None => {}
        }
    }
    for (on, class) in [
        (style.bold, "ansi-bold"),
        (style.dim, "ansi-dim"),
        (style.italic, "ansi-italic"),
        (style.underline, "ansi-underline"),
    ] {
        if on {
            classes.push(class.to_owned());
        }
    }
    (classes, inline)
}

/// The xterm 256-colour table above the 16 basic colours: a 6×6×6 cube, then greys.
fn indexed_rgb(n: u8) -> (u8, u8, u8) {
    if n >= 232 {
        let v = 8 + 10 * (n - 232);
        return (v, v, v);
    }
    let n = n.saturating_sub(16);
    let level = |v: u8| if v == 0 { 0 } else { 55 + 40 * v };
    (level(n / 36), level((n / 6) % 6), level(n % 6))
}

#[cfg(test)]
mod tests {
    use wasm_bindgen_test::wasm_bindgen_test;

    use super::*;

    fn texts(line: &str) -> Vec<(&str, Style)> {
        spans(line).into_iter().map(|s| (s.text, s.style)).collect()
    }

    #[wasm_bindgen_test]
    fn plain_text_is_one_plain_span() {
        assert_eq!(texts("hello"), vec![("hello", Style::default())]);
        assert!(spans("").is_empty());
    }

    #[wasm_bindgen_test]
    fn colour_and_reset_split_the_line() {
        let got = texts("\x1b[32mINFO\x1b[0m ready");
        let green = Style { fg: Some(Color::Basic(2)), ..Style::default() };
        assert_eq!(got, vec![("INFO", green), (" ready", Style::default())]);
    }

    #[wasm_bindgen_test]
    fn bold_bright_256_and_rgb_colours() {
        let got = texts("\x1b[1;91mE\x1b[22m\x1b[38;5;208mo\x1b[48;2;1;2;3mr\x1b[39;49mx");
        assert_eq!(got[0].1, Style { fg: Some(Color::Basic(9)), bold: true, ..Style::default() });
        assert_eq!(got[1].1.fg, Some(Color::Indexed(208)));
        assert!(!got[1].1.bold);
        assert_eq!(got[2].1.bg, Some(Color::Rgb(1, 2, 3)));
        assert_eq!(got[3].1, Style::default());
        assert_eq!(strip("\x1b[1;91mE\x1b[22m\x1b[38;5;208mo\x1b[48;2;1;2;3mr\x1b[39;49mx"), "Eorx");
    }

    #[wasm_bindgen_test]
    fn other_escape_sequences_are_dropped_never_shown() {
        // Cursor movement, erase line, an OSC title, an OSC 8 hyperlink, a charset switch.
        let line = "\x1b[2K\x1b[1Gstep\x1b]0;title\x07 \x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\\x1b(B done\x1b";
        assert_eq!(strip(line), "step link done");
        assert!(spans(line).iter().all(|s| !s.text.contains('\x1b')));
    }

    #[wasm_bindgen_test]
    fn a_cut_short_sequence_before_non_ascii_keeps_the_text_valid() {
        assert_eq!(strip("a\x1b[3é"), "aé");
        assert_eq!(strip("\x1b[mplain"), "plain");
    }

    #[wasm_bindgen_test]
    fn css_names_basic_colours_by_class_and_others_inline() {
        let (classes, inline) = css(&Style { fg: Some(Color::Basic(1)), bold: true, ..Style::default() });
        assert_eq!(classes, ["ansi-fg-1", "ansi-bold"]);
        assert!(inline.is_empty());
        let (_, inline) =
            css(&Style { fg: Some(Color::Indexed(196)), bg: Some(Color::Rgb(0, 0, 255)), ..Style::default() });
        assert_eq!(inline, "color: rgb(255, 0, 0);background-color: rgb(0, 0, 255);");
        assert_eq!(indexed_rgb(232), (8, 8, 8));
    }
}
