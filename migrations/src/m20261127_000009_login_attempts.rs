//! `login_attempts`: log-in attempts not known to have succeeded, for throttling per account
//! and per client address. Not tenant-owned: an attempt is counted before (and whether or not)
//! any tenant matches, so unknown tenants and users are throttled exactly like real ones. The
//! key is a SHA-256 (hex) of what is throttled, so no e-mail or address is stored in clear.
//! Rows older than the throttling window are purged.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("login_attempts")
                    .col(pk_uuid("id"))
                    .col(string_len("throttle_key", 64))
                    .col(timestamp_with_time_zone("at"))
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            ("ix_login_attempts_key_at", &["throttle_key", "at"][..]),
            ("ix_login_attempts_at", &["at"][..]),
        ] {
            let mut index = Index::create();
            index.name(name).table("login_attempts");
            for col in cols {
                index.col(*col);
            }
            manager.create_index(index.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("login_attempts").to_owned())
            .await
    }
}
