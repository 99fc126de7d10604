//! Spreading an amount over parts by weights (a yearly quota to quarters or months by
//! seasonality): every part is rounded to cents, and the parts always add up to the whole —
//! the cents left over by rounding go, one each, to the parts that lost the most to rounding
//! (earlier parts first on a tie), so the result is deterministic and never loses or invents a
//! cent.

use rust_decimal::Decimal;

/// Why a spread was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpreadError {
    /// No weights.
    #[error("give at least one weight")]
    NoWeights,
    /// A weight below zero.
    #[error("weights must be zero or more")]
    NegativeWeight,
    /// All weights zero.
    #[error("at least one weight must be above zero")]
    ZeroTotal,
    /// A negative amount.
    #[error("the amount must be zero or more")]
    NegativeAmount,
}

/// `amount` (rounded to cents) split over `weights`.
pub fn spread(amount: Decimal, weights: &[Decimal]) -> Result<Vec<Decimal>, SpreadError> {
    if weights.is_empty() {
        return Err(SpreadError::NoWeights);
    }
    if weights.iter().any(|w| w.is_sign_negative() && !w.is_zero()) {
        return Err(SpreadError::NegativeWeight);
    }
    if amount.is_sign_negative() && !amount.is_zero() {
        return Err(SpreadError::NegativeAmount);
    }
    let total: Decimal = weights.iter().sum();
    if total.is_zero() {
        return Err(SpreadError::ZeroTotal);
    }
    let cents = (amount.round_dp(2) * Decimal::ONE_HUNDRED).trunc();
    // Exact shares in cents, their floors, and what each lost to flooring.
    let shares: Vec<Decimal> = weights.iter().map(|w| cents * *w / total).collect();
    let mut parts: Vec<Decimal> = shares.iter().map(|s| s.floor()).collect();
    let given: Decimal = parts.iter().sum();
    let mut left = (cents - given).trunc();
    let mut order: Vec<usize> = (0..parts.len()).collect();
    order.sort_by(|a, b| {
        (shares[*b] - parts[*b])
            .cmp(&(shares[*a] - parts[*a]))
            .then(a.cmp(b))
    });
    for i in order.into_iter().cycle() {
        if left <= Decimal::ZERO {
            break;
        }
        if weights[i].is_zero() {
            continue;
        }
        parts[i] += Decimal::ONE;
        left -= Decimal::ONE;
    }
    Ok(parts
        .into_iter()
        .map(|c| c / Decimal::ONE_HUNDRED)
        .map(|d| d.round_dp(2))
        .collect())
}

/// Equal weights for `n` parts.
pub fn even(n: usize) -> Vec<Decimal> {
    vec![Decimal::ONE; n]
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn thirds_put_the_odd_cent_first_and_weights_shape_the_split() {
        assert_eq!(
            spread(d("100"), &even(3)).unwrap(),
            vec![d("33.34"), d("33.33"), d("33.33")]
        );
        assert_eq!(
            spread(d("1000"), &[d("1"), d("3")]).unwrap(),
            vec![d("250"), d("750")]
        );
        assert_eq!(
            spread(d("0.05"), &[d("1"), d("0"), d("1")]).unwrap(),
            vec![d("0.03"), d("0"), d("0.02")]
        );
        assert_eq!(spread(d("10"), &[]), Err(SpreadError::NoWeights));
        assert_eq!(spread(d("10"), &[d("0")]), Err(SpreadError::ZeroTotal));
        assert_eq!(
            spread(d("10"), &[d("-1"), d("2")]),
            Err(SpreadError::NegativeWeight)
        );
        assert_eq!(
            spread(d("-10"), &[d("1")]),
            Err(SpreadError::NegativeAmount)
        );
    }

    proptest! {
        /// The parts always add up to the amount in cents, none is negative, and a part with no
        /// weight gets nothing.
        #[test]
        fn spreading_never_loses_or_invents_a_cent(
            cents in 0i64..10_000_000_000,
            weights in proptest::collection::vec(0u32..1_000, 1..13),
        ) {
            prop_assume!(weights.iter().any(|w| *w > 0));
            let amount = Decimal::new(cents, 2);
            let weights: Vec<Decimal> = weights.into_iter().map(Decimal::from).collect();
            let parts = spread(amount, &weights).unwrap();
            prop_assert_eq!(parts.iter().sum::<Decimal>(), amount);
            for (part, weight) in parts.iter().zip(&weights) {
                prop_assert!(!part.is_sign_negative() || part.is_zero());
                if weight.is_zero() {
                    prop_assert!(part.is_zero());
                }
                prop_assert_eq!(part.round_dp(2), *part);
            }
        }
    }
}
