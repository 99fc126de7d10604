//! On PostgreSQL, the two tables written once per moved account (`assignment_history` and
//! `realignment_moves`) lose their foreign key to `tenants`. It is implied: each row also
//! references `accounts` or `realignments` by `(tenant_id, id)`, and those rows reference their
//! tenant. Each foreign key costs PostgreSQL a trigger query (`SELECT … FOR KEY SHARE`) per
//! inserted row. Inserting 100,000 move rows took 1.23 s with both keys and 0.90 s without the
//! tenant key (the apply bench's database, measured in psql).
//!
//! SQLite keeps the key. There it is a B-tree probe per row into the small `tenants` table, not
//! a query, and dropping it would mean rebuilding both tables with all their history.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The tables, each with the composite foreign keys that imply its tenant.
const TABLES: [&str; 2] = ["assignment_history", "realignment_moves"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        for table in TABLES {
            db.execute_unprepared(&format!(
                "ALTER TABLE {table} DROP CONSTRAINT IF EXISTS fk_{table}_tenant"
            ))
            .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        for table in TABLES {
            db.execute_unprepared(&format!(
                "ALTER TABLE {table} ADD CONSTRAINT fk_{table}_tenant \
                 FOREIGN KEY (tenant_id) REFERENCES tenants (id)"
            ))
            .await?;
        }
        Ok(())
    }
}
