//! Loading the current assignment of the accounts a realignment touches (a realignment may
//! touch every account of a tenant). Accounts are joined to their open intervals and only the
//! columns an [`Assignment`] needs are read. When the touched accounts are most of the tenant,
//! one pass over the tenant's accounts is cheaper than looking each of them up by id, and it
//! comes back as one row per distinct assignment carrying the list of its accounts: handing
//! 100,000 rows one by one through the driver cost more than the database's own work.

use std::collections::HashSet;

use sea_orm::sea_query::{Alias, Condition, Expr, ExprTrait, JoinType, Query, SelectStatement};
use sea_orm::{ConnectionTrait, DbBackend, QueryResult};
use terrane_domain::assignment::{Assignment, Source};
use terrane_domain::ids::{AccountId, RuleId, TerritoryId};
use uuid::Uuid;

use crate::entity::account::{Column as Account, Entity as AccountTable};
use crate::entity::assignment_history::{Column as History, Entity as HistoryTable};
use crate::error::StoreError;

/// Ids per `IN (...)` list: one parameter each, well under both backends' limits.
const BATCH: usize = 10_000;

/// From this many touched accounts on, check whether a pass over the whole tenant is cheaper.
const SCAN_FROM: usize = 10_000;

/// The tenant's accounts (alias `a`) left-joined to their open intervals (alias `h`).
fn accounts_joined(tenant: Uuid) -> SelectStatement {
    let (a, h) = (Alias::new("a"), Alias::new("h"));
    let on = Condition::all()
        .add(Expr::col((h.clone(), History::TenantId)).equals((a.clone(), Account::TenantId)))
        .add(Expr::col((h.clone(), History::AccountId)).equals((a.clone(), Account::Id)))
        .add(Expr::col((h.clone(), History::ValidTo)).is_null());
    Query::select()
        .from_as(AccountTable, a.clone())
        .join_as(JoinType::LeftJoin, HistoryTable, h, on)
        .and_where(Expr::col((a, Account::TenantId)).eq(tenant))
        .to_owned()
}

/// The columns of the open interval that make an [`Assignment`].
fn place_columns() -> [(Alias, History); 4] {
    let h = || Alias::new("h");
    [
        (h(), History::TerritoryId),
        (h(), History::Source),
        (h(), History::RuleId),
        (h(), History::Pinned),
    ]
}

/// The tenant's accounts, each with the columns of its open interval (null when unassigned).
fn accounts_with_places(tenant: Uuid) -> SelectStatement {
    accounts_joined(tenant)
        .column((Alias::new("a"), Account::Id))
        .columns(place_columns())
        .to_owned()
}

/// One row per distinct assignment (and one for the unassigned): its columns, then the ids of
/// its accounts as 32 hex digits each, comma-separated (the aggregate is spelled per backend).
fn places_with_accounts(backend: DbBackend, tenant: Uuid) -> SelectStatement {
    let ids = match backend {
        DbBackend::Postgres => "string_agg(replace(\"a\".\"id\"::text, '-', ''), ',')",
        _ => "group_concat(hex(\"a\".\"id\"), ',')",
    };
    accounts_joined(tenant)
        .columns(place_columns())
        .expr(Expr::cust(ids))
        .group_by_columns(place_columns())
        .to_owned()
}

/// The assignment in columns `first..first + 4` of `row` (`None` when the territory is null).
fn assignment_at(row: &QueryResult, first: usize) -> Result<Option<Assignment>, StoreError> {
    let Some(territory) = row.try_get_by_index::<Option<Uuid>>(first)? else {
        return Ok(None);
    };
    let source: String = row.try_get_by_index(first + 1)?;
    Ok(Some(Assignment {
        territory_id: TerritoryId::from_uuid(territory),
        source: Source::parse(&source)
            .ok_or_else(|| StoreError::corrupt(format!("assignment source {source}")))?,
        rule_id: row
            .try_get_by_index::<Option<Uuid>>(first + 2)?
            .map(RuleId::from_uuid),
        pinned: row.try_get_by_index(first + 3)?,
    }))
}

fn place(row: &QueryResult) -> Result<(AccountId, Option<Assignment>), StoreError> {
    let account: Uuid = row.try_get_by_index(0)?;
    Ok((AccountId::from_uuid(account), assignment_at(row, 1)?))
}

/// Whether the tenant has at most `limit` accounts (counting no further than that).
async fn at_most<C: ConnectionTrait>(
    conn: &C,
    tenant: Uuid,
    limit: usize,
) -> Result<bool, StoreError> {
    let first = Query::select()
        .expr(Expr::val(1))
        .from(AccountTable)
        .and_where(Expr::col(Account::TenantId).eq(tenant))
        .limit(u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1))
        .to_owned();
    let count = Query::select()
        .expr(Expr::cust("COUNT(*)"))
        .from_subquery(first, Alias::new("first"))
        .to_owned();
    let counted: i64 = match conn.query_one(&count).await? {
        Some(row) => row.try_get_by_index(0)?,
        None => 0,
    };
    Ok(usize::try_from(counted).is_ok_and(|n| n <= limit))
}

/// The current assignment of each of `ids` that exists in the tenant (`None`: unassigned).
pub(crate) async fn load_touched<C: ConnectionTrait>(
    conn: &C,
    tenant: Uuid,
    ids: &[AccountId],
) -> Result<Vec<(AccountId, Option<Assignment>)>, StoreError> {
    let mut found = Vec::with_capacity(ids.len());
    // Touching at least half the tenant: read it all once rather than probe per id.
    if ids.len() >= SCAN_FROM && at_most(conn, tenant, ids.len() * 2).await? {
        let wanted: HashSet<AccountId> = ids.iter().copied().collect();
        let query = places_with_accounts(conn.get_database_backend(), tenant);
        for row in conn.query_all(&query).await? {
            let assignment = assignment_at(&row, 0)?;
            let accounts: String = row.try_get_by_index(4)?;
            for hex in accounts.split(',') {
                let account = Uuid::try_parse(hex)
                    .map(AccountId::from_uuid)
                    .map_err(|e| StoreError::corrupt(format!("account id {hex}: {e}")))?;
                if wanted.contains(&account) {
                    found.push((account, assignment));
                }
            }
        }
        return Ok(found);
    }
    for chunk in ids.chunks(BATCH) {
        let query = accounts_with_places(tenant)
            .and_where(
                Expr::col((Alias::new("a"), Account::Id))
                    .is_in(chunk.iter().map(|id| id.as_uuid())),
            )
            .to_owned();
        for row in conn.query_all(&query).await? {
            found.push(place(&row)?);
        }
    }
    Ok(found)
}
