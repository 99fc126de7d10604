//! An account's identifying text and its amounts.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;

/// Why an identifying text was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FieldError {
    /// Empty once trimmed.
    #[error("must not be empty")]
    Empty,
    /// Too long.
    #[error("must be at most {0} characters")]
    TooLong(usize),
}

fn bounded(raw: &str, max: usize) -> Result<String, FieldError> {
    let text = raw.trim();
    if text.is_empty() {
        Err(FieldError::Empty)
    } else if text.chars().count() > max {
        Err(FieldError::TooLong(max))
    } else {
        Ok(text.to_owned())
    }
}

/// The tenant's own id for an account (e.g. its CRM id): 1-128 characters, trimmed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ExternalId(String);

impl ExternalId {
    /// Validates.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        bounded(raw, 128).map(Self)
    }
    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An account's name: 1-300 characters, trimmed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AccountName(String);

impl AccountName {
    /// Validates.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        bounded(raw, 300).map(Self)
    }
    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Why an amount was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    /// Not a decimal number.
    #[error("'{0}' is not a number")]
    NotANumber(String),
    /// Below zero.
    #[error("must not be negative")]
    Negative,
    /// More than two decimal places.
    #[error("at most 2 decimal places")]
    TooPrecise,
    /// Beyond what is stored.
    #[error("too large")]
    TooLarge,
}

/// A non-negative amount with at most two decimal places (money, hours), kept exact. Stored as
/// an integer count of hundredths, so sums in SQL are exact on every database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Amount(Decimal);

impl Default for Amount {
    fn default() -> Self {
        Self::ZERO
    }
}

/// Largest amount stored: 10^15 hundredths fit an i64 with room for sums of millions of rows.
const MAX_HUNDREDTHS: i64 = 1_000_000_000_000_000;

impl Amount {
    /// Zero.
    pub const ZERO: Amount = Amount(Decimal::from_parts(0, 0, 0, false, 2));

    /// Validates a decimal.
    pub fn new(value: Decimal) -> Result<Self, AmountError> {
        if value.is_sign_negative() && !value.is_zero() {
            return Err(AmountError::Negative);
        }
        let normalized = value.normalize();
        if normalized.scale() > 2 {
            return Err(AmountError::TooPrecise);
        }
        // Always two places, as money is written.
        let mut two_places = normalized;
        two_places.rescale(2);
        let amount = Self(two_places);
        if amount.hundredths().is_none_or(|h| h > MAX_HUNDREDTHS) {
            return Err(AmountError::TooLarge);
        }
        Ok(amount)
    }

    /// Parses text such as `1250000`, `19.99`.
    pub fn parse(raw: &str) -> Result<Self, AmountError> {
        let value =
            Decimal::from_str(raw.trim()).map_err(|_| AmountError::NotANumber(raw.to_owned()))?;
        Self::new(value)
    }

    /// Rebuilds an amount from stored hundredths.
    pub fn from_hundredths(hundredths: i64) -> Self {
        Self(Decimal::new(hundredths, 2))
    }

    /// The amount in hundredths, as stored.
    pub fn hundredths(&self) -> Option<i64> {
        (self.0 * Decimal::ONE_HUNDRED)
            .trunc()
            .to_string()
            .parse()
            .ok()
    }

    /// The decimal value.
    pub fn value(&self) -> Decimal {
        self.0
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifying_text_is_trimmed_and_bounded() {
        assert_eq!(ExternalId::parse("  CRM-1 ").unwrap().as_str(), "CRM-1");
        assert_eq!(ExternalId::parse(""), Err(FieldError::Empty));
        assert_eq!(
            AccountName::parse(&"n".repeat(301)),
            Err(FieldError::TooLong(300))
        );
    }

    #[test]
    fn amounts_are_exact_non_negative_and_stored_as_hundredths() {
        let a = Amount::parse("1250000.50").unwrap();
        assert_eq!(a.hundredths(), Some(125_000_050));
        assert_eq!(Amount::from_hundredths(125_000_050), a);
        assert_eq!(a.to_string(), "1250000.50");
        assert_eq!(Amount::parse("0").unwrap(), Amount::ZERO);
        assert_eq!(Amount::parse("-1"), Err(AmountError::Negative));
        assert_eq!(Amount::parse("1.005"), Err(AmountError::TooPrecise));
        assert_eq!(Amount::parse("1.50000").unwrap().hundredths(), Some(150));
        assert!(matches!(
            Amount::parse("lots"),
            Err(AmountError::NotANumber(_))
        ));
        assert_eq!(
            Amount::parse("100000000000000000"),
            Err(AmountError::TooLarge)
        );
    }
}
