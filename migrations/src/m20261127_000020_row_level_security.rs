//! Row-level security on PostgreSQL (nothing on SQLite): every table that has a `tenant_id`
//! column when this runs gets the forced tenant-isolation policy of [`crate::rls`]; every view
//! runs with its caller's rights (so `assignments` is filtered like `assignment_history`); the
//! app role [`APP_ROLE`] is created if missing and given DML rights on the tables (and, by default
//! privileges, on those later migrations create) but owns nothing; and the few lookups that must
//! cross tenants become `SECURITY DEFINER` functions owned by the migration owner, with a pinned
//! `search_path`, which only the app role may call.
//!
//! Under `FORCE` the owner is held to the policies too, unless it is a superuser or has
//! `BYPASSRLS`; so that the definer functions work for an owner that is neither, the owner (and
//! only the owner: `TO CURRENT_USER`) gets a policy reading exactly the tables they read.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, Statement};

use crate::rls::{APP_ROLE, DEFINER_FUNCTIONS, drop_tenant_rls_sql, ident, tenant_rls_sql};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Owner-only policies for the definer functions: (policy, table, command).
const OWNER_POLICIES: &[(&str, &str, &str)] = &[
    ("definer_token_lookup", "sessions", "SELECT"),
    ("definer_token_lookup", "api_keys", "SELECT"),
    ("definer_due_scan", "realignments", "SELECT"),
    ("definer_purge_read", "idempotency_keys", "SELECT"),
    ("definer_purge", "idempotency_keys", "DELETE"),
];

/// The app role, created when missing. Roles are shared by every database of the server, so a
/// concurrent migration of another database may create it first: that is fine.
fn create_app_role() -> String {
    format!(
        "DO $$ BEGIN \
           IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN \
             BEGIN \
               CREATE ROLE {APP_ROLE} NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE; \
             EXCEPTION \
               WHEN duplicate_object OR unique_violation THEN NULL; \
               WHEN insufficient_privilege THEN RAISE EXCEPTION \
                 'role {APP_ROLE} does not exist and % may not create it', current_user \
                 USING HINT = 'an administrator runs: CREATE ROLE {APP_ROLE} NOLOGIN'; \
             END; \
           END IF; \
         END $$;"
    )
}

/// The definer functions, in `schema`.
fn definer_functions(schema: &str) -> String {
    let header = |signature: &str, returns: &str, volatility: &str, language: &str| {
        format!(
            "CREATE OR REPLACE FUNCTION {schema}.{signature} RETURNS {returns} \
             LANGUAGE {language} {volatility} SECURITY DEFINER SET search_path = {schema}, pg_temp AS"
        )
    };
    [
        // Which tenant a bearer token (by its SHA-256) belongs to; the caller then checks the
        // session or key itself inside that tenant's scope.
        format!(
            "{} $$ SELECT tenant_id FROM sessions WHERE token_hash = token_hash_in \
                   UNION ALL SELECT tenant_id FROM api_keys WHERE token_hash = token_hash_in \
                   LIMIT 1 $$;",
            header("terrane_token_tenant(token_hash_in text)", "uuid", "STABLE", "sql")
        ),
        // The scheduled realignments due at `due_at`, oldest first: (tenant, id) pairs only.
        format!(
            "{} $$ SELECT r.tenant_id, r.id FROM realignments r \
                   WHERE r.status = 'SCHEDULED' AND r.effective_at <= due_at \
                   ORDER BY r.effective_at LIMIT max_rows $$;",
            header(
                "terrane_due_realignments(due_at timestamptz, max_rows integer)",
                "TABLE (tenant_id uuid, id uuid)",
                "STABLE",
                "sql"
            )
        ),
        // Maintenance: forgets every tenant's idempotency keys created before `before`.
        format!(
            "{} $$ WITH gone AS (DELETE FROM idempotency_keys WHERE created_at < before RETURNING 1) \
                   SELECT count(*) FROM gone $$;",
            header(
                "terrane_purge_idempotency_keys(before timestamptz)",
                "bigint",
                "VOLATILE",
                "sql"
            )
        ),
        // Fresh planner statistics after a bulk load (ANALYZE needs the owner's rights).
        format!(
            "{} $$ BEGIN ANALYZE accounts, assignment_history, realignment_moves, actuals, \
                   actual_totals; END $$;",
            header("terrane_analyze_alignment()", "void", "VOLATILE", "plpgsql")
        ),
    ]
    .join(" ")
}

/// Names of the schema's relations of `kinds` (pg_class.relkind), and whether they must have a
/// `tenant_id` column.
async fn relations(
    db: &SchemaManagerConnection<'_>,
    kinds: &str,
    with_tenant: bool,
) -> Result<Vec<String>, DbErr> {
    let tenant_filter = if with_tenant {
        "AND EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = c.oid \
                     AND a.attname = 'tenant_id' AND NOT a.attisdropped)"
    } else {
        ""
    };
    let sql = format!(
        "SELECT c.relname::text FROM pg_class c \
         JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema() \
         WHERE c.relkind = ANY ('{{{kinds}}}'::char[]) {tenant_filter} ORDER BY 1"
    );
    db.query_all_raw(Statement::from_string(DbBackend::Postgres, sql))
        .await?
        .into_iter()
        .map(|row| row.try_get_by_index::<String>(0))
        .collect()
}

/// The schema migrations create tables in, quoted.
pub(crate) async fn current_schema(db: &SchemaManagerConnection<'_>) -> Result<String, DbErr> {
    let row = db
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT current_schema()::text",
        ))
        .await?
        .ok_or_else(|| DbErr::Custom("no current schema".into()))?;
    Ok(ident(&row.try_get_by_index::<String>(0)?))
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if db.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let schema = current_schema(db).await?;
        db.execute_unprepared(&create_app_role()).await?;
        for table in relations(db, "r,p", true).await? {
            db.execute_unprepared(&tenant_rls_sql(&table)).await?;
        }
        for view in relations(db, "v", false).await? {
            db.execute_unprepared(&format!(
                "ALTER VIEW {} SET (security_invoker = true)",
                ident(&view)
            ))
            .await?;
        }
        for (policy, table, command) in OWNER_POLICIES {
            db.execute_unprepared(&format!(
                "CREATE POLICY {policy} ON {table} FOR {command} TO CURRENT_USER USING (true)"
            ))
            .await?;
        }
        db.execute_unprepared(&definer_functions(&schema)).await?;
        let mut grants = vec![
            format!("GRANT USAGE ON SCHEMA {schema} TO {APP_ROLE}"),
            format!(
                "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {APP_ROLE}"
            ),
            format!("REVOKE ALL ON seaql_migrations FROM {APP_ROLE}"),
            format!("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {APP_ROLE}"),
            // Tables and sequences later migrations create (as this same owner) are the app's too.
            format!(
                "ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} \
                 GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {APP_ROLE}"
            ),
            format!(
                "ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} \
                 GRANT USAGE, SELECT ON SEQUENCES TO {APP_ROLE}"
            ),
        ];
        for function in DEFINER_FUNCTIONS {
            grants.push(format!(
                "REVOKE ALL ON FUNCTION {schema}.{function} FROM PUBLIC"
            ));
            grants.push(format!(
                "GRANT EXECUTE ON FUNCTION {schema}.{function} TO {APP_ROLE}"
            ));
        }
        db.execute_unprepared(&grants.join("; ")).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if db.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let schema = current_schema(db).await?;
        let mut undo = Vec::new();
        for function in DEFINER_FUNCTIONS {
            undo.push(format!("DROP FUNCTION IF EXISTS {schema}.{function}"));
        }
        for (policy, table, _) in OWNER_POLICIES {
            undo.push(format!("DROP POLICY IF EXISTS {policy} ON {table}"));
        }
        for view in relations(db, "v", false).await? {
            undo.push(format!(
                "ALTER VIEW {} RESET (security_invoker)",
                ident(&view)
            ));
        }
        for table in relations(db, "r,p", true).await? {
            undo.push(drop_tenant_rls_sql(&table));
        }
        // Rights go with the tables; the role itself is shared with other databases and stays.
        undo.push(format!(
            "ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} REVOKE ALL ON TABLES FROM {APP_ROLE}; \
             ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} REVOKE ALL ON SEQUENCES FROM {APP_ROLE}; \
             REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {APP_ROLE}; \
             REVOKE ALL ON ALL SEQUENCES IN SCHEMA {schema} FROM {APP_ROLE}"
        ));
        db.execute_unprepared(&undo.join("; ")).await?;
        Ok(())
    }
}
