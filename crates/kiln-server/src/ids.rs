//! Fresh identifiers for what the engine creates. Submission, scheduling and the runner
//! all mint RIDs; keeping the one function here means none of them imports another for it.

use kiln_api::Rid;

/// What a fresh RID names; its word is the RID's type part (`ri.foundry.main.<type>.<uuid>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RidKind {
    Build,
    BuildGroup,
    Job,
    Transaction,
}

impl RidKind {
    fn word(self) -> &'static str {
        match self {
            RidKind::Build => "build",
            RidKind::BuildGroup => "buildgroup",
            RidKind::Job => "job",
            RidKind::Transaction => "transaction",
        }
    }
}

/// A new random (UUID v4) RID of this kind.
pub fn new_rid(kind: RidKind) -> Rid {
    Rid::foundry(kind.word(), &uuid::Uuid::new_v4().to_string())
        .expect("a lowercase word and a UUID always make a valid RID")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_makes_a_valid_distinct_rid() {
        for kind in [RidKind::Build, RidKind::BuildGroup, RidKind::Job, RidKind::Transaction] {
            let a = new_rid(kind);
            assert_eq!(a.as_str().split('.').nth(3), Some(kind.word()));
            assert_ne!(a, new_rid(kind));
        }
    }
}
