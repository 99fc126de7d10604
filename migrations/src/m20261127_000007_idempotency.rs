//! `idempotency_keys`: the answers to mutations sent with an `Idempotency-Key` header, per
//! tenant, so that a retried request gets the first answer instead of a second effect.
//! `response` is NULL while the first request is still running. Rows older than 24 hours are
//! expired and purged (the index on `created_at` serves the purge).

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
                tenant_table::create("idempotency_keys")
                    .col(string_len("key", 255))
                    // SHA-256 (hex) of who asked and what: the same key with another request is refused.
                    .col(string_len("request_hash", 64))
                    .col(text_null("response"))
                    .col(timestamp_with_time_zone("created_at"))
                    .primary_key(&mut tenant_table::primary_key(&["key"]))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_idempotency_keys_created_at")
                    .table("idempotency_keys")
                    .col("created_at")
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("idempotency_keys").to_owned())
            .await
    }
}
