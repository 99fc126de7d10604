//! Reverting an applied realignment: its footprint (each territory's state before and after it,
//! from `territory_history`; each account's move, from its move rows) gives the inverse, applied
//! as a new realignment linked to the first — refused with `CONFLICT` where later realignments
//! changed the same territories or accounts.

use std::collections::BTreeMap;

use chrono::Utc;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::json;
use terrane_domain::audit::NewAuditEvent;
use terrane_domain::ids::{RealignmentId, TerritoryId};
use terrane_domain::realignment::{
    self, AccountMove, Footprint, Problem, ProblemCode, RealignmentStatus,
};
use terrane_domain::territory::Territory;
use uuid::Uuid;

use crate::drafts::{load_in_status, refused};
use crate::entity::{realignment_move, territory_history};
use crate::error::StoreError;
use crate::realignment_record::{RealignmentRecord, record_realignment, update_realignment};
use crate::scope::{TenantScope, WriteContext};
use crate::{audit, history, moves, staffing, territories};

/// Which side of a footprint a history row stands for: a row the realignment ended (and did not
/// open) holds the state before it, a row it opened (and did not end) the state after; a row it
/// both opened and ended was an intermediate step and counts for neither.
pub(crate) fn footprint_side<T>(
    sides: &mut (Option<T>, Option<T>),
    opened: bool,
    ended: bool,
) -> Option<&mut Option<T>> {
    match (opened, ended) {
        (false, true) => Some(&mut sides.0),
        (true, false) => Some(&mut sides.1),
        _ => None,
    }
}

/// What realignment `id` changed, from the history it wrote.
async fn footprint<C: ConnectionTrait>(
    conn: &C,
    tenant: Uuid,
    id: RealignmentId,
) -> Result<Footprint, StoreError> {
    let rows = territory_history::Entity::find()
        .filter(territory_history::Column::TenantId.eq(tenant))
        .filter(
            Condition::any()
                .add(territory_history::Column::RealignmentId.eq(id.as_uuid()))
                .add(territory_history::Column::EndedByRealignmentId.eq(id.as_uuid())),
        )
        .order_by_asc(territory_history::Column::Id)
        .all(conn)
        .await?;
    let ours = Some(id.as_uuid());
    let mut sides: BTreeMap<TerritoryId, (Option<Territory>, Option<Territory>)> = BTreeMap::new();
    for row in rows {
        let opened = row.realignment_id == ours;
        let ended = row.ended_by_realignment_id == ours;
        let entry = sides
            .entry(TerritoryId::from_uuid(row.territory_id))
            .or_default();
        if let Some(side) = footprint_side(entry, opened, ended) {
            *side = Some(history::territory_of(&row)?);
        }
    }
    let mut footprint = Footprint {
        territories: sides,
        ..Footprint::default()
    };
    let moved = realignment_move::Entity::find()
        .filter(realignment_move::Column::TenantId.eq(tenant))
        .filter(realignment_move::Column::RealignmentId.eq(id.as_uuid()))
        .all(conn)
        .await?;
    for row in moved {
        footprint.add_move(AccountMove::try_from(row)?);
    }
    staffing::add_to_footprint(conn, tenant, id, &mut footprint).await?;
    Ok(footprint)
}

impl TenantScope<'_> {
    /// Reverts applied realignment `id` with a new realignment that restores what it changed.
    pub async fn revert_realignment(
        &self,
        id: RealignmentId,
        reason: Option<String>,
        ctx: &WriteContext,
    ) -> Result<Result<RealignmentRecord, Vec<Problem>>, StoreError> {
        let tenant = self.tid();
        let txn = self.begin_write().await?;
        // Read the clock under the tenant's lock: history intervals then follow commit order.
        let now = Utc::now();
        let mut original =
            match load_in_status(&txn, tenant, id, &[RealignmentStatus::Applied]).await? {
                Ok(record) => record,
                Err(problems) => return Ok(Err(problems)),
            };
        if original.reverted_by.is_some() {
            return Ok(Err(refused(
                ProblemCode::InvalidStatus,
                "id",
                "the realignment was already reverted",
            )));
        }
        let footprint = footprint(&txn, tenant, id).await?;
        let emptied: Vec<TerritoryId> = footprint
            .territories
            .iter()
            .filter(|(_, (before, after))| before.is_none() && after.is_some())
            .map(|(t, _)| *t)
            .collect();
        let state = territories::load_state(&txn, tenant)
            .await?
            .with_accounts(moves::load_touched(&txn, tenant, &footprint.account_ids()).await?)
            .with_account_counts(moves::account_counts(&txn, tenant, &emptied).await?);
        let quota_keys: Vec<_> = footprint.quotas.keys().copied().collect();
        let state = staffing::with_quotas(&txn, tenant, state, &quota_keys).await?;
        let conflicts = footprint.conflicts(&state);
        if !conflicts.is_empty() {
            return Ok(Err(conflicts));
        }
        let changes = footprint.inverse();
        if changes.is_empty() {
            return Ok(Err(refused(
                ProblemCode::NothingToChange,
                "id",
                "the realignment changed nothing that could be reverted",
            )));
        }
        let applied = match realignment::apply(state, &changes) {
            Ok(applied) => applied,
            Err(problems) => return Ok(Err(problems)),
        };
        let mut record = RealignmentRecord::new(
            format!("Revert: {}", original.title),
            reason,
            RealignmentStatus::Applied,
            ctx.actor,
            now,
        );
        record.reverts = Some(id);
        record_realignment(&txn, tenant, &record, &changes).await?;
        self.write_effects(&txn, &record, &applied.effects, ctx, now)
            .await?;
        original.reverted_by = Some(record.id);
        update_realignment(&txn, tenant, &original).await?;
        let event = NewAuditEvent {
            actor: ctx.actor,
            action: "realignment.reverted".into(),
            entity_type: "Realignment".into(),
            entity_id: Some(id.as_uuid()),
            realignment_id: Some(record.id),
            request_id: ctx.request_id.clone(),
            reason: record.reason.clone(),
            before: None,
            after: Some(json!({
                "revertedBy": record.id,
                "territories": footprint.territories.len(),
                "accounts": footprint.moves.len(),
                "members": footprint.members.len(),
                "quotas": footprint.quotas.len(),
            })),
        };
        audit::append(&txn, self.tenant_id, vec![event], now).await?;
        txn.commit().await?;
        Ok(Ok(record))
    }
}
