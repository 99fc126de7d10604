//! Row-level security on PostgreSQL: what every tenant-owned table gets, for this crate's
//! migration `m20261127_000020_row_level_security` and for every later migration that creates a
//! tenant table (call [`enable_tenant_rls`] right after creating it).
//!
//! The policy lets a statement see and write only the rows of the tenant named by the
//! transaction-local setting `app.tenant_id` (set by the store as the first statement of every
//! tenant transaction); with no tenant set it sees nothing and can write nothing. `FORCE` makes
//! the policy apply to the table's owner too (a superuser or a `BYPASSRLS` role still bypasses
//! it: the server therefore serves as [`APP_ROLE`], which is neither and owns nothing). On
//! SQLite there is no row-level security; these functions do nothing there.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

/// The role the server runs its queries as on PostgreSQL: no login of its own (a login role is
/// made a member of it, or it is given `LOGIN` by an administrator), owns no table, has neither
/// `SUPERUSER` nor `BYPASSRLS`, and holds only DML rights and `EXECUTE` on the
/// [`DEFINER_FUNCTIONS`].
pub const APP_ROLE: &str = "terrane_app";

/// The name of the tenant-isolation policy on every tenant table.
pub const POLICY: &str = "tenant_isolation";

/// The `SECURITY DEFINER` functions (owned by the migration owner) through which the app role
/// does the few things that cross tenants, each returning the least it can.
pub const DEFINER_FUNCTIONS: &[&str] = &[
    "terrane_token_tenant(text)",
    "terrane_due_realignments(timestamp with time zone, integer)",
    "terrane_purge_idempotency_keys(timestamp with time zone)",
    "terrane_analyze_alignment()",
];

/// The row predicate of the policy: the row's tenant is the transaction's tenant. An unset (or
/// reset, hence empty) setting compares with NULL, so nothing matches.
const TENANT_MATCHES: &str = "tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid";

/// Quotes an SQL identifier.
pub(crate) fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The statements that put `table` under row-level security: enabled, forced, and the
/// tenant-isolation policy for every command (`USING` for the rows read, updated or deleted,
/// `WITH CHECK` for the rows inserted or updated). Re-runnable.
pub fn tenant_rls_sql(table: &str) -> String {
    let table = ident(table);
    format!(
        "ALTER TABLE {table} ENABLE ROW LEVEL SECURITY; \
         ALTER TABLE {table} FORCE ROW LEVEL SECURITY; \
         DROP POLICY IF EXISTS {POLICY} ON {table}; \
         CREATE POLICY {POLICY} ON {table} USING ({TENANT_MATCHES}) WITH CHECK ({TENANT_MATCHES})"
    )
}

/// Puts the tenant table `table` under row-level security on PostgreSQL (nothing on SQLite).
/// The app role's table rights come from the default privileges set by the RLS migration.
pub async fn enable_tenant_rls(manager: &SchemaManager<'_>, table: &str) -> Result<(), DbErr> {
    let db = manager.get_connection();
    if db.get_database_backend() == DbBackend::Postgres {
        db.execute_unprepared(&tenant_rls_sql(table)).await?;
    }
    Ok(())
}

/// The statements that undo [`tenant_rls_sql`].
pub(crate) fn drop_tenant_rls_sql(table: &str) -> String {
    let table = ident(table);
    format!(
        "DROP POLICY IF EXISTS {POLICY} ON {table}; \
         ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY; \
         ALTER TABLE {table} DISABLE ROW LEVEL SECURITY"
    )
}
