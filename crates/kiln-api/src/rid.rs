//! Resource identifiers: `ri.<service>.<instance>.<type>.<locator>`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A validated resource identifier.
///
/// The grammar is `ri.<service>.<instance>.<type>.<locator>` with service
/// `[a-z][a-z0-9-]*`, instance `([a-z0-9][a-z0-9-]*)?`, type `[a-z][a-z0-9-]*` and
/// locator `[A-Za-z0-9._-]+`. The locator is the only part that may contain dots.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Rid(String);

/// Which part of a RID is wrong, so a person can fix it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RidError {
    #[error("a RID cannot be empty")]
    Empty,
    #[error("a RID starts with \"ri.\"")]
    MissingPrefix,
    #[error("a RID has five parts: ri.<service>.<instance>.<type>.<locator>")]
    MissingParts,
    #[error("the service \"{0}\" must start with a lowercase letter and hold only a-z, 0-9 and -")]
    Service(String),
    #[error("the instance \"{0}\" may hold only a-z, 0-9 and -, and not start with -")]
    Instance(String),
    #[error("the type \"{0}\" must start with a lowercase letter and hold only a-z, 0-9 and -")]
    Type(String),
    #[error("the locator \"{0}\" may hold only letters, digits, '.', '_' and '-'")]
    Locator(String),
}

fn is_lower_ident(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

fn is_instance(s: &str) -> bool {
    let mut chars = s.chars();
    match chars.next() {
        None => true,
        Some(c) if c.is_ascii_lowercase() || c.is_ascii_digit() => {
            chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        }
        Some(_) => false,
    }
}

fn is_locator(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

impl Rid {
    /// Parses and validates a RID, trimming surrounding white space.
    pub fn parse(input: &str) -> Result<Self, RidError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(RidError::Empty);
        }
        let rest = s.strip_prefix("ri.").ok_or(RidError::MissingPrefix)?;
        let mut parts = rest.splitn(4, '.');
        let (Some(service), Some(instance), Some(kind), Some(locator)) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(RidError::MissingParts);
        };
        if !is_lower_ident(service) {
            return Err(RidError::Service(service.to_owned()));
        }
        if !is_instance(instance) {
            return Err(RidError::Instance(instance.to_owned()));
        }
        if !is_lower_ident(kind) {
            return Err(RidError::Type(kind.to_owned()));
        }
        if !is_locator(locator) {
            return Err(RidError::Locator(locator.to_owned()));
        }
        Ok(Rid(s.to_owned()))
    }

    /// Builds a RID of Kiln's own form, `ri.foundry.main.<kind>.<locator>`.
    ///
    /// Returns an error when `kind` or `locator` would not make a valid RID.
    pub fn foundry(kind: &str, locator: &str) -> Result<Self, RidError> {
        Rid::parse(&format!("ri.foundry.main.{kind}.{locator}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn part(&self, index: usize) -> &str {
        self.0.splitn(5, '.').nth(index).unwrap_or_default()
    }

    pub fn service(&self) -> &str {
        self.part(1)
    }

    pub fn instance(&self) -> &str {
        self.part(2)
    }

    /// The resource type, such as `dataset`, `jobspec` or `build`.
    pub fn kind(&self) -> &str {
        self.part(3)
    }

    pub fn locator(&self) -> &str {
        self.part(4)
    }
}

impl fmt::Display for Rid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Rid {
    type Err = RidError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Rid::parse(s)
    }
}

impl AsRef<str> for Rid {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Serialize for Rid {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Rid {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        Rid::parse(&s).map_err(|e| serde::de::Error::custom(format!("invalid RID \"{s}\": {e}")))
    }
}

/// Splits pasted text into RID candidates: newlines, commas, semicolons, spaces and tabs
/// all separate, and empty pieces are dropped.
pub fn split_rids(text: &str) -> Vec<&str> {
    text.split(|c: char| c.is_whitespace() || c == ',' || c == ';')
        .map(|s| s.trim_matches(|c| c == '"' || c == '\''))
        .filter(|s| !s.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_valid_rids_and_exposes_parts() {
        let rid = Rid::parse(" ri.foundry.main.dataset.3f2c-ab.v1 ").expect("valid");
        assert_eq!(rid.as_str(), "ri.foundry.main.dataset.3f2c-ab.v1");
        assert_eq!(rid.service(), "foundry");
        assert_eq!(rid.instance(), "main");
        assert_eq!(rid.kind(), "dataset");
        assert_eq!(rid.locator(), "3f2c-ab.v1");
        assert!(Rid::parse("ri.build2..build.x").is_ok(), "the instance may be empty");
    }

    #[test]
    fn names_the_wrong_part() {
        let cases: [(&str, RidError); 8] = [
            ("", RidError::Empty),
            ("rx.foundry.main.dataset.a", RidError::MissingPrefix),
            ("ri.foundry.main.dataset", RidError::MissingParts),
            ("ri.Foundry.main.dataset.a", RidError::Service("Foundry".into())),
            ("ri.foundry.-main.dataset.a", RidError::Instance("-main".into())),
            ("ri.foundry.main.9set.a", RidError::Type("9set".into())),
            ("ri.foundry.main.dataset.a/b", RidError::Locator("a/b".into())),
            ("ri.foundry.main.dataset.", RidError::Locator(String::new())),
        ];
        for (input, expected) in cases {
            assert_eq!(Rid::parse(input), Err(expected), "input {input:?}");
        }
        let message = Rid::parse("ri.foundry.main.data_set.a").expect_err("underscore in type").to_string();
        assert!(message.contains("type \"data_set\""), "{message}");
    }

    #[test]
    fn split_handles_mixed_separators() {
        let text = "ri.a.b.dataset.1, ri.a.b.dataset.2\n\nri.a.b.dataset.3;\t\"ri.a.b.dataset.4\"";
        assert_eq!(split_rids(text), ["ri.a.b.dataset.1", "ri.a.b.dataset.2", "ri.a.b.dataset.3", "ri.a.b.dataset.4"]);
    }
}
