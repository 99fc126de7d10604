//! What a realignment would do to the territories' loads, before anything is applied: per
//! territory before and after (accounts, potential, workload), and for each group of siblings it
//! touches, how far each sibling sits from the group's mean, before and after.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::effect::AccountMove;
use crate::ids::{AccountId, TerritoryId};

/// The accounts in a territory, summed. Amounts are hundredths (exact).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Load {
    /// How many accounts.
    pub accounts: i64,
    /// Their potential, in hundredths.
    pub potential: i64,
    /// Their workload, in hundredths.
    pub workload: i64,
}

impl Load {
    fn add(&mut self, weight: (i64, i64), sign: i64) {
        self.accounts += sign;
        self.potential += sign * weight.0;
        self.workload += sign * weight.1;
    }
}

/// One territory's load before and after.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TerritoryImpact {
    /// The territory.
    pub territory_id: TerritoryId,
    /// Its load now.
    pub before: Load,
    /// Its load once applied.
    pub after: Load,
}

/// The load of every territory a set of moves touches (plus `also`, e.g. territories a change
/// creates or deletes), from their loads now and each moved account's (potential, workload).
pub fn impact(
    before: &HashMap<TerritoryId, Load>,
    moves: &[AccountMove],
    weights: &HashMap<AccountId, (i64, i64)>,
    also: impl IntoIterator<Item = TerritoryId>,
) -> Vec<TerritoryImpact> {
    let mut rows: BTreeMap<TerritoryId, TerritoryImpact> = BTreeMap::new();
    let mut row = |id: TerritoryId| {
        *rows.entry(id).or_insert_with(|| {
            let load = before.get(&id).copied().unwrap_or_default();
            TerritoryImpact {
                territory_id: id,
                before: load,
                after: load,
            }
        })
    };
    let touched: BTreeSet<TerritoryId> = moves
        .iter()
        .flat_map(|m| [m.from, m.to])
        .flatten()
        .map(|a| a.territory_id)
        .chain(also)
        .collect();
    for id in &touched {
        row(*id);
    }
    for m in moves {
        let weight = weights.get(&m.account_id).copied().unwrap_or_default();
        if let Some(from) = m.from.and_then(|f| rows.get_mut(&f.territory_id)) {
            from.after.add(weight, -1);
        }
        if let Some(to) = m.to.and_then(|t| rows.get_mut(&t.territory_id)) {
            to.after.add(weight, 1);
        }
    }
    rows.into_values().collect()
}

/// How spread out a group of values is: each value's deviation from the mean in percent of the
/// mean (0 when the mean is 0), and the coefficient of variation (population standard deviation
/// over mean; 0 for an empty group or a zero mean).
pub fn spread(values: &[f64]) -> (Vec<f64>, f64) {
    if values.is_empty() {
        return (vec![], 0.0);
    }
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    if mean == 0.0 {
        return (vec![0.0; values.len()], 0.0);
    }
    let deviations = values.iter().map(|v| (v - mean) / mean * 100.0).collect();
    let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    (deviations, variance.sqrt() / mean)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assignment::{Assignment, Source};

    fn at(territory_id: TerritoryId) -> Option<Assignment> {
        Some(Assignment {
            territory_id,
            source: Source::Manual,
            rule_id: None,
            pinned: false,
        })
    }

    #[test]
    fn moves_shift_load_from_one_territory_to_another() {
        let (west, east, new) = (TerritoryId::new(), TerritoryId::new(), TerritoryId::new());
        let (a, b) = (AccountId::new(), AccountId::new());
        let before = HashMap::from([
            (
                west,
                Load {
                    accounts: 2,
                    potential: 300,
                    workload: 30,
                },
            ),
            (
                east,
                Load {
                    accounts: 1,
                    potential: 50,
                    workload: 5,
                },
            ),
        ]);
        let weights = HashMap::from([(a, (100, 10)), (b, (200, 20))]);
        let moves = [
            AccountMove {
                account_id: a,
                from: at(west),
                to: at(east),
            },
            AccountMove {
                account_id: b,
                from: at(west),
                to: None,
            },
        ];
        let rows = impact(&before, &moves, &weights, [new]);
        let find = |id| rows.iter().find(|r| r.territory_id == id).copied().unwrap();
        assert_eq!(find(west).after, Load::default());
        assert_eq!(
            find(east).after,
            Load {
                accounts: 2,
                potential: 150,
                workload: 15
            }
        );
        assert_eq!(find(new).before, find(new).after);
        assert_eq!(rows.len(), 3);
    }

    #[test]
    fn spread_gives_percent_deviations_and_the_coefficient_of_variation() {
        let (deviations, cv) = spread(&[50.0, 150.0]);
        assert_eq!(deviations, vec![-50.0, 50.0]);
        assert!((cv - 0.5).abs() < 1e-12);
        assert_eq!(spread(&[0.0, 0.0]), (vec![0.0, 0.0], 0.0));
        assert_eq!(spread(&[]), (vec![], 0.0));
    }
}
