//! An account's place: which territory, and why it is there.

use crate::ids::{RuleId, TerritoryId};

use super::engine::Decision;

/// How an account came to its territory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Source {
    /// Placed (and pinned) by hand.
    Manual,
    /// Placed by an assignment rule.
    Rule,
    /// Placed by the territory boundary that covers its location.
    Geography,
}

impl Source {
    /// The stored and wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Manual => "MANUAL",
            Source::Rule => "RULE",
            Source::Geography => "GEOGRAPHY",
        }
    }

    /// Parses the stored spelling.
    pub fn parse(s: &str) -> Option<Self> {
        [Source::Manual, Source::Rule, Source::Geography]
            .into_iter()
            .find(|v| v.as_str() == s)
    }
}

/// An account's current assignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Assignment {
    /// The territory.
    pub territory_id: TerritoryId,
    /// Why.
    pub source: Source,
    /// The deciding rule, when `source` is `Rule`.
    pub rule_id: Option<RuleId>,
    /// Pinned accounts stay put when rules or boundaries change.
    pub pinned: bool,
}

impl Decision {
    /// The assignment this decision gives, if any (a manual decision is pinned).
    pub fn into_assignment(self) -> Option<Assignment> {
        match self {
            Decision::Manual(territory_id) => Some(Assignment {
                territory_id,
                source: Source::Manual,
                rule_id: None,
                pinned: true,
            }),
            Decision::Rule { rule, territory } => Some(Assignment {
                territory_id: territory,
                source: Source::Rule,
                rule_id: Some(rule),
                pinned: false,
            }),
            Decision::Geography(territory_id) => Some(Assignment {
                territory_id,
                source: Source::Geography,
                rule_id: None,
                pinned: false,
            }),
            Decision::Unassigned => None,
        }
    }

    /// Where an account now at `from` should be: a pinned account stays exactly where it is,
    /// any other goes where this decision says.
    pub fn next_for(self, from: Option<Assignment>) -> Option<Assignment> {
        if from.is_some_and(|a| a.pinned) {
            from
        } else {
            self.into_assignment()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pinned_accounts_stay_and_others_follow_the_decision() {
        let here = TerritoryId::new();
        let there = TerritoryId::new();
        let pinned = Assignment {
            territory_id: here,
            source: Source::Manual,
            rule_id: None,
            pinned: true,
        };
        let loose = Assignment {
            pinned: false,
            ..pinned
        };
        assert_eq!(
            Decision::Geography(there).next_for(Some(pinned)),
            Some(pinned)
        );
        assert_eq!(
            Decision::Geography(there)
                .next_for(Some(loose))
                .map(|a| a.territory_id),
            Some(there)
        );
        assert_eq!(Decision::Unassigned.next_for(Some(loose)), None);
        assert_eq!(
            Decision::Manual(there).into_assignment().map(|a| a.pinned),
            Some(true)
        );
    }
}
