//! A check of the PostgreSQL catalog (it runs when `TEST_DATABASE_URL` names a PostgreSQL
//! server): every tenant-owned table leads its primary key with `tenant_id`, and every unique
//! constraint, unique index and foreign key of such a table includes `tenant_id` — so no key can
//! ever identify or reference a row across tenants. New tables are covered automatically.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use sea_orm::{ConnectionTrait, Database, Statement};
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
    Store::connect(&url).await.unwrap().migrate().await.unwrap();
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
    assert!(checked > 20, "checked {checked} keys");
    eprintln!(
        "{} tenant tables, {checked} keys checked",
        tenant_tables.len()
    );
}
