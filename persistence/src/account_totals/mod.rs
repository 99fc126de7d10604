//! Per-territory account totals (`account_totals`): how many accounts each territory holds
//! directly, with their summed potential and workload. Every write that moves accounts or
//! changes an account's weights adjusts them in its own transaction, so the views comparing
//! territories read one row per territory instead of joining all of its accounts.
//!
//! Two ways to adjust, both computed by the database from the rows just written:
//! - [`add_moves_of`]: a realignment's move rows (first place → last place of each account),
//!   one grouped pass for the whole realignment, whatever its size;
//! - [`count_accounts`]: take some accounts out of the totals (`-1`) before a write and put them
//!   back (`+1`) after it, wherever they then sit and whatever they then weigh.
//!
//! Reading them, one territory at a time or summed down subtrees, is in [`read`].
//!
//! [`recount`] derives the same numbers from scratch (the join the totals replace): for
//! rebuilding after a bulk load and for checking that the totals never drift.

use std::collections::HashMap;

use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, OnConflict, Query, SelectStatement};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult};
use sea_orm::{QueryFilter, sea_query::SimpleExpr};
use terrane_domain::account::Amount;
use terrane_domain::ids::{RealignmentId, TerritoryId};
use uuid::Uuid;

use crate::entity::{account, account_total, assignment, realignment_move};
use crate::error::StoreError;
use crate::metrics::TerritoryMetrics;

mod read;

pub(crate) use read::{Tops, read, subtree_sums};

/// Ids per `IN (...)` list and rows per upsert: well under both backends' parameter limits.
pub(super) const BATCH: usize = 5_000;

/// A change to one territory's totals.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Delta {
    pub(super) accounts: i64,
    pub(super) potential: i64,
    pub(super) workload: i64,
}

impl From<&Sums> for Delta {
    fn from(s: &Sums) -> Self {
        Self {
            accounts: s.accounts,
            potential: s.potential,
            workload: s.workload,
        }
    }
}

impl Delta {
    fn scaled(self, sign: i64) -> Self {
        Self {
            accounts: self.accounts * sign,
            potential: self.potential * sign,
            workload: self.workload * sign,
        }
    }

    fn add(&mut self, other: Self) {
        self.accounts += other.accounts;
        self.potential += other.potential;
        self.workload += other.workload;
    }
}

#[derive(Debug, FromQueryResult)]
pub(super) struct Sums {
    pub(super) territory_id: Uuid,
    pub(super) accounts: i64,
    pub(super) potential: i64,
    pub(super) workload: i64,
}

#[derive(Debug, FromQueryResult)]
struct PairSums {
    from_territory_id: Option<Uuid>,
    to_territory_id: Option<Uuid>,
    accounts: i64,
    potential: i64,
    workload: i64,
}

/// Adds the joined accounts' number and summed weights as `accounts`, `potential` and
/// `workload`, each a BIGINT (PostgreSQL sums BIGINT into NUMERIC).
fn with_account_sums(query: &mut SelectStatement) -> &mut SelectStatement {
    let sum = |column: account::Column| {
        Expr::expr(Func::sum(Expr::col((account::Entity, column)))).cast_as(Alias::new("BIGINT"))
    };
    query
        .expr_as(
            Expr::cust("COUNT(*)").cast_as(Alias::new("BIGINT")),
            Alias::new("accounts"),
        )
        .expr_as(
            sum(account::Column::PotentialHundredths),
            Alias::new("potential"),
        )
        .expr_as(
            sum(account::Column::WorkloadHundredths),
            Alias::new("workload"),
        )
}

/// Joins `accounts` to the row naming an account by `(tenant, account)` columns.
pub(crate) fn the_account(
    tenant: (impl sea_orm::Iden + 'static, impl sea_orm::Iden + 'static),
    account: (impl sea_orm::Iden + 'static, impl sea_orm::Iden + 'static),
) -> SimpleExpr {
    Expr::col((account::Entity, account::Column::TenantId))
        .equals(tenant)
        .and(Expr::col((account::Entity, account::Column::Id)).equals(account))
}

/// The accounts' weights summed per territory now holding them (the tenant's current
/// assignments joined with its accounts).
fn sums_by_territory(tenant: Uuid) -> SelectStatement {
    with_account_sums(Query::select().expr_as(
        Expr::col((assignment::Entity, assignment::Column::TerritoryId)),
        Alias::new("territory_id"),
    ))
    .from(assignment::Entity)
    .inner_join(
        account::Entity,
        the_account(
            (assignment::Entity, assignment::Column::TenantId),
            (assignment::Entity, assignment::Column::AccountId),
        ),
    )
    .and_where(Expr::col((assignment::Entity, assignment::Column::TenantId)).eq(tenant))
    .group_by_col((assignment::Entity, assignment::Column::TerritoryId))
    .to_owned()
}

async fn run_sums<C: ConnectionTrait>(
    conn: &C,
    query: &SelectStatement,
) -> Result<HashMap<Uuid, Delta>, StoreError> {
    let statement = conn.get_database_backend().build(query);
    Ok(Sums::find_by_statement(statement)
        .all(conn)
        .await?
        .into_iter()
        .map(|s| (s.territory_id, Delta::from(&s)))
        .collect())
}

/// Adds `deltas` to the stored totals (rows are created at the first account).
async fn add<C: ConnectionTrait>(
    conn: &C,
    tenant: Uuid,
    deltas: &HashMap<Uuid, Delta>,
) -> Result<(), StoreError> {
    let changed: Vec<(&Uuid, &Delta)> = deltas
        .iter()
        .filter(|(_, d)| **d != Delta::default())
        .collect();
    let added = |column: account_total::Column, name: &str| {
        Expr::col((account_total::Entity, column)).add(Expr::cust(format!("excluded.{name}")))
    };
    for chunk in changed.chunks(BATCH) {
        let rows = chunk
            .iter()
            .map(|(territory, d)| account_total::ActiveModel {
                tenant_id: Set(tenant),
                territory_id: Set(**territory),
                account_count: Set(d.accounts),
                potential_hundredths: Set(d.potential),
                workload_hundredths: Set(d.workload),
            });
        let on_conflict = OnConflict::columns([
            account_total::Column::TenantId,
            account_total::Column::TerritoryId,
        ])
        .value(
            account_total::Column::AccountCount,
            added(account_total::Column::AccountCount, "account_count"),
        )
        .value(
            account_total::Column::PotentialHundredths,
            added(
                account_total::Column::PotentialHundredths,
                "potential_hundredths",
            ),
        )
        .value(
            account_total::Column::WorkloadHundredths,
            added(
                account_total::Column::WorkloadHundredths,
                "workload_hundredths",
            ),
        )
        .to_owned();
        account_total::Entity::insert_many(rows)
            .on_conflict(on_conflict)
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}

/// Takes `accounts` out of the totals of the territories holding them now (`sign = -1`), or puts
/// them in (`sign = 1`), at their current weights. A write that moves accounts or changes their
/// weights outside a realignment's move rows is wrapped in a `-1` before and a `+1` after.
pub(crate) async fn count_accounts<C: ConnectionTrait>(
    conn: &C,
    tenant: Uuid,
    accounts: &[Uuid],
    sign: i64,
) -> Result<(), StoreError> {
    for chunk in accounts.chunks(BATCH) {
        let mut query = sums_by_territory(tenant);
        query.and_where(
            Expr::col((assignment::Entity, assignment::Column::AccountId))
                .is_in(chunk.iter().copied()),
        );
        let deltas = run_sums(conn, &query)
            .await?
            .into_iter()
            .map(|(t, d)| (t, d.scaled(sign)))
            .collect();
        add(conn, tenant, &deltas).await?;
    }
    Ok(())
}

/// Adds what realignment `realignment`'s move rows did: each moved account leaves the territory
/// it was in and joins the one it went to. One grouped pass over the rows, whatever their
/// number; call it once, after all of the realignment's move rows are written.
pub(crate) async fn add_moves_of<C: ConnectionTrait>(
    conn: &C,
    tenant: Uuid,
    realignment: RealignmentId,
) -> Result<(), StoreError> {
    let m = realignment_move::Entity;
    let query = with_account_sums(
        Query::select()
            .column((m, realignment_move::Column::FromTerritoryId))
            .column((m, realignment_move::Column::ToTerritoryId)),
    )
    .from(m)
    .inner_join(
        account::Entity,
        the_account(
            (m, realignment_move::Column::TenantId),
            (m, realignment_move::Column::AccountId),
        ),
    )
    .and_where(Expr::col((m, realignment_move::Column::TenantId)).eq(tenant))
    .and_where(Expr::col((m, realignment_move::Column::RealignmentId)).eq(realignment.as_uuid()))
    .group_by_col((m, realignment_move::Column::FromTerritoryId))
    .group_by_col((m, realignment_move::Column::ToTerritoryId))
    .to_owned();
    let statement = conn.get_database_backend().build(&query);
    let mut deltas: HashMap<Uuid, Delta> = HashMap::new();
    for pair in PairSums::find_by_statement(statement).all(conn).await? {
        let moved = Delta {
            accounts: pair.accounts,
            potential: pair.potential,
            workload: pair.workload,
        };
        if let Some(from) = pair.from_territory_id {
            deltas.entry(from).or_default().add(moved.scaled(-1));
        }
        if let Some(to) = pair.to_territory_id {
            deltas.entry(to).or_default().add(moved);
        }
    }
    add(conn, tenant, &deltas).await
}

pub(super) fn metrics_of(d: Delta) -> TerritoryMetrics {
    TerritoryMetrics {
        account_count: u64::try_from(d.accounts).unwrap_or(0),
        potential: Amount::from_hundredths(d.potential),
        workload: Amount::from_hundredths(d.workload),
    }
}

/// The totals derived from scratch: the tenant's current assignments joined with its accounts.
pub(crate) async fn recount<C: ConnectionTrait>(
    conn: &C,
    tenant: Uuid,
) -> Result<HashMap<TerritoryId, TerritoryMetrics>, StoreError> {
    Ok(run_sums(conn, &sums_by_territory(tenant))
        .await?
        .into_iter()
        .map(|(t, d)| (TerritoryId::from_uuid(t), metrics_of(d)))
        .collect())
}

/// [`recount`] for some territories only: what reading their totals cost before they were kept.
pub(crate) async fn recount_of<C: ConnectionTrait>(
    conn: &C,
    tenant: Uuid,
    territories: &[TerritoryId],
) -> Result<HashMap<TerritoryId, TerritoryMetrics>, StoreError> {
    let mut all = HashMap::with_capacity(territories.len());
    for chunk in territories.chunks(BATCH) {
        let mut query = sums_by_territory(tenant);
        query.and_where(
            Expr::col((assignment::Entity, assignment::Column::TerritoryId))
                .is_in(chunk.iter().map(|t| t.as_uuid())),
        );
        all.extend(
            run_sums(conn, &query)
                .await?
                .into_iter()
                .map(|(t, d)| (TerritoryId::from_uuid(t), metrics_of(d))),
        );
    }
    Ok(all)
}

/// Replaces the tenant's stored totals with [`recount`]'s (after writing history directly).
pub(crate) async fn rebuild<C: ConnectionTrait>(conn: &C, tenant: Uuid) -> Result<(), StoreError> {
    account_total::Entity::delete_many()
        .filter(account_total::Column::TenantId.eq(tenant))
        .exec(conn)
        .await?;
    let fresh = run_sums(conn, &sums_by_territory(tenant)).await?;
    add(conn, tenant, &fresh).await
}
