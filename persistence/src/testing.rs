//! Support for tests of this crate and of the crates above it: a fresh, empty database per test.

use sea_orm::{ConnectionTrait, Database};

use crate::error::StoreError;

/// A database URL nobody else uses: a new PostgreSQL database on the server named by
/// `TEST_DATABASE_URL` (when it is `postgres://…`), else a new SQLite file in the temp dir.
pub async fn fresh_database_url() -> Result<String, StoreError> {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(base) if base.starts_with("postgres") => {
            let admin = Database::connect(&base).await?;
            let name = format!("terrane_test_{}", uuid::Uuid::now_v7().simple());
            admin
                .execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await?;
            admin.close().await?;
            let (prefix, _) = base
                .rsplit_once('/')
                .ok_or_else(|| StoreError::corrupt("TEST_DATABASE_URL must name a database"))?;
            Ok(format!("{prefix}/{name}"))
        }
        _ => {
            let path =
                std::env::temp_dir().join(format!("terrane-test-{}.db", uuid::Uuid::now_v7()));
            Ok(format!("sqlite://{}", path.display()))
        }
    }
}

/// The baseline of the realignment bench: inserts `rows` rows shaped like assignment history
/// into a scratch table of the database at `url`, in batched multi-row INSERTs of 500 inside one
/// transaction (the cheapest way to put that many rows in this store), then drops the table.
/// Returns the time the inserts and commit took. It connects as the URL's own user (creating a
/// table is the owner's right, not the app role's).
pub async fn raw_batched_insert(url: &str, rows: usize) -> Result<std::time::Duration, StoreError> {
    use sea_orm::TransactionTrait;
    use sea_orm::sea_query::{Alias, ColumnDef, Query, Table};
    let db = &Database::connect(url).await?;
    let table = Alias::new("bench_raw_rows");
    let columns = [
        "tenant_id",
        "id",
        "account_id",
        "territory_id",
        "source",
        "valid_from",
    ];
    let mut create = Table::create();
    create.table(table.clone()).if_not_exists();
    for c in ["tenant_id", "id", "account_id", "territory_id"] {
        create.col(ColumnDef::new(Alias::new(c)).uuid().not_null());
    }
    create.col(
        ColumnDef::new(Alias::new("source"))
            .string_len(16)
            .not_null(),
    );
    create.col(
        ColumnDef::new(Alias::new("valid_from"))
            .timestamp_with_time_zone()
            .not_null(),
    );
    create.primary_key(
        sea_orm::sea_query::Index::create()
            .col(Alias::new("tenant_id"))
            .col(Alias::new("id")),
    );
    db.execute(&create).await?;
    let tenant = uuid::Uuid::now_v7();
    let territory = uuid::Uuid::now_v7();
    let now = chrono::Utc::now();
    let started = std::time::Instant::now();
    let txn = db.begin().await?;
    for start in (0..rows).step_by(500) {
        let mut insert = Query::insert();
        insert
            .into_table(table.clone())
            .columns(columns.iter().map(|c| Alias::new(*c)));
        for _ in start..(start + 500).min(rows) {
            insert
                .values([
                    tenant.into(),
                    uuid::Uuid::now_v7().into(),
                    uuid::Uuid::now_v7().into(),
                    territory.into(),
                    "MANUAL".into(),
                    now.into(),
                ])
                .map_err(|e| StoreError::corrupt(e.to_string()))?;
        }
        txn.execute(&insert).await?;
    }
    txn.commit().await?;
    let took = started.elapsed();
    db.execute(&Table::drop().table(table).to_owned()).await?;
    db.close_by_ref().await?;
    Ok(took)
}
