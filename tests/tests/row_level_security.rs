//! Row-level security on PostgreSQL (the test does nothing on SQLite): two tenants fill every
//! tenant table through the real server, then a connection acting as the app role — the role the
//! server serves as — reads and writes the tables directly, below the store's own tenant filters:
//!
//! - with no tenant set it sees no row of any tenant table (nor through the `assignments` view);
//! - with tenant B set it sees B's rows and none of A's, deletes none of A's, and every insert
//!   or update that would write a row of A is refused by the policy's `WITH CHECK`;
//! - with tenant A set it sees exactly A's rows (the policy filters, it does not just deny).
//!
//! The tables are read from the catalog, so a table added later is covered without a change.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement};
use serde_json::json;
use terrane_tests::workflow::{account, add_ok, apply, bounded_territory, draft};
use terrane_tests::{Tenant, TestApp, square};
use uuid::Uuid;

/// Tables that must hold rows of both tenants after [`fill`], so the checks below are not
/// vacuous.
const FILLED: &[&str] = &[
    "users",
    "sessions",
    "api_keys",
    "territories",
    "territory_history",
    "accounts",
    "assignment_history",
    "assignment_rules",
    "realignments",
    "realignment_changes",
    "realignment_moves",
    "audit_events",
    "idempotency_keys",
];

/// Puts rows of `tenant` in every tenant table.
async fn fill(app: &TestApp, tenant: &Tenant) {
    let t = &tenant.token;
    let west = bounded_territory(app, t, "WEST", square(0.0, 0.0, 10.0), None).await;
    let east = bounded_territory(app, t, "EAST", square(10.0, 0.0, 10.0), None).await;
    let acme = account(app, t, "ACME", 5.0, 5.0, "100").await;
    app.ok(
        Some(t),
        "mutation($input: CreateAssignmentRuleInput!) { createAssignmentRule(input: $input) { userErrors { code } } }",
        json!({ "input": { "territoryId": east, "name": "big", "priority": 1,
            "criteria": [{ "field": "segment", "op": "EQ", "value": "ENT" }] } }),
    )
    .await;
    app.ok(
        Some(t),
        "mutation { createApiKey(input: { name: \"ci\", role: REP }) { secret } }",
        json!({}),
    )
    .await;
    let plan = draft(app, t, "move acme").await;
    add_ok(
        app,
        t,
        &plan,
        json!([{ "moveAccounts": { "accountIds": [acme], "toTerritoryId": east, "pin": true } }]),
    )
    .await;
    let applied = apply(app, t, &plan, None).await;
    assert_eq!(applied["userErrors"], json!([]), "{applied}");
    let body = json!({ "query": "mutation($id: ID!) { updateTerritory(input: { id: $id, name: \"W\" }) { userErrors { code } } }",
        "variables": { "id": west } });
    let (status, _, _) = app
        .post_with_headers(Some(t), &[("Idempotency-Key", "k-1")], &body)
        .await;
    assert_eq!(status, 200);
}

async fn scalar(db: &impl ConnectionTrait, sql: &str) -> i64 {
    db.query_one_raw(Statement::from_string(DbBackend::Postgres, sql))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .unwrap()
        .try_get_by_index(0)
        .unwrap()
}

async fn strings(db: &impl ConnectionTrait, sql: &str) -> Vec<String> {
    db.query_all_raw(Statement::from_string(DbBackend::Postgres, sql))
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.try_get_by_index(0).unwrap())
        .collect()
}

/// Runs `check` in a transaction acting as the app role, with `tenant` set (or none); rolls
/// back whatever it did.
async fn as_app<T>(
    db: &DatabaseConnection,
    tenant: Option<Uuid>,
    check: impl AsyncFnOnce(&sea_orm::DatabaseTransaction) -> T,
) -> T {
    use sea_orm::TransactionTrait;
    let txn = db.begin().await.unwrap();
    txn.execute_unprepared("SET LOCAL ROLE terrane_app")
        .await
        .unwrap();
    if let Some(tenant) = tenant {
        txn.execute_unprepared(&format!(
            "SELECT set_config('app.tenant_id', '{tenant}', true)"
        ))
        .await
        .unwrap();
    }
    let out = check(&txn).await;
    txn.rollback().await.unwrap();
    out
}

#[tokio::test]
async fn the_app_role_sees_and_writes_only_the_tenant_it_set() {
    if !std::env::var("TEST_DATABASE_URL").is_ok_and(|u| u.starts_with("postgres")) {
        return;
    }
    let app = TestApp::spawn().await;
    let (a, b) = (app.sign_up("tenant-a").await, app.sign_up("tenant-b").await);
    fill(&app, &a).await;
    fill(&app, &b).await;

    // The test's own connection is the owner's (a superuser in CI): it sees everything.
    let owner = Database::connect(&app.database_url).await.unwrap();
    let id_of = async |slug: &str| -> Uuid {
        let row = owner
            .query_one_raw(Statement::from_string(
                DbBackend::Postgres,
                format!("SELECT id FROM tenants WHERE slug = '{slug}'"),
            ))
            .await
            .unwrap()
            .unwrap();
        row.try_get_by_index(0).unwrap()
    };
    let (ta, tb) = (id_of("tenant-a").await, id_of("tenant-b").await);
    let relations = strings(
        &owner,
        "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v') \
           AND EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id') \
         ORDER BY 1",
    )
    .await;
    assert!(relations.contains(&"assignments".to_owned()), "the view");

    for relation in &relations {
        let count_of =
            |tenant: Uuid| format!("SELECT count(*) FROM {relation} WHERE tenant_id = '{tenant}'");
        let (rows_a, rows_b) = (
            scalar(&owner, &count_of(ta)).await,
            scalar(&owner, &count_of(tb)).await,
        );
        if FILLED.contains(&relation.as_str()) || relation == "assignments" {
            assert!(rows_a > 0 && rows_b > 0, "{relation}: {rows_a} / {rows_b}");
        }
        let all = format!("SELECT count(*) FROM {relation}");
        let seen = as_app(&owner, None, async |txn| scalar(txn, &all).await).await;
        assert_eq!(seen, 0, "{relation}: rows seen with no tenant set");
        let (seen_all, seen_a) = as_app(&owner, Some(tb), async |txn| {
            (scalar(txn, &all).await, scalar(txn, &count_of(ta)).await)
        })
        .await;
        assert_eq!((seen_all, seen_a), (rows_b, 0), "{relation} as tenant B");
        let seen_own = as_app(&owner, Some(ta), async |txn| scalar(txn, &all).await).await;
        assert_eq!(seen_own, rows_a, "{relation} as tenant A");
    }

    // Writes as tenant B: none reaches A's rows, none may create one.
    let tables = strings(
        &owner,
        "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') \
           AND EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id') \
         ORDER BY 1",
    )
    .await;
    for table in &tables {
        let columns = strings(
            &owner,
            &format!(
                "SELECT column_name::text FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name = '{table}' \
                   AND is_generated = 'NEVER' ORDER BY ordinal_position"
            ),
        )
        .await;
        let list = columns.join(", ");
        let values = columns
            .iter()
            .map(|c| match c.as_str() {
                "tenant_id" => format!("'{ta}'::uuid"),
                other => other.to_owned(),
            })
            .collect::<Vec<_>>()
            .join(", ");
        let before_a = scalar(
            &owner,
            &format!("SELECT count(*) FROM {table} WHERE tenant_id = '{ta}'"),
        )
        .await;
        as_app(&owner, Some(tb), async |txn| {
            let deleted = txn
                .execute_unprepared(&format!("DELETE FROM {table} WHERE tenant_id = '{ta}'"))
                .await
                .unwrap();
            assert_eq!(deleted.rows_affected(), 0, "{table}: deleted A's rows as B");
        })
        .await;
        for (what, sql) in [
            (
                "insert",
                format!("INSERT INTO {table} ({list}) SELECT {values} FROM {table} LIMIT 1"),
            ),
            ("update", format!("UPDATE {table} SET tenant_id = '{ta}'")),
        ] {
            let refused = as_app(&owner, Some(tb), async |txn| {
                txn.execute_unprepared(&sql).await.err()
            })
            .await;
            if scalar(
                &owner,
                &format!("SELECT count(*) FROM {table} WHERE tenant_id = '{tb}'"),
            )
            .await
                > 0
            {
                let refused = refused.unwrap_or_else(|| panic!("{table}: {what} was allowed"));
                assert!(
                    refused.to_string().contains("row-level security"),
                    "{table}: {what} refused for another reason: {refused}"
                );
            }
        }
        let after_a = scalar(
            &owner,
            &format!("SELECT count(*) FROM {table} WHERE tenant_id = '{ta}'"),
        )
        .await;
        assert_eq!(after_a, before_a, "{table}: A's rows unchanged");
    }
}
