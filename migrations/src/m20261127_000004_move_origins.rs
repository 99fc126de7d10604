//! Move rows keep the whole assignment an account left (source, rule, pin), not only its
//! territory: a revert can restore it exactly, and the move digest in the audit event can be
//! recomputed from the stored rows alone.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite's ALTER TABLE adds a single column at a time.
        for column in [
            string_len_null("from_source", 16),
            uuid_null("from_rule_id"),
            boolean("from_pinned").default(false).to_owned(),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table("realignment_moves")
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in ["from_pinned", "from_rule_id", "from_source"] {
            manager
                .alter_table(
                    Table::alter()
                        .table("realignment_moves")
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
