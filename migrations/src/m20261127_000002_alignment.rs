//! Territories, realignments and the audit log.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::tenant_table;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                tenant_table::create("territories")
                    .col(uuid("id"))
                    .col(uuid_null("parent_id"))
                    .col(string_len("name", 200))
                    .col(string_len("code", 32))
                    .col(text_null("boundary"))
                    .col(double_null("bbox_min_lon"))
                    .col(double_null("bbox_min_lat"))
                    .col(double_null("bbox_max_lon"))
                    .col(double_null("bbox_max_lat"))
                    .col(big_integer("version"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .col(timestamp_with_time_zone_null("deleted_at"))
                    .primary_key(&mut tenant_table::primary_key(&["id"]))
                    .foreign_key(&mut tenant_table::reference(
                        "territories",
                        "parent_id",
                        "territories",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(tenant_table::index("territories", &["parent_id"]))
            .await?;
        // A deleted territory's code may be reused, so uniqueness covers live rows only. Partial
        // indexes are spelled the same on SQLite and PostgreSQL.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX ux_territories_code ON territories (tenant_id, code) \
                 WHERE deleted_at IS NULL",
            )
            .await?;

        manager
            .create_table(
                tenant_table::create("realignments")
                    .col(uuid("id"))
                    .col(string_len("title", 200))
                    .col(text_null("reason"))
                    .col(string_len("status", 16))
                    .col(string_len("created_by_kind", 16))
                    .col(uuid_null("created_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("applied_at"))
                    .primary_key(&mut tenant_table::primary_key(&["id"]))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                tenant_table::create("realignment_changes")
                    .col(uuid("realignment_id"))
                    .col(integer("position"))
                    .col(text("change"))
                    .primary_key(&mut tenant_table::primary_key(&[
                        "realignment_id",
                        "position",
                    ]))
                    .foreign_key(&mut tenant_table::reference(
                        "realignment_changes",
                        "realignment_id",
                        "realignments",
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                tenant_table::create("audit_events")
                    .col(big_integer("seq"))
                    .col(uuid("id"))
                    .col(timestamp_with_time_zone("at"))
                    .col(string_len("actor_kind", 16))
                    .col(uuid_null("actor_id"))
                    .col(string_len("action", 64))
                    .col(string_len("entity_type", 64))
                    .col(uuid_null("entity_id"))
                    .col(uuid_null("realignment_id"))
                    .col(string_len_null("request_id", 64))
                    .col(text_null("reason"))
                    .col(text_null("before"))
                    .col(text_null("after"))
                    .col(string_len("prev_hash", 64))
                    .col(string_len("hash", 64))
                    .primary_key(&mut tenant_table::primary_key(&["seq"]))
                    .foreign_key(&mut tenant_table::reference(
                        "audit_events",
                        "realignment_id",
                        "realignments",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                tenant_table::index("audit_events", &["id"])
                    .unique()
                    .to_owned(),
            )
            .await?;
        for cols in [
            ["entity_id", "seq"],
            ["realignment_id", "seq"],
            ["actor_id", "seq"],
            ["at", "seq"],
        ] {
            manager
                .create_index(tenant_table::index("audit_events", &cols))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "audit_events",
            "realignment_changes",
            "realignments",
            "territories",
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
