//! Spreading a quota over a period's parts, and rolling sums up a territory tree.

use std::collections::HashMap;

use rust_decimal::Decimal;

use super::calendar::{Period, PeriodKind};
use super::spread::{SpreadError, spread};
use crate::ids::TerritoryId;
use crate::territory::Hierarchy;

/// Why a quota could not be spread over a period.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpreadPlanError {
    /// The weights do not fit the period's parts.
    #[error(
        "give 4 weights (quarters) or 12 (months) for a year, 3 (months) for a quarter; a month has no parts"
    )]
    WeightCount,
    /// The spread itself was refused.
    #[error(transparent)]
    Spread(#[from] SpreadError),
}

/// The quotas that spreading `amount` over `period` by `weights` sets: the period itself and
/// each part; a year spread over 12 months also gets its quarters, as sums of their months, so
/// every level adds up to the level above to the cent.
pub fn spread_over(
    period: Period,
    amount: Decimal,
    weights: &[Decimal],
) -> Result<Vec<(Period, Decimal)>, SpreadPlanError> {
    let quarters = period.children();
    let parts: Vec<Period> = match (period.kind, weights.len()) {
        (PeriodKind::Year, 4) | (PeriodKind::Quarter(_), 3) => quarters.clone(),
        (PeriodKind::Year, 12) => quarters.iter().flat_map(Period::children).collect(),
        _ => return Err(SpreadPlanError::WeightCount),
    };
    let amounts = spread(amount, weights)?;
    let total: Decimal = amounts.iter().sum();
    let mut out = vec![(period, total)];
    if parts.len() == 12 {
        for (q, quarter) in quarters.iter().enumerate() {
            out.push((*quarter, amounts[q * 3..q * 3 + 3].iter().sum()));
        }
    }
    out.extend(parts.into_iter().zip(amounts));
    Ok(out)
}

/// Sums per territory rolled up the tree: each territory gets its own value plus every
/// descendant's. Territories the hierarchy does not know keep only their own.
pub fn roll_up(
    hierarchy: &Hierarchy,
    direct: &HashMap<TerritoryId, i64>,
) -> HashMap<TerritoryId, i64> {
    let mut out: HashMap<TerritoryId, i64> = HashMap::with_capacity(direct.len());
    for (territory, value) in direct {
        *out.entry(*territory).or_default() += value;
        if hierarchy.contains(*territory) {
            for ancestor in hierarchy.ancestors(*territory) {
                *out.entry(ancestor).or_default() += value;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Period {
        Period::parse(s).unwrap()
    }

    #[test]
    fn a_year_over_twelve_months_gets_quarters_that_add_up() {
        let amount = Decimal::new(100_000_001, 2); // 1,000,000.01
        let plan = spread_over(p("FY2027"), amount, &[Decimal::ONE; 12]).unwrap();
        assert_eq!(plan.len(), 1 + 4 + 12);
        assert_eq!(plan[0], (p("FY2027"), amount));
        let quarters: Decimal = plan[1..5].iter().map(|(_, a)| a).sum();
        let months: Decimal = plan[5..].iter().map(|(_, a)| a).sum();
        assert_eq!((quarters, months), (amount, amount));
        assert_eq!(plan[5].0, p("FY2027-M01"));
        for q in 0..4 {
            let of_quarter: Decimal = plan[5 + q * 3..8 + q * 3].iter().map(|(_, a)| a).sum();
            assert_eq!(of_quarter, plan[1 + q].1);
        }
    }

    #[test]
    fn weights_must_fit_the_period() {
        assert_eq!(
            spread_over(p("FY2027-Q1"), Decimal::ONE, &[Decimal::ONE; 4]),
            Err(SpreadPlanError::WeightCount)
        );
        assert_eq!(
            spread_over(p("FY2027-M01"), Decimal::ONE, &[Decimal::ONE]),
            Err(SpreadPlanError::WeightCount)
        );
        let q = spread_over(p("FY2027-Q2"), Decimal::from(90), &[Decimal::ONE; 3]).unwrap();
        assert_eq!(q[1], (p("FY2027-M04"), Decimal::from(30)));
    }

    #[test]
    fn sums_roll_up_to_every_ancestor() {
        let (root, mid, leaf, other) = (
            TerritoryId::new(),
            TerritoryId::new(),
            TerritoryId::new(),
            TerritoryId::new(),
        );
        let h = Hierarchy::from_pairs([
            (root, None),
            (mid, Some(root)),
            (leaf, Some(mid)),
            (other, Some(root)),
        ]);
        let direct = HashMap::from([(leaf, 5), (mid, 1), (other, 10)]);
        let up = roll_up(&h, &direct);
        assert_eq!((up[&root], up[&mid], up[&leaf], up[&other]), (16, 6, 5, 10));
    }
}
