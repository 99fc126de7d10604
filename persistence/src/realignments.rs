//! The one write path for alignment state: apply a realignment in one transaction that checks
//! the changes against current state (pure domain code), writes the new state, records the
//! realignment and its changes, and appends one audit event per change.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, sea_query::Expr,
};
use terrane_domain::audit::{Actor, ActorKind, NewAuditEvent};
use terrane_domain::ids::RealignmentId;
use terrane_domain::realignment::{
    self, AccountMove, Change, Effect, Problem, RealignmentStatus, TerritoryEffect,
};
use terrane_domain::territory::Territory;

use crate::entity::{realignment as realignment_entity, realignment_change, territory};
use crate::error::StoreError;
use crate::scope::{TenantScope, WriteContext};
use crate::{audit, moves, territories};

/// A realignment to apply now.
#[derive(Debug, Clone)]
pub struct RealignmentRequest {
    /// Short title, e.g. "Create territory WEST".
    pub title: String,
    /// Why, in the actor's words; copied onto every audit event.
    pub reason: Option<String>,
    /// The changes, applied in order.
    pub changes: Vec<Change>,
}

/// A realignment as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct RealignmentRecord {
    /// Id.
    pub id: RealignmentId,
    /// Title.
    pub title: String,
    /// Reason.
    pub reason: Option<String>,
    /// Status.
    pub status: RealignmentStatus,
    /// Who created it.
    pub created_by: Actor,
    /// When.
    pub created_at: DateTime<Utc>,
    /// When it was applied.
    pub applied_at: Option<DateTime<Utc>>,
}

/// A realignment that was applied, with what each change did.
#[derive(Debug, Clone)]
pub struct AppliedRealignment {
    /// The stored realignment.
    pub realignment: RealignmentRecord,
    /// One effect per change, in order.
    pub effects: Vec<Effect>,
}

impl TryFrom<realignment_entity::Model> for RealignmentRecord {
    type Error = StoreError;
    fn try_from(m: realignment_entity::Model) -> Result<Self, StoreError> {
        Ok(Self {
            id: RealignmentId::from_uuid(m.id),
            status: RealignmentStatus::parse(&m.status)
                .ok_or_else(|| StoreError::corrupt(format!("realignment status {}", m.status)))?,
            created_by: Actor {
                kind: ActorKind::parse(&m.created_by_kind)
                    .ok_or_else(|| StoreError::corrupt("realignment actor kind"))?,
                id: m.created_by,
            },
            title: m.title,
            reason: m.reason,
            created_at: m.created_at,
            applied_at: m.applied_at,
        })
    }
}

fn territory_row(tenant: uuid::Uuid, t: &Territory, now: DateTime<Utc>) -> territory::ActiveModel {
    let bbox = t.boundary.as_ref().map(|b| b.bbox());
    territory::ActiveModel {
        tenant_id: Set(tenant),
        id: Set(t.id.as_uuid()),
        parent_id: Set(t.parent_id.map(|p| p.as_uuid())),
        name: Set(t.name.as_str().to_owned()),
        code: Set(t.code.as_str().to_owned()),
        boundary: Set(t.boundary.as_ref().map(|b| b.to_geojson_string())),
        bbox_min_lon: Set(bbox.map(|b| b.min_lon)),
        bbox_min_lat: Set(bbox.map(|b| b.min_lat)),
        bbox_max_lon: Set(bbox.map(|b| b.max_lon)),
        bbox_max_lat: Set(bbox.map(|b| b.max_lat)),
        version: Set(t.version),
        created_at: Set(now),
        updated_at: Set(now),
        deleted_at: Set(None),
    }
}

async fn write_territory<C: ConnectionTrait>(
    conn: &C,
    tenant: uuid::Uuid,
    effect: &TerritoryEffect,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let key = (
        territory::Column::TenantId.eq(tenant),
        territory::Column::Id.eq(effect.territory_id.as_uuid()),
    );
    match (&effect.before, &effect.after) {
        (None, Some(created)) => {
            territory::Entity::insert(territory_row(tenant, created, now))
                .exec_without_returning(conn)
                .await?;
        }
        (Some(_), Some(updated)) => {
            let mut row = territory_row(tenant, updated, now);
            row.created_at = sea_orm::ActiveValue::NotSet;
            territory::Entity::update_many()
                .set(row)
                .filter(key.0)
                .filter(key.1)
                .exec(conn)
                .await?;
        }
        (Some(_), None) => {
            territory::Entity::update_many()
                .col_expr(territory::Column::DeletedAt, Expr::value(now))
                .col_expr(territory::Column::UpdatedAt, Expr::value(now))
                .filter(key.0)
                .filter(key.1)
                .exec(conn)
                .await?;
        }
        (None, None) => {}
    }
    Ok(())
}

/// Stores a realignment and its changes.
pub(crate) async fn record_realignment<C: ConnectionTrait>(
    conn: &C,
    tenant: uuid::Uuid,
    record: &RealignmentRecord,
    changes: &[Change],
) -> Result<(), StoreError> {
    insert_realignment(conn, tenant, record).await?;
    let described: Vec<serde_json::Value> = changes.iter().map(Change::to_json).collect();
    record_changes(conn, tenant, record.id, &described).await
}

/// Stores the realignment row alone (its changes may follow once known).
pub(crate) async fn insert_realignment<C: ConnectionTrait>(
    conn: &C,
    tenant: uuid::Uuid,
    record: &RealignmentRecord,
) -> Result<(), StoreError> {
    realignment_entity::Entity::insert(realignment_entity::ActiveModel {
        tenant_id: Set(tenant),
        id: Set(record.id.as_uuid()),
        title: Set(record.title.clone()),
        reason: Set(record.reason.clone()),
        status: Set(record.status.as_str().to_owned()),
        created_by_kind: Set(record.created_by.kind.as_str().to_owned()),
        created_by: Set(record.created_by.id),
        created_at: Set(record.created_at),
        applied_at: Set(record.applied_at),
    })
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

/// Renames a stored realignment (a bulk move knows its count, and so its title, only at the end).
pub(crate) async fn retitle<C: ConnectionTrait>(
    conn: &C,
    tenant: uuid::Uuid,
    record: &RealignmentRecord,
) -> Result<(), StoreError> {
    realignment_entity::Entity::update_many()
        .col_expr(
            realignment_entity::Column::Title,
            Expr::value(record.title.clone()),
        )
        .filter(realignment_entity::Column::TenantId.eq(tenant))
        .filter(realignment_entity::Column::Id.eq(record.id.as_uuid()))
        .exec(conn)
        .await?;
    Ok(())
}

/// Stores the described changes of a realignment, in order.
pub(crate) async fn record_changes<C: ConnectionTrait>(
    conn: &C,
    tenant: uuid::Uuid,
    realignment: RealignmentId,
    changes: &[serde_json::Value],
) -> Result<(), StoreError> {
    if changes.is_empty() {
        return Ok(());
    }
    let rows =
        changes
            .iter()
            .enumerate()
            .map(|(position, change)| realignment_change::ActiveModel {
                tenant_id: Set(tenant),
                realignment_id: Set(realignment.as_uuid()),
                position: Set(i32::try_from(position).unwrap_or(i32::MAX)),
                change: Set(change.to_string()),
            });
    realignment_change::Entity::insert_many(rows)
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

/// The audit payload of a bulk account move: how many moved, the digest of the stored move rows,
/// and the first few moves so a reader sees what kind of move it was.
pub(crate) fn moves_summary(moved: u64, digest: &str, first: &[AccountMove]) -> serde_json::Value {
    let sample: Vec<_> = first
        .iter()
        .take(10)
        .map(|m| {
            serde_json::json!({
                "accountId": m.account_id,
                "from": m.from.map(|f| f.territory_id),
                "to": m.to.map(|t| t.territory_id),
            })
        })
        .collect();
    serde_json::json!({ "moves": moved, "digest": digest, "first": sample })
}

impl TenantScope<'_> {
    /// Applies `request` at once: all of it, or (with the problems found) nothing at all.
    pub async fn apply_realignment(
        &self,
        request: RealignmentRequest,
        ctx: &WriteContext,
    ) -> Result<Result<AppliedRealignment, Vec<Problem>>, StoreError> {
        let txn = self.begin_write().await?;
        let outcome = self.apply_in(&txn, request, ctx, Utc::now()).await?;
        if outcome.is_ok() {
            txn.commit().await?;
        }
        Ok(outcome)
    }

    /// The write path inside a transaction that holds the tenant's write lock: load the state the
    /// changes touch, decide (domain), write state, record the realignment, append audit events.
    pub(crate) async fn apply_in<C: ConnectionTrait>(
        &self,
        txn: &C,
        request: RealignmentRequest,
        ctx: &WriteContext,
        now: DateTime<Utc>,
    ) -> Result<Result<AppliedRealignment, Vec<Problem>>, StoreError> {
        let tenant = self.tid();
        let touched: Vec<_> = request
            .changes
            .iter()
            .flat_map(Change::account_ids)
            .collect();
        let deleted: Vec<_> = request
            .changes
            .iter()
            .filter_map(|c| match c {
                Change::DeleteTerritory(d) => Some(d.id),
                _ => None,
            })
            .collect();
        let state = territories::load_state(txn, tenant)
            .await?
            .with_accounts(moves::load_touched(txn, tenant, &touched).await?)
            .with_account_counts(moves::account_counts(txn, tenant, &deleted).await?);
        let applied = match realignment::apply(state, &request.changes) {
            Ok(applied) => applied,
            Err(problems) => return Ok(Err(problems)),
        };

        let id = RealignmentId::new();
        let record = RealignmentRecord {
            id,
            title: request.title.clone(),
            reason: request.reason.clone(),
            status: RealignmentStatus::Applied,
            created_by: ctx.actor,
            created_at: now,
            applied_at: Some(now),
        };
        record_realignment(txn, tenant, &record, &request.changes).await?;

        let mut events = Vec::with_capacity(applied.effects.len());
        let event = |action: &str, entity_type: &str, entity_id: uuid::Uuid| NewAuditEvent {
            actor: ctx.actor,
            action: action.to_owned(),
            entity_type: entity_type.to_owned(),
            entity_id: Some(entity_id),
            realignment_id: Some(id),
            request_id: ctx.request_id.clone(),
            reason: request.reason.clone(),
            before: None,
            after: None,
        };
        for effect in &applied.effects {
            match effect {
                Effect::Territory(t) => {
                    write_territory(txn, tenant, t, now).await?;
                    let mut e = event(t.action, "Territory", t.territory_id.as_uuid());
                    e.before = t.before.as_ref().map(Territory::snapshot);
                    e.after = t.after.as_ref().map(Territory::snapshot);
                    events.push(e);
                }
                Effect::Accounts(a) if a.moves.is_empty() => {}
                Effect::Accounts(a) => {
                    moves::write(txn, tenant, id, &a.moves, now).await?;
                    // One event for the whole batch: its digest covers the stored move rows.
                    let mut e = event("accounts.assigned", "Realignment", id.as_uuid());
                    let moved = u64::try_from(a.moves.len()).unwrap_or(u64::MAX);
                    e.after = Some(moves_summary(moved, &a.digest(), &a.moves));
                    events.push(e);
                }
            }
        }
        audit::append(txn, self.tenant_id, events, now).await?;
        Ok(Ok(AppliedRealignment {
            realignment: record,
            effects: applied.effects,
        }))
    }

    /// Realignments with these ids (those that exist in this tenant).
    pub async fn realignments_by_ids(
        &self,
        ids: &[RealignmentId],
    ) -> Result<Vec<RealignmentRecord>, StoreError> {
        realignment_entity::Entity::find()
            .filter(realignment_entity::Column::TenantId.eq(self.tid()))
            .filter(realignment_entity::Column::Id.is_in(ids.iter().map(|i| i.as_uuid())))
            .all(self.db)
            .await?
            .into_iter()
            .map(RealignmentRecord::try_from)
            .collect()
    }

    /// One realignment.
    pub async fn realignment(
        &self,
        id: RealignmentId,
    ) -> Result<Option<RealignmentRecord>, StoreError> {
        Ok(self.realignments_by_ids(&[id]).await?.into_iter().next())
    }
}
