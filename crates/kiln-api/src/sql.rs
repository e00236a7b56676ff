//! SQLite columns of the contract's identifiers and states (the `rusqlite` feature, which
//! kiln-server turns on and the wasm console never does). A stored RID, team name or state is
//! checked as it is read, so a row maps to typed fields in one step: `row.get::<_, Rid>(0)?`.
//! The impls live here because Rust's orphan rule allows them only beside the type or the
//! trait; newtypes in the server would wrap and unwrap every column instead.

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};

use crate::build2::{BuildStatus, JobStatus};
use crate::teams::{TeamBuildState, UnknownValue};
use crate::{Rid, TeamName};

impl ToSql for Rid {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.as_str()))
    }
}

impl FromSql for Rid {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        Rid::parse(value.as_str()?).map_err(|e| FromSqlError::Other(Box::new(e)))
    }
}

impl ToSql for TeamName {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.as_str()))
    }
}

impl FromSql for TeamName {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        TeamName::parse(value.as_str()?).map_err(|e| FromSqlError::Other(Box::new(e)))
    }
}

/// A state stored as its wire word (`RUNNING`, `DID_NOT_RUN`, `complete`, …).
macro_rules! sql_word {
    ($($state:ty),*) => {$(
        impl ToSql for $state {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                Ok(ToSqlOutput::from(self.as_str()))
            }
        }

        impl FromSql for $state {
            fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
                let word = value.as_str()?;
                <$state>::ALL
                    .into_iter()
                    .find(|s| s.as_str() == word)
                    .ok_or_else(|| FromSqlError::Other(Box::new(UnknownValue(word.to_owned()))))
            }
        }
    )*};
}

sql_word!(BuildStatus, JobStatus, TeamBuildState);

#[cfg(test)]
mod tests {
    use rusqlite::Connection;

    use super::*;

    fn round_trip<T: ToSql + FromSql>(value: &T) -> rusqlite::Result<T> {
        let conn = Connection::open_in_memory()?;
        conn.query_row("SELECT ?1", [value], |r| r.get(0))
    }

    fn read<T: FromSql>(text: &str) -> rusqlite::Result<T> {
        Connection::open_in_memory()?.query_row("SELECT ?1", [text], |r| r.get(0))
    }

    #[test]
    fn every_state_and_identifier_reads_back_as_written() {
        for s in BuildStatus::ALL {
            assert_eq!(round_trip(&s).ok(), Some(s));
        }
        for s in JobStatus::ALL {
            assert_eq!(round_trip(&s).ok(), Some(s));
        }
        for s in TeamBuildState::ALL {
            assert_eq!(round_trip(&s).ok(), Some(s));
        }
        let rid = Rid::parse("ri.foundry.main.build.b1").expect("a RID");
        assert_eq!(round_trip(&rid).ok(), Some(rid));
        let team = TeamName::parse("data-eng").expect("a team");
        assert_eq!(round_trip(&team).ok(), Some(team));
    }

    #[test]
    fn a_bad_stored_value_is_an_error_not_a_guess() {
        assert!(read::<Rid>("not a rid").is_err());
        assert!(read::<TeamName>("../etc").is_err());
        assert!(read::<JobStatus>("running").is_err(), "states are case-sensitive wire words");
        assert!(read::<TeamBuildState>("COMPLETE").is_err());
        assert!(
            Connection::open_in_memory()
                .and_then(|c| c.query_row("SELECT 42", [], |r| r.get::<_, BuildStatus>(0)))
                .is_err()
        );
    }
}
