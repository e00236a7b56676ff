//! Team names, validated before they reach a path or a query.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A team name: `[a-z0-9][a-z0-9_-]{0,62}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TeamName(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TeamNameError {
    #[error("a team name cannot be empty")]
    Empty,
    #[error("a team name has at most 63 characters")]
    TooLong,
    #[error("a team name starts with a lowercase letter or a digit")]
    BadStart,
    #[error("a team name holds only a-z, 0-9, '_' and '-' (found {0:?})")]
    BadChar(char),
}

impl TeamName {
    pub fn parse(s: &str) -> Result<Self, TeamNameError> {
        let mut chars = s.chars();
        match chars.next() {
            None => return Err(TeamNameError::Empty),
            Some(c) if c.is_ascii_lowercase() || c.is_ascii_digit() => {}
            Some(_) => return Err(TeamNameError::BadStart),
        }
        if let Some(c) = chars.find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_' || *c == '-')) {
            return Err(TeamNameError::BadChar(c));
        }
        if s.len() > 63 {
            return Err(TeamNameError::TooLong);
        }
        Ok(TeamName(s.to_owned()))
    }

    /// The team used when a caller names none.
    pub fn default_team() -> Self {
        TeamName("default".to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TeamName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for TeamName {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for TeamName {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        TeamName::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validates_team_names() {
        assert!(TeamName::parse("data-eng_2").is_ok());
        assert!(TeamName::parse(&"a".repeat(63)).is_ok());
        assert_eq!(TeamName::parse(""), Err(TeamNameError::Empty));
        assert_eq!(TeamName::parse("-x"), Err(TeamNameError::BadStart));
        assert_eq!(TeamName::parse(".."), Err(TeamNameError::BadStart));
        assert_eq!(TeamName::parse("a/b"), Err(TeamNameError::BadChar('/')));
        assert_eq!(TeamName::parse("Ab"), Err(TeamNameError::BadStart));
        assert_eq!(TeamName::parse(&"a".repeat(64)), Err(TeamNameError::TooLong));
    }
}
