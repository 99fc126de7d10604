//! Writing the account moves of an applied realignment with each move sent to the database once:
//! the move rows are inserted in batched multi-row INSERTs (each naming the history interval it
//! opens), then the history is derived from them inside the database — the open interval of
//! every moved account closed, the new ones opened by one INSERT ... SELECT. The result is
//! exactly what [`crate::moves::write_state`] plus [`crate::moves::write_rows`] write, for moves
//! of distinct accounts; binding every move three times (move row, close, open) cost more than
//! the database's own work.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ConnectionTrait, DbBackend, EntityName, IdenStatic, Statement};
use terrane_domain::assignment::Assignment;
use terrane_domain::ids::RealignmentId;
use terrane_domain::realignment::AccountMove;
use uuid::Uuid;

use crate::entity::assignment_history::{Column as History, Entity as HistoryTable};
use crate::entity::realignment_move::{Column as Move, Entity as MoveTable};
use crate::error::StoreError;

/// Columns of a move row as inserted here.
const COLUMNS: [Move; 12] = [
    Move::TenantId,
    Move::RealignmentId,
    Move::AccountId,
    Move::FromTerritoryId,
    Move::FromSource,
    Move::FromRuleId,
    Move::FromPinned,
    Move::ToTerritoryId,
    Move::ToSource,
    Move::ToRuleId,
    Move::ToPinned,
    Move::ToIntervalId,
];

/// Accounts per listed `IN (...)` when PostgreSQL closes intervals.
const LISTED: usize = 5_000;

/// Rows per INSERT: as many as SQLite's limit of 32,766 parameters per statement allows
/// (PostgreSQL allows 65,535). Fewer, larger statements are cheaper to run.
const ROWS_PER_INSERT: usize = 32_766 / COLUMNS.len();

/// Closes the open interval of every moved account at `now`. SQLite takes the accounts from the
/// move rows just written. PostgreSQL gets them listed: its estimate for a tenant or realignment
/// newer than the table's statistics can be a single row, and a join planned on that estimate
/// may scan the tenant's open intervals once per move.
async fn close_intervals<C: ConnectionTrait>(
    conn: &C,
    tenant: Uuid,
    realignment: RealignmentId,
    moves: &[AccountMove],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let rid = realignment.as_uuid();
    let close = Query::update()
        .table(HistoryTable)
        .values([
            (History::ValidTo, now.into()),
            (History::EndedByRealignmentId, rid.into()),
        ])
        .and_where(Expr::col(History::TenantId).eq(tenant))
        .and_where(Expr::col(History::ValidTo).is_null())
        .to_owned();
    if conn.get_database_backend() == DbBackend::Postgres {
        if moves.len() >= LISTED {
            // Statistics older than a bulk move of this tenant (autovacuum is not there yet)
            // make a scan of the tenant's open intervals look cheaper than a lookup per listed
            // account, and a 100,000-account move then takes a minute instead of seconds.
            // Through the owner's function: the server's role may not ANALYZE (row-level security).
            conn.execute_unprepared("SELECT terrane_analyze_alignment()")
                .await?;
        }
        for chunk in moves.chunks(LISTED) {
            let accounts = chunk.iter().map(|m| m.account_id.as_uuid());
            let mut listed = close.clone();
            listed.and_where(Expr::col(History::AccountId).is_in(accounts));
            conn.execute(&listed).await?;
        }
        return Ok(());
    }
    let moved_accounts = Query::select()
        .column(Move::AccountId)
        .from(MoveTable)
        .and_where(Expr::col(Move::TenantId).eq(tenant))
        .and_where(Expr::col(Move::RealignmentId).eq(rid))
        .to_owned();
    let mut derived = close;
    derived.and_where(Expr::col(History::AccountId).in_subquery(moved_accounts));
    conn.execute(&derived).await?;
    Ok(())
}

/// `INSERT INTO realignment_moves (COLUMNS) VALUES (...), ...` with `rows` rows of parameters.
fn insert_sql(backend: DbBackend, rows: usize) -> String {
    let quote = |name: &str| format!("\"{name}\"");
    let columns: Vec<String> = COLUMNS.iter().map(|c| quote(c.as_str())).collect();
    let mut sql = format!(
        "INSERT INTO {} ({}) VALUES ",
        quote(MoveTable.table_name()),
        columns.join(", ")
    );
    let mut n = 0;
    for row in 0..rows {
        sql.push_str(if row == 0 { "(" } else { ", (" });
        for column in 0..COLUMNS.len() {
            n += 1;
            if column > 0 {
                sql.push_str(", ");
            }
            match backend {
                DbBackend::Postgres => sql.push_str(&format!("${n}")),
                _ => sql.push('?'),
            }
        }
        sql.push(')');
    }
    sql
}

fn side(a: Option<Assignment>) -> [sea_orm::Value; 4] {
    [
        a.map(|a| a.territory_id.as_uuid()).into(),
        a.map(|a| a.source.as_str().to_owned()).into(),
        a.and_then(|a| a.rule_id).map(|r| r.as_uuid()).into(),
        a.is_some_and(|a| a.pinned).into(),
    ]
}

/// Writes `moves` (of distinct accounts, in account order) made by `realignment` at `now`:
/// the move rows, each account's open interval closed and, unless it becomes unassigned, a new
/// interval opened. The realignment must have no move rows yet (they select what is derived).
/// Callers with several moves of one account use the per-move path instead.
pub(crate) async fn write<C: ConnectionTrait>(
    conn: &C,
    tenant: Uuid,
    realignment: RealignmentId,
    moves: &[AccountMove],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let rid = realignment.as_uuid();
    let backend = conn.get_database_backend();
    // The statement text of a full batch is built once and reused (the driver then reuses its
    // prepared statement too); only the last, shorter batch gets its own.
    let full = insert_sql(backend, ROWS_PER_INSERT);
    for chunk in moves.chunks(ROWS_PER_INSERT) {
        let mut values = Vec::with_capacity(chunk.len() * COLUMNS.len());
        for m in chunk {
            // Ids made here, in account order, so the new intervals' keys stay ascending.
            let interval = m.to.map(|_| Uuid::now_v7());
            values.extend([tenant.into(), rid.into(), m.account_id.as_uuid().into()]);
            values.extend(side(m.from));
            values.extend(side(m.to));
            values.push(interval.into());
        }
        let sql = if chunk.len() == ROWS_PER_INSERT {
            full.clone()
        } else {
            insert_sql(backend, chunk.len())
        };
        conn.execute_raw(Statement::from_sql_and_values(backend, sql, values))
            .await?;
    }
    close_intervals(conn, tenant, realignment, moves, now).await?;
    let opened = Query::select()
        .columns([
            Move::TenantId,
            Move::ToIntervalId,
            Move::AccountId,
            Move::ToTerritoryId,
            Move::ToSource,
            Move::ToRuleId,
            Move::ToPinned,
        ])
        .expr(Expr::val(now))
        .column(Move::RealignmentId)
        .from(MoveTable)
        .and_where(Expr::col(Move::TenantId).eq(tenant))
        .and_where(Expr::col(Move::RealignmentId).eq(rid))
        .and_where(Expr::col(Move::ToTerritoryId).is_not_null())
        .to_owned();
    let mut open = Query::insert();
    open.into_table(HistoryTable)
        .columns([
            History::TenantId,
            History::Id,
            History::AccountId,
            History::TerritoryId,
            History::Source,
            History::RuleId,
            History::Pinned,
            History::ValidFrom,
            History::RealignmentId,
        ])
        .select_from(opened)
        .map_err(|e| StoreError::corrupt(e.to_string()))?;
    conn.execute(&open).await?;
    Ok(())
}
