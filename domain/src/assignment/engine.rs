//! The engine: one decision per account, by precedence — a manual pin, then the first rule (by
//! priority, then id) whose criteria all match, then geography, else unassigned.

use rayon::prelude::*;

use super::criteria::Criterion;
use super::facts::AccountFacts;
use super::geography::GeoIndex;
use crate::ids::{RuleId, TerritoryId};

/// An assignment rule: accounts matching every criterion go to `territory_id`.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// Its id.
    pub id: RuleId,
    /// Where matching accounts go.
    pub territory_id: TerritoryId,
    /// Lower numbers are tried first.
    pub priority: i32,
    /// All must match (an empty list matches every account).
    pub criteria: Vec<Criterion>,
}

/// Where an account goes, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Pinned by hand.
    Manual(TerritoryId),
    /// The first matching rule.
    Rule {
        /// The rule that decided.
        rule: RuleId,
        /// Its territory.
        territory: TerritoryId,
    },
    /// The deepest territory whose boundary covers the location.
    Geography(TerritoryId),
    /// Nothing applies.
    Unassigned,
}

impl Decision {
    /// The territory, if any.
    pub fn territory(&self) -> Option<TerritoryId> {
        match *self {
            Decision::Manual(t) | Decision::Geography(t) | Decision::Rule { territory: t, .. } => {
                Some(t)
            }
            Decision::Unassigned => None,
        }
    }
}

/// Rules in evaluation order plus the geography index: everything needed to decide.
#[derive(Debug, Clone)]
pub struct Engine<'a> {
    rules: Vec<&'a Rule>,
    geography: &'a GeoIndex,
}

impl<'a> Engine<'a> {
    /// Orders `rules` by priority, then id, so evaluation is deterministic.
    pub fn new(rules: &'a [Rule], geography: &'a GeoIndex) -> Self {
        let mut rules: Vec<&Rule> = rules.iter().collect();
        rules.sort_by_key(|r| (r.priority, r.id));
        Self { rules, geography }
    }

    fn before_geography(&self, account: &AccountFacts) -> Option<Decision> {
        if let Some(t) = account.pinned_to {
            return Some(Decision::Manual(t));
        }
        self.rules
            .iter()
            .find(|rule| rule.criteria.iter().all(|c| c.matches(account)))
            .map(|rule| Decision::Rule {
                rule: rule.id,
                territory: rule.territory_id,
            })
    }

    /// Decides one account.
    pub fn decide(&self, account: &AccountFacts) -> Decision {
        self.before_geography(account).unwrap_or_else(|| {
            account
                .location
                .and_then(|[lon, lat]| self.geography.locate(lon, lat))
                .map_or(Decision::Unassigned, Decision::Geography)
        })
    }

    /// Decides many accounts on all cores; the geography step runs as one batch.
    pub fn decide_all(&self, accounts: &[AccountFacts]) -> Vec<Decision> {
        let mut decisions: Vec<Option<Decision>> = accounts
            .par_iter()
            .map(|a| self.before_geography(a))
            .collect();
        let pending: Vec<(usize, [f64; 2])> = decisions
            .iter()
            .enumerate()
            .filter(|(_, d)| d.is_none())
            .filter_map(|(i, _)| accounts[i].location.map(|p| (i, p)))
            .collect();
        let located = self
            .geography
            .locate_all(&pending.iter().map(|(_, p)| *p).collect::<Vec<_>>());
        for ((i, _), territory) in pending.into_iter().zip(located) {
            decisions[i] = territory.map(Decision::Geography);
        }
        decisions
            .into_iter()
            .map(|d| d.unwrap_or(Decision::Unassigned))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assignment::criteria::Operator;
    use crate::territory::Boundary;
    use rust_decimal::Decimal;
    use serde_json::json;

    fn account(segment: &str, location: Option<[f64; 2]>) -> AccountFacts {
        AccountFacts {
            external_id: "X".into(),
            name: "X".into(),
            industry: None,
            segment: Some(segment.into()),
            potential: Decimal::ZERO,
            workload: Decimal::ZERO,
            attributes: Default::default(),
            location,
            pinned_to: None,
        }
    }

    #[test]
    fn precedence_is_pin_then_rule_then_geography() {
        let west = TerritoryId::new();
        let strategic = TerritoryId::new();
        let pinned = TerritoryId::new();
        let boundary = Boundary::rectangle(0.0, 0.0, 10.0, 10.0).unwrap();
        let geo = GeoIndex::build([(west, 1, &boundary)]);
        let low = Rule {
            id: RuleId::new(),
            territory_id: TerritoryId::new(),
            priority: 20,
            criteria: vec![],
        };
        let enterprise = Rule {
            id: RuleId::new(),
            territory_id: strategic,
            priority: 10,
            criteria: vec![Criterion::parse("segment", Operator::Eq, json!("ENTERPRISE")).unwrap()],
        };
        let rules = [low.clone(), enterprise.clone()];
        let engine = Engine::new(&rules, &geo);

        let mut pinned_account = account("ENTERPRISE", Some([5.0, 5.0]));
        pinned_account.pinned_to = Some(pinned);
        assert_eq!(engine.decide(&pinned_account), Decision::Manual(pinned));
        assert_eq!(
            engine.decide(&account("ENTERPRISE", Some([5.0, 5.0]))),
            Decision::Rule {
                rule: enterprise.id,
                territory: strategic
            }
        );
        // The catch-all rule (priority 20) beats geography too.
        assert_eq!(
            engine.decide(&account("SMB", Some([5.0, 5.0]))).territory(),
            Some(low.territory_id)
        );

        let geo_only = Engine::new(&[], &geo);
        assert_eq!(
            geo_only.decide(&account("SMB", Some([5.0, 5.0]))),
            Decision::Geography(west)
        );
        assert_eq!(
            geo_only.decide(&account("SMB", Some([50.0, 5.0]))),
            Decision::Unassigned
        );
        assert_eq!(geo_only.decide(&account("SMB", None)), Decision::Unassigned);
    }

    #[test]
    fn batches_agree_with_single_decisions() {
        let west = TerritoryId::new();
        let boundary = Boundary::rectangle(0.0, 0.0, 10.0, 10.0).unwrap();
        let geo = GeoIndex::build([(west, 1, &boundary)]);
        let rule = Rule {
            id: RuleId::new(),
            territory_id: TerritoryId::new(),
            priority: 1,
            criteria: vec![Criterion::parse("segment", Operator::Eq, json!("ENTERPRISE")).unwrap()],
        };
        let rules = [rule];
        let engine = Engine::new(&rules, &geo);
        let accounts: Vec<_> = (0..3_000)
            .map(|i| {
                let segment = if i % 7 == 0 { "ENTERPRISE" } else { "SMB" };
                let location =
                    (i % 5 != 0).then_some([(i % 23) as f64 - 3.0, (i % 19) as f64 - 3.0]);
                account(segment, location)
            })
            .collect();
        let one_by_one: Vec<_> = accounts.iter().map(|a| engine.decide(a)).collect();
        assert_eq!(engine.decide_all(&accounts), one_by_one);
    }
}
