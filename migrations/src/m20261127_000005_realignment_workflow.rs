//! The realignment workflow: drafts whose changes have stable ids, scheduled apply
//! (`effective_at`), who applied, revert links, the problems that stopped a scheduled apply, and
//! `territory_history` — every state a territory had, as non-overlapping (valid_from, valid_to)
//! intervals, so "how did the tree look on date D" is an index lookup.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::tenant_table;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite's ALTER TABLE adds a single column at a time.
        for column in [
            timestamp_with_time_zone_null("effective_at"),
            string_len_null("applied_by_kind", 16),
            uuid_null("applied_by"),
            uuid_null("reverts_id"),
            uuid_null("reverted_by_id"),
            text_null("problems"),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table("realignments")
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        // The scheduler looks across tenants for due realignments.
        manager
            .create_index(
                Index::create()
                    .name("ix_realignments_status_effective_at")
                    .table("realignments")
                    .col("status")
                    .col("effective_at")
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("realignment_changes")
                    .add_column(uuid_null("change_id"))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                tenant_table::create("territory_history")
                    .col(uuid("id"))
                    .col(uuid("territory_id"))
                    .col(uuid_null("parent_id"))
                    .col(string_len("name", 200))
                    .col(string_len("code", 32))
                    .col(text_null("boundary"))
                    .col(big_integer("version"))
                    .col(timestamp_with_time_zone("valid_from"))
                    .col(timestamp_with_time_zone_null("valid_to"))
                    // Null only for the rows backfilled below (territories older than history).
                    .col(uuid_null("realignment_id"))
                    .col(uuid_null("ended_by_realignment_id"))
                    .primary_key(&mut tenant_table::primary_key(&["id"]))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(tenant_table::index(
                "territory_history",
                &["territory_id", "valid_from"],
            ))
            .await?;
        manager
            .create_index(tenant_table::index("territory_history", &["valid_from"]))
            .await?;
        manager
            .create_index(tenant_table::index(
                "territory_history",
                &["realignment_id"],
            ))
            .await?;
        // Live territories get their current state as the first interval (the territory's id is
        // a unique id for that one row).
        manager
            .get_connection()
            .execute_unprepared(
                "INSERT INTO territory_history (tenant_id, id, territory_id, parent_id, name, code, \
                 boundary, version, valid_from, valid_to, realignment_id, ended_by_realignment_id) \
                 SELECT tenant_id, id, id, parent_id, name, code, boundary, version, updated_at, \
                 NULL, NULL, NULL FROM territories WHERE deleted_at IS NULL",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("territory_history").to_owned())
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("ix_realignments_status_effective_at")
                    .table("realignments")
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("realignment_changes")
                    .drop_column("change_id")
                    .to_owned(),
            )
            .await?;
        for column in [
            "problems",
            "reverted_by_id",
            "reverts_id",
            "applied_by",
            "applied_by_kind",
            "effective_at",
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table("realignments")
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
