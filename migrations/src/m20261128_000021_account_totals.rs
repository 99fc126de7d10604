//! `account_totals`: per territory, how many accounts it holds directly and their summed
//! potential and workload. The store keeps these rows in the same transaction as every write
//! that moves an account or changes its weights, so the screens that compare territories
//! (balance, coverage, a territory's metrics) read one row per territory instead of joining
//! every account of it — 20,000 random lookups for a region of 100 territories.
//!
//! The rows are filled here from the current assignments of every tenant. On PostgreSQL the
//! source tables are under forced row-level security, so the fill runs tenant by tenant with
//! the tenant set, in one `DO` block (one transaction, one connection).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

use crate::m20261127_000020_row_level_security::current_schema;
use crate::{rls, tenant_table};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The grouped sums of the current assignments, as rows of `account_totals`.
const SUMS: &str = "SELECT h.tenant_id, h.territory_id, COUNT(*), \
     SUM(a.potential_hundredths), SUM(a.workload_hundredths) \
     FROM assignment_history h \
     JOIN accounts a ON a.tenant_id = h.tenant_id AND a.id = h.account_id \
     WHERE h.valid_to IS NULL";

const INSERT: &str = "INSERT INTO account_totals \
     (tenant_id, territory_id, account_count, potential_hundredths, workload_hundredths)";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                tenant_table::create("account_totals")
                    .col(uuid("territory_id"))
                    .col(big_integer("account_count"))
                    .col(big_integer("potential_hundredths"))
                    .col(big_integer("workload_hundredths"))
                    .primary_key(&mut tenant_table::primary_key(&["territory_id"]))
                    .foreign_key(&mut tenant_table::reference(
                        "account_totals",
                        "territory_id",
                        "territories",
                    ))
                    .to_owned(),
            )
            .await?;
        rls::enable_tenant_rls(manager, "account_totals").await?;
        let db = manager.get_connection();
        match db.get_database_backend() {
            DbBackend::Postgres => {
                db.execute_unprepared(&format!(
                    "DO $$ DECLARE t uuid; BEGIN \
                       FOR t IN SELECT id FROM tenants LOOP \
                         PERFORM set_config('app.tenant_id', t::text, true); \
                         {INSERT} {SUMS} AND h.tenant_id = t \
                           GROUP BY h.tenant_id, h.territory_id; \
                       END LOOP; \
                       PERFORM set_config('app.tenant_id', '', true); \
                     END $$"
                ))
                .await?;
                // The ANALYZE the server may ask for after bulk loads covers the new table too.
                let schema = current_schema(db).await?;
                db.execute_unprepared(&format!(
                    "CREATE OR REPLACE FUNCTION {schema}.terrane_analyze_alignment() \
                     RETURNS void LANGUAGE plpgsql VOLATILE SECURITY DEFINER \
                     SET search_path = {schema}, pg_temp \
                     AS $$ BEGIN ANALYZE accounts, assignment_history, realignment_moves, \
                     actuals, actual_totals, account_totals; END $$"
                ))
                .await?;
            }
            _ => {
                db.execute_unprepared(&format!(
                    "{INSERT} {SUMS} GROUP BY h.tenant_id, h.territory_id"
                ))
                .await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("account_totals").to_owned())
            .await
    }
}
