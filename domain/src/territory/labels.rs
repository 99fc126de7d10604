//! A territory's name and code.

use std::fmt;

/// Longest territory name.
const MAX_NAME_CHARS: usize = 200;
/// Longest territory code.
const MAX_CODE_CHARS: usize = 32;

/// Why a name or code was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LabelError {
    /// Empty once trimmed.
    #[error("must not be empty")]
    Empty,
    /// Longer than allowed.
    #[error("must be at most {0} characters")]
    TooLong(usize),
    /// A code with characters outside `A-Z 0-9 - _ .`.
    #[error("may contain only letters, digits, '-', '_' and '.'")]
    BadCharacters,
}

/// A territory's display name: non-empty, at most 200 characters, trimmed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TerritoryName(String);

impl TerritoryName {
    /// Trims and validates.
    pub fn parse(raw: &str) -> Result<Self, LabelError> {
        let name = raw.trim();
        if name.is_empty() {
            Err(LabelError::Empty)
        } else if name.chars().count() > MAX_NAME_CHARS {
            Err(LabelError::TooLong(MAX_NAME_CHARS))
        } else {
            Ok(Self(name.to_owned()))
        }
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TerritoryName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A territory's code, e.g. `EMEA-DE-SOUTH`: upper-cased so `de` and `DE` cannot coexist.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TerritoryCode(String);

impl TerritoryCode {
    /// Trims, upper-cases and validates.
    pub fn parse(raw: &str) -> Result<Self, LabelError> {
        let code = raw.trim().to_uppercase();
        if code.is_empty() {
            Err(LabelError::Empty)
        } else if code.chars().count() > MAX_CODE_CHARS {
            Err(LabelError::TooLong(MAX_CODE_CHARS))
        } else if !code
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.'))
        {
            Err(LabelError::BadCharacters)
        } else {
            Ok(Self(code))
        }
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TerritoryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(TerritoryName::parse("  West ").unwrap().as_str(), "West");
        assert_eq!(TerritoryName::parse(" "), Err(LabelError::Empty));
        assert_eq!(
            TerritoryName::parse(&"n".repeat(201)),
            Err(LabelError::TooLong(200))
        );
    }

    #[test]
    fn codes_are_upper_cased_and_restricted() {
        assert_eq!(
            TerritoryCode::parse(" us-west.1 ").unwrap().as_str(),
            "US-WEST.1"
        );
        assert_eq!(TerritoryCode::parse(""), Err(LabelError::Empty));
        assert_eq!(
            TerritoryCode::parse("US WEST"),
            Err(LabelError::BadCharacters)
        );
        assert_eq!(TerritoryCode::parse("ÜBER"), Err(LabelError::BadCharacters));
        assert_eq!(
            TerritoryCode::parse(&"C".repeat(33)),
            Err(LabelError::TooLong(32))
        );
    }
}
