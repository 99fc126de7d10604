//! Reading territories. Writing them is the realignment path's job (see `realignments`).

use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Select,
};
use terrane_domain::ids::TerritoryId;
use terrane_domain::realignment::AlignmentState;

use crate::entity::territory::{self, Column};
use crate::error::StoreError;
use crate::page::{Page, PageRequest};
use crate::records::TerritoryRecord;
use crate::scope::TenantScope;

/// Which territories to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TerritoryFilter {
    /// Only the children of this territory.
    pub parent_id: Option<TerritoryId>,
    /// Only those whose name or code contains this text (case-insensitive).
    pub search: Option<String>,
}

/// Live (not deleted) territories of a tenant.
pub(crate) fn live(tenant_id: uuid::Uuid) -> Select<territory::Entity> {
    territory::Entity::find()
        .filter(Column::TenantId.eq(tenant_id))
        .filter(Column::DeletedAt.is_null())
}

/// The tenant's current alignment state, read inside the write transaction: every live
/// territory, who staffs it, and which reps are active.
pub(crate) async fn load_state<C: ConnectionTrait>(
    conn: &C,
    tenant_id: uuid::Uuid,
) -> Result<AlignmentState, StoreError> {
    let rows = live(tenant_id).all(conn).await?;
    let territories = rows
        .into_iter()
        .map(|m| TerritoryRecord::try_from(m).map(|r| r.territory))
        .collect::<Result<Vec<_>, _>>()?;
    crate::staffing::with_staff(conn, tenant_id, AlignmentState::new(territories)).await
}

fn like_pattern(text: &str) -> LikeExpr {
    let escaped: String = text
        .to_lowercase()
        .chars()
        .flat_map(|c| match c {
            '%' | '_' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    LikeExpr::new(format!("%{escaped}%")).escape('\\')
}

impl TenantScope<'_> {
    /// One live territory.
    pub async fn territory(&self, id: TerritoryId) -> Result<Option<TerritoryRecord>, StoreError> {
        Ok(self.territories_by_ids(&[id]).await?.into_iter().next())
    }

    /// The live territories among `ids`.
    pub async fn territories_by_ids(
        &self,
        ids: &[TerritoryId],
    ) -> Result<Vec<TerritoryRecord>, StoreError> {
        let db = self.conn().await?;
        live(self.tid())
            .filter(Column::Id.is_in(ids.iter().map(|i| i.as_uuid())))
            .all(&db)
            .await?
            .into_iter()
            .map(TerritoryRecord::try_from)
            .collect()
    }

    /// The live children of each of `parent_ids`, in one query.
    pub async fn children_of(
        &self,
        parent_ids: &[TerritoryId],
    ) -> Result<Vec<TerritoryRecord>, StoreError> {
        let db = self.conn().await?;
        live(self.tid())
            .filter(Column::ParentId.is_in(parent_ids.iter().map(|i| i.as_uuid())))
            .order_by_asc(Column::Id)
            .all(&db)
            .await?
            .into_iter()
            .map(TerritoryRecord::try_from)
            .collect()
    }

    /// A page of live territories in creation order.
    pub async fn territories(
        &self,
        filter: &TerritoryFilter,
        page: PageRequest<TerritoryId>,
    ) -> Result<Page<TerritoryRecord>, StoreError> {
        let db = self.conn().await?;
        let mut query = live(self.tid());
        if let Some(parent) = filter.parent_id {
            query = query.filter(Column::ParentId.eq(parent.as_uuid()));
        }
        if let Some(search) = filter
            .search
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            let lower = |c: Column| Expr::expr(Func::lower(Expr::col((territory::Entity, c))));
            query = query.filter(
                sea_orm::Condition::any()
                    .add(lower(Column::Name).like(like_pattern(search)))
                    .add(lower(Column::Code).like(like_pattern(search))),
            );
        }
        let total = query.clone().count(&db).await?;
        if let Some(after) = page.after {
            query = query.filter(Column::Id.gt(after.as_uuid()));
        }
        let rows = query
            .order_by_asc(Column::Id)
            .limit(page.first + 1)
            .all(&db)
            .await?;
        Page::from_overfetch(rows, page.first, total).try_map(TerritoryRecord::try_from)
    }
}
