//! A move row names the history interval it opened (`to_interval_id`; null when the account
//! became unassigned, for the move rows of a draft, which opened nothing yet, and where the
//! intervals were written move by move: engine runs in batches, an account moved twice). Applying a
//! realignment then sends each move to the database once: the move rows are inserted, and the
//! closing and opening of history intervals are derived from them by two set-based statements
//! in the same transaction, instead of shipping every row three times.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("realignment_moves")
                    .add_column(uuid_null("to_interval_id"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("realignment_moves")
                    .drop_column("to_interval_id")
                    .to_owned(),
            )
            .await
    }
}
