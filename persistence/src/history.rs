//! "As of" questions answered from the history tables: where an account was on a date and every
//! interval it spent anywhere; how a territory (or the whole tree) looked on a date. Each is an
//! index lookup on (tenant, entity, valid_from), never a scan of the log.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use terrane_domain::assignment::Source;
use terrane_domain::ids::{AccountId, RealignmentId, RuleId, TerritoryId};
use terrane_domain::territory::{Boundary, Territory, TerritoryCode, TerritoryName};

use crate::entity::{assignment_history, territory_history};
use crate::error::StoreError;
use crate::scope::TenantScope;

/// One interval an account spent in a territory.
#[derive(Debug, Clone, PartialEq)]
pub struct AssignmentInterval {
    /// The account.
    pub account_id: AccountId,
    /// The territory.
    pub territory_id: TerritoryId,
    /// Why it was there.
    pub source: Source,
    /// The deciding rule, for RULE.
    pub rule_id: Option<RuleId>,
    /// Whether it was pinned.
    pub pinned: bool,
    /// From (inclusive).
    pub from: DateTime<Utc>,
    /// To (exclusive); `None` while current.
    pub to: Option<DateTime<Utc>>,
    /// The realignment that put it there.
    pub realignment_id: RealignmentId,
    /// The realignment that moved it away.
    pub ended_by: Option<RealignmentId>,
    /// The territory as it was when the interval began (when history has it).
    pub territory: Option<TerritorySnapshot>,
}

/// A territory as it was during an interval.
#[derive(Debug, Clone, PartialEq)]
pub struct TerritorySnapshot {
    /// The territory's state then.
    pub territory: Territory,
    /// From (inclusive).
    pub valid_from: DateTime<Utc>,
    /// To (exclusive); `None` while current.
    pub valid_to: Option<DateTime<Utc>>,
    /// The realignment that made this state (`None` for states older than history).
    pub realignment_id: Option<RealignmentId>,
}

pub(crate) fn territory_of(m: &territory_history::Model) -> Result<Territory, StoreError> {
    let bad = |what: &str| StoreError::corrupt(format!("territory history {} {what}", m.id));
    Ok(Territory {
        id: TerritoryId::from_uuid(m.territory_id),
        parent_id: m.parent_id.map(TerritoryId::from_uuid),
        name: TerritoryName::parse(&m.name).map_err(|_| bad("name"))?,
        code: TerritoryCode::parse(&m.code).map_err(|_| bad("code"))?,
        boundary: m
            .boundary
            .as_deref()
            .map(Boundary::from_stored)
            .transpose()
            .map_err(|_| bad("boundary"))?,
        version: m.version,
    })
}

fn snapshot(m: territory_history::Model) -> Result<TerritorySnapshot, StoreError> {
    Ok(TerritorySnapshot {
        territory: territory_of(&m)?,
        valid_from: m.valid_from,
        valid_to: m.valid_to,
        realignment_id: m.realignment_id.map(RealignmentId::from_uuid),
    })
}

fn interval(m: assignment_history::Model) -> Result<AssignmentInterval, StoreError> {
    Ok(AssignmentInterval {
        account_id: AccountId::from_uuid(m.account_id),
        territory_id: TerritoryId::from_uuid(m.territory_id),
        source: Source::parse(&m.source)
            .ok_or_else(|| StoreError::corrupt(format!("history source {}", m.source)))?,
        rule_id: m.rule_id.map(RuleId::from_uuid),
        pinned: m.pinned,
        from: m.valid_from,
        to: m.valid_to,
        realignment_id: RealignmentId::from_uuid(m.realignment_id),
        ended_by: m.ended_by_realignment_id.map(RealignmentId::from_uuid),
        territory: None,
    })
}

/// `valid_from <= at < valid_to` (an open interval has no end).
fn live_at<C: ColumnTrait>(from: C, to: C, at: DateTime<Utc>) -> Condition {
    Condition::all()
        .add(from.lte(at))
        .add(Condition::any().add(to.is_null()).add(to.gt(at)))
}

impl TenantScope<'_> {
    /// Where `account` was at `at` (`None`: unassigned then, or unknown).
    pub async fn account_territory_at(
        &self,
        account: AccountId,
        at: DateTime<Utc>,
    ) -> Result<Option<AssignmentInterval>, StoreError> {
        let db = self.conn().await?;
        use assignment_history::Column;
        let found = assignment_history::Entity::find()
            .filter(Column::TenantId.eq(self.tid()))
            .filter(Column::AccountId.eq(account.as_uuid()))
            .filter(live_at(Column::ValidFrom, Column::ValidTo, at))
            .order_by_desc(Column::ValidFrom)
            .one(&db)
            .await?;
        drop(db); // `territory_at` takes its own connection; never hold two at once
        let Some(found) = found.map(interval).transpose()? else {
            return Ok(None);
        };
        let territory = self.territory_at(found.territory_id, at).await?;
        Ok(Some(AssignmentInterval { territory, ..found }))
    }

    /// Every interval `account` spent in a territory, oldest first, each with the territory as it
    /// was when the interval began.
    pub async fn account_history(
        &self,
        account: AccountId,
    ) -> Result<Vec<AssignmentInterval>, StoreError> {
        let db = self.conn().await?;
        use assignment_history::Column;
        let intervals: Vec<AssignmentInterval> = assignment_history::Entity::find()
            .filter(Column::TenantId.eq(self.tid()))
            .filter(Column::AccountId.eq(account.as_uuid()))
            // Zero-length intervals are steps inside one realignment, never a real state.
            .order_by_asc(Column::ValidFrom)
            .order_by_asc(Column::Id)
            .all(&db)
            .await?
            .into_iter()
            .filter(|m| m.valid_to != Some(m.valid_from))
            .map(interval)
            .collect::<Result<_, _>>()?;
        let territories: std::collections::BTreeSet<_> =
            intervals.iter().map(|i| i.territory_id.as_uuid()).collect();
        let mut states: HashMap<TerritoryId, Vec<TerritorySnapshot>> = HashMap::new();
        for row in territory_history::Entity::find()
            .filter(territory_history::Column::TenantId.eq(self.tid()))
            .filter(territory_history::Column::TerritoryId.is_in(territories))
            .order_by_asc(territory_history::Column::ValidFrom)
            .all(&db)
            .await?
        {
            let s = snapshot(row)?;
            states.entry(s.territory.id).or_default().push(s);
        }
        Ok(intervals
            .into_iter()
            .map(|i| {
                let territory = states.get(&i.territory_id).and_then(|list| {
                    list.iter()
                        .rev()
                        .find(|s| s.valid_from <= i.from && s.valid_to.is_none_or(|to| to > i.from))
                        .cloned()
                });
                AssignmentInterval { territory, ..i }
            })
            .collect())
    }

    /// Territory `id` as it was at `at` (`None`: it did not exist then).
    pub async fn territory_at(
        &self,
        id: TerritoryId,
        at: DateTime<Utc>,
    ) -> Result<Option<TerritorySnapshot>, StoreError> {
        let db = self.conn().await?;
        use territory_history::Column;
        territory_history::Entity::find()
            .filter(Column::TenantId.eq(self.tid()))
            .filter(Column::TerritoryId.eq(id.as_uuid()))
            .filter(live_at(Column::ValidFrom, Column::ValidTo, at))
            .order_by_desc(Column::ValidFrom)
            .one(&db)
            .await?
            .map(snapshot)
            .transpose()
    }

    /// Every territory that existed at `at`, as it was then (the tree on that date), by code.
    pub async fn territories_at(
        &self,
        at: DateTime<Utc>,
        limit: u64,
    ) -> Result<Vec<TerritorySnapshot>, StoreError> {
        let db = self.conn().await?;
        use territory_history::Column;
        let found: Vec<TerritorySnapshot> = territory_history::Entity::find()
            .filter(Column::TenantId.eq(self.tid()))
            .filter(live_at(Column::ValidFrom, Column::ValidTo, at))
            .order_by_asc(Column::Code)
            .order_by_asc(Column::TerritoryId)
            .limit(limit)
            .all(&db)
            .await?
            .into_iter()
            .map(snapshot)
            .collect::<Result<_, _>>()?;
        Ok(found)
    }
}
