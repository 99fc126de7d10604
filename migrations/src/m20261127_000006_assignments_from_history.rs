//! One table for where accounts are: the current assignment of an account is its open interval
//! in `assignment_history` (`valid_to IS NULL`), and `assignments` becomes a view of exactly
//! that. A move is then one closed and one opened interval — half the writes — and current
//! state can never disagree with history. A partial unique index guarantees at most one open
//! interval per account.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        // Every current row has its open interval (both were always written together).
        manager
            .drop_table(Table::drop().table("assignments").to_owned())
            .await?;
        db.execute_unprepared(
            "CREATE UNIQUE INDEX ux_assignment_history_open_account \
             ON assignment_history (tenant_id, account_id) WHERE valid_to IS NULL",
        )
        .await?;
        db.execute_unprepared(
            "CREATE INDEX ix_assignment_history_open_territory \
             ON assignment_history (tenant_id, territory_id) WHERE valid_to IS NULL",
        )
        .await?;
        db.execute_unprepared(
            "CREATE VIEW assignments AS \
             SELECT tenant_id, account_id, territory_id, source, rule_id, pinned, \
                    valid_from AS since, realignment_id \
             FROM assignment_history WHERE valid_to IS NULL",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("DROP VIEW assignments").await?;
        db.execute_unprepared("DROP INDEX ix_assignment_history_open_territory")
            .await?;
        db.execute_unprepared("DROP INDEX ux_assignment_history_open_account")
            .await?;
        db.execute_unprepared(
            "CREATE TABLE assignments AS \
             SELECT tenant_id, account_id, territory_id, source, rule_id, pinned, \
                    valid_from AS since, realignment_id \
             FROM assignment_history WHERE valid_to IS NULL",
        )
        .await?;
        Ok(())
    }
}
