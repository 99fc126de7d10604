//! A draft's preview as clients see it: per-territory load before and after, the accounts that
//! would move, the balance of each sibling group touched, and the problems that block it.

use async_graphql::{Context, ID, Object, Result, SimpleObject};
use rust_decimal::Decimal;
use terrane_domain::ids::AccountId;
use terrane_domain::realignment::{Load, QuotaEffect, TerritoryImpact as DomainImpact};
use terrane_persistence::{BalanceGroup as StoreGroup, Page, PageRequest, Preview};

use super::quota::Metric;
use super::realignment::RealignmentMove;
use super::territory::{Territory, TerritoryMetrics};
use crate::graphql::UserError;
use crate::graphql::ids::{NodeKind, encode};
use crate::graphql::loaders::load_record;
use crate::graphql::pagination::{Conn, connection, page_request};

fn metrics(l: Load) -> TerritoryMetrics {
    TerritoryMetrics {
        account_count: u64::try_from(l.accounts).unwrap_or(0),
        potential: Decimal::new(l.potential, 2),
        workload: Decimal::new(l.workload, 2),
    }
}

/// What applying a draft now would do.
pub struct RealignmentImpact {
    pub(crate) preview: Preview,
    pub(crate) problems: Vec<UserError>,
}

#[Object]
impl RealignmentImpact {
    /// Why it cannot be applied now (empty when it can).
    async fn problems(&self) -> &[UserError] {
        &self.problems
    }
    /// Each affected territory, before and after.
    async fn territories(&self) -> Vec<TerritoryImpact> {
        self.preview
            .territories
            .iter()
            .map(|t| TerritoryImpact {
                impact: *t,
                quotas: self
                    .preview
                    .quotas
                    .iter()
                    .filter(|q| q.key.territory_id == t.territory_id)
                    .map(QuotaImpact::from)
                    .collect(),
            })
            .collect()
    }
    /// Every quota the draft sets or clears, now and once applied.
    async fn quotas(&self) -> Vec<QuotaImpact> {
        self.preview.quotas.iter().map(QuotaImpact::from).collect()
    }
    /// How many accounts would move.
    async fn moved_accounts(&self) -> usize {
        self.preview.moves.len()
    }
    /// The accounts that would move, in account order.
    #[graphql(complexity = "crate::graphql::limits::connection_cost(first, child_complexity)")]
    async fn moves(
        &self,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Conn<RealignmentMove>> {
        let page: PageRequest<AccountId> =
            page_request(first, after, |k| k.parse::<AccountId>().ok())?;
        let had_cursor = page.after.is_some();
        let start = page.after.map_or(0, |after| {
            self.preview
                .moves
                .partition_point(|m| m.account_id <= after)
        });
        let first = usize::try_from(page.first).unwrap_or(usize::MAX);
        let items: Vec<_> = self
            .preview
            .moves
            .iter()
            .skip(start)
            .take(first)
            .copied()
            .collect();
        let rows = Page {
            has_next_page: start + items.len() < self.preview.moves.len(),
            total_count: u64::try_from(self.preview.moves.len()).unwrap_or(u64::MAX),
            items,
        };
        Ok(connection(
            rows,
            had_cursor,
            |m| m.account_id.to_string(),
            RealignmentMove,
        ))
    }
    /// Each group of siblings that holds an affected territory: how far each sibling's potential
    /// is from the group's mean, before and after.
    async fn balance(&self) -> Vec<BalanceGroup> {
        self.preview
            .balance
            .iter()
            .cloned()
            .map(BalanceGroup)
            .collect()
    }
}

/// One territory's load before and after.
pub struct TerritoryImpact {
    impact: DomainImpact,
    quotas: Vec<QuotaImpact>,
}

/// A quota a draft sets or clears: its amount now and once applied.
#[derive(SimpleObject, Clone)]
pub struct QuotaImpact {
    /// The territory's global id.
    pub territory_id: ID,
    /// The period, e.g. `FY2027-Q1`.
    pub period: String,
    /// What it counts.
    pub metric: Metric,
    /// Its amount now (null: not set).
    pub before: Option<Decimal>,
    /// Its amount once applied (null: cleared).
    pub after: Option<Decimal>,
}

impl From<&QuotaEffect> for QuotaImpact {
    fn from(q: &QuotaEffect) -> Self {
        Self {
            territory_id: encode(NodeKind::Territory, q.key.territory_id),
            period: q.key.period.label(),
            metric: q.key.metric.into(),
            before: q.before.map(|a| a.value()),
            after: q.after.map(|a| a.value()),
        }
    }
}

#[Object]
impl TerritoryImpact {
    /// The territory's global id (it may not exist yet, or any more).
    async fn territory_id(&self) -> ID {
        encode(NodeKind::Territory, self.impact.territory_id)
    }
    /// The territory as it is now; null when the draft creates it or it is gone.
    async fn territory(&self, ctx: &Context<'_>) -> Result<Option<Territory>> {
        Ok(load_record(ctx, self.impact.territory_id)
            .await?
            .map(Territory))
    }
    /// Its accounts now.
    async fn before(&self) -> TerritoryMetrics {
        metrics(self.impact.before)
    }
    /// Its accounts once applied.
    async fn after(&self) -> TerritoryMetrics {
        metrics(self.impact.after)
    }
    /// The quotas the draft sets or clears on it.
    async fn quotas(&self) -> &[QuotaImpact] {
        &self.quotas
    }
}

/// Siblings under one parent.
pub struct BalanceGroup(StoreGroup);

/// One sibling's load and deviation from the siblings' mean potential (percent).
#[derive(SimpleObject)]
pub struct BalanceRow {
    /// The territory's global id.
    pub territory_id: ID,
    /// Its accounts now.
    pub before: TerritoryMetrics,
    /// Its accounts once applied.
    pub after: TerritoryMetrics,
    /// Deviation of its potential from the siblings' mean now, in percent.
    pub deviation_before: f64,
    /// Deviation of its potential from the siblings' mean once applied, in percent.
    pub deviation_after: f64,
}

#[Object]
impl BalanceGroup {
    /// The siblings' parent; null for the roots.
    async fn parent(&self, ctx: &Context<'_>) -> Result<Option<Territory>> {
        let Some(id) = self.0.parent_id else {
            return Ok(None);
        };
        Ok(load_record(ctx, id).await?.map(Territory))
    }
    /// One row per sibling.
    async fn rows(&self) -> Vec<BalanceRow> {
        self.0
            .rows
            .iter()
            .map(|r| BalanceRow {
                territory_id: encode(NodeKind::Territory, r.territory_id),
                before: metrics(r.before),
                after: metrics(r.after),
                deviation_before: r.deviation_before,
                deviation_after: r.deviation_after,
            })
            .collect()
    }
    /// Coefficient of variation of the siblings' potential now.
    async fn coefficient_of_variation_before(&self) -> f64 {
        self.0.cv_before
    }
    /// Coefficient of variation of the siblings' potential once applied.
    async fn coefficient_of_variation_after(&self) -> f64 {
        self.0.cv_after
    }
}
