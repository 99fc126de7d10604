//! Opening the database: SQLite tuned for durability and concurrency, or PostgreSQL.

use std::time::Duration;

use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbBackend};
use terrane_domain::ids::TenantId;
use terrane_migrations::{Migrator, MigratorTrait};

use crate::error::StoreError;
use crate::scope::TenantScope;

/// The database, shared by every request. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    pub(crate) db: DatabaseConnection,
    geo_cache: std::sync::Arc<crate::geo_cache::GeoCache>,
}

impl Store {
    /// Connects to `url` (`sqlite://file.db`, `sqlite::memory:` or `postgres://…`), creating a
    /// SQLite file when it does not exist yet.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let mut options = ConnectOptions::new(url.to_owned());
        options
            .sqlx_logging(false)
            .acquire_timeout(Duration::from_secs(10));
        if url.starts_with("sqlite:") {
            let in_memory = url.contains(":memory:") || url.contains("mode=memory");
            // One writer at a time is SQLite's rule; WAL lets readers run beside it, so a few
            // connections help. An in-memory database exists per connection, so it gets one.
            options.max_connections(if in_memory { 1 } else { 8 });
            options.map_sqlx_sqlite_opts(move |opts| {
                let opts = opts
                    .create_if_missing(true)
                    .foreign_keys(true)
                    .synchronous(SqliteSynchronous::Full)
                    .busy_timeout(Duration::from_secs(10));
                if in_memory {
                    opts
                } else {
                    opts.journal_mode(SqliteJournalMode::Wal)
                }
            });
        } else {
            options.max_connections(16);
        }
        let db = Database::connect(options).await?;
        Ok(Self {
            db,
            geo_cache: Default::default(),
        })
    }

    /// Creates or upgrades the schema.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        Migrator::up(&self.db, None).await?;
        Ok(())
    }

    /// Checks the database answers (for `/readyz`).
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.db.ping().await?;
        Ok(())
    }

    /// Which kind of database this is.
    pub fn backend(&self) -> DbBackend {
        self.db.get_database_backend()
    }

    /// The data of one tenant. Call it only with a tenant id taken from an authenticated
    /// request (or a sign-up that just created the tenant).
    pub fn tenant(&self, tenant_id: TenantId) -> TenantScope<'_> {
        TenantScope::new(&self.db, tenant_id, &self.geo_cache)
    }

    /// `sqlite` or `postgres`, for reports.
    pub fn backend_name(&self) -> &'static str {
        match self.backend() {
            DbBackend::Postgres => "postgres",
            _ => "sqlite",
        }
    }

    /// Closes the pool.
    pub async fn close(self) -> Result<(), StoreError> {
        self.db.close().await?;
        Ok(())
    }
}
