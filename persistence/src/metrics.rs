//! Per-territory sums of the accounts assigned to it — count, potential, workload — read from
//! the totals every write keeps (see [`crate::account_totals`]), and rolled up over a subtree
//! when asked.

use std::collections::HashMap;

use sea_orm::ConnectionTrait;
use terrane_domain::account::Amount;
use terrane_domain::ids::TerritoryId;
use uuid::Uuid;

use crate::account_totals;
use crate::error::StoreError;
use crate::scope::TenantScope;

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

/// [`TenantScope::direct_metrics`] on a connection the caller holds.
pub(crate) async fn direct_metrics<C: ConnectionTrait>(
    conn: &C,
    tenant_id: Uuid,
    ids: &[TerritoryId],
) -> Result<HashMap<TerritoryId, TerritoryMetrics>, StoreError> {
    account_totals::read(conn, tenant_id, Some(ids)).await
}

impl TenantScope<'_> {
    /// Metrics of each of `ids` counting only accounts assigned to it directly (one query).
    pub async fn direct_metrics(
        &self,
        ids: &[TerritoryId],
    ) -> Result<HashMap<TerritoryId, TerritoryMetrics>, StoreError> {
        direct_metrics(&self.conn().await?, self.tid(), ids).await
    }

    /// Metrics of each of `ids` and everything below it (one query per 5,000 ids).
    pub async fn subtree_metrics(
        &self,
        ids: &[TerritoryId],
    ) -> Result<HashMap<TerritoryId, TerritoryMetrics>, StoreError> {
        let db = self.conn().await?;
        account_totals::subtree_sums(&db, self.tid(), account_totals::Tops::These(ids)).await
    }
}
