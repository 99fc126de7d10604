//! Row-level security in the production set-up (PostgreSQL only; nothing on SQLite): the schema
//! owned by a role that is neither a superuser nor `BYPASSRLS` (so `FORCE` holds it too), the
//! server logging in as a plain member of the app role. Everything that crosses tenants — token
//! sign-in, the scheduler's scan, the maintenance purge, the statistics refresh after an
//! import — still works, through the owner's definer functions; the server's queries run as
//! the app role; and the owner itself sees no tenant row outside the few tables those
//! functions read.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{Duration, Utc};
use sea_orm::{ConnectionTrait, Database, DbBackend, Statement};
use terrane_domain::audit::Actor;
use terrane_domain::identity::{DisplayName, Email, Role, TenantName, TenantSlug};
use terrane_domain::ids::{SessionId, TenantId, TerritoryId, UserId};
use terrane_domain::realignment::{CreateTerritory, PlanChange};
use terrane_domain::territory::{TerritoryCode, TerritoryName};
use terrane_persistence::{
    ClaimTimes, ImportMode, NewSession, NewUser, SignUp, Store, WriteContext,
};

const OWNER: &str = "terrane_test_owner";
const SERVER: &str = "terrane_test_server";

/// Roles are shared by the server's databases and outlive the test: created once, race-safe.
fn ensure_role(name: &str, attributes: &str) -> String {
    format!(
        "DO $$ BEGIN \
           IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{name}') THEN \
             CREATE ROLE {name} {attributes}; \
           END IF; \
         EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
    )
}

/// (owner URL, server URL) of a fresh database owned by an ordinary role.
async fn production_like_database(base: &str) -> (String, String) {
    let admin = Database::connect(base).await.unwrap();
    for sql in [
        ensure_role("terrane_app", "NOLOGIN"),
        ensure_role(OWNER, "LOGIN NOSUPERUSER NOBYPASSRLS"),
        ensure_role(SERVER, "LOGIN NOSUPERUSER NOBYPASSRLS"),
        format!("GRANT terrane_app TO {SERVER}"),
    ] {
        admin.execute_unprepared(&sql).await.unwrap();
    }
    let name = format!("terrane_test_{}", uuid::Uuid::now_v7().simple());
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name} OWNER {OWNER}"))
        .await
        .unwrap();
    admin.close().await.unwrap();
    let rest = base.split_once("://").unwrap().1;
    let host = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
    let host = host.split_once('/').unwrap().0;
    (
        format!("postgres://{OWNER}@{host}/{name}"),
        format!("postgres://{SERVER}@{host}/{name}"),
    )
}

async fn sign_up(store: &Store, slug: &str, token_hash: &str) -> TenantId {
    let admin = NewUser {
        id: UserId::new(),
        email: Email::parse("admin@example.com").unwrap(),
        display_name: DisplayName::parse("Admin").unwrap(),
        role: Role::Admin,
        password_hash: "not-a-real-hash".into(),
    };
    let session = NewSession {
        id: SessionId::new(),
        user_id: admin.id,
        token_hash: token_hash.to_owned(),
        expires_at: Utc::now() + Duration::hours(1),
    };
    let tenant_id = TenantId::new();
    let sign_up = SignUp {
        tenant_id,
        slug: TenantSlug::parse(slug).unwrap(),
        name: TenantName::parse(slug).unwrap(),
        admin,
        session,
    };
    store.sign_up(&sign_up, None).await.unwrap().unwrap();
    tenant_id
}

#[tokio::test]
async fn cross_tenant_paths_work_for_an_owner_that_rls_holds() {
    let Ok(base) = std::env::var("TEST_DATABASE_URL") else {
        return;
    };
    if !base.starts_with("postgres") {
        return;
    }
    let (owner_url, server_url) = production_like_database(&base).await;
    let store = Store::open(&server_url, Some(&owner_url)).await.unwrap();
    assert_eq!(
        store.database_role().await.unwrap().as_deref(),
        Some("terrane_app")
    );
    let (hash_a, hash_b) = (format!("{:064}", 1), format!("{:064}", 2));
    let a = sign_up(&store, "acme", &hash_a).await;
    let b = sign_up(&store, "globex", &hash_b).await;

    // Sign-in by token finds each tenant (definer lookup, then checked inside the tenant).
    let who = store.authenticate(&hash_a).await.unwrap().unwrap();
    assert_eq!(who.tenant_id, a);
    assert_eq!(
        store
            .authenticate(&hash_b)
            .await
            .unwrap()
            .unwrap()
            .tenant_id,
        b
    );
    assert!(
        store
            .authenticate(&format!("{:064}", 3))
            .await
            .unwrap()
            .is_none()
    );

    // The scheduler's scan finds a due realignment of any tenant and applies it.
    let ctx = WriteContext {
        actor: Actor::SYSTEM,
        request_id: None,
    };
    let scope = store.tenant(b);
    let draft = scope
        .create_realignment("later".into(), None, &ctx)
        .await
        .unwrap();
    let change = PlanChange::CreateTerritory(CreateTerritory {
        id: TerritoryId::new(),
        name: TerritoryName::parse("North").unwrap(),
        code: TerritoryCode::parse("N").unwrap(),
        parent_id: None,
        boundary: None,
    });
    scope
        .add_realignment_changes(draft.id, vec![change], &ctx)
        .await
        .unwrap()
        .unwrap();
    let at = Utc::now() + Duration::milliseconds(300);
    scope
        .apply_draft(draft.id, Some(at), &ctx)
        .await
        .unwrap()
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    assert_eq!(store.apply_due_realignments(Utc::now()).await.unwrap(), 1);

    // The maintenance purge reaches every tenant's expired keys.
    let old = Utc::now() - Duration::days(2);
    let times = ClaimTimes {
        now: old,
        expired_before: old - Duration::hours(24),
        abandoned_before: old - Duration::minutes(5),
    };
    for tenant in [a, b] {
        store
            .tenant(tenant)
            .claim_idempotency_key("k", "h", times)
            .await
            .unwrap();
    }
    assert_eq!(
        store
            .purge_idempotency_keys(Utc::now() - Duration::days(1))
            .await
            .unwrap(),
        2
    );

    // An import refreshes the planner's statistics through the owner's function.
    let report = store
        .tenant(a)
        .import_accounts(
            "external_id,name\nC-1,Acme\n".as_bytes(),
            ImportMode::AllOrNothing,
            &ctx,
        )
        .await
        .unwrap();
    assert!(report.is_ok(), "{report:?}");

    // The owner is held by the forced policies: without a tenant it sees nothing, except in
    // the tables its definer functions read (sessions, api_keys, realignments, idempotency_keys).
    let owner = Database::connect(&owner_url).await.unwrap();
    for table in [
        "users",
        "territories",
        "audit_events",
        "accounts",
        "assignment_history",
    ] {
        let row = owner
            .query_one_raw(Statement::from_string(
                DbBackend::Postgres,
                format!("SELECT count(*) FROM {table}"),
            ))
            .await
            .unwrap()
            .unwrap();
        let count: i64 = row.try_get_by_index(0).unwrap();
        assert_eq!(count, 0, "the owner sees {table} rows with no tenant set");
    }
}
