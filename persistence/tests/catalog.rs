//! A check of the PostgreSQL catalog (it runs when `TEST_DATABASE_URL` names a PostgreSQL
//! server): every tenant-owned table leads its primary key with `tenant_id`, and every unique
//! constraint, unique index and foreign key of such a table includes `tenant_id` — so no key can
//! ever identify or reference a row across tenants; every such table has row-level security
//! enabled and forced with the tenant-isolation policy, and every view runs with its caller's
//! rights; the app role can bypass none of it. New tables are covered automatically.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use sea_orm::{ConnectionTrait, Database, Statement};
use terrane_migrations::rls::{APP_ROLE, DEFINER_FUNCTIONS, POLICY};
use terrane_persistence::Store;

async fn rows(db: &sea_orm::DatabaseConnection, sql: &str) -> Vec<(String, String, Vec<String>)> {
    db.query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
        .into_iter()
        .map(|r| {
            let columns: String = r.try_get_by_index(2).unwrap();
            (
                r.try_get_by_index(0).unwrap(),
                r.try_get_by_index(1).unwrap(),
                columns.split(',').map(str::to_owned).collect(),
            )
        })
        .collect()
}

#[tokio::test]
async fn every_key_of_every_tenant_table_includes_the_tenant() {
    let Ok(base) = std::env::var("TEST_DATABASE_URL") else {
        return;
    };
    if !base.starts_with("postgres") {
        return;
    }
    let url = terrane_persistence::testing::fresh_database_url()
        .await
        .unwrap();
    Store::migrate_database(&url).await.unwrap();
    let db = Database::connect(&url).await.unwrap();

    let tenant_tables: Vec<String> = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT c.table_name FROM information_schema.columns c \
             JOIN information_schema.tables t ON t.table_name = c.table_name AND t.table_schema = c.table_schema \
             WHERE c.table_schema = 'public' AND c.column_name = 'tenant_id' AND t.table_type = 'BASE TABLE' \
             ORDER BY 1",
        ))
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.try_get_by_index(0).unwrap())
        .collect();
    assert!(tenant_tables.len() >= 10, "{tenant_tables:?}");

    // Every constraint (p = primary key, u = unique, f = foreign key) with its columns in order.
    let constraints = rows(
        &db,
        "SELECT rel.relname::text, con.contype::text, \
                string_agg(att.attname::text, ',' ORDER BY k.ord) \
         FROM pg_constraint con \
         JOIN pg_class rel ON rel.oid = con.conrelid \
         JOIN pg_namespace ns ON ns.oid = rel.relnamespace AND ns.nspname = 'public' \
         CROSS JOIN LATERAL unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord) \
         JOIN pg_attribute att ON att.attrelid = rel.oid AND att.attnum = k.attnum \
         WHERE con.contype IN ('p', 'u', 'f') \
         GROUP BY rel.relname, con.conname, con.contype",
    )
    .await;
    // Unique indexes that are not constraints (e.g. partial ones).
    let unique_indexes = rows(
        &db,
        "SELECT t.relname::text, 'i', string_agg(a.attname::text, ',' ORDER BY k.ord) \
         FROM pg_index ix \
         JOIN pg_class t ON t.oid = ix.indrelid \
         JOIN pg_namespace ns ON ns.oid = t.relnamespace AND ns.nspname = 'public' \
         CROSS JOIN LATERAL unnest(ix.indkey) WITH ORDINALITY AS k(attnum, ord) \
         JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum \
         WHERE ix.indisunique AND NOT ix.indisprimary \
           AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = ix.indexrelid) \
         GROUP BY t.relname, ix.indexrelid",
    )
    .await;

    let mut checked = 0;
    let mut violations = Vec::new();
    for table in &tenant_tables {
        let primary: Vec<_> = constraints
            .iter()
            .filter(|(t, kind, _)| t == table && kind == "p")
            .collect();
        assert_eq!(primary.len(), 1, "{table} has a primary key");
        assert_eq!(
            primary[0].2[0], "tenant_id",
            "{table}: primary key leads with tenant_id"
        );
        for (t, kind, columns) in constraints.iter().chain(&unique_indexes) {
            if t == table {
                if !columns.iter().any(|c| c == "tenant_id") {
                    violations.push(format!("{table}: {kind} key ({})", columns.join(", ")));
                }
                checked += 1;
            }
        }
    }
    assert_eq!(violations, Vec::<String>::new(), "keys without tenant_id");
    row_level_security(&db, &tenant_tables).await;
    assert!(checked > 20, "checked {checked} keys");
    eprintln!(
        "{} tenant tables, {checked} keys checked",
        tenant_tables.len()
    );
}

async fn strings(db: &sea_orm::DatabaseConnection, sql: &str) -> Vec<String> {
    db.query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.try_get_by_index(0).unwrap())
        .collect()
}

/// Every tenant table: RLS enabled and forced, the tenant-isolation policy for every command and
/// every role, filtering on `tenant_id` and checking written rows too; any other policy is for
/// specific roles that are not the app role. Every view: `security_invoker`. The app role: no
/// superuser, no BYPASSRLS, owns nothing; the definer functions pin `search_path` and only the
/// app role (not PUBLIC) may call them.
async fn row_level_security(db: &sea_orm::DatabaseConnection, tenant_tables: &[String]) {
    let secured = strings(
        db,
        &format!(
            "SELECT c.relname::text FROM pg_class c \
             JOIN pg_namespace ns ON ns.oid = c.relnamespace AND ns.nspname = 'public' \
             JOIN pg_policy p ON p.polrelid = c.oid AND p.polname = '{POLICY}' \
             WHERE c.relrowsecurity AND c.relforcerowsecurity \
               AND p.polcmd = '*' AND p.polpermissive AND p.polroles = '{{0}}' \
               AND pg_get_expr(p.polqual, p.polrelid) LIKE '%tenant_id = %app.tenant_id%' \
               AND pg_get_expr(p.polwithcheck, p.polrelid) LIKE '%tenant_id = %app.tenant_id%' \
             ORDER BY 1"
        ),
    )
    .await;
    assert_eq!(
        secured, tenant_tables,
        "tenant tables with forced row-level security and the tenant policy"
    );
    let loose = strings(
        db,
        &format!(
            "SELECT c.relname::text || '.' || p.polname::text FROM pg_policy p \
             JOIN pg_class c ON c.oid = p.polrelid \
             WHERE p.polname <> '{POLICY}' \
               AND (p.polroles @> '{{0}}' OR p.polroles @> ARRAY['{APP_ROLE}'::regrole::oid])"
        ),
    )
    .await;
    assert_eq!(
        loose,
        Vec::<String>::new(),
        "other policies open to the app role"
    );
    let definer = strings(
        db,
        "SELECT c.relname::text FROM pg_class c \
         JOIN pg_namespace ns ON ns.oid = c.relnamespace AND ns.nspname = 'public' \
         WHERE c.relkind = 'v' \
           AND NOT coalesce(c.reloptions @> ARRAY['security_invoker=true'], false)",
    )
    .await;
    assert_eq!(
        definer,
        Vec::<String>::new(),
        "views not run as their caller"
    );
    let unsafe_role = strings(
        db,
        &format!(
            "SELECT r.rolname::text FROM pg_roles r WHERE r.rolname = '{APP_ROLE}' \
               AND (r.rolsuper OR r.rolbypassrls \
                    OR EXISTS (SELECT FROM pg_class c WHERE c.relowner = r.oid))"
        ),
    )
    .await;
    assert_eq!(
        unsafe_role,
        Vec::<String>::new(),
        "the app role is held by RLS"
    );
    for function in DEFINER_FUNCTIONS {
        let ok = strings(
            db,
            &format!(
                "SELECT p.proname::text FROM pg_proc p WHERE p.oid = 'public.{function}'::regprocedure \
                   AND p.prosecdef AND array_to_string(p.proconfig, ',') LIKE '%search_path=%' \
                   AND has_function_privilege('{APP_ROLE}', p.oid, 'EXECUTE') \
                   AND NOT has_function_privilege('public', p.oid, 'EXECUTE')"
            ),
        )
        .await;
        assert_eq!(
            ok.len(),
            1,
            "{function}: definer, pinned search_path, app role only"
        );
    }
}
