//! The tenant scope: the only handle on tenant data, and the transactions its statements run in.
//!
//! On PostgreSQL every tenant table is under forced row-level security keyed on the
//! transaction-local setting `app.tenant_id` (migration `m20261127_000020_row_level_security`),
//! and the server connects as a role the policies hold. So every statement on tenant data runs
//! in a transaction whose first statement sets the tenant ([`TenantScope::conn`],
//! [`TenantScope::begin`], [`TenantScope::begin_write`]); a statement outside one sees no tenant
//! row at all. On SQLite the setting does not exist and reads keep using the pool directly.

use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseExecutor, DatabaseTransaction, DbBackend,
    Statement, TransactionOptions, TransactionTrait,
};
use sea_orm::{SqliteTransactionMode, Value};
use terrane_domain::audit::Actor;
use terrane_domain::ids::TenantId;

use crate::error::StoreError;

/// One tenant's data. Every query it runs is filtered on its tenant id (and on PostgreSQL held to
/// it by row-level security too).
#[derive(Clone, Copy, Debug)]
pub struct TenantScope<'a> {
    /// The pool. Not for statements on tenant data: those go through [`TenantScope::conn`] or a
    /// transaction, which set the tenant first.
    pub(crate) pool: &'a DatabaseConnection,
    pub(crate) tenant_id: TenantId,
    pub(crate) geo_cache: &'a crate::geo_cache::GeoCache,
}

/// Who is writing, and for which request: recorded on every audit event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WriteContext {
    /// Who acts.
    pub actor: Actor,
    /// The request id the API assigned (shown to clients and written to logs).
    pub request_id: Option<String>,
}

impl<'a> TenantScope<'a> {
    pub(crate) fn new(
        db: &'a DatabaseConnection,
        tenant_id: TenantId,
        geo_cache: &'a crate::geo_cache::GeoCache,
    ) -> Self {
        Self {
            pool: db,
            tenant_id,
            geo_cache,
        }
    }

    /// The tenant this scope reaches.
    pub fn tenant_id(&self) -> TenantId {
        self.tenant_id
    }

    /// The tenant id as stored.
    pub(crate) fn tid(&self) -> uuid::Uuid {
        self.tenant_id.as_uuid()
    }

    /// Starts a write transaction that holds the tenant's write lock until it ends: SQLite's
    /// `BEGIN IMMEDIATE` (one writer per database), or on PostgreSQL a row lock on the tenant,
    /// so the audit `seq` of concurrent writers can never collide or leave a gap.
    pub(crate) async fn begin_write(&self) -> Result<DatabaseTransaction, StoreError> {
        begin_write(self.pool, self.tenant_id).await
    }

    /// A connection for this tenant's reads, and for single statements that write without the
    /// tenant's write lock. On PostgreSQL a transaction that has set the tenant: it is rolled
    /// back when dropped, so a write through it must be [`finish`]ed. On SQLite the pool itself,
    /// as it always was (autocommit; no extra round trips).
    pub(crate) async fn conn(&self) -> Result<DatabaseExecutor<'a>, StoreError> {
        tenant_conn(self.pool, self.tenant_id).await
    }

    /// A transaction (deferred on SQLite) with this tenant set, without the tenant's write lock.
    pub(crate) async fn begin(&self) -> Result<DatabaseTransaction, StoreError> {
        let txn = self.pool.begin().await?;
        set_tenant(&txn, self.tenant_id).await?;
        Ok(txn)
    }
}

/// Makes `tenant_id` the tenant of the current transaction on PostgreSQL (`set_config(…, true)`
/// is `SET LOCAL`: it ends with the transaction, so a pooled connection never carries it over).
/// Nothing on SQLite.
pub(crate) async fn set_tenant<C: ConnectionTrait>(
    txn: &C,
    tenant_id: TenantId,
) -> Result<(), StoreError> {
    if txn.get_database_backend() == DbBackend::Postgres {
        txn.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT set_config('app.tenant_id', $1, true)",
            [Value::from(tenant_id.as_uuid().to_string())],
        ))
        .await?;
    }
    Ok(())
}

/// See [`TenantScope::conn`].
pub(crate) async fn tenant_conn(
    db: &DatabaseConnection,
    tenant_id: TenantId,
) -> Result<DatabaseExecutor<'_>, StoreError> {
    if db.get_database_backend() == DbBackend::Postgres {
        let txn = db.begin().await?;
        set_tenant(&txn, tenant_id).await?;
        Ok(DatabaseExecutor::OwnedTransaction(txn))
    } else {
        Ok(DatabaseExecutor::Connection(db))
    }
}

/// Commits what was written through a [`TenantScope::conn`] (nothing to do on SQLite).
pub(crate) async fn finish(conn: DatabaseExecutor<'_>) -> Result<(), StoreError> {
    if let DatabaseExecutor::OwnedTransaction(txn) = conn {
        txn.commit().await?;
    }
    Ok(())
}

pub(crate) async fn begin_write(
    db: &DatabaseConnection,
    tenant_id: TenantId,
) -> Result<DatabaseTransaction, StoreError> {
    let backend = db.get_database_backend();
    let options = TransactionOptions {
        sqlite_transaction_mode: (backend == DbBackend::Sqlite)
            .then_some(SqliteTransactionMode::Immediate),
        ..Default::default()
    };
    let txn = db.begin_with_options(options).await?;
    set_tenant(&txn, tenant_id).await?;
    if backend == DbBackend::Postgres {
        txn.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT id FROM tenants WHERE id = $1 FOR UPDATE",
            [Value::from(tenant_id.as_uuid())],
        ))
        .await?;
    }
    Ok(txn)
}
