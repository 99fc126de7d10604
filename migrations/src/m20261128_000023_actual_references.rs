//! A sale may carry its own id from the source system (`actuals.reference`: an invoice or order
//! number). A partial unique index makes a referenced sale recordable once per tenant, so a
//! file of sales sent twice is not counted twice.

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
                    .table("actuals")
                    .add_column(string_len_null("reference", 128))
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX ux_actuals_reference \
                 ON actuals (tenant_id, reference) WHERE reference IS NOT NULL",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP INDEX ux_actuals_reference")
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("actuals")
                    .drop_column("reference")
                    .to_owned(),
            )
            .await
    }
}
