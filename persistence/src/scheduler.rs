//! Finding scheduled realignments that are due, across tenants: the one query that is not
//! tenant-scoped (on PostgreSQL a `SECURITY DEFINER` function), and it returns only (tenant, id) pairs, each then applied through that tenant's
//! own scope (see `TenantScope::apply_scheduled`, which makes the apply exactly-once).

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    Statement,
};
use terrane_domain::ids::{RealignmentId, TenantId};
use terrane_domain::realignment::RealignmentStatus;
use uuid::Uuid;

use crate::connect::Store;
use crate::entity::realignment;
use crate::error::StoreError;

/// Due realignments handled per pass.
const PER_PASS: u64 = 20;

impl Store {
    /// Applies the scheduled realignments due at `now` (a bounded number per call); returns how
    /// many this call applied. Another replica running the same pass applies none twice.
    pub async fn apply_due_realignments(&self, now: DateTime<Utc>) -> Result<usize, StoreError> {
        let due = self.due_realignments(now).await?;
        let mut applied = 0;
        for (tenant, id) in due {
            let scope = self.tenant(TenantId::from_uuid(tenant));
            // One realignment's error must not stall every other tenant's schedule.
            match scope.apply_scheduled(RealignmentId::from_uuid(id)).await {
                Ok(true) => applied += 1,
                Ok(false) => {}
                Err(e) => {
                    tracing::error!(tenant = %tenant, realignment = %id, error = %e, "scheduled apply failed")
                }
            }
        }
        Ok(applied)
    }

    /// (tenant, id) of the scheduled realignments due at `now`, oldest first, at most
    /// [`PER_PASS`]. On PostgreSQL through the owner-defined function of migration 020, which
    /// returns exactly these pairs: row-level security keeps the app role itself to one tenant.
    async fn due_realignments(&self, now: DateTime<Utc>) -> Result<Vec<(Uuid, Uuid)>, StoreError> {
        if self.backend() == DbBackend::Postgres {
            return Ok(self
                .db
                .query_all_raw(Statement::from_sql_and_values(
                    DbBackend::Postgres,
                    "SELECT tenant_id, id FROM terrane_due_realignments($1, $2)",
                    [now.into(), (PER_PASS as i32).into()],
                ))
                .await?
                .into_iter()
                .map(|row| Ok((row.try_get_by_index(0)?, row.try_get_by_index(1)?)))
                .collect::<Result<_, sea_orm::DbErr>>()?);
        }
        Ok(realignment::Entity::find()
            .select_only()
            .column(realignment::Column::TenantId)
            .column(realignment::Column::Id)
            .filter(realignment::Column::Status.eq(RealignmentStatus::Scheduled.as_str()))
            .filter(realignment::Column::EffectiveAt.lte(now))
            .order_by_asc(realignment::Column::EffectiveAt)
            .limit(PER_PASS)
            .into_tuple()
            .all(&self.db)
            .await?)
    }
}
