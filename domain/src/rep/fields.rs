//! A rep's own fields: name, capacity (workload hours per period) and skills, and the role a
//! rep holds on a territory.

use std::collections::BTreeSet;

/// Why a rep's field was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RepError {
    /// Name empty once trimmed.
    #[error("the name must not be empty")]
    EmptyName,
    /// Name too long.
    #[error("the name must be at most {0} characters")]
    NameTooLong(usize),
    /// Capacity negative, not finite or absurd.
    #[error("capacity must be a number of hours from 0 to {max}, not {0}", max = Capacity::MAX)]
    Capacity(f64),
    /// Too many skills, or one empty or too long.
    #[error("skills: at most {max} of 1-{len} characters each", max = Skills::MAX_COUNT, len = Skills::MAX_LEN)]
    Skills,
    /// Not OWNER or OVERLAY.
    #[error("role must be OWNER or OVERLAY, not '{0}'")]
    Role(String),
}

/// A rep's display name: 1-200 characters, trimmed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RepName(String);

impl RepName {
    const MAX: usize = 200;

    /// Validates.
    pub fn parse(raw: &str) -> Result<Self, RepError> {
        let text = raw.trim();
        if text.is_empty() {
            Err(RepError::EmptyName)
        } else if text.chars().count() > Self::MAX {
            Err(RepError::NameTooLong(Self::MAX))
        } else {
            Ok(Self(text.to_owned()))
        }
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// How many workload hours a rep can carry per period.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct Capacity(f64);

impl Capacity {
    /// More than any human can work in a year (8,760 hours), so a typo is caught.
    pub const MAX: f64 = 10_000.0;

    /// Validates.
    pub fn new(hours: f64) -> Result<Self, RepError> {
        if hours.is_finite() && (0.0..=Self::MAX).contains(&hours) {
            Ok(Self(hours))
        } else {
            Err(RepError::Capacity(hours))
        }
    }

    /// Hours.
    pub fn hours(&self) -> f64 {
        self.0
    }
}

/// The industries and segments a rep knows: trimmed, compared case-insensitively, kept sorted
/// and without duplicates.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Skills(BTreeSet<String>);

impl Skills {
    /// At most this many skills.
    pub const MAX_COUNT: usize = 50;
    /// Each at most this long.
    pub const MAX_LEN: usize = 100;

    /// Validates.
    pub fn new<S: AsRef<str>>(raw: impl IntoIterator<Item = S>) -> Result<Self, RepError> {
        let mut set = BTreeSet::new();
        for skill in raw {
            let text = skill.as_ref().trim();
            if text.is_empty() || text.chars().count() > Self::MAX_LEN {
                return Err(RepError::Skills);
            }
            set.insert(text.to_lowercase());
        }
        if set.len() > Self::MAX_COUNT {
            return Err(RepError::Skills);
        }
        Ok(Self(set))
    }

    /// Whether the rep knows `value` (an account's industry or segment).
    pub fn knows(&self, value: &str) -> bool {
        self.0.contains(&value.trim().to_lowercase())
    }

    /// The skills, sorted.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }
}

/// The role a rep holds on a territory: one OWNER at most, any number of OVERLAYs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MemberRole {
    /// Carries the territory (its quota and its accounts).
    Owner,
    /// Helps on it (a specialist, a partner manager).
    Overlay,
}

impl MemberRole {
    /// The stored and wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Owner => "OWNER",
            Self::Overlay => "OVERLAY",
        }
    }

    /// Parses the stored or wire spelling.
    pub fn parse(raw: &str) -> Result<Self, RepError> {
        match raw {
            "OWNER" => Ok(Self::Owner),
            "OVERLAY" => Ok(Self::Overlay),
            other => Err(RepError::Role(other.to_owned())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(RepName::parse("  Ada ").map(|n| n.0), Ok("Ada".into()));
        assert_eq!(RepName::parse("   "), Err(RepError::EmptyName));
        assert_eq!(
            RepName::parse(&"x".repeat(201)),
            Err(RepError::NameTooLong(200))
        );
    }

    #[test]
    fn capacity_must_be_a_sane_number_of_hours() {
        assert!(Capacity::new(160.0).is_ok());
        assert!(Capacity::new(0.0).is_ok());
        for bad in [-1.0, f64::NAN, f64::INFINITY, 10_001.0] {
            assert!(Capacity::new(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn skills_are_case_insensitive_and_deduplicated() {
        let skills = Skills::new(["Retail", "retail ", "SMB"]).expect("valid");
        assert_eq!(skills.iter().collect::<Vec<_>>(), vec!["retail", "smb"]);
        assert!(skills.knows("RETAIL"));
        assert!(!skills.knows("banking"));
        assert_eq!(Skills::new([""]), Err(RepError::Skills));
        let many: Vec<String> = (0..51).map(|i| format!("s{i}")).collect();
        assert_eq!(Skills::new(many), Err(RepError::Skills));
    }

    #[test]
    fn roles_round_trip() {
        for role in [MemberRole::Owner, MemberRole::Overlay] {
            assert_eq!(MemberRole::parse(role.as_str()), Ok(role));
        }
        assert!(MemberRole::parse("owner").is_err());
    }
}
