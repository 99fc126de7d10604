//! Realignment rows: the record as the store hands it out, and writing the row, its described
//! changes and its status as it moves from draft to applied (or scheduled, failed, discarded).

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};
use serde_json::{Value, json};
use terrane_domain::audit::{Actor, ActorKind, NewAuditEvent};
use terrane_domain::ids::RealignmentId;
use terrane_domain::realignment::{Change, Problem, ProblemCode, RealignmentStatus};

use crate::entity::{realignment as realignment_entity, realignment_change};
use crate::error::StoreError;
use crate::scope::{TenantScope, WriteContext};

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
    /// When it is (or was) due, for a scheduled apply.
    pub effective_at: Option<DateTime<Utc>>,
    /// Who applied (or scheduled) it.
    pub applied_by: Option<Actor>,
    /// The realignment this one reverts.
    pub reverts: Option<RealignmentId>,
    /// The realignment that reverted this one.
    pub reverted_by: Option<RealignmentId>,
    /// Why its scheduled apply was refused (status FAILED).
    pub problems: Vec<Problem>,
}

impl RealignmentRecord {
    /// A new realignment by `actor` at `now`, in `status` (applied at `now` when APPLIED).
    pub(crate) fn new(
        title: String,
        reason: Option<String>,
        status: RealignmentStatus,
        actor: Actor,
        now: DateTime<Utc>,
    ) -> Self {
        let applied = status == RealignmentStatus::Applied;
        Self {
            id: RealignmentId::new(),
            title,
            reason,
            status,
            created_by: actor,
            created_at: now,
            applied_at: applied.then_some(now),
            effective_at: None,
            applied_by: applied.then_some(actor),
            reverts: None,
            reverted_by: None,
            problems: vec![],
        }
    }
}

fn actor(kind: &str, id: Option<uuid::Uuid>) -> Result<Actor, StoreError> {
    Ok(Actor {
        kind: ActorKind::parse(kind)
            .ok_or_else(|| StoreError::corrupt(format!("realignment actor kind {kind}")))?,
        id,
    })
}

pub(crate) fn problems_to_json(problems: &[Problem]) -> String {
    Value::from(
        problems
            .iter()
            .map(|p| json!({ "change": p.change_index, "code": p.code.as_str(), "field": p.field, "message": p.message }))
            .collect::<Vec<_>>(),
    )
    .to_string()
}

fn problems_from_json(text: &str) -> Result<Vec<Problem>, StoreError> {
    let value: Value = serde_json::from_str(text)
        .map_err(|e| StoreError::corrupt(format!("realignment problems: {e}")))?;
    let bad = || StoreError::corrupt("realignment problems");
    value
        .as_array()
        .ok_or_else(bad)?
        .iter()
        .map(|p| {
            Ok(Problem {
                change_index: usize::try_from(p["change"].as_u64().ok_or_else(bad)?).unwrap_or(0),
                code: ProblemCode::parse(p["code"].as_str().ok_or_else(bad)?).ok_or_else(bad)?,
                field: p["field"]
                    .as_array()
                    .map(|f| {
                        f.iter()
                            .filter_map(|x| x.as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default(),
                message: p["message"].as_str().unwrap_or_default().to_owned(),
            })
        })
        .collect()
}

impl TryFrom<realignment_entity::Model> for RealignmentRecord {
    type Error = StoreError;
    fn try_from(m: realignment_entity::Model) -> Result<Self, StoreError> {
        Ok(Self {
            id: RealignmentId::from_uuid(m.id),
            status: RealignmentStatus::parse(&m.status)
                .ok_or_else(|| StoreError::corrupt(format!("realignment status {}", m.status)))?,
            created_by: actor(&m.created_by_kind, m.created_by)?,
            applied_by: m
                .applied_by_kind
                .as_deref()
                .map(|kind| actor(kind, m.applied_by))
                .transpose()?,
            title: m.title,
            reason: m.reason,
            created_at: m.created_at,
            applied_at: m.applied_at,
            effective_at: m.effective_at,
            reverts: m.reverts_id.map(RealignmentId::from_uuid),
            reverted_by: m.reverted_by_id.map(RealignmentId::from_uuid),
            problems: m
                .problems
                .as_deref()
                .map(problems_from_json)
                .transpose()?
                .unwrap_or_default(),
        })
    }
}

/// An audit event about realignment `record` itself (created, drafted, scheduled, applied,
/// failed, ...), by `ctx`'s actor, carrying `after`.
pub(crate) fn realignment_event(
    ctx: &WriteContext,
    record: &RealignmentRecord,
    action: &str,
    after: Value,
) -> NewAuditEvent {
    NewAuditEvent {
        actor: ctx.actor,
        action: action.to_owned(),
        entity_type: "Realignment".into(),
        entity_id: Some(record.id.as_uuid()),
        realignment_id: Some(record.id),
        request_id: ctx.request_id.clone(),
        reason: record.reason.clone(),
        before: None,
        after: Some(after),
    }
}

/// Stores a realignment and its changes.
pub(crate) async fn record_realignment<C: ConnectionTrait>(
    conn: &C,
    tenant: uuid::Uuid,
    record: &RealignmentRecord,
    changes: &[Change],
) -> Result<(), StoreError> {
    insert_realignment(conn, tenant, record).await?;
    let described: Vec<Value> = changes.iter().map(Change::to_json).collect();
    record_changes(conn, tenant, record.id, &described).await?;
    Ok(())
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
        effective_at: Set(record.effective_at),
        applied_by_kind: Set(record.applied_by.map(|a| a.kind.as_str().to_owned())),
        applied_by: Set(record.applied_by.and_then(|a| a.id)),
        reverts_id: Set(record.reverts.map(|r| r.as_uuid())),
        reverted_by_id: Set(None),
        problems: Set(None),
    })
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

/// Writes a stored realignment's status, title and apply bookkeeping from `record`.
pub(crate) async fn update_realignment<C: ConnectionTrait>(
    conn: &C,
    tenant: uuid::Uuid,
    record: &RealignmentRecord,
) -> Result<(), StoreError> {
    use realignment_entity::Column;
    let problems = (!record.problems.is_empty()).then(|| problems_to_json(&record.problems));
    realignment_entity::Entity::update_many()
        .col_expr(Column::Title, Expr::value(record.title.clone()))
        .col_expr(Column::Status, Expr::value(record.status.as_str()))
        .col_expr(Column::AppliedAt, Expr::value(record.applied_at))
        .col_expr(Column::EffectiveAt, Expr::value(record.effective_at))
        .col_expr(
            Column::AppliedByKind,
            Expr::value(record.applied_by.map(|a| a.kind.as_str().to_owned())),
        )
        .col_expr(
            Column::AppliedBy,
            Expr::value(record.applied_by.and_then(|a| a.id)),
        )
        .col_expr(
            Column::RevertedById,
            Expr::value(record.reverted_by.map(|r| r.as_uuid())),
        )
        .col_expr(Column::Problems, Expr::value(problems))
        .filter(Column::TenantId.eq(tenant))
        .filter(Column::Id.eq(record.id.as_uuid()))
        .exec(conn)
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

/// Appends described changes to a realignment, after those it has, each with a new change id.
pub(crate) async fn record_changes<C: ConnectionTrait>(
    conn: &C,
    tenant: uuid::Uuid,
    realignment: RealignmentId,
    changes: &[Value],
) -> Result<Vec<uuid::Uuid>, StoreError> {
    if changes.is_empty() {
        return Ok(vec![]);
    }
    let next = realignment_change::Entity::find()
        .filter(realignment_change::Column::TenantId.eq(tenant))
        .filter(realignment_change::Column::RealignmentId.eq(realignment.as_uuid()))
        .order_by_desc(realignment_change::Column::Position)
        .one(conn)
        .await?
        .map_or(0, |last| last.position + 1);
    let ids: Vec<uuid::Uuid> = changes.iter().map(|_| uuid::Uuid::now_v7()).collect();
    let rows = changes
        .iter()
        .zip(&ids)
        .enumerate()
        .map(|(offset, (change, id))| realignment_change::ActiveModel {
            tenant_id: Set(tenant),
            realignment_id: Set(realignment.as_uuid()),
            position: Set(next + i32::try_from(offset).unwrap_or(i32::MAX)),
            change: Set(change.to_string()),
            change_id: Set(Some(*id)),
        });
    realignment_change::Entity::insert_many(rows)
        .exec_without_returning(conn)
        .await?;
    Ok(ids)
}

impl TenantScope<'_> {
    /// Realignments with these ids (those that exist in this tenant).
    pub async fn realignments_by_ids(
        &self,
        ids: &[RealignmentId],
    ) -> Result<Vec<RealignmentRecord>, StoreError> {
        let db = self.conn().await?;
        realignment_entity::Entity::find()
            .filter(realignment_entity::Column::TenantId.eq(self.tid()))
            .filter(realignment_entity::Column::Id.is_in(ids.iter().map(|i| i.as_uuid())))
            .all(&db)
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
