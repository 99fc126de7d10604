//! Token hashes stay unique, but as `(token_hash, tenant_id)`: every key of a tenant-owned table
//! then includes the tenant (checked against the PostgreSQL catalog by a test), while sign-in
//! still finds a token by its hash through the index prefix. A 256-bit random token cannot
//! collide, so nothing is lost.
//!
//! PostgreSQL only: SQLite cannot drop a column's UNIQUE constraint without rebuilding the
//! table, and a SQLite database is one node, never sharded by tenant.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != sea_orm::DbBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        for table in ["sessions", "api_keys"] {
            db.execute_unprepared(&format!(
                "ALTER TABLE {table} DROP CONSTRAINT {table}_token_hash_key"
            ))
            .await?;
            db.execute_unprepared(&format!(
                "CREATE UNIQUE INDEX ux_{table}_token_hash_tenant ON {table} (token_hash, tenant_id)"
            ))
            .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != sea_orm::DbBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        for table in ["sessions", "api_keys"] {
            db.execute_unprepared(&format!("DROP INDEX ux_{table}_token_hash_tenant"))
                .await?;
            db.execute_unprepared(&format!(
                "ALTER TABLE {table} ADD CONSTRAINT {table}_token_hash_key UNIQUE (token_hash)"
            ))
            .await?;
        }
        Ok(())
    }
}
