//! Reps and who staffs which territory, quotas, recorded sales (actuals) with their monthly
//! totals, and each tenant's fiscal calendar.
//!
//! `territory_members` and `quotas` keep history the way `assignment_history` does: the current
//! row is the open interval (`valid_to IS NULL`), each row names the realignment that opened it
//! and the one that ended it, so "who covered T on D" is an index lookup and a revert finds
//! exactly what a realignment changed. Partial unique indexes hold the rules the domain checks:
//! one open interval per (territory, rep), one open OWNER per territory, one open quota per
//! (territory, period, metric). Amounts are integer hundredths, so sums in SQL are exact.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::tenant_table;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Partial indexes, written as SQL: both databases accept `CREATE INDEX … WHERE`.
const PARTIAL_INDEXES: [&str; 5] = [
    "CREATE UNIQUE INDEX ux_territory_members_open \
     ON territory_members (tenant_id, territory_id, rep_id) WHERE valid_to IS NULL",
    "CREATE UNIQUE INDEX ux_territory_members_one_owner \
     ON territory_members (tenant_id, territory_id) WHERE valid_to IS NULL AND role = 'OWNER'",
    "CREATE INDEX ix_territory_members_open_rep \
     ON territory_members (tenant_id, rep_id) WHERE valid_to IS NULL",
    "CREATE UNIQUE INDEX ux_quotas_open \
     ON quotas (tenant_id, territory_id, period, metric) WHERE valid_to IS NULL",
    "CREATE INDEX ix_quotas_open_period \
     ON quotas (tenant_id, period, metric, territory_id) WHERE valid_to IS NULL",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            integer("fiscal_start_month").default(1),
            double("underperforming_threshold").default(0.1),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table("tenants")
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                tenant_table::create("reps")
                    .col(uuid("id"))
                    .col(string_len("name", 200))
                    .col(string_len("email", 254))
                    .col(uuid_null("user_id"))
                    .col(double_null("home_lat"))
                    .col(double_null("home_lon"))
                    .col(double("capacity"))
                    .col(text("skills"))
                    .col(boolean("active"))
                    .col(big_integer("version"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .primary_key(&mut tenant_table::primary_key(&["id"]))
                    .foreign_key(&mut tenant_table::reference("reps", "user_id", "users"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                tenant_table::index("reps", &["email"])
                    .name("ux_reps_email")
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                tenant_table::create("territory_members")
                    .col(uuid("id"))
                    .col(uuid("territory_id"))
                    .col(uuid("rep_id"))
                    .col(string_len("role", 16))
                    .col(timestamp_with_time_zone("valid_from"))
                    .col(timestamp_with_time_zone_null("valid_to"))
                    .col(uuid("realignment_id"))
                    .col(uuid_null("ended_by_realignment_id"))
                    .primary_key(&mut tenant_table::primary_key(&["id"]))
                    .foreign_key(&mut tenant_table::reference(
                        "territory_members",
                        "territory_id",
                        "territories",
                    ))
                    .foreign_key(&mut tenant_table::reference(
                        "territory_members",
                        "rep_id",
                        "reps",
                    ))
                    .to_owned(),
            )
            .await?;
        for cols in [["territory_id", "valid_from"], ["rep_id", "valid_from"]] {
            manager
                .create_index(tenant_table::index("territory_members", &cols))
                .await?;
        }
        manager
            .create_table(
                tenant_table::create("quotas")
                    .col(uuid("id"))
                    .col(uuid("territory_id"))
                    .col(string_len("period", 16))
                    .col(string_len("metric", 16))
                    .col(big_integer("amount_hundredths"))
                    .col(timestamp_with_time_zone("valid_from"))
                    .col(timestamp_with_time_zone_null("valid_to"))
                    .col(uuid("realignment_id"))
                    .col(uuid_null("ended_by_realignment_id"))
                    .primary_key(&mut tenant_table::primary_key(&["id"]))
                    .foreign_key(&mut tenant_table::reference(
                        "quotas",
                        "territory_id",
                        "territories",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(tenant_table::index("quotas", &["realignment_id"]))
            .await?;
        manager
            .create_table(
                tenant_table::create("actuals")
                    .col(uuid("id"))
                    .col(uuid("account_id"))
                    // The territory that held the account on the sale's date (null: none did).
                    .col(uuid_null("territory_id"))
                    .col(date("sold_on"))
                    .col(string_len("metric", 16))
                    .col(big_integer("amount_hundredths"))
                    .col(timestamp_with_time_zone("created_at"))
                    .primary_key(&mut tenant_table::primary_key(&["id"]))
                    .foreign_key(&mut tenant_table::reference(
                        "actuals",
                        "account_id",
                        "accounts",
                    ))
                    .foreign_key(&mut tenant_table::reference(
                        "actuals",
                        "territory_id",
                        "territories",
                    ))
                    .to_owned(),
            )
            .await?;
        // A period's actuals per territory come from one range scan of this covering index.
        for cols in [
            &["metric", "sold_on", "territory_id", "amount_hundredths"][..],
            &["territory_id", "sold_on"][..],
            &["account_id", "sold_on"][..],
        ] {
            manager
                .create_index(tenant_table::index("actuals", cols))
                .await?;
        }
        // Sales summed per territory and calendar month, kept with every insert: every fiscal
        // period starts on the first of a month, so any period's figures are a sum of at most
        // (territories × 12) of these rows, however many sales there are.
        manager
            .create_table(
                tenant_table::create("actual_totals")
                    .col(uuid("territory_id"))
                    .col(string_len("metric", 16))
                    .col(date("month"))
                    .col(big_integer("amount_hundredths"))
                    .col(big_integer("sales"))
                    .primary_key(&mut tenant_table::primary_key(&[
                        "metric",
                        "month",
                        "territory_id",
                    ]))
                    .foreign_key(&mut tenant_table::reference(
                        "actual_totals",
                        "territory_id",
                        "territories",
                    ))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        for sql in PARTIAL_INDEXES {
            db.execute_unprepared(sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "actual_totals",
            "actuals",
            "quotas",
            "territory_members",
            "reps",
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        for column in ["underperforming_threshold", "fiscal_start_month"] {
            manager
                .alter_table(
                    Table::alter()
                        .table("tenants")
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
