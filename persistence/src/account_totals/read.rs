//! Reading the kept account totals: per territory, or summed over the subtrees below some
//! territories with one recursive query.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter};
use terrane_domain::ids::TerritoryId;
use uuid::Uuid;

use super::{BATCH, Delta, Sums, metrics_of};
use crate::entity::account_total;
use crate::error::StoreError;
use crate::metrics::TerritoryMetrics;

/// The stored totals of `ids` (every territory with accounts when `None`); territories that
/// never held an account have no row.
pub(crate) async fn read<C: ConnectionTrait>(
    conn: &C,
    tenant: Uuid,
    ids: Option<&[TerritoryId]>,
) -> Result<HashMap<TerritoryId, TerritoryMetrics>, StoreError> {
    let rows = match ids {
        None => {
            account_total::Entity::find()
                .filter(account_total::Column::TenantId.eq(tenant))
                .all(conn)
                .await?
        }
        Some(ids) => {
            let mut rows = Vec::with_capacity(ids.len());
            for chunk in ids.chunks(BATCH) {
                rows.extend(
                    account_total::Entity::find()
                        .filter(account_total::Column::TenantId.eq(tenant))
                        .filter(
                            account_total::Column::TerritoryId
                                .is_in(chunk.iter().map(|t| t.as_uuid())),
                        )
                        .all(conn)
                        .await?,
                );
            }
            rows
        }
    };
    Ok(rows
        .into_iter()
        .filter(|r| r.account_count != 0)
        .map(|r| {
            let delta = Delta {
                accounts: r.account_count,
                potential: r.potential_hundredths,
                workload: r.workload_hundredths,
            };
            (TerritoryId::from_uuid(r.territory_id), metrics_of(delta))
        })
        .collect())
}

/// Where the subtrees [`subtree_sums`] adds up start.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Tops<'a> {
    /// Each child of this territory (of the roots when `None`).
    ChildrenOf(Option<TerritoryId>),
    /// These territories.
    These(&'a [TerritoryId]),
}

/// The kept totals summed over the live subtree of each top (the top included), keyed by top:
/// one recursive query (per 5,000 tops) that walks down from the tops through the `parent_id`
/// index, so a region's balance reads its own part of the tree, not the tenant's.
pub(crate) async fn subtree_sums<C: ConnectionTrait>(
    conn: &C,
    tenant: Uuid,
    tops: Tops<'_>,
) -> Result<HashMap<TerritoryId, TerritoryMetrics>, StoreError> {
    match tops {
        Tops::ChildrenOf(Some(parent)) => {
            sums_under(conn, tenant, "parent_id = $2", &[parent]).await
        }
        Tops::ChildrenOf(None) => sums_under(conn, tenant, "parent_id IS NULL", &[]).await,
        Tops::These(ids) => {
            let mut all = HashMap::with_capacity(ids.len());
            for chunk in ids.chunks(BATCH) {
                let listed: Vec<String> = (2..chunk.len() + 2).map(|n| format!("${n}")).collect();
                let anchor = format!("id IN ({})", listed.join(", "));
                all.extend(sums_under(conn, tenant, &anchor, chunk).await?);
            }
            Ok(all)
        }
    }
}

/// [`subtree_sums`] from the territories matching `anchor`, whose parameters from `$2` on are
/// `ids`.
async fn sums_under<C: ConnectionTrait>(
    conn: &C,
    tenant: Uuid,
    anchor: &str,
    ids: &[TerritoryId],
) -> Result<HashMap<TerritoryId, TerritoryMetrics>, StoreError> {
    let sql = format!(
        "WITH RECURSIVE under(id, top) AS ( \
           SELECT id, id FROM territories \
            WHERE tenant_id = $1 AND deleted_at IS NULL AND {anchor} \
           UNION ALL \
           SELECT t.id, under.top FROM territories t JOIN under ON t.parent_id = under.id \
            WHERE t.tenant_id = $1 AND t.deleted_at IS NULL) \
         SELECT under.top AS territory_id, \
                CAST(SUM(x.account_count) AS BIGINT) AS accounts, \
                CAST(SUM(x.potential_hundredths) AS BIGINT) AS potential, \
                CAST(SUM(x.workload_hundredths) AS BIGINT) AS workload \
           FROM under JOIN account_totals x ON x.tenant_id = $1 AND x.territory_id = under.id \
          GROUP BY under.top"
    );
    let backend = conn.get_database_backend();
    // SQLite spells a numbered parameter `?N`.
    let sql = match backend {
        sea_orm::DbBackend::Postgres => sql,
        _ => sql.replace('$', "?"),
    };
    let mut values: Vec<sea_orm::Value> = vec![tenant.into()];
    values.extend(ids.iter().map(|t| t.as_uuid().into()));
    let statement = sea_orm::Statement::from_sql_and_values(backend, sql, values);
    Ok(Sums::find_by_statement(statement)
        .all(conn)
        .await?
        .into_iter()
        .map(|s| {
            (
                TerritoryId::from_uuid(s.territory_id),
                metrics_of(Delta::from(&s)),
            )
        })
        .collect())
}
