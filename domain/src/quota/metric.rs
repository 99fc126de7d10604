//! What a quota counts, and the key a quota is stored under.

use super::calendar::Period;
use crate::ids::TerritoryId;

/// What a quota or an actual counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Metric {
    /// Money booked.
    Revenue,
    /// Units sold.
    Units,
}

impl Metric {
    /// The stored and wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Revenue => "REVENUE",
            Self::Units => "UNITS",
        }
    }

    /// Parses the stored or wire spelling.
    pub fn parse(raw: &str) -> Option<Self> {
        [Self::Revenue, Self::Units]
            .into_iter()
            .find(|m| m.as_str() == raw)
    }
}

/// Which quota: one territory, one period, one metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct QuotaKey {
    /// The territory carrying it.
    pub territory_id: TerritoryId,
    /// The fiscal period.
    pub period: Period,
    /// What it counts.
    pub metric: Metric,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_round_trip() {
        for m in [Metric::Revenue, Metric::Units] {
            assert_eq!(Metric::parse(m.as_str()), Some(m));
        }
        assert_eq!(Metric::parse("revenue"), None);
    }
}
