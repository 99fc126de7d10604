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
