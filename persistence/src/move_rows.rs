//! Reading the stored move rows of a realignment: paged for display, and streamed through a
//! [`MoveDigest`] so the digest its audit event records can be computed (and re-checked by an
//! auditor) from the rows alone, in bounded memory.

use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use terrane_domain::assignment::{Assignment, Source};
use terrane_domain::ids::{AccountId, RealignmentId, RuleId, TerritoryId};
use terrane_domain::realignment::{AccountMove, MoveDigest};
use uuid::Uuid;

use crate::entity::realignment_move::{Column, Entity, Model};
use crate::error::StoreError;
use crate::page::{Page, PageRequest};
use crate::scope::TenantScope;

/// Rows read per step when streaming.
const STEP: u64 = 5_000;

fn side(
    territory: Option<Uuid>,
    source: Option<&str>,
    rule: Option<Uuid>,
    pinned: bool,
) -> Result<Option<Assignment>, StoreError> {
    match (territory, source) {
        (Some(t), Some(source)) => Ok(Some(Assignment {
            territory_id: TerritoryId::from_uuid(t),
            source: Source::parse(source)
                .ok_or_else(|| StoreError::corrupt(format!("move source {source}")))?,
            rule_id: rule.map(RuleId::from_uuid),
            pinned,
        })),
        (None, _) => Ok(None),
        (Some(_), None) => Err(StoreError::corrupt("move row without a source")),
    }
}

impl TryFrom<Model> for AccountMove {
    type Error = StoreError;
    fn try_from(m: Model) -> Result<Self, StoreError> {
        Ok(AccountMove {
            account_id: AccountId::from_uuid(m.account_id),
            from: side(
                m.from_territory_id,
                m.from_source.as_deref(),
                m.from_rule_id,
                m.from_pinned,
            )?,
            to: side(
                m.to_territory_id,
                m.to_source.as_deref(),
                m.to_rule_id,
                m.to_pinned,
            )?,
        })
    }
}

/// The digest of a realignment's stored move rows, read in account order a step at a time.
pub(crate) async fn stored_digest<C: ConnectionTrait>(
    conn: &C,
    tenant: Uuid,
    realignment: RealignmentId,
) -> Result<MoveDigest, StoreError> {
    let mut digest = MoveDigest::default();
    let mut after: Option<Uuid> = None;
    loop {
        let mut query = Entity::find()
            .filter(Column::TenantId.eq(tenant))
            .filter(Column::RealignmentId.eq(realignment.as_uuid()));
        if let Some(after) = after {
            query = query.filter(Column::AccountId.gt(after));
        }
        let rows = query
            .order_by_asc(Column::AccountId)
            .limit(STEP)
            .all(conn)
            .await?;
        let Some(last) = rows.last() else { break };
        after = Some(last.account_id);
        for row in rows {
            digest.add(&AccountMove::try_from(row)?);
        }
    }
    Ok(digest)
}

/// [`TenantScope::realignment_moves`] on a connection the caller holds.
pub(crate) async fn moves_page<C: ConnectionTrait>(
    conn: &C,
    tenant_id: Uuid,
    realignment: RealignmentId,
    page: PageRequest<AccountId>,
) -> Result<Page<AccountMove>, StoreError> {
    let query = Entity::find()
        .filter(Column::TenantId.eq(tenant_id))
        .filter(Column::RealignmentId.eq(realignment.as_uuid()));
    let total = query.clone().count(conn).await?;
    let query = match page.after {
        Some(after) => query.filter(Column::AccountId.gt(after.as_uuid())),
        None => query,
    };
    let rows = query
        .order_by_asc(Column::AccountId)
        .limit(page.first + 1)
        .all(conn)
        .await?;
    Page::from_overfetch(rows, page.first, total).try_map(AccountMove::try_from)
}

impl TenantScope<'_> {
    /// The move rows of a realignment, in account order, keyset-paged.
    pub async fn realignment_moves(
        &self,
        realignment: RealignmentId,
        page: PageRequest<AccountId>,
    ) -> Result<Page<AccountMove>, StoreError> {
        moves_page(&self.conn().await?, self.tid(), realignment, page).await
    }

    /// Recomputes the digest of a realignment's stored move rows (what its audit event holds).
    pub async fn realignment_move_digest(
        &self,
        realignment: RealignmentId,
    ) -> Result<String, StoreError> {
        let db = self.conn().await?;
        Ok(stored_digest(&db, self.tid(), realignment).await?.finish())
    }
}
