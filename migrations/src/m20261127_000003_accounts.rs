//! Accounts, their current assignments and assignment history, assignment rules, and the move
//! rows of realignments.

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
                tenant_table::create("accounts")
                    .col(uuid("id"))
                    .col(string_len("external_id", 128))
                    .col(string_len("name", 300))
                    .col(double_null("lat"))
                    .col(double_null("lon"))
                    .col(text_null("address"))
                    .col(string_len_null("industry", 200))
                    .col(string_len_null("segment", 200))
                    // Amounts are integer hundredths: exact sums in SQL on every database.
                    .col(big_integer("potential_hundredths"))
                    .col(big_integer("workload_hundredths"))
                    .col(text("attributes"))
                    .col(big_integer("version"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .primary_key(&mut tenant_table::primary_key(&["id"]))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                tenant_table::index("accounts", &["external_id"])
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                tenant_table::create("assignment_rules")
                    .col(uuid("id"))
                    .col(uuid("territory_id"))
                    .col(string_len("name", 200))
                    .col(integer("priority"))
                    .col(text("criteria"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .primary_key(&mut tenant_table::primary_key(&["id"]))
                    .foreign_key(&mut tenant_table::reference(
                        "assignment_rules",
                        "territory_id",
                        "territories",
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                tenant_table::create("assignments")
                    .col(uuid("account_id"))
                    .col(uuid("territory_id"))
                    .col(string_len("source", 16))
                    .col(uuid_null("rule_id"))
                    .col(boolean("pinned"))
                    .col(timestamp_with_time_zone("since"))
                    .col(uuid("realignment_id"))
                    .primary_key(&mut tenant_table::primary_key(&["account_id"]))
                    .foreign_key(&mut tenant_table::reference(
                        "assignments",
                        "account_id",
                        "accounts",
                    ))
                    .foreign_key(&mut tenant_table::reference(
                        "assignments",
                        "territory_id",
                        "territories",
                    ))
                    .foreign_key(&mut tenant_table::reference(
                        "assignments",
                        "realignment_id",
                        "realignments",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(tenant_table::index("assignments", &["territory_id"]))
            .await?;

        manager
            .create_table(
                tenant_table::create("assignment_history")
                    .col(uuid("id"))
                    .col(uuid("account_id"))
                    .col(uuid("territory_id"))
                    .col(string_len("source", 16))
                    .col(uuid_null("rule_id"))
                    .col(boolean("pinned"))
                    .col(timestamp_with_time_zone("valid_from"))
                    .col(timestamp_with_time_zone_null("valid_to"))
                    .col(uuid("realignment_id"))
                    .col(uuid_null("ended_by_realignment_id"))
                    .primary_key(&mut tenant_table::primary_key(&["id"]))
                    .foreign_key(&mut tenant_table::reference(
                        "assignment_history",
                        "account_id",
                        "accounts",
                    ))
                    .foreign_key(&mut tenant_table::reference(
                        "assignment_history",
                        "realignment_id",
                        "realignments",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(tenant_table::index(
                "assignment_history",
                &["account_id", "valid_from"],
            ))
            .await?;

        manager
            .create_table(
                tenant_table::create("realignment_moves")
                    .col(uuid("realignment_id"))
                    .col(uuid("account_id"))
                    .col(uuid_null("from_territory_id"))
                    .col(uuid_null("to_territory_id"))
                    .col(string_len_null("to_source", 16))
                    .col(uuid_null("to_rule_id"))
                    .col(boolean("to_pinned"))
                    .primary_key(&mut tenant_table::primary_key(&[
                        "realignment_id",
                        "account_id",
                    ]))
                    .foreign_key(&mut tenant_table::reference(
                        "realignment_moves",
                        "realignment_id",
                        "realignments",
                    ))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "realignment_moves",
            "assignment_history",
            "assignments",
            "assignment_rules",
            "accounts",
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
