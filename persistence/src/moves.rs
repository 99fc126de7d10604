//! Account moves on the write path: loading the touched accounts' current assignments, and
//! writing moves as current assignments, closed and opened history intervals, and move rows —
//! in batches, whatever their number.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect,
};
use terrane_domain::assignment::{Assignment, Source};
use terrane_domain::ids::{RealignmentId, RuleId, TerritoryId};
use terrane_domain::realignment::AccountMove;
use uuid::Uuid;

use crate::entity::{assignment, assignment_history, realignment_move};
use crate::error::StoreError;

/// Rows per batched statement: 2,000 rows of at most 11 columns stay under SQLite's limit of
/// 32,766 parameters per statement (PostgreSQL allows 65,535).
const BATCH: usize = 2_000;

pub(crate) fn to_assignment(m: &assignment::Model) -> Result<Assignment, StoreError> {
    Ok(Assignment {
        territory_id: TerritoryId::from_uuid(m.territory_id),
        source: Source::parse(&m.source)
            .ok_or_else(|| StoreError::corrupt(format!("assignment source {}", m.source)))?,
        rule_id: m.rule_id.map(RuleId::from_uuid),
        pinned: m.pinned,
    })
}

pub(crate) use crate::touched::load_touched;

/// How many accounts each of `territories` holds (only those a realignment deletes need it, so
/// ordinary writes never scan the assignments).
pub(crate) async fn account_counts<C: ConnectionTrait>(
    conn: &C,
    tenant: Uuid,
    territories: &[TerritoryId],
) -> Result<Vec<(TerritoryId, u64)>, StoreError> {
    if territories.is_empty() {
        return Ok(vec![]);
    }
    let rows: Vec<(Uuid, i64)> = assignment::Entity::find()
        .select_only()
        .column(assignment::Column::TerritoryId)
        .column_as(assignment::Column::AccountId.count(), "n")
        .filter(assignment::Column::TenantId.eq(tenant))
        .filter(assignment::Column::TerritoryId.is_in(territories.iter().map(|t| t.as_uuid())))
        .group_by(assignment::Column::TerritoryId)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(t, n)| (TerritoryId::from_uuid(t), u64::try_from(n).unwrap_or(0)))
        .collect())
}

/// Writes `moves` made by realignment `realignment` at `now`: the new state with its history,
/// and the move rows.
pub(crate) async fn write<C: ConnectionTrait>(
    conn: &C,
    tenant: Uuid,
    realignment: RealignmentId,
    moves: &[AccountMove],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    write_state(conn, tenant, realignment, moves, now).await?;
    write_rows(conn, tenant, realignment, moves).await
}

/// Writes where `moves` put their accounts: each account's open interval is closed and, unless
/// it becomes unassigned, a new one opened (the open interval is its current assignment).
pub(crate) async fn write_state<C: ConnectionTrait>(
    conn: &C,
    tenant: Uuid,
    realignment: RealignmentId,
    moves: &[AccountMove],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    for chunk in moves.chunks(BATCH) {
        let accounts: Vec<Uuid> = chunk.iter().map(|m| m.account_id.as_uuid()).collect();
        assignment_history::Entity::update_many()
            .col_expr(assignment_history::Column::ValidTo, Expr::value(now))
            .col_expr(
                assignment_history::Column::EndedByRealignmentId,
                Expr::value(realignment.as_uuid()),
            )
            .filter(assignment_history::Column::TenantId.eq(tenant))
            .filter(assignment_history::Column::AccountId.is_in(accounts))
            .filter(assignment_history::Column::ValidTo.is_null())
            .exec(conn)
            .await?;
        let opened: Vec<_> = chunk
            .iter()
            .filter_map(|m| m.to.map(|to| (m.account_id.as_uuid(), to)))
            .map(|(account_id, to)| assignment_history::ActiveModel {
                tenant_id: Set(tenant),
                id: Set(Uuid::now_v7()),
                account_id: Set(account_id),
                territory_id: Set(to.territory_id.as_uuid()),
                source: Set(to.source.as_str().to_owned()),
                rule_id: Set(to.rule_id.map(|r| r.as_uuid())),
                pinned: Set(to.pinned),
                valid_from: Set(now),
                valid_to: Set(None),
                realignment_id: Set(realignment.as_uuid()),
                ended_by_realignment_id: Set(None),
            })
            .collect();
        if !opened.is_empty() {
            assignment_history::Entity::insert_many(opened)
                .exec_without_returning(conn)
                .await?;
        }
    }
    Ok(())
}

/// Records `moves` as the move rows of `realignment` (for an applied realignment, next to the
/// state they produced; for a draft, as the plan a preview shows).
pub(crate) async fn write_rows<C: ConnectionTrait>(
    conn: &C,
    tenant: Uuid,
    realignment: RealignmentId,
    moves: &[AccountMove],
) -> Result<(), StoreError> {
    for chunk in moves.chunks(BATCH) {
        let rows = chunk.iter().map(|m| realignment_move::ActiveModel {
            tenant_id: Set(tenant),
            realignment_id: Set(realignment.as_uuid()),
            account_id: Set(m.account_id.as_uuid()),
            from_territory_id: Set(m.from.map(|f| f.territory_id.as_uuid())),
            from_source: Set(m.from.map(|f| f.source.as_str().to_owned())),
            from_rule_id: Set(m.from.and_then(|f| f.rule_id).map(|r| r.as_uuid())),
            from_pinned: Set(m.from.is_some_and(|f| f.pinned)),
            to_territory_id: Set(m.to.map(|t| t.territory_id.as_uuid())),
            to_source: Set(m.to.map(|t| t.source.as_str().to_owned())),
            to_rule_id: Set(m.to.and_then(|t| t.rule_id).map(|r| r.as_uuid())),
            to_pinned: Set(m.to.is_some_and(|t| t.pinned)),
            // Intervals opened here are written by `write_state`, not derived from these rows.
            to_interval_id: Set(None),
        });
        realignment_move::Entity::insert_many(rows)
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}
