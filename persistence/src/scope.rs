//! The tenant scope: the only handle on tenant data, and the write transaction every change
//! runs in.

use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, Statement,
    TransactionOptions, TransactionTrait,
};
use sea_orm::{SqliteTransactionMode, Value};
use terrane_domain::audit::Actor;
use terrane_domain::ids::TenantId;

use crate::error::StoreError;

/// One tenant's data. Every query it runs is filtered on its tenant id.
#[derive(Clone, Copy, Debug)]
pub struct TenantScope<'a> {
    pub(crate) db: &'a DatabaseConnection,
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
            db,
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
        begin_write(self.db, self.tenant_id).await
    }
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
