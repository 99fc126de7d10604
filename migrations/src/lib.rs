//! Terrane's schema, as sea-orm-migration migrations that run unchanged on SQLite and PostgreSQL.
//!
//! Every tenant-owned table has `tenant_id NOT NULL` leading its primary key, and every foreign
//! key to another tenant-owned table is composite `(tenant_id, x_id)`: the database itself
//! refuses a reference from one tenant's row to another tenant's row. Two tables are not
//! tenant-owned: `tenants` itself, and `login_attempts` (throttling counts an attempt before
//! any tenant is known to match). On PostgreSQL every tenant-owned table is also under forced
//! row-level security (see [`rls`]); a migration that adds a tenant table after
//! `m20261127_000020_row_level_security` calls [`rls::enable_tenant_rls`] for it.

pub use sea_orm_migration::MigratorTrait;
use sea_orm_migration::prelude::*;

mod m20261127_000001_identity;
mod m20261127_000002_alignment;
mod m20261127_000003_accounts;
mod m20261127_000004_move_origins;
mod m20261127_000005_realignment_workflow;
mod m20261127_000006_assignments_from_history;
mod m20261127_000007_idempotency;
mod m20261127_000008_tenant_scoped_token_keys;
mod m20261127_000009_login_attempts;
mod m20261127_000010_reps_quotas_actuals;
mod m20261127_000019_move_interval_ids;
mod m20261127_000020_row_level_security;
mod m20261128_000021_account_totals;
mod m20261128_000023_actual_references;
mod m20261128_000024_implied_tenant_keys;
pub mod rls;
mod tenant_table;

/// Runs Terrane's migrations in order.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261127_000001_identity::Migration),
            Box::new(m20261127_000002_alignment::Migration),
            Box::new(m20261127_000003_accounts::Migration),
            Box::new(m20261127_000004_move_origins::Migration),
            Box::new(m20261127_000005_realignment_workflow::Migration),
            Box::new(m20261127_000006_assignments_from_history::Migration),
            Box::new(m20261127_000007_idempotency::Migration),
            Box::new(m20261127_000008_tenant_scoped_token_keys::Migration),
            Box::new(m20261127_000009_login_attempts::Migration),
            Box::new(m20261127_000010_reps_quotas_actuals::Migration),
            Box::new(m20261127_000019_move_interval_ids::Migration),
            // 020 covers every tenant table created before it; later migrations call
            // `rls::enable_tenant_rls` for their own tables.
            Box::new(m20261127_000020_row_level_security::Migration),
            Box::new(m20261128_000021_account_totals::Migration),
            Box::new(m20261128_000023_actual_references::Migration),
            Box::new(m20261128_000024_implied_tenant_keys::Migration),
        ]
    }
}
