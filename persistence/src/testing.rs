//! Support for tests of this crate and of the crates above it: a fresh, empty database per test.

use sea_orm::{ConnectionTrait, Database};

use terrane_domain::ids::{RealignmentId, TenantId, TerritoryId};

use crate::error::StoreError;

/// Test databases on a PostgreSQL server older than this are left over from earlier runs.
const STALE_TEST_DATABASE: std::time::Duration = std::time::Duration::from_secs(2 * 60 * 60);

/// A database URL nobody else uses: a new PostgreSQL database on the server named by
/// `TEST_DATABASE_URL` (when it is `postgres://…`), else a new SQLite file in the temp dir.
/// The first PostgreSQL database a test process asks for also drops the test databases that
/// earlier runs left behind (named after a UUIDv7, so their age is in their name).
pub async fn fresh_database_url() -> Result<String, StoreError> {
    static SWEPT: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    match std::env::var("TEST_DATABASE_URL") {
        Ok(base) if base.starts_with("postgres") => {
            let admin = Database::connect(&base).await?;
            if !SWEPT.swap(true, std::sync::atomic::Ordering::SeqCst) {
                drop_stale_test_databases(&admin).await?;
            }
            let name = format!("{TEST_DATABASE_PREFIX}{}", uuid::Uuid::now_v7().simple());
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

/// What every test database's name starts with, before its UUIDv7.
const TEST_DATABASE_PREFIX: &str = "terrane_test_";

/// Drops the test databases created more than [`STALE_TEST_DATABASE`] ago. Best effort: one
/// that cannot be dropped now (someone is still connected) is left for a later sweep.
async fn drop_stale_test_databases(admin: &sea_orm::DatabaseConnection) -> Result<(), StoreError> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let statement = sea_orm::Statement::from_string(
        sea_orm::DbBackend::Postgres,
        format!(
            "SELECT datname::text FROM pg_database WHERE datname LIKE '{TEST_DATABASE_PREFIX}%'"
        ),
    );
    for row in admin.query_all_raw(statement).await? {
        let name: String = row.try_get_by_index(0)?;
        let created = name
            .strip_prefix(TEST_DATABASE_PREFIX)
            .and_then(|id| uuid::Uuid::try_parse(id).ok())
            .and_then(|id| id.get_timestamp())
            .map(|at| {
                let (secs, nanos) = at.to_unix();
                std::time::Duration::new(secs, nanos)
            });
        if created.is_some_and(|at| now.saturating_sub(at) > STALE_TEST_DATABASE) {
            // The name was just read from the catalog and matched a UUID: safe to splice.
            let _ = admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name}"))
                .await;
        }
    }
    Ok(())
}

/// Rows per statement of the bench baseline: the most that SQLite's 32,766 parameters allow for
/// its six columns, rounded down. Measured 10% faster than 500-row statements (0.30 s against
/// 0.33 s for 100,000 rows); fewer, larger statements cost less.
const RAW_ROWS_PER_INSERT: usize = 5_000;

/// The baseline of the realignment bench: inserts `rows` rows shaped like assignment history
/// into a scratch table of the database at `url`, in batched multi-row INSERTs of
/// [`RAW_ROWS_PER_INSERT`] inside one transaction (the cheapest way to put that many rows in this
/// store), then drops the table.
/// Returns the time the inserts and commit took. It connects with the store's own connection
/// settings (SQLite pragmas included), as the URL's own user (creating a table is the owner's
/// right, not the app role's).
pub async fn raw_batched_insert(url: &str, rows: usize) -> Result<std::time::Duration, StoreError> {
    use sea_orm::TransactionTrait;
    use sea_orm::sea_query::{Alias, ColumnDef, Query, Table};
    let db = &Database::connect(crate::connect::options(url, false)).await?;
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
    for start in (0..rows).step_by(RAW_ROWS_PER_INSERT) {
        let mut insert = Query::insert();
        insert
            .into_table(table.clone())
            .columns(columns.iter().map(|c| Alias::new(*c)));
        for _ in start..(start + RAW_ROWS_PER_INSERT).min(rows) {
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

/// What [`seed_accounts_and_actuals`] writes.
#[derive(Debug, Clone, Copy)]
pub struct BulkSeed<'a> {
    /// Territories the accounts are spread over.
    pub leaves: &'a [TerritoryId],
    /// An applied realignment of the tenant, named as the placing one.
    pub realignment: RealignmentId,
    /// How many accounts.
    pub accounts: usize,
    /// How many sales.
    pub actuals: usize,
    /// The first day sales fall on.
    pub first_day: chrono::NaiveDate,
    /// Over how many days they spread.
    pub days: u32,
}

/// Bench data, written straight into the tables in large batches (the measured operations are
/// the reads): `accounts` accounts spread round-robin over `leaves`, each placed by realignment
/// `realignment`, and `actuals` sales spread over the days from `first_day` (for `days` days),
/// each credited to its account's territory. Returns how long the writes took.
pub async fn seed_accounts_and_actuals(
    store: &crate::Store,
    tenant: TenantId,
    seed: &BulkSeed<'_>,
) -> Result<std::time::Duration, StoreError> {
    let BulkSeed {
        leaves,
        realignment,
        accounts,
        actuals,
        first_day,
        days,
    } = *seed;
    use sea_orm::{ActiveValue::Set, EntityTrait, TransactionTrait};

    use crate::entity::{account, actual, assignment_history};
    let started = std::time::Instant::now();
    let tid = tenant.as_uuid();
    let now = chrono::Utc::now();
    // A first small transaction, then fresh planner statistics, then transactions of COMMIT
    // rows: PostgreSQL plans (and caches) a foreign-key check against the statistics of the
    // referenced table, and an empty `accounts` gets a sequential scan — run once per inserted
    // row over a growing table, that made one huge transaction quadratic.
    const BATCH: usize = 1_000;
    const COMMIT: usize = 100_000;
    let analyze = match store.backend() {
        // Through the owner's function: the server's role may not ANALYZE tables it does not own.
        sea_orm::DbBackend::Postgres => "SELECT terrane_analyze_alignment()",
        _ => "ANALYZE",
    };
    let mut ids = Vec::with_capacity(accounts);
    let mut first = 0;
    while first < accounts {
        let last = (first + if first == 0 { BATCH } else { COMMIT }).min(accounts);
        let txn = store.db.begin().await?;
        crate::scope::set_tenant(&txn, tenant).await?;
        for start in (first..last).step_by(BATCH) {
            let end = (start + BATCH).min(accounts);
            let mut rows = Vec::with_capacity(end - start);
            let mut placed = Vec::with_capacity(end - start);
            for i in start..end {
                let id = uuid::Uuid::now_v7();
                ids.push(id);
                rows.push(account::ActiveModel {
                    tenant_id: Set(tid),
                    id: Set(id),
                    external_id: Set(format!("B-{i:07}")),
                    name: Set(format!("Bench account {i}")),
                    lat: Set(Some(40.0 + (i % 100) as f64 / 10.0)),
                    lon: Set(Some(-100.0 + (i % 70) as f64 / 10.0)),
                    address: Set(None),
                    industry: Set(Some(["retail", "software", "health"][i % 3].to_owned())),
                    segment: Set(Some(["SMB", "MID_MARKET"][i % 2].to_owned())),
                    potential_hundredths: Set(((i % 1_000) as i64 + 1) * 10_000),
                    workload_hundredths: Set(((i % 40) as i64 + 1) * 100),
                    attributes: Set("{}".into()),
                    version: Set(1),
                    created_at: Set(now),
                    updated_at: Set(now),
                });
                placed.push(assignment_history::ActiveModel {
                    tenant_id: Set(tid),
                    id: Set(uuid::Uuid::now_v7()),
                    account_id: Set(id),
                    territory_id: Set(leaves[i % leaves.len()].as_uuid()),
                    source: Set("MANUAL".into()),
                    rule_id: Set(None),
                    pinned: Set(false),
                    valid_from: Set(now),
                    valid_to: Set(None),
                    realignment_id: Set(realignment.as_uuid()),
                    ended_by_realignment_id: Set(None),
                });
            }
            account::Entity::insert_many(rows)
                .exec_without_returning(&txn)
                .await?;
            assignment_history::Entity::insert_many(placed)
                .exec_without_returning(&txn)
                .await?;
        }
        txn.commit().await?;
        if first == 0 {
            store.db.execute_unprepared(analyze).await?;
        }
        first = last;
    }
    let mut totals = crate::actuals::MonthTotals::new();
    for first in (0..actuals).step_by(COMMIT * 5) {
        let txn = store.db.begin().await?;
        crate::scope::set_tenant(&txn, tenant).await?;
        for start in (first..(first + COMMIT * 5).min(actuals)).step_by(BATCH * 2) {
            let end = (start + BATCH * 2).min(actuals);
            let rows: Vec<_> = (start..end)
                .map(|i| {
                    let a = i % accounts.max(1);
                    let territory = leaves[a % leaves.len()].as_uuid();
                    let day = first_day + chrono::Days::new(u64::from((i as u32) % days.max(1)));
                    let amount = ((i % 500) as i64 + 1) * 100;
                    let entry = totals
                        .entry((territory, crate::actuals::month_of(day)))
                        .or_default();
                    entry.0 += amount;
                    entry.1 += 1;
                    actual::ActiveModel {
                        tenant_id: Set(tid),
                        id: Set(uuid::Uuid::now_v7()),
                        account_id: Set(ids[a]),
                        territory_id: Set(Some(territory)),
                        sold_on: Set(day),
                        metric: Set("REVENUE".into()),
                        amount_hundredths: Set(amount),
                        reference: Set(None),
                        created_at: Set(now),
                    }
                })
                .collect();
            actual::Entity::insert_many(rows)
                .exec_without_returning(&txn)
                .await?;
        }
        txn.commit().await?;
        if first == 0 {
            store.db.execute_unprepared(analyze).await?;
        }
    }
    let txn = store.db.begin().await?;
    crate::scope::set_tenant(&txn, tenant).await?;
    crate::actuals::add_to_totals(&txn, tid, &totals).await?;
    crate::account_totals::rebuild(&txn, tid).await?;
    txn.commit().await?;
    // Fresh statistics, as a long-running database would have.
    store.db.execute_unprepared(analyze).await?;
    Ok(started.elapsed())
}

/// A raw grouped sum of the tenant's actuals in a date range, the baseline the performance
/// bench compares against (the least any performance view must read).
pub async fn raw_actuals_sum(
    store: &crate::Store,
    tenant: TenantId,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
) -> Result<std::time::Duration, StoreError> {
    use sea_orm::{Statement, Value};
    let backend = store.backend();
    let sql = match backend {
        sea_orm::DbBackend::Postgres => {
            "SELECT territory_id, SUM(amount_hundredths) FROM actuals WHERE tenant_id = $1 AND metric = 'REVENUE' AND sold_on >= $2 AND sold_on < $3 GROUP BY territory_id"
        }
        _ => {
            "SELECT territory_id, SUM(amount_hundredths) FROM actuals WHERE tenant_id = ? AND metric = 'REVENUE' AND sold_on >= ? AND sold_on < ? GROUP BY territory_id"
        }
    };
    let started = std::time::Instant::now();
    // In a transaction with the tenant set, as every tenant read runs (row-level security).
    let txn = sea_orm::TransactionTrait::begin(&store.db).await?;
    crate::scope::set_tenant(&txn, tenant).await?;
    txn.query_all_raw(Statement::from_sql_and_values(
        backend,
        sql,
        [
            Value::from(tenant.as_uuid()),
            Value::from(from),
            Value::from(to),
        ],
    ))
    .await?;
    txn.commit().await?;
    Ok(started.elapsed())
}

/// The account sums of `territories` derived by joining their current assignments with their
/// accounts — what a balance view read before the totals were kept, the baseline the balance
/// bench compares against — and how long that took.
pub async fn raw_territory_sums(
    store: &crate::Store,
    tenant: TenantId,
    territories: &[TerritoryId],
) -> Result<
    (
        std::collections::HashMap<TerritoryId, crate::TerritoryMetrics>,
        std::time::Duration,
    ),
    StoreError,
> {
    let started = std::time::Instant::now();
    let txn = sea_orm::TransactionTrait::begin(&store.db).await?;
    crate::scope::set_tenant(&txn, tenant).await?;
    let sums = crate::account_totals::recount_of(&txn, tenant.as_uuid(), territories).await?;
    txn.commit().await?;
    Ok((sums, started.elapsed()))
}

/// What every bench starts from: a store (on `BENCH_DATABASE_URL`, else a new SQLite file in the
/// temp dir named after `name`), its URL, a freshly signed-up tenant and a user's write context.
pub struct Bench {
    /// The database URL (a baseline may need its own connection).
    pub url: String,
    /// The store.
    pub store: crate::Store,
    /// The tenant the bench works in.
    pub tenant_id: TenantId,
    /// Who the bench's writes are by.
    pub ctx: crate::WriteContext,
}

/// Opens the bench store and signs up its tenant (see [`Bench`]).
pub async fn bench(name: &str) -> Result<Bench, StoreError> {
    use terrane_domain::audit::{Actor, ActorKind};
    let url = match std::env::var("BENCH_DATABASE_URL") {
        Ok(url) => url,
        Err(_) => format!(
            "sqlite://{}",
            std::env::temp_dir()
                .join(format!("terrane-{name}-{}.db", uuid::Uuid::now_v7()))
                .display()
        ),
    };
    let store = crate::Store::open(&url, None).await?;
    let slug = format!("bench-{}", &uuid::Uuid::now_v7().simple().to_string()[20..]);
    let tenant_id = sign_up_tenant(&store, &slug).await?;
    let ctx = crate::WriteContext {
        actor: Actor {
            kind: ActorKind::User,
            id: Some(uuid::Uuid::now_v7()),
        },
        request_id: Some("bench".into()),
    };
    Ok(Bench {
        url,
        store,
        tenant_id,
        ctx,
    })
}

/// Signs up a tenant named `slug` with one ADMIN (no usable password or token) and returns its
/// id: the setup every store-level test and bench starts from.
pub async fn sign_up_tenant(store: &crate::Store, slug: &str) -> Result<TenantId, StoreError> {
    use terrane_domain::identity::{DisplayName, Email, Role, TenantName, TenantSlug};
    use terrane_domain::ids::{SessionId, UserId};
    let bad = |what: &str| StoreError::corrupt(format!("test tenant {what}"));
    let admin = crate::NewUser {
        id: UserId::new(),
        email: Email::parse(&format!("admin@{slug}.example.com")).map_err(|_| bad("email"))?,
        display_name: DisplayName::parse("Admin").map_err(|_| bad("name"))?,
        role: Role::Admin,
        password_hash: "not-a-real-hash".into(),
    };
    let tenant_id = TenantId::new();
    let sign_up = crate::SignUp {
        tenant_id,
        slug: TenantSlug::parse(slug).map_err(|_| bad("slug"))?,
        name: TenantName::parse(slug).map_err(|_| bad("name"))?,
        session: crate::NewSession {
            id: SessionId::new(),
            user_id: admin.id,
            token_hash: format!("{:064}", 0),
            expires_at: chrono::Utc::now(),
        },
        admin,
    };
    store
        .sign_up(&sign_up, None)
        .await?
        .map_err(|_| bad("slug taken"))?;
    Ok(tenant_id)
}

/// Where the kept per-territory account totals differ from the totals derived from scratch
/// (current assignments joined with accounts), in every tenant: one line per difference, empty
/// when they agree. The e2e tests call it after their writes.
pub async fn account_totals_drift(store: &crate::Store) -> Result<Vec<String>, StoreError> {
    use sea_orm::{EntityTrait, TransactionTrait};
    let tenants = crate::entity::tenant::Entity::find().all(&store.db).await?;
    let mut drift = Vec::new();
    for tenant in tenants {
        let txn = store.db.begin().await?;
        crate::scope::set_tenant(&txn, TenantId::from_uuid(tenant.id)).await?;
        let kept = crate::account_totals::read(&txn, tenant.id, None).await?;
        let derived = crate::account_totals::recount(&txn, tenant.id).await?;
        txn.rollback().await?;
        let mut territories: Vec<_> = kept.keys().chain(derived.keys()).copied().collect();
        territories.sort();
        territories.dedup();
        for territory in territories {
            let (k, d) = (kept.get(&territory), derived.get(&territory));
            if k != d {
                drift.push(format!(
                    "tenant {} territory {territory}: kept {k:?}, derived {d:?}",
                    tenant.slug
                ));
            }
        }
    }
    Ok(drift)
}
