//! How a territory is doing against its quota: attainment (actual over quota), the pace it
//! should keep (the share of the period elapsed), and whether it trails that pace by more than
//! the tenant's threshold; and ranks among siblings.

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

/// One territory's standing in a period.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Standing {
    /// Actual over quota, as a fraction (1.0 = 100 %); `None` without a quota above zero.
    pub attainment: Option<f64>,
    /// The share of the period elapsed (0..=1).
    pub pace: f64,
    /// Attainment trails pace by more than the threshold.
    pub underperforming: bool,
}

/// The standing of `actual` against `quota` when `pace` of the period has elapsed; trailing
/// by more than `threshold` (a fraction, e.g. 0.1 for ten points) is underperforming.
pub fn standing(quota: Decimal, actual: Decimal, pace: f64, threshold: f64) -> Standing {
    let attainment = (quota > Decimal::ZERO)
        .then(|| (actual / quota).to_f64())
        .flatten();
    Standing {
        attainment,
        pace,
        underperforming: attainment.is_some_and(|a| a < pace - threshold),
    }
}

/// 1-based ranks by attainment, best first; equal attainments share a rank, and territories
/// without a quota come last.
pub fn ranks(attainments: &[Option<f64>]) -> Vec<usize> {
    attainments
        .iter()
        .map(|a| match a {
            None => attainments.iter().filter(|b| b.is_some()).count() + 1,
            Some(a) => {
                1 + attainments
                    .iter()
                    .filter(|b| b.is_some_and(|b| b > *a))
                    .count()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailing_the_pace_by_more_than_the_threshold_is_underperforming() {
        let q = Decimal::from(1_000);
        let halfway = 0.5;
        assert!(!standing(q, Decimal::from(450), halfway, 0.1).underperforming);
        assert!(standing(q, Decimal::from(350), halfway, 0.1).underperforming);
        assert_eq!(
            standing(q, Decimal::from(350), halfway, 0.1).attainment,
            Some(0.35)
        );
        let no_quota = standing(Decimal::ZERO, Decimal::from(5), halfway, 0.1);
        assert_eq!(
            (no_quota.attainment, no_quota.underperforming),
            (None, false)
        );
    }

    #[test]
    fn ranks_share_ties_and_put_territories_without_quota_last() {
        assert_eq!(
            ranks(&[Some(0.5), Some(0.9), None, Some(0.9)]),
            vec![3, 1, 4, 1]
        );
        assert_eq!(ranks(&[]), Vec::<usize>::new());
    }
}
