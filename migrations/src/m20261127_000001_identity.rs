//! Tenants, users, sessions and API keys.

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
                Table::create()
                    .table("tenants")
                    .col(pk_uuid("id"))
                    .col(string_len_uniq("slug", 40))
                    .col(string_len("name", 200))
                    .col(timestamp_with_time_zone("created_at"))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                tenant_table::create("users")
                    .col(uuid("id"))
                    .col(string_len("email", 254))
                    .col(string_len("display_name", 200))
                    .col(string_len("role", 16))
                    .col(string("password_hash"))
                    .col(timestamp_with_time_zone("created_at"))
                    .primary_key(&mut tenant_table::primary_key(&["id"]))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_users_email")
                    .table("users")
                    .col("tenant_id")
                    .col("email")
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                tenant_table::create("sessions")
                    .col(uuid("id"))
                    .col(uuid("user_id"))
                    .col(string_len_uniq("token_hash", 64))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("expires_at"))
                    .col(timestamp_with_time_zone_null("revoked_at"))
                    .col(timestamp_with_time_zone_null("last_used_at"))
                    .primary_key(&mut tenant_table::primary_key(&["id"]))
                    .foreign_key(&mut tenant_table::reference("sessions", "user_id", "users"))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                tenant_table::create("api_keys")
                    .col(uuid("id"))
                    .col(string_len("name", 200))
                    .col(string_len("role", 16))
                    .col(string_len_uniq("token_hash", 64))
                    .col(uuid("created_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("expires_at"))
                    .col(timestamp_with_time_zone_null("revoked_at"))
                    .col(timestamp_with_time_zone_null("last_used_at"))
                    .primary_key(&mut tenant_table::primary_key(&["id"]))
                    .foreign_key(&mut tenant_table::reference(
                        "api_keys",
                        "created_by",
                        "users",
                    ))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["api_keys", "sessions", "users", "tenants"] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
