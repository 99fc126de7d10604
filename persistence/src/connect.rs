//! Opening the database: SQLite tuned for durability and concurrency, or PostgreSQL.
//!
//! On PostgreSQL the schema is migrated by its owner (the migrate URL, or the URL itself) and
//! the server's queries run as [`APP_ROLE`]: every pooled connection starts with
//! `role=terrane_app`, so the URL's user must be that role or a member of it (a superuser may
//! be any role), and the store refuses to serve when that role could bypass row-level security.

use std::time::Duration;

use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement,
};
use terrane_domain::ids::TenantId;
use terrane_migrations::rls::APP_ROLE;
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
    /// Creates or upgrades the schema at `migrate_url` (or `url`), then connects to `url` to
    /// serve: what the server does on start. On PostgreSQL `migrate_url` names the owner of the
    /// schema and `url` a login that may act as the app role; one URL may be both when its user
    /// is a superuser or a member of the app role.
    pub async fn open(url: &str, migrate_url: Option<&str>) -> Result<Self, StoreError> {
        if is_postgres(url) {
            Self::migrate_database(migrate_url.unwrap_or(url)).await?;
            Self::connect(url).await
        } else {
            // An in-memory SQLite database lives in its one connection: migrate through it.
            let store = Self::connect(url).await?;
            Migrator::up(&store.db, None).await?;
            Ok(store)
        }
    }

    /// Creates or upgrades the schema at `url`, connected as the URL's own user (the owner).
    pub async fn migrate_database(url: &str) -> Result<(), StoreError> {
        let owner = Database::connect(options(url, false)).await?;
        Migrator::up(&owner, None).await?;
        owner.close().await?;
        Ok(())
    }

    /// Connects to an already migrated `url` (`sqlite://file.db`, `sqlite::memory:` or
    /// `postgres://…`) to serve, creating a SQLite file when it does not exist yet. On
    /// PostgreSQL every connection acts as the app role, checked to be held to row-level
    /// security.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let db = Database::connect(options(url, true)).await?;
        if db.get_database_backend() == DbBackend::Postgres {
            check_serving_role(&db).await?;
        }
        Ok(Self {
            db,
            geo_cache: Default::default(),
        })
    }

    /// Checks the database answers (for `/readyz`).
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.db.ping().await?;
        Ok(())
    }

    /// The role the store's queries run as on PostgreSQL (the app role; `None` on SQLite), for
    /// operators and tests.
    pub async fn database_role(&self) -> Result<Option<String>, StoreError> {
        if self.backend() != DbBackend::Postgres {
            return Ok(None);
        }
        let row = self
            .db
            .query_one_raw(Statement::from_string(
                DbBackend::Postgres,
                "SELECT current_user::text",
            ))
            .await?;
        Ok(row.map(|r| r.try_get_by_index(0)).transpose()?)
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

fn is_postgres(url: &str) -> bool {
    url.starts_with("postgres")
}

/// Page cache per SQLite connection (negative: KiB), 32 MiB instead of SQLite's 2 MiB. A large
/// write (a realignment moving 100,000 accounts dirties tens of MiB) otherwise spills dirty pages
/// to the WAL in the middle of the transaction: the 100k-account apply bench
/// took 1.92 s with the default and 1.54 s with this. The cache fills only as pages are read or
/// written, so idle connections stay small; eight busy ones hold at most 256 MiB.
const SQLITE_CACHE_SIZE: &str = "-32768";

/// How to connect to `url`; `serving` connections to PostgreSQL act as the app role.
pub(crate) fn options(url: &str, serving: bool) -> ConnectOptions {
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
                .busy_timeout(Duration::from_secs(10))
                .pragma("cache_size", SQLITE_CACHE_SIZE);
            if in_memory {
                opts
            } else {
                opts.journal_mode(SqliteJournalMode::Wal)
            }
        });
    } else {
        options.max_connections(16);
        if serving {
            // `SET ROLE` from the first moment of every pooled connection (a startup option,
            // so no statement can run before it).
            options.map_sqlx_postgres_opts(|opts| opts.options([("role", APP_ROLE)]));
        }
    }
    options
}

/// Refuses to serve as a role that row-level security would not hold: a superuser, a role with
/// `BYPASSRLS`, or one that owns a table of the schema (an owner is held only because of
/// `FORCE`, and could switch it off).
async fn check_serving_role(db: &DatabaseConnection) -> Result<(), StoreError> {
    let row = db
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT current_user::text, r.rolsuper OR r.rolbypassrls OR EXISTS ( \
                 SELECT FROM pg_class c WHERE c.relowner = r.oid \
                 AND c.relnamespace = current_schema()::regnamespace) \
             FROM pg_roles r WHERE r.rolname = current_user",
        ))
        .await?
        .ok_or_else(|| StoreError::Config("the serving role is not in pg_roles".into()))?;
    let (role, unsafe_role): (String, bool) = (row.try_get_by_index(0)?, row.try_get_by_index(1)?);
    if unsafe_role {
        return Err(StoreError::Config(format!(
            "refusing to serve as role {role}: it is a superuser, has BYPASSRLS or owns tables, \
             so row-level security would not hold it"
        )));
    }
    Ok(())
}
