//! Idempotency keys: the first answer to a mutation sent with an `Idempotency-Key`, kept per
//! tenant for a day, so a retried request gets that answer instead of a second effect.
//!
//! A key is claimed (a row without a response) before the request runs, and completed with the
//! answer afterwards; the primary key `(tenant_id, key)` makes the claim atomic across servers.
//! A claim whose request never finished (the process died) is taken over once it is stale.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::connect::Store;
use crate::entity::idempotency_key;
use crate::error::StoreError;
use crate::scope::{TenantScope, finish};

/// What a claim found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdempotencyClaim {
    /// The key is now this request's: run it, then complete or release the key.
    Claimed,
    /// The same request already finished: here is its answer.
    Replay(String),
    /// The same request is still running elsewhere.
    InFlight,
    /// The key was used for a different request (or by someone else).
    Mismatch,
}

/// When claims count as expired or abandoned.
#[derive(Debug, Clone, Copy)]
pub struct ClaimTimes {
    /// Now.
    pub now: DateTime<Utc>,
    /// Keys created before this are expired: the key is free again.
    pub expired_before: DateTime<Utc>,
    /// Claims without an answer created before this were abandoned: taken over.
    pub abandoned_before: DateTime<Utc>,
}

impl TenantScope<'_> {
    /// Claims `key` for a request hashing to `request_hash`, or says why not.
    pub async fn claim_idempotency_key(
        &self,
        key: &str,
        request_hash: &str,
        times: ClaimTimes,
    ) -> Result<IdempotencyClaim, StoreError> {
        // Two rounds: a stale row found in the first is deleted, then the insert is retried.
        // Each step runs in its own tenant connection: on PostgreSQL a refused insert ends the
        // transaction it ran in.
        for _ in 0..2 {
            let db = self.conn().await?;
            let row = idempotency_key::ActiveModel {
                tenant_id: Set(self.tid()),
                key: Set(key.to_owned()),
                request_hash: Set(request_hash.to_owned()),
                response: Set(None),
                created_at: Set(times.now),
            };
            match idempotency_key::Entity::insert(row)
                .exec_without_returning(&db)
                .await
                .map_err(StoreError::from)
            {
                Ok(_) => {
                    finish(db).await?;
                    return Ok(IdempotencyClaim::Claimed);
                }
                Err(StoreError::UniqueViolation(_)) => drop(db),
                Err(e) => return Err(e),
            }
            let db = self.conn().await?;
            let Some(existing) = idempotency_key::Entity::find_by_id((self.tid(), key.to_owned()))
                .one(&db)
                .await?
            else {
                continue; // released meanwhile
            };
            let expired = existing.created_at < times.expired_before;
            let abandoned =
                existing.response.is_none() && existing.created_at < times.abandoned_before;
            if expired || abandoned {
                idempotency_key::Entity::delete_many()
                    .filter(idempotency_key::Column::TenantId.eq(self.tid()))
                    .filter(idempotency_key::Column::Key.eq(key))
                    .filter(idempotency_key::Column::CreatedAt.eq(existing.created_at))
                    .exec(&db)
                    .await?;
                finish(db).await?;
                continue;
            }
            return Ok(if existing.request_hash != request_hash {
                IdempotencyClaim::Mismatch
            } else if let Some(response) = existing.response {
                IdempotencyClaim::Replay(response)
            } else {
                IdempotencyClaim::InFlight
            });
        }
        // Taken again between the delete and the insert: someone else runs it now.
        Ok(IdempotencyClaim::InFlight)
    }

    /// Stores the answer of the request that claimed `key`.
    pub async fn complete_idempotency_key(
        &self,
        key: &str,
        request_hash: &str,
        response: &str,
    ) -> Result<(), StoreError> {
        let db = self.conn().await?;
        idempotency_key::Entity::update_many()
            .col_expr(
                idempotency_key::Column::Response,
                sea_orm::sea_query::Expr::value(response.to_owned()),
            )
            .filter(idempotency_key::Column::TenantId.eq(self.tid()))
            .filter(idempotency_key::Column::Key.eq(key))
            .filter(idempotency_key::Column::RequestHash.eq(request_hash))
            .exec(&db)
            .await?;
        finish(db).await
    }

    /// Frees `key` without an answer (the request did not finish), so a retry runs it again.
    pub async fn release_idempotency_key(
        &self,
        key: &str,
        request_hash: &str,
    ) -> Result<(), StoreError> {
        let db = self.conn().await?;
        idempotency_key::Entity::delete_many()
            .filter(idempotency_key::Column::TenantId.eq(self.tid()))
            .filter(idempotency_key::Column::Key.eq(key))
            .filter(idempotency_key::Column::RequestHash.eq(request_hash))
            .filter(idempotency_key::Column::Response.is_null())
            .exec(&db)
            .await?;
        finish(db).await
    }
}

impl Store {
    /// Deletes the keys of every tenant created before `before` (maintenance); returns how many.
    pub async fn purge_idempotency_keys(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        if self.backend() == sea_orm::DbBackend::Postgres {
            // Row-level security keeps the app role to one tenant; this owner-defined function
            // (migration 020) deletes expired keys of all of them and nothing else.
            let row = self
                .db
                .query_one_raw(sea_orm::Statement::from_sql_and_values(
                    sea_orm::DbBackend::Postgres,
                    "SELECT terrane_purge_idempotency_keys($1)",
                    [before.into()],
                ))
                .await?
                .ok_or_else(|| StoreError::corrupt("purge returned no row"))?;
            let purged: i64 = row.try_get_by_index(0)?;
            return Ok(u64::try_from(purged).unwrap_or(0));
        }
        Ok(idempotency_key::Entity::delete_many()
            .filter(idempotency_key::Column::CreatedAt.lt(before))
            .exec(&self.db)
            .await?
            .rows_affected)
    }
}
