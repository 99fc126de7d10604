//! Per-territory sums of the accounts assigned to it — count, potential, workload — computed in
//! SQL with one grouped query, and rolled up over a subtree when asked.

use std::collections::HashMap;

use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, Query};
use sea_orm::{ConnectionTrait, FromQueryResult};
use terrane_domain::account::Amount;
use terrane_domain::ids::TerritoryId;
use uuid::Uuid;

use crate::entity::{account, assignment};
use crate::error::StoreError;
use crate::scope::TenantScope;
use crate::territories;

/// The accounts of a territory, summed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TerritoryMetrics {
    /// How many accounts.
    pub account_count: u64,
    /// Their potential.
    pub potential: Amount,
    /// Their workload.
    pub workload: Amount,
}

#[derive(Debug, FromQueryResult)]
struct Row {
    territory_id: Uuid,
    account_count: i64,
    potential: i64,
    workload: i64,
}

impl std::ops::AddAssign for TerritoryMetrics {
    fn add_assign(&mut self, other: Self) {
        let sum = |a: Amount, b: Amount| {
            Amount::from_hundredths(
                a.hundredths()
                    .unwrap_or(0)
                    .saturating_add(b.hundredths().unwrap_or(0)),
            )
        };
        self.account_count += other.account_count;
        self.potential = sum(self.potential, other.potential);
        self.workload = sum(self.workload, other.workload);
    }
}

/// Direct metrics of the given territories (all of the tenant's when `ids` is `None`).
async fn grouped<C: ConnectionTrait>(
    conn: &C,
    tenant: Uuid,
    ids: Option<&[TerritoryId]>,
) -> Result<HashMap<TerritoryId, TerritoryMetrics>, StoreError> {
    // CAST keeps the sums BIGINT on PostgreSQL (SUM of BIGINT is NUMERIC there).
    let sum = |column: account::Column| {
        Expr::expr(Func::sum(Expr::col((account::Entity, column)))).cast_as(Alias::new("BIGINT"))
    };
    let mut query = Query::select();
    query
        .expr_as(
            Expr::col((assignment::Entity, assignment::Column::TerritoryId)),
            Alias::new("territory_id"),
        )
        .expr_as(
            Expr::expr(Func::count(Expr::col((
                assignment::Entity,
                assignment::Column::AccountId,
            ))))
            .cast_as(Alias::new("BIGINT")),
            Alias::new("account_count"),
        )
        .expr_as(
            sum(account::Column::PotentialHundredths),
            Alias::new("potential"),
        )
        .expr_as(
            sum(account::Column::WorkloadHundredths),
            Alias::new("workload"),
        )
        .from(assignment::Entity)
        .inner_join(
            account::Entity,
            Expr::col((account::Entity, account::Column::TenantId))
                .equals((assignment::Entity, assignment::Column::TenantId))
                .and(
                    Expr::col((account::Entity, account::Column::Id))
                        .equals((assignment::Entity, assignment::Column::AccountId)),
                ),
        )
        .and_where(Expr::col((assignment::Entity, assignment::Column::TenantId)).eq(tenant))
        .group_by_col((assignment::Entity, assignment::Column::TerritoryId));
    if let Some(ids) = ids {
        query.and_where(
            Expr::col((assignment::Entity, assignment::Column::TerritoryId))
                .is_in(ids.iter().map(|i| i.as_uuid())),
        );
    }
    let statement = conn.get_database_backend().build(&query);
    let rows = Row::find_by_statement(statement).all(conn).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let metrics = TerritoryMetrics {
                account_count: u64::try_from(r.account_count).unwrap_or(0),
                potential: Amount::from_hundredths(r.potential),
                workload: Amount::from_hundredths(r.workload),
            };
            (TerritoryId::from_uuid(r.territory_id), metrics)
        })
        .collect())
}

/// [`TenantScope::direct_metrics`] on a connection the caller holds.
pub(crate) async fn direct_metrics<C: ConnectionTrait>(
    conn: &C,
    tenant_id: Uuid,
    ids: &[TerritoryId],
) -> Result<HashMap<TerritoryId, TerritoryMetrics>, StoreError> {
    // Chunked: a parent may have more children than a statement may bind parameters.
    let mut all = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(5_000) {
        all.extend(grouped(conn, tenant_id, Some(chunk)).await?);
    }
    Ok(all)
}

impl TenantScope<'_> {
    /// Metrics of each of `ids` counting only accounts assigned to it directly (one query).
    pub async fn direct_metrics(
        &self,
        ids: &[TerritoryId],
    ) -> Result<HashMap<TerritoryId, TerritoryMetrics>, StoreError> {
        direct_metrics(&self.conn().await?, self.tid(), ids).await
    }

    /// Metrics of `id` and everything below it.
    pub async fn subtree_metrics(&self, id: TerritoryId) -> Result<TerritoryMetrics, StoreError> {
        let db = self.conn().await?;
        let state = territories::load_state(&db, self.tid()).await?;
        let all = grouped(&db, self.tid(), None).await?;
        let mut total = TerritoryMetrics::default();
        for (territory, metrics) in all {
            if territory == id || state.hierarchy().ancestors(territory).contains(&id) {
                total += metrics;
            }
        }
        Ok(total)
    }
}
