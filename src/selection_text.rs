//! The text form of job-spec selections, one term per selection, 1:1 with the contract's
//! four kinds:
//!
//! | text | selection |
//! |---|---|
//! | `report/summary` | datasets |
//! | `job:clean-orders` | job specs |
//! | `+report/summary` | upstream of it |
//! | `raw/orders..report/summary` | connecting, from upstream to downstream |
//! | `+report/summary -agg/x` | `-x` ignores a dataset in the upstream or connecting term before it |
//! | `report/summary?`, `job:x?` | not required |
//! | `a\|b` | several datasets (or job specs) in one term |
//!
//! Terms are separated by spaces or commas and union, as selections do. A name is a
//! dataset or job spec name, or a RID. This module is pure: [`parse`] gives the terms with
//! the column of every name, [`print`] writes terms back, and `print(parse(t))` is `t`
//! in its canonical spacing.

use std::fmt;

/// A name as written, with the 1-based column (in characters) where it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name {
    pub text: String,
    pub column: usize,
}

impl Name {
    pub fn new(text: impl Into<String>) -> Self {
        Name { text: text.into(), column: 0 }
    }
}

/// One selection in text form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Term {
    Datasets { names: Vec<Name>, required: bool },
    JobSpecs { names: Vec<Name>, required: bool },
    Upstream { names: Vec<Name>, ignore: Vec<Name> },
    Connecting { upstream: Vec<Name>, downstream: Vec<Name>, ignore: Vec<Name> },
}

/// Why the text is not a list of terms, and where (1-based column, in characters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub column: usize,
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "column {}: {}", self.column, self.message)
    }
}

impl std::error::Error for ParseError {}

fn error(column: usize, message: impl Into<String>) -> ParseError {
    ParseError { column, message: message.into() }
}

const JOB_PREFIX: &str = "job:";

fn is_separator(c: char) -> bool {
    c.is_whitespace() || c == ','
}

/// The words of the text with the 1-based column of their first character.
fn words(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start: Option<(usize, usize)> = None; // (byte, column)
    let mut column = 0;
    for (byte, c) in text.char_indices() {
        column += 1;
        match (is_separator(c), start) {
            (true, Some((b, col))) => {
                out.push((col, &text[b..byte]));
                start = None;
            }
            (false, None) => start = Some((byte, column)),
            _ => {}
        }
    }
    if let Some((b, col)) = start {
        out.push((col, &text[b..]));
    }
    out
}

/// `a|b|c` starting at `column`: each name with its column. Empty names are errors.
fn names(text: &str, column: usize, what: &str) -> Result<Vec<Name>, ParseError> {
    let mut out = Vec::new();
    let mut col = column;
    for part in text.split('|') {
        if part.is_empty() {
            return Err(error(col, format!("expected {what} here")));
        }
        if let Some(bad) = part.char_indices().find(|&(_, c)| matches!(c, '?' | '+')) {
            let at = col + part[..bad.0].chars().count();
            return Err(error(at, format!("'{}' cannot appear inside a name", bad.1)));
        }
        if part.starts_with('-') {
            return Err(error(col, "a name cannot start with '-' (that marks a dataset to ignore)"));
        }
        out.push(Name { text: part.to_owned(), column: col });
        col += part.chars().count() + 1;
    }
    Ok(out)
}

/// Splits a trailing `?` (not required) off a word.
fn required_of(word: &str) -> (&str, bool) {
    match word.strip_suffix('?') {
        Some(rest) => (rest, false),
        None => (word, true),
    }
}

/// Parses the text into terms, or says at which column it goes wrong.
pub fn parse(text: &str) -> Result<Vec<Term>, ParseError> {
    let mut terms: Vec<Term> = Vec::new();
    for (column, word) in words(text) {
        if let Some(rest) = word.strip_prefix('-') {
            let ignore = names(rest, column + 1, "a dataset to ignore after '-'")?;
            match terms.last_mut() {
                Some(Term::Upstream { ignore: list, .. } | Term::Connecting { ignore: list, .. }) => {
                    list.extend(ignore)
                }
                Some(_) => {
                    return Err(error(
                        column,
                        "'-' ignores a dataset of an upstream (+x) or connecting (a..b) term; put it after one",
                    ));
                }
                None => {
                    return Err(error(
                        column,
                        "'-' ignores a dataset of the upstream or connecting term before it, and there is none",
                    ));
                }
            }
            continue;
        }
        if let Some(rest) = word.strip_prefix('+') {
            if rest.ends_with('?') {
                return Err(error(
                    column + word.chars().count() - 1,
                    "'?' (not required) applies to datasets and job: terms only",
                ));
            }
            if rest.contains("..") {
                return Err(error(column, "a connecting term (a..b) takes no '+'"));
            }
            terms.push(Term::Upstream { names: names(rest, column + 1, "a dataset after '+'")?, ignore: Vec::new() });
            continue;
        }
        if let Some(at) = word.find("..") {
            if word.ends_with('?') {
                return Err(error(
                    column + word.chars().count() - 1,
                    "'?' (not required) applies to datasets and job: terms only",
                ));
            }
            let (up, down) = (&word[..at], &word[at + 2..]);
            let down_column = column + up.chars().count() + 2;
            if down.contains("..") {
                let second = down_column + down[..down.find("..").unwrap_or(0)].chars().count();
                return Err(error(second, "a connecting term has one '..'"));
            }
            terms.push(Term::Connecting {
                upstream: names(up, column, "an upstream dataset before '..'")?,
                downstream: names(down, down_column, "a downstream dataset after '..'")?,
                ignore: Vec::new(),
            });
            continue;
        }
        let (body, required) = required_of(word);
        if body.ends_with('?') {
            return Err(error(column + word.chars().count() - 1, "one '?' is enough"));
        }
        match body.strip_prefix(JOB_PREFIX) {
            Some(rest) => terms.push(Term::JobSpecs {
                names: names(rest, column + JOB_PREFIX.len(), "a job spec name after 'job:'")?,
                required,
            }),
            None => terms.push(Term::Datasets { names: names(body, column, "a dataset name")?, required }),
        }
    }
    Ok(terms)
}

fn join(names: &[Name]) -> String {
    names.iter().map(|n| n.text.as_str()).collect::<Vec<_>>().join("|")
}

fn ignores(out: &mut String, ignore: &[Name]) {
    if !ignore.is_empty() {
        out.push_str(" -");
        out.push_str(&join(ignore));
    }
}

/// Writes one term.
pub fn print_term(term: &Term) -> String {
    let mut out = String::new();
    match term {
        Term::Datasets { names, required } => {
            out.push_str(&join(names));
            if !required {
                out.push('?');
            }
        }
        Term::JobSpecs { names, required } => {
            out.push_str(JOB_PREFIX);
            out.push_str(&join(names));
            if !required {
                out.push('?');
            }
        }
        Term::Upstream { names, ignore } => {
            out.push('+');
            out.push_str(&join(names));
            ignores(&mut out, ignore);
        }
        Term::Connecting { upstream, downstream, ignore } => {
            out.push_str(&join(upstream));
            out.push_str("..");
            out.push_str(&join(downstream));
            ignores(&mut out, ignore);
        }
    }
    out
}

/// Writes terms separated by spaces: the canonical text of a list of selections.
pub fn print(terms: &[Term]) -> String {
    terms.iter().map(print_term).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use wasm_bindgen_test::wasm_bindgen_test;

    use super::*;

    fn n(text: &str, column: usize) -> Name {
        Name { text: text.to_owned(), column }
    }

    fn err(text: &str) -> ParseError {
        parse(text).expect_err(text)
    }

    #[wasm_bindgen_test]
    fn each_kind_of_term() {
        assert_eq!(
            parse("report/summary"),
            Ok(vec![Term::Datasets { names: vec![n("report/summary", 1)], required: true }])
        );
        assert_eq!(
            parse("job:clean-orders"),
            Ok(vec![Term::JobSpecs { names: vec![n("clean-orders", 5)], required: true }])
        );
        assert_eq!(
            parse("+report/summary"),
            Ok(vec![Term::Upstream { names: vec![n("report/summary", 2)], ignore: vec![] }])
        );
        assert_eq!(
            parse("raw/orders..report/summary"),
            Ok(vec![Term::Connecting {
                upstream: vec![n("raw/orders", 1)],
                downstream: vec![n("report/summary", 13)],
                ignore: vec![]
            }])
        );
    }

    #[wasm_bindgen_test]
    fn ignores_join_the_term_before_them_and_question_marks_make_terms_optional() {
        let got = parse("+report/summary -agg/x -agg/y|agg/z, a..b -c  d? job:e?").expect("parses");
        assert_eq!(
            got,
            vec![
                Term::Upstream {
                    names: vec![n("report/summary", 2)],
                    ignore: vec![n("agg/x", 18), n("agg/y", 25), n("agg/z", 31)]
                },
                Term::Connecting { upstream: vec![n("a", 38)], downstream: vec![n("b", 41)], ignore: vec![n("c", 44)] },
                Term::Datasets { names: vec![n("d", 47)], required: false },
                Term::JobSpecs { names: vec![n("e", 54)], required: false },
            ]
        );
    }

    #[wasm_bindgen_test]
    fn separators_are_spaces_commas_and_newlines_and_empty_text_is_no_terms() {
        assert_eq!(parse(""), Ok(vec![]));
        assert_eq!(parse(" ,\n "), Ok(vec![]));
        assert_eq!(parse("a,b\nc").map(|t| t.len()), Ok(3));
        assert_eq!(parse("a|b").map(|t| print(&t)), Ok("a|b".to_owned()), "| groups names in one term");
    }

    #[wasm_bindgen_test]
    fn errors_point_at_the_column() {
        assert_eq!(err("-x").column, 1);
        assert!(err("-x").message.contains("none"));
        assert_eq!(err("a -x").column, 3);
        assert!(err("a -x").message.contains("upstream"));
        assert_eq!(err("job:a -x").column, 7);
        assert_eq!(err("+").column, 2);
        assert_eq!(err("a..").column, 4);
        assert_eq!(err("..b").column, 1);
        assert_eq!(err("a..b..c").column, 5);
        assert_eq!(err("+a?").column, 3);
        assert_eq!(err("a..b?").column, 5);
        assert_eq!(err("a??").column, 3);
        assert_eq!(err("job:").column, 5);
        assert_eq!(err("a||b").column, 3);
        assert_eq!(err("x a?b").column, 4);
        assert_eq!(err("+a..b").column, 1);
        assert_eq!(err("+a -").column, 5);
        assert_eq!(err("+a --b").column, 5);
        assert_eq!(err("é +").column, 4, "columns count characters, not bytes");
        assert_eq!(err("a -x").to_string(), format!("column 3: {}", err("a -x").message));
    }

    #[wasm_bindgen_test]
    fn print_then_parse_is_the_same_terms() {
        let text =
            "report/summary job:clean-orders? +report/summary -agg/x raw/orders|raw/customers..report/summary -a|b";
        let terms = parse(text).expect("parses");
        assert_eq!(print(&terms), text);
        let spaced = parse("  report/summary,job:clean-orders?\n+report/summary   -agg/x").expect("parses");
        assert_eq!(print(&spaced), "report/summary job:clean-orders? +report/summary -agg/x", "canonical spacing");
    }
}
